package reply

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"runtime"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/kirofile/kirofile/internal/fsutil"
)

// snapshot records every entry under dir with its content (or link
// target), so a test can check that a failed Write left nothing behind,
// not even a temporary file.
func snapshot(t *testing.T, dir string) map[string]string {
	t.Helper()
	snap := map[string]string{}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		switch {
		case d.Type()&fs.ModeSymlink != 0:
			dest, err := os.Readlink(p)
			snap[rel] = "link:" + dest
			return err
		case d.IsDir():
			snap[rel] = "dir"
		default:
			b, err := os.ReadFile(p)
			fi, _ := d.Info()
			snap[rel] = fi.Mode().String() + ":" + string(b)
			return err
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return snap
}

func diffSnapshots(before, after map[string]string) []string {
	var diffs []string
	for k, v := range before {
		if after[k] != v {
			diffs = append(diffs, k+": "+v+" -> "+after[k])
		}
	}
	for k, v := range after {
		if _, ok := before[k]; !ok {
			diffs = append(diffs, k+": new "+v)
		}
	}
	sort.Strings(diffs)
	return diffs
}

func sum(s string) string {
	h := sha256.Sum256([]byte(s))
	return "sha256:" + hex.EncodeToString(h[:])
}

func TestWrite(t *testing.T) {
	dir := t.TempDir()
	mustWrite(t, filepath.Join(dir, "a.txt"), "old a\n", 0o600)
	mustWrite(t, filepath.Join(dir, "keep.txt"), "keep\n", 0o644)
	c := &Change{Files: map[string][]byte{
		"a.txt":         []byte("new a\n"),
		"x/y/z/new.txt": []byte("z\n"),
		"x/other.txt":   []byte(""),
	}}
	sums, err := c.Write(dir)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"a.txt": sum("new a\n"), "x/y/z/new.txt": sum("z\n"), "x/other.txt": sum("")}
	if !reflect.DeepEqual(sums, want) {
		t.Errorf("sums = %v, want %v", sums, want)
	}
	got := snapshot(t, dir)
	wantSnap := map[string]string{
		".":             "dir",
		"a.txt":         "-rw-------:new a\n", // the old mode is kept
		"keep.txt":      "-rw-r--r--:keep\n",
		"x":             "dir",
		"x/other.txt":   "-rw-r--r--:",
		"x/y":           "dir",
		"x/y/z":         "dir",
		"x/y/z/new.txt": "-rw-r--r--:z\n",
	}
	if d := diffSnapshots(wantSnap, got); len(d) > 0 {
		t.Errorf("project differs:\n%s", strings.Join(d, "\n"))
	}
}

// TestWriteAllOrNothing makes one rename fail, after earlier files have
// been renamed into place, and checks that the project is back to what it
// was byte for byte, with no temporary file, backup or new directory left.
func TestWriteAllOrNothing(t *testing.T) {
	tests := []struct {
		name  string
		setup func(t *testing.T, dir string)
		files map[string]string
	}{
		{
			name: "target is a directory",
			setup: func(t *testing.T, dir string) {
				if err := os.MkdirAll(filepath.Join(dir, "c"), 0o755); err != nil {
					t.Fatal(err)
				}
			},
			files: map[string]string{"a.txt": "new a\n", "b/new.txt": "new b\n", "b.txt": "new b\n", "c": "c\n", "d/e.txt": "e\n"},
		},
		{
			name: "rename fails",
			setup: func(t *testing.T, dir string) {
				old := rename
				rename = func(dir *os.Root, from, to string) error {
					if strings.HasSuffix(to, "c.txt") {
						return errors.New("injected failure")
					}
					return old(dir, from, to)
				}
				t.Cleanup(func() { rename = old })
			},
			files: map[string]string{"a.txt": "new a\n", "b/new.txt": "new b\n", "b.txt": "new b\n", "c.txt": "c\n", "d/e.txt": "e\n"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			mustWrite(t, filepath.Join(dir, "a.txt"), "old a\x00\xff\r\n", 0o640)
			mustWrite(t, filepath.Join(dir, "b.txt"), "old b\n", 0o644)
			mustWrite(t, filepath.Join(dir, "c.txt"), "old c\n", 0o644)
			if err := os.Symlink("a.txt", filepath.Join(dir, "link")); err != nil {
				t.Skip(err)
			}
			tt.files["link"] = "replaces the link\n"
			tt.setup(t, dir)
			before := snapshot(t, dir)

			c := &Change{Files: map[string][]byte{}}
			for p, s := range tt.files {
				c.Files[p] = []byte(s)
			}
			sums, err := c.Write(dir)
			if err == nil {
				t.Fatalf("Write succeeded: %v", sums)
			}
			if d := diffSnapshots(before, snapshot(t, dir)); len(d) > 0 {
				t.Errorf("project changed by a failed Write (%v):\n%s", err, strings.Join(d, "\n"))
			}
		})
	}
}

