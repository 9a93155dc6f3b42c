package plan

import (
	"os"
	"path/filepath"
	"slices"
	"testing"
)

// A file written during apply joins the listings of the globs that match
// it, and only those; a listing handed out before is not changed under its
// holder.
func TestDiskSetUpdatesMatchingGlobs(t *testing.T) {
	dir := t.TempDir()
	for _, f := range []string{"svc/a.go", "svc/sub/b.go", "doc/x.md", "go.mod"} {
		full := filepath.Join(dir, filepath.FromSlash(f))
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(full, []byte("x"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	d := newDisk(dir)
	patterns := []string{"svc/**", "svc/*.go", "**/*.md", "go.mod", "svc/sub/*.go", "*.mod"}
	before := map[string][]string{}
	for _, p := range patterns {
		before[p] = slices.Clone(d.expand(p))
	}
	held := d.expand("svc/**")
	for _, f := range []string{"svc/c.go", "svc/sub/d.go", "doc/y.md", "other/z.go", ".kirofile/cache/x.md"} {
		d.set(f, "sha256:x")
	}
	want := map[string][]string{
		"svc/**":       {"svc/a.go", "svc/c.go", "svc/sub/b.go", "svc/sub/d.go"},
		"svc/*.go":     {"svc/a.go", "svc/c.go"},
		"**/*.md":      {"doc/x.md", "doc/y.md"},
		"go.mod":       {"go.mod"},
		"svc/sub/*.go": {"svc/sub/b.go", "svc/sub/d.go"},
		"*.mod":        {"go.mod"},
	}
	for p, w := range want {
		if got := d.expand(p); !slices.Equal(got, w) {
			t.Errorf("%s = %v, want %v", p, got, w)
		}
	}
	if !slices.Equal(held, before["svc/**"]) {
		t.Errorf("a listing handed out changed: %v", held)
	}
}
