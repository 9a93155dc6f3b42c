package journal

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

// pendingFiles lists the files under Dir.
func pendingFiles(t *testing.T, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(filepath.Join(dir, ".kirofile", "pending"))
	if err != nil && !os.IsNotExist(err) {
		t.Fatal(err)
	}
	var out []string
	for _, e := range entries {
		out = append(out, e.Name())
	}
	return out
}

func TestWriteLoadRemove(t *testing.T) {
	dir := t.TempDir()
	at := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	r := New("feature.a.codegen.c", at)
	if !r.Add("out/a.go", "sha256:aa") || r.Add("out/a.go", "sha256:aa") || r.Add("out/a.go", "") {
		t.Fatal("Add reports news wrongly")
	}
	l := OpenLog(dir)
	if err := l.Write(r); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, ".kirofile", ".gitignore")); err != nil {
		t.Errorf("no .gitignore keeps the record out of version control: %v", err)
	}
	// A later record of the node replaces the first.
	r.Add("out/a.go", "sha256:bb")
	if err := l.Write(r); err != nil {
		t.Fatal(err)
	}
	other := New("feature.b.spec.design", at)
	other.Add(".kiro/specs/b/design.md", "sha256:cc")
	if err := l.Write(other); err != nil {
		t.Fatal(err)
	}
	got := Load(dir)
	if !reflect.DeepEqual(got, map[string]*Record{r.Node: r, other.Node: other}) {
		t.Fatalf("Load = %+v, want %+v and %+v", got, r, other)
	}
	if n := len(pendingFiles(t, dir)); n != 1 {
		t.Fatalf("%d files under %s, want one log for the run", n, Dir)
	}
	rec := got[r.Node]
	for _, tc := range []struct {
		path, hash string
		want       bool
	}{{"out/a.go", "sha256:aa", true}, {"out/a.go", "sha256:bb", true}, {"out/a.go", "sha256:cc", false}, {"out/b.go", "sha256:aa", false}, {"out/a.go", "", false}} {
		if rec.Matches(tc.path, tc.hash) != tc.want {
			t.Errorf("Matches(%s, %s) = %v", tc.path, tc.hash, !tc.want)
		}
	}
	var none *Record
	if none.Matches("out/a.go", "sha256:aa") {
		t.Error("a nil record matches")
	}
	if err := l.Remove(r.Node, "feature.never.codegen.c"); err != nil {
		t.Fatal(err)
	}
	if got := Load(dir); len(got) != 1 || got[other.Node] == nil {
		t.Fatalf("Load after Remove = %v, want only %s", got, other.Node)
	}
	// Close keeps what is unfinished.
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	if got := Load(dir); len(got) != 1 || got[other.Node] == nil {
		t.Fatalf("Load after Close = %v, want only %s", got, other.Node)
	}
	// The next run finishes it: nothing is left.
	l2 := OpenLog(dir)
	if err := l2.Remove(other.Node); err != nil {
		t.Fatal(err)
	}
	if got := Load(dir); len(got) != 0 {
		t.Fatalf("Load after the next run's Remove = %v", got)
	}
	if err := l2.Close(); err != nil {
		t.Fatal(err)
	}
	if files := pendingFiles(t, dir); len(files) != 0 {
		t.Fatalf("files left under %s: %v", Dir, files)
	}
}