// TestWriteRefuses checks that Write repeats the checks that do not need
// the outputs, in case the project changed after Plan.
func TestWriteRefuses(t *testing.T) {
	dir := t.TempDir()
	outside := t.TempDir()
	if err := os.Symlink(outside, filepath.Join(dir, "out")); err != nil {
		t.Skip(err)
	}
	for _, p := range []string{"out/x.txt", ".git/config", "Kirofile", "../x", "/abs"} {
		c := &Change{Files: map[string][]byte{"ok.txt": []byte("ok\n"), p: []byte("x\n")}}
		_, err := c.Write(dir)
		var se *SecurityError
		if !errors.As(err, &se) {
			t.Errorf("Write(%s) = %v, want *SecurityError", p, err)
		}
	}
	if entries, _ := os.ReadDir(outside); len(entries) > 0 {
		t.Errorf("Write wrote outside the project: %v", entries)
	}
	if _, err := os.Stat(filepath.Join(dir, "ok.txt")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("Write wrote ok.txt despite refusing the change: %v", err)
	}
}

// TestWriteReplacesFinalLink checks that a symbolic link as the last
// component is replaced, not written through.
func TestWriteReplacesFinalLink(t *testing.T) {
	dir := t.TempDir()
	mustWrite(t, filepath.Join(dir, "target.txt"), "target\n", 0o644)
	if err := os.Symlink("target.txt", filepath.Join(dir, "link.txt")); err != nil {
		t.Skip(err)
	}
	c := &Change{Files: map[string][]byte{"link.txt": []byte("new\n")}}
	if _, err := c.Write(dir); err != nil {
		t.Fatal(err)
	}
	want := map[string]string{".": "dir", "link.txt": "-rw-r--r--:new\n", "target.txt": "-rw-r--r--:target\n"}
	if d := diffSnapshots(want, snapshot(t, dir)); len(d) > 0 {
		t.Errorf("project differs:\n%s", strings.Join(d, "\n"))
	}
}

func TestWriteEmpty(t *testing.T) {
	sums, err := (&Change{}).Write(t.TempDir())
	if err != nil || len(sums) != 0 {
		t.Errorf("Write = %v, %v; want nothing", sums, err)
	}
}

func mustWrite(t *testing.T, p, content string, perm os.FileMode) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(content), perm); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(p, perm); err != nil {
		t.Fatal(err)
	}
}

// Parallel nodes write under the same new directory: neither may fail
// because the other made it first.
func TestWriteConcurrentParents(t *testing.T) {
	for round := 0; round < 20; round++ {
		root := t.TempDir()
		var wg sync.WaitGroup
		errs := make([]error, 8)
		for i := range errs {
			wg.Add(1)
			go func() {
				defer wg.Done()
				c := &Change{Files: map[string][]byte{fmt.Sprintf("shared/deep/f%d/main.go", i): []byte("package x\n")}}
				_, errs[i] = c.Write(root)
			}()
		}
		wg.Wait()
		for i, err := range errs {
			if err != nil {
				t.Fatalf("round %d, writer %d: %v", round, i, err)
			}
		}
	}
}

// TestWriteSyncLater checks which files a Write syncs before it returns:
// every one, or with a Syncer only those replacing a file, the new ones
// and the directories holding their entries left to the Syncer.
func TestWriteSyncLater(t *testing.T) {
	dirs := func(n int) int {
		if runtime.GOOS == "windows" {
			return 0 // directories are not synced there
		}
		return n
	}
	tests := []struct {
		name      string
		later     bool
		files     map[string]string
		syncedNow int // files synced before Write returns
		queued    int // files and directories left to the Syncer
	}{
		{name: "Write syncs everything", files: map[string]string{"a.txt": "new a\n", "x/y/new.txt": "n\n"}, syncedNow: 2},
		{name: "a new file is left to the Syncer with its directories", later: true,
			files: map[string]string{"x/y/new.txt": "n\n"}, syncedNow: 0, queued: 1 + dirs(3)}, // x/y, and the entries of x and x/y
		{name: "a file replaced is synced at once", later: true,
			files: map[string]string{"a.txt": "new a\n"}, syncedNow: 1, queued: 0},
		{name: "both at once", later: true,
			files: map[string]string{"a.txt": "new a\n", "new.txt": "n\n"}, syncedNow: 1, queued: 1 + dirs(1)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			mustWrite(t, filepath.Join(dir, "a.txt"), "old a\n", 0o644)
			var mu sync.Mutex
			synced := 0
			old := syncFile
			syncFile = func(f *os.File) error {
				mu.Lock()
				synced++
				mu.Unlock()
				return old(f)
			}
			defer func() { syncFile = old }()
			c := &Change{Files: map[string][]byte{}}
			want := map[string]string{}
			for p, content := range tt.files {
				c.Files[p] = []byte(content)
				want[p] = sum(content)
			}
			var sums map[string]string
			var err error
			s := fsutil.NewSyncer(dir)
			if tt.later {
				sums, err = c.WriteSyncLater(dir, s)
			} else {
				sums, err = c.Write(dir)
			}
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(sums, want) {
				t.Errorf("sums = %v, want %v", sums, want)
			}
			for p, content := range tt.files {
				if got, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(p))); err != nil || string(got) != content {
					t.Errorf("%s holds %q (%v), want %q", p, got, err, content)
				}
			}
			if synced != tt.syncedNow {
				t.Errorf("files synced by Write: %d, want %d", synced, tt.syncedNow)
			}
			if got := s.Len(); got != tt.queued {
				t.Errorf("left to the Syncer: %d, want %d", got, tt.queued)
			}
			if err := s.Sync(); err != nil || s.Len() != 0 {
				t.Errorf("Sync: %v, %d left", err, s.Len())
			}
		})
	}
}
