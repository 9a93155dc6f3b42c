package project

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kirofile/kirofile/lang"
)

// Documents that exist are checked, in any directory; those that do not
// are skipped; the findings come in feature order whatever the
// parallelism.
func TestCheckDocuments(t *testing.T) {
	dir := t.TempDir()
	write := func(name, content string) {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	var kf strings.Builder
	kf.WriteString("provider \"openai\" \"m\" {\n  model = \"x\"\n}\n")
	for _, f := range []string{"a", "b", "c", "d"} {
		kf.WriteString("feature \"" + f + "\" {\n  spec \"requirements\" {}\n  spec \"design\" {}\n")
		kf.WriteString("  spec \"notes\" {\n    kind = \"document\"\n    prompt = \"x\"\n    path = \"docs/" + f + "/notes.md\"\n  }\n}\n")
	}
	write("Kirofile", kf.String())
	write(".kiro/specs/a/requirements.md", "# Requirements\n\nnone\n")
	write(".kiro/specs/c/design.md", "# Design\n")
	write("docs/d/notes.md", "notes\n")
	cfg, diags := lang.Load(dir, lang.LoadOptions{})
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	files, diags := CheckDocuments(cfg)
	var got []string
	for name := range files {
		got = append(got, name)
	}
	if len(got) != 3 || files["docs/d/notes.md"] == nil || files[".kiro/specs/c/design.md"] == nil || files[".kiro/specs/a/requirements.md"] == nil {
		t.Errorf("documents read: %v", got)
	}
	var where []string
	for _, d := range diags {
		where = append(where, d.Subject.Filename)
	}
	if len(diags) == 0 || where[0] != ".kiro/specs/a/requirements.md" || where[len(where)-1] != ".kiro/specs/c/design.md" {
		t.Errorf("findings out of order or missing: %v", where)
	}
}