// Records of earlier runs, in several logs or in the one-file-per-node
// form of earlier versions, are gathered into one log by the next run
// that closes, or go when none is unfinished.
func TestCloseGathers(t *testing.T) {
	dir := t.TempDir()
	pending := filepath.Join(dir, ".kirofile", "pending")
	if err := os.MkdirAll(pending, 0o755); err != nil {
		t.Fatal(err)
	}
	legacy := `{"node":"feature.a.codegen.c","started":"2026-01-01T00:00:00Z","files":{"out/a.go":["sha256:aa"]}}`
	if err := os.WriteFile(filepath.Join(pending, "feature.a.codegen.c.json"), []byte(legacy), 0o644); err != nil {
		t.Fatal(err)
	}
	for i, node := range []string{"feature.b.codegen.c", "feature.c.codegen.c"} {
		l := OpenLog(dir)
		r := New(node, time.Unix(int64(i), 0))
		r.Add("out/"+node, "sha256:bb")
		if err := l.Write(r); err != nil {
			t.Fatal(err)
		}
		l.f.Close() // killed: no Close
	}
	if got := Load(dir); len(got) != 3 {
		t.Fatalf("Load = %v, want three records", got)
	}
	l := OpenLog(dir)
	if err := l.Remove("feature.b.codegen.c"); err != nil {
		t.Fatal(err)
	}
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	files := pendingFiles(t, dir)
	if len(files) != 1 || !strings.HasSuffix(files[0], logExt) {
		t.Fatalf("files under %s: %v, want one log", Dir, files)
	}
	got := Load(dir)
	if len(got) != 2 || got["feature.a.codegen.c"] == nil || got["feature.c.codegen.c"] == nil {
		t.Fatalf("Load = %v, want a and c", got)
	}
	if !got["feature.a.codegen.c"].Matches("out/a.go", "sha256:aa") {
		t.Errorf("the legacy record lost its hashes: %+v", got["feature.a.codegen.c"])
	}
	l = OpenLog(dir)
	if err := l.Remove("feature.a.codegen.c", "feature.c.codegen.c"); err != nil {
		t.Fatal(err)
	}
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	if files := pendingFiles(t, dir); len(files) != 0 {
		t.Fatalf("files left under %s: %v", Dir, files)
	}
}

func TestLoadIgnoresBadRecords(t *testing.T) {
	dir := t.TempDir()
	pending := filepath.Join(dir, ".kirofile", "pending")
	if err := os.MkdirAll(pending, 0o755); err != nil {
		t.Fatal(err)
	}
	good := `{"node":"feature.d.codegen.c","files":{"out/d.go":["sha256:dd"]}}`
	for name, content := range map[string]string{
		"feature.a.codegen.c.json": "{not json",
		"feature.b.codegen.c.json": `{"node":"feature.other.codegen.c","files":{}}`,
		"feature.c.codegen.c.json": `{"node":"feature.c.codegen.c"}`,
		"notes.txt":                "x",
		// A line cut short by a killed process, lines naming no node or
		// a path, and one good line.
		"run-1.log": `{"node":"feature.e.codegen.c","files":{"out/e.go":["sha` + "\n" +
			`{"node":"../x","files":{"out/x":["sha256:xx"]}}` + "\n" +
			`{"files":{"out/x":["sha256:xx"]}}` + "\n\n" + good,
	} {
		if err := os.WriteFile(filepath.Join(pending, name), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if got := Load(dir); len(got) != 1 || got["feature.d.codegen.c"] == nil {
		t.Fatalf("Load = %v, want only feature.d.codegen.c", got)
	}
	if got := Load(filepath.Join(dir, "missing")); got != nil {
		t.Fatalf("Load of a missing directory = %v", got)
	}
}

func TestBadAddress(t *testing.T) {
	for _, node := range []string{"", "../x", `a\b`, ".hidden"} {
		l := OpenLog(t.TempDir())
		if err := l.Write(New(node, time.Now())); err == nil {
			t.Errorf("Write(%q) succeeded", node)
		}
		if err := l.Remove(node); err == nil {
			t.Errorf("Remove(%q) succeeded", node)
		}
	}
}

// A task's record loads under its address, quotes included.
func TestTaskRecord(t *testing.T) {
	dir := t.TempDir()
	r := New(`feature.a.codegen.c.task["2.1"]`, time.Unix(0, 0))
	r.Add("out/a.go", "sha256:aa")
	l := OpenLog(dir)
	if err := l.Write(r); err != nil {
		t.Fatal(err)
	}
	if got := Load(dir); got[r.Node] == nil || len(got) != 1 {
		t.Fatalf("Load = %v", got)
	}
	if err := l.Remove(r.Node); err != nil {
		t.Fatal(err)
	}
	if got := Load(dir); len(got) != 0 {
		t.Fatalf("Load after Remove = %v", got)
	}
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	if files := pendingFiles(t, dir); len(files) != 0 {
		t.Fatalf("files left under %s: %v", Dir, files)
	}
}
