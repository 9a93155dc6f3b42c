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

// Documents read ahead give the same findings as documents read when
// checked; a project without .kiro/specs reads nothing.
func TestCheckDocumentsReadAhead(t *testing.T) {
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
	write("Kirofile", "provider \"openai\" \"m\" {\n  model = \"x\"\n}\nfeature \"a\" {\n  spec \"requirements\" {}\n  spec \"design\" {}\n  spec \"notes\" {\n    kind = \"document\"\n    prompt = \"x\"\n    path = \"docs/notes.md\"\n  }\n}\nfeature \"b\" {\n  spec \"requirements\" {}\n}\n")
	cfg, diags := lang.Load(dir, lang.LoadOptions{})
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	if files, diags := CheckDocumentsRead(cfg, ReadDocuments(dir)); len(files)+len(diags) != 0 {
		t.Errorf("nothing on disk, yet %d files and %v", len(files), diags)
	}
	write(".kiro/specs/a/requirements.md", "# Requirements\n\nnone\n")
	write(".kiro/specs/a/design.md", "# Design\n")
	write(".kiro/specs/stale/x.md", "not declared\n")
	write("docs/notes.md", "notes\n")
	wantFiles, wantDiags := CheckDocuments(cfg)
	gotFiles, gotDiags := CheckDocumentsRead(cfg, ReadDocuments(dir))
	if len(gotFiles) != 3 || len(gotFiles) != len(wantFiles) || gotDiags.Error() != wantDiags.Error() {
		t.Errorf("read ahead: %d files, %v\nread then: %d files, %v", len(gotFiles), gotDiags, len(wantFiles), wantDiags)
	}
}
