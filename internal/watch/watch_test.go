package watch

import (
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"testing"
	"time"
)

// guard bounds every wait. It only turns a hang into a failure; no test
// asserts how fast anything happens.
const guard = 5 * time.Second

// testDebounce keeps the suite quick. Correctness never depends on it except
// in the coalescing test, which sets its own, longer period.
const testDebounce = 50 * time.Millisecond

func start(t *testing.T, dir string, opts Options) *Watcher {
	t.Helper()
	if opts.Debounce == 0 {
		opts.Debounce = testDebounce
	}
	w, err := New(dir, opts)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	t.Cleanup(func() {
		if err := w.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return w
}

func write(t *testing.T, dir, rel, content string) {
	t.Helper()
	p := filepath.Join(dir, filepath.FromSlash(rel))
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

// next returns the next batch, checking the invariants every batch must hold.
func next(t *testing.T, w *Watcher) []string {
	t.Helper()
	select {
	case b, ok := <-w.Batches():
		if !ok {
			t.Fatal("Batches closed unexpectedly")
		}
		if len(b) == 0 {
			t.Fatal("empty batch delivered")
		}
		if !slices.IsSorted(b) {
			t.Fatalf("batch not sorted: %q", b)
		}
		if len(slices.Compact(slices.Clone(b))) != len(b) {
			t.Fatalf("batch has duplicates: %q", b)
		}
		return b
	case err := <-w.Errors():
		t.Fatalf("unexpected error: %v", err)
	case <-time.After(guard):
		t.Fatal("no batch within the guard timeout")
	}
	return nil
}

// until collects batches until one contains want, and returns all of them.
// Because events are delivered in order, anything changed before want was
// written shows up in these batches or not at all, which lets tests assert
// that something was never reported without waiting for a timeout.
func until(t *testing.T, w *Watcher, want string) [][]string {
	t.Helper()
	var all [][]string
	for {
		b := next(t, w)
		all = append(all, b)
		if slices.Contains(b, want) {
			return all
		}
	}
}

func count(batches [][]string, p string) int {
	n := 0
	for _, b := range batches {
		for _, q := range b {
			if q == p {
				n++
			}
		}
	}
	return n
}

func TestWriteReported(t *testing.T) {
	tests := []struct {
		name     string
		existing string // created before the watcher starts, then rewritten
		path     string
	}{
		{name: "new file in root", path: "main.go"},
		{name: "new file in nested dir", path: "services/api/handler.go"},
		{name: "rewrite in root", existing: "go.mod", path: "go.mod"},
		{name: "rewrite in nested dir", existing: "a/b/c/d.txt", path: "a/b/c/d.txt"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			// The directory exists before New, so this checks the initial
			// recursive walk rather than later directory creation.
			if err := os.MkdirAll(filepath.Join(dir, filepath.Dir(filepath.FromSlash(tt.path))), 0o755); err != nil {
				t.Fatal(err)
			}
			if tt.existing != "" {
				write(t, dir, tt.existing, "old")
			}
			w := start(t, dir, Options{})
			write(t, dir, tt.path, "new")
			if got := next(t, w); !slices.Equal(got, []string{tt.path}) {
				t.Fatalf("batch = %q, want [%q]", got, tt.path)
			}
		})
	}
}

func TestNewSubdirectoryIsWatched(t *testing.T) {
	dir := t.TempDir()
	w := start(t, dir, Options{})

	// A file written right after mkdir races with adding the new watch; it
	// must be reported either way.
	write(t, dir, "pkg/inner/first.go", "1")
	until(t, w, "pkg/inner/first.go")

	// Once that settled, the new directories must be watched themselves.
	write(t, dir, "pkg/inner/second.go", "2")
	write(t, dir, "pkg/top.go", "3")
	all := until(t, w, "pkg/top.go")
	if count(all, "pkg/inner/second.go") != 1 {
		t.Fatalf("pkg/inner/second.go not reported once: %q", all)
	}
}

func TestRenamedDirectoryIsWatched(t *testing.T) {
	dir := t.TempDir()
	write(t, dir, "old/keep.txt", "x")
	write(t, dir, "old/sub/keep.txt", "x")
	w := start(t, dir, Options{})

	if err := os.Rename(filepath.Join(dir, "old"), filepath.Join(dir, "new")); err != nil {
		t.Fatal(err)
	}
	// Files moved into place count as changed.
	all := until(t, w, "new/sub/keep.txt")

	// The moved directories must now report under their new names, and a
	// directory recreated under the old name must be watched afresh.
	write(t, dir, "new/sub/after.txt", "y")
	write(t, dir, "new/after.txt", "y")
	write(t, dir, "old/again.txt", "z")
	all = append(all, until(t, w, "old/again.txt")...)
	write(t, dir, "sentinel", "")
	all = append(all, until(t, w, "sentinel")...)
	for _, p := range []string{"new/keep.txt", "new/sub/keep.txt", "new/sub/after.txt", "new/after.txt", "old/again.txt"} {
		if n := count(all, p); n != 1 {
			t.Errorf("%s reported %d times, want 1: %q", p, n, all)
		}
	}
	for _, p := range []string{"old/keep.txt", "old/sub/keep.txt", "old/after.txt", "old/sub/after.txt"} {
		if n := count(all, p); n != 0 {
			t.Errorf("stale path %s reported: %q", p, all)
		}
	}
}

func TestAtomicSaveReportsTargetOnce(t *testing.T) {
	tests := []struct {
		name string
		temp string // not matched by the default ignore, so only settling hides it
	}{
		{name: "temp beside target", temp: "src/main.go.kf-save"},
		{name: "hidden temp", temp: "src/.main.go.partial"},
		{name: "temp in other dir", temp: "scratch/main.go"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			write(t, dir, "src/main.go", "package main")
			if err := os.MkdirAll(filepath.Join(dir, "scratch"), 0o755); err != nil {
				t.Fatal(err)
			}
			w := start(t, dir, Options{})

			write(t, dir, tt.temp, "package main // edited")
			if err := os.Rename(filepath.Join(dir, tt.temp), filepath.Join(dir, "src", "main.go")); err != nil {
				t.Fatal(err)
			}
			all := until(t, w, "src/main.go")
			write(t, dir, "sentinel", "")
			all = append(all, until(t, w, "sentinel")...)

			if n := count(all, "src/main.go"); n != 1 {
				t.Fatalf("src/main.go reported %d times: %q", n, all)
			}
			if n := count(all, tt.temp); n != 0 {
				t.Fatalf("temp file %s reported: %q", tt.temp, all)
			}
		})
	}
}

func TestRapidWritesCoalesce(t *testing.T) {
	dir := t.TempDir()
	write(t, dir, "notes.md", "")
	// A generous quiet period so that scheduler hiccups between the writes
	// below cannot split the burst.
	w := start(t, dir, Options{Debounce: 500 * time.Millisecond})

	f, err := os.OpenFile(filepath.Join(dir, "notes.md"), os.O_WRONLY|os.O_APPEND, 0)
	if err != nil {
		t.Fatal(err)
	}
	for range 50 {
		if _, err := f.WriteString("line\n"); err != nil {
			t.Fatal(err)
		}
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	for range 10 {
		write(t, dir, "notes.md", "rewritten")
	}

	if got := next(t, w); !slices.Equal(got, []string{"notes.md"}) {
		t.Fatalf("first batch = %q, want [notes.md]", got)
	}
	write(t, dir, "sentinel", "")
	if got := next(t, w); !slices.Equal(got, []string{"sentinel"}) {
		t.Fatalf("second batch = %q, want [sentinel]: the burst was split", got)
	}
}

func TestSeveralFilesInOneBatch(t *testing.T) {
	dir := t.TempDir()
	w := start(t, dir, Options{Debounce: 500 * time.Millisecond})
	want := []string{"a.go", "b/c.go", "z.txt"}
	for _, p := range slices.Backward(want) {
		write(t, dir, p, "x")
		write(t, dir, p, "y")
	}
	if got := next(t, w); !slices.Equal(got, want) {
		t.Fatalf("batch = %q, want %q", got, want)
	}
}

func TestRemovedFilesNotReported(t *testing.T) {
	dir := t.TempDir()
	write(t, dir, "gone.txt", "x")
	w := start(t, dir, Options{})

	if err := os.Remove(filepath.Join(dir, "gone.txt")); err != nil {
		t.Fatal(err)
	}
	write(t, dir, "brief.txt", "x") // created and removed in one burst
	if err := os.Remove(filepath.Join(dir, "brief.txt")); err != nil {
		t.Fatal(err)
	}
	write(t, dir, "sentinel", "")
	all := until(t, w, "sentinel")
	if count(all, "gone.txt")+count(all, "brief.txt") != 0 {
		t.Fatalf("removed files reported: %q", all)
	}
}

func TestIgnored(t *testing.T) {
	tests := []struct {
		name    string
		opts    Options
		before  []string // created before New (their directories are walked)
		written []string // written after New; none may be reported
	}{
		{
			name:   "default ignored dirs existing",
			before: []string{".git/HEAD", ".kirofile/run.lock", "node_modules/x/index.js", "web/node_modules/y/a.js"},
			written: []string{".git/HEAD", ".git/objects/ab/cdef", ".kirofile/run.lock",
				"node_modules/x/index.js", "web/node_modules/y/a.js"},
		},
		{
			name:    "default ignored dirs created later",
			written: []string{".git/refs/heads/main", "node_modules/z/z.js", "deep/er/.kirofile/log"},
		},
		{
			name: "default editor temp files",
			written: []string{"main.go~", ".main.go.swp", "sub/.x.go.swx", ".#main.go", "4913",
				"sub/4913", "save.tmp"},
		},
		{
			name:    "custom ignore",
			opts:    Options{Ignore: func(rel string, isDir bool) bool { return rel == "build" || rel == "secret.txt" }},
			before:  []string{"build/old.o"},
			written: []string{"build/new.o", "build/sub/x.o", "secret.txt"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			for _, p := range tt.before {
				write(t, dir, p, "before")
			}
			w := start(t, dir, tt.opts)
			for _, p := range tt.written {
				write(t, dir, p, "after")
			}
			write(t, dir, "sentinel", "")
			all := until(t, w, "sentinel")
			for _, p := range tt.written {
				if count(all, p) != 0 {
					t.Errorf("ignored %s reported: %q", p, all)
				}
			}
		})
	}
}

func TestCustomIgnoreReplacesDefault(t *testing.T) {
	dir := t.TempDir()
	w := start(t, dir, Options{Ignore: func(string, bool) bool { return false }})
	write(t, dir, "x.tmp", "a")
	if got := next(t, w); !slices.Equal(got, []string{"x.tmp"}) {
		t.Fatalf("batch = %q, want [x.tmp]", got)
	}
}

// closed waits for both channels to be closed, draining anything left.
func closed(t *testing.T, w *Watcher) {
	t.Helper()
	timeout := time.After(guard)
	for b, e := w.Batches(), w.Errors(); b != nil || e != nil; {
		select {
		case _, ok := <-b:
			if !ok {
				b = nil
			}
		case _, ok := <-e:
			if !ok {
				e = nil
			}
		case <-timeout:
			t.Fatal("channels not closed within the guard timeout")
		}
	}
}

func TestClose(t *testing.T) {
	dir := t.TempDir()
	before := runtime.NumGoroutine()
	w, err := New(dir, Options{Debounce: testDebounce})
	if err != nil {
		t.Fatal(err)
	}
	// Changes in flight, and a batch nobody reads, must not keep Close from
	// returning.
	write(t, dir, "a.txt", "x")
	write(t, dir, "sub/b.txt", "x")

	done := make(chan error, 1)
	go func() { done <- w.Close() }()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("Close: %v", err)
		}
	case <-time.After(guard):
		t.Fatal("Close did not return")
	}
	closed(t, w)
	if err := w.Close(); err != nil {
		t.Fatalf("second Close: %v", err)
	}
	// Goroutines that were told to stop may take a moment to be reaped, so
	// poll; the guard only bounds the wait.
	for deadline := time.Now().Add(guard); runtime.NumGoroutine() > before; {
		if time.Now().After(deadline) {
			t.Fatalf("goroutines leaked: %d before New, %d after Close", before, runtime.NumGoroutine())
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func TestRootRemovedIsFatal(t *testing.T) {
	parent := t.TempDir()
	dir := filepath.Join(parent, "project")
	write(t, dir, "a.txt", "x")
	w := start(t, dir, Options{})

	if err := os.RemoveAll(dir); err != nil {
		t.Fatal(err)
	}
	var gotErr bool
	timeout := time.After(guard)
	for b, e := w.Batches(), w.Errors(); b != nil || e != nil; {
		select {
		case _, ok := <-b:
			if !ok {
				b = nil
			}
		case err, ok := <-e:
			if !ok {
				e = nil
			} else if err != nil {
				gotErr = true
			}
		case <-timeout:
			t.Fatal("channels not closed after the root was removed")
		}
	}
	if !gotErr {
		t.Fatal("no error reported for the removed root")
	}
}

func TestNewErrors(t *testing.T) {
	dir := t.TempDir()
	write(t, dir, "file", "x")
	for _, p := range []string{filepath.Join(dir, "missing"), filepath.Join(dir, "file")} {
		if w, err := New(p, Options{}); err == nil {
			w.Close()
			t.Errorf("New(%s) succeeded, want error", p)
		}
	}
}

func TestDefaultIgnore(t *testing.T) {
	tests := []struct {
		rel   string
		isDir bool
		want  bool
	}{
		{".git", true, true},
		{"a/.git", true, true},
		{".git", false, true}, // the .git file of a worktree
		{".kirofile", true, true},
		{"web/node_modules", true, true},
		{".github", true, false},
		{"src", true, false},
		{"main.go~", false, true},
		{".main.go.swp", false, true},
		{"a/.main.go.swo", false, true},
		{"main.swp", false, false}, // not hidden: a real file
		{".#main.go", false, true},
		{"4913", false, true},
		{"x/4913", false, true},
		{"49130", false, false},
		{"a.tmp", false, true},
		{"tmp", true, false},
		{"main.go", false, false},
		{".env", false, false},
		{"Kirofile.lock.hcl", false, false},
	}
	for _, tt := range tests {
		if got := DefaultIgnore(tt.rel, tt.isDir); got != tt.want {
			t.Errorf("DefaultIgnore(%q, %v) = %v, want %v", tt.rel, tt.isDir, got, tt.want)
		}
	}
}

func TestMatch(t *testing.T) {
	paths := []string{"Kirofile", "go.mod", "services/api/main.go", "services/api/main_test.go", "docs/a.md"}
	tests := []struct {
		name  string
		globs []string
		want  []string
	}{
		{name: "no globs matches all", globs: nil, want: paths},
		{name: "empty globs matches all", globs: []string{}, want: paths},
		{name: "doublestar", globs: []string{"services/**/*.go"}, want: []string{"services/api/main.go", "services/api/main_test.go"}},
		{name: "star does not cross slash", globs: []string{"*.go"}, want: nil},
		{name: "any depth", globs: []string{"**/*.md"}, want: []string{"docs/a.md"}},
		{name: "several globs, order kept, no duplicates", globs: []string{"**/*_test.go", "go.mod", "services/**"},
			want: []string{"go.mod", "services/api/main.go", "services/api/main_test.go"}},
		{name: "braces", globs: []string{"{Kirofile,go.mod}"}, want: []string{"Kirofile", "go.mod"}},
		{name: "no match", globs: []string{"web/**"}, want: nil},
		{name: "malformed glob matches nothing", globs: []string{"[a"}, want: nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Match(paths, tt.globs); !slices.Equal(got, tt.want) {
				t.Fatalf("Match(%q) = %q, want %q", tt.globs, got, tt.want)
			}
		})
	}
	if got := Match(nil, []string{"**"}); len(got) != 0 {
		t.Fatalf("Match(nil) = %q, want empty", got)
	}
}
