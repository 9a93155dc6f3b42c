package journal

import (
	"os"
	"path/filepath"
	"reflect"
	"testing"
	"time"
)

func TestWriteLoadRemove(t *testing.T) {
	dir := t.TempDir()
	at := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	r := New("feature.a.codegen.c", at)
	if !r.Add("out/a.go", "sha256:aa") || r.Add("out/a.go", "sha256:aa") || r.Add("out/a.go", "") {
		t.Fatal("Add reports news wrongly")
	}
	r.Add("out/a.go", "sha256:bb")
	if err := Write(dir, r); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, ".kirofile", ".gitignore")); err != nil {
		t.Errorf("no .gitignore keeps the record out of version control: %v", err)
	}
	got := Load(dir)
	if !reflect.DeepEqual(got, map[string]*Record{r.Node: r}) {
		t.Fatalf("Load = %+v, want %+v", got, r)
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
	if err := Remove(dir, r.Node); err != nil {
		t.Fatal(err)
	}
	if err := Remove(dir, r.Node); err != nil {
		t.Fatalf("removing a missing record: %v", err)
	}
	if got := Load(dir); len(got) != 0 {
		t.Fatalf("Load after Remove = %v", got)
	}
}

func TestLoadIgnoresBadRecords(t *testing.T) {
	dir := t.TempDir()
	pending := filepath.Join(dir, ".kirofile", "pending")
	if err := os.MkdirAll(pending, 0o755); err != nil {
		t.Fatal(err)
	}
	for name, content := range map[string]string{
		"feature.a.codegen.c.json": "{not json",
		"feature.b.codegen.c.json": `{"node":"feature.other.codegen.c","files":{}}`,
		"feature.c.codegen.c.json": `{"node":"feature.c.codegen.c"}`,
		"notes.txt":                "x",
	} {
		if err := os.WriteFile(filepath.Join(pending, name), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if got := Load(dir); len(got) != 0 {
		t.Fatalf("Load = %v, want nothing", got)
	}
	if got := Load(filepath.Join(dir, "missing")); got != nil {
		t.Fatalf("Load of a missing directory = %v", got)
	}
}

func TestBadAddress(t *testing.T) {
	for _, node := range []string{"", "../x", `a\b`, ".hidden"} {
		if err := Write(t.TempDir(), New(node, time.Now())); err == nil {
			t.Errorf("Write(%q) succeeded", node)
		}
	}
}

// A task's record is named without the quotes of its address, which
// Windows does not allow in a name, and loads under the address.
func TestTaskRecord(t *testing.T) {
	dir := t.TempDir()
	r := New(`feature.a.codegen.c.task["2.1"]`, time.Unix(0, 0))
	r.Add("out/a.go", "sha256:aa")
	if err := Write(dir, r); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, ".kirofile", "pending", "feature.a.codegen.c.task[2.1].json")); err != nil {
		t.Fatal(err)
	}
	if got := Load(dir); got[r.Node] == nil || len(got) != 1 {
		t.Fatalf("Load = %v", got)
	}
	if err := Remove(dir, r.Node); err != nil {
		t.Fatal(err)
	}
	if got := Load(dir); len(got) != 0 {
		t.Fatalf("Load after Remove = %v", got)
	}
}
