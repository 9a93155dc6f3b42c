package prompt

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kirofile/kirofile/internal/specdoc"
	"github.com/kirofile/kirofile/lang"
	"github.com/kirofile/kirofile/providers"
)

func load(t *testing.T, files map[string]string) *lang.Config {
	t.Helper()
	dir := t.TempDir()
	for name, content := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	cfg, diags := lang.Load(dir, lang.LoadOptions{})
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	return cfg
}

func node(t *testing.T, cfg *lang.Config, addr string) lang.Node {
	a, err := lang.ParseAddress(addr)
	if err != nil {
		t.Fatal(err)
	}
	return cfg.Node(a)
}

// A node's prompt holds the documents it depends on directly and those
// they depend on directly, most upstream first, not the chain above.
func TestUpstream(t *testing.T) {
	cfg := load(t, map[string]string{"Kirofile": `
provider "openai" "m" {
  model = "x"
}
feature "a" {
  spec "requirements" {}
  spec "design" {}
  spec "tasks" {}
  codegen "c" {
    outputs = ["c/**"]
  }
}
feature "b" {
  spec "requirements" {
    depends_on = [feature.a.spec.tasks]
  }
  spec "design" {}
  spec "tasks" {}
}
`})
	tests := map[string]string{
		"feature.a.spec.requirements": "",
		"feature.a.spec.design":       "feature.a.spec.requirements",
		"feature.a.spec.tasks":        "feature.a.spec.requirements feature.a.spec.design",
		"feature.a.codegen.c":         "feature.a.spec.requirements feature.a.spec.design feature.a.spec.tasks",
		"feature.b.spec.requirements": "feature.a.spec.design feature.a.spec.tasks",
		"feature.b.spec.design":       "feature.a.spec.tasks feature.b.spec.requirements",
		"feature.b.spec.tasks":        "feature.b.spec.requirements feature.b.spec.design",
	}
	for addr, want := range tests {
		var got []string
		for _, s := range Upstream(cfg, node(t, cfg, addr)) {
			got = append(got, s.Addr.String())
		}
		if strings.Join(got, " ") != want {
			t.Errorf("%s: %v, want %s", addr, got, want)
		}
	}
}

func TestCitedPaths(t *testing.T) {
	got := citedPaths("Edit `store/store.go` and (api/api.go), then ./cmd/main.go. See \"docs/x.md\": done; also [a/b.txt]")
	for _, p := range []string{"store/store.go", "api/api.go", "cmd/main.go", "docs/x.md", "a/b.txt"} {
		if !got[p] {
			t.Errorf("%s not cited in %v", p, got)
		}
	}
}

func TestUnshownNote(t *testing.T) {
	if unshownNote(nil) != "" {
		t.Error("a note for nothing")
	}
	var many []string
	for i := range maxUnshownNames + 5 {
		many = append(many, fmt.Sprintf("f%04d", i))
	}
	note := unshownNote(many)
	if !strings.HasSuffix(note, ", and 5 more.") || strings.Contains(note, "f1004") {
		t.Errorf("note not capped: ...%s", note[len(note)-60:])
	}
}

func TestThousands(t *testing.T) {
	for n, want := range map[int]string{0: "0", 999: "999", 1000: "1,000", 100000: "100,000", 1234567: "1,234,567", -4500: "-4,500"} {
		if got := thousands(n); got != want {
			t.Errorf("thousands(%d) = %q, want %q", n, got, want)
		}
	}
}

// The check counts the whole prompt and names its largest parts.
func TestCheck(t *testing.T) {
	cfg := load(t, map[string]string{"Kirofile": "kirofile {\n  max_prompt_tokens = 100\n}\nprovider \"openai\" \"m\" {\n  model = \"x\"\n}\nfeature \"a\" {\n  spec \"requirements\" {}\n}\n"})
	parts := providers.PromptParts{System: "s", Task: "t", Specs: []providers.Document{{Name: "x.md", Content: strings.Repeat("x", 300)}}}
	if err := Check(cfg, "feature.a.spec.requirements", parts, providers.BuildPrompt(parts)); err != nil {
		t.Errorf("a prompt under the limit: %v", err)
	}
	parts.Feedback = []string{strings.Repeat("f", 400)}
	err := Check(cfg, "feature.a.spec.requirements", parts, providers.BuildPrompt(parts))
	if err == nil {
		t.Fatal("a prompt over the limit passed")
	}
	for _, want := range []string{"the prompt of feature.a.spec.requirements is about 202 tokens", "over max_prompt_tokens (100)", "feedback from attempt 1 (100 tokens), spec document x.md (75 tokens), the task and its instructions (1 token)"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("%q lacks %q", err, want)
		}
	}
}

// A spec's instructions follow its kind and its feature's shape; the
// versions of the default templates stay as they were, so that existing
// projects do not regenerate.
func TestTemplate(t *testing.T) {
	cfg := load(t, map[string]string{"Kirofile": `
provider "openai" "m" {
  model = "x"
}
feature "plain" {
  spec "requirements" {}
  spec "design" {}
  spec "tasks" {}
  codegen "c" {
    outputs = ["c/**"]
  }
}
feature "fix" {
  spec "bugfix" {}
  spec "design" {}
  spec "tasks" {}
}
feature "designed" {
  workflow = "design-first"
  spec "requirements" {}
  spec "design" {}
  spec "tasks" {}
}
`})
	tests := []struct {
		addr, version, says string
	}{
		{"feature.plain.spec.requirements", "requirements/1", "# Requirements Document"},
		{"feature.plain.spec.design", "design/1", "for the approved requirements"},
		{"feature.plain.spec.tasks", "tasks/1", "citing the acceptance criteria"},
		{"feature.plain.codegen.c", "codegen/1", ""},
		{"feature.fix.spec.bugfix", "bugfix/1", "### Unchanged Behavior (Regression Prevention)"},
		{"feature.fix.spec.design", "design-bugfix/1", "## Hypothesized Root Cause"},
		{"feature.fix.spec.tasks", "tasks-bugfix/1", "fails on the unfixed code"},
		{"feature.designed.spec.design", "design-first/1", "from the feature description"},
		{"feature.designed.spec.requirements", "requirements-design-first/1", "for the approved design above"},
		{"feature.designed.spec.tasks", "tasks/1", "citing the acceptance criteria"},
	}
	for _, tt := range tests {
		text, version := Template(cfg, node(t, cfg, tt.addr))
		if version != tt.version || !strings.Contains(text, tt.says) {
			t.Errorf("%s: version %q, want %q; text %q lacks %q", tt.addr, version, tt.version, text, tt.says)
		}
	}
}

// Files that steering and upstream documents reference with #[[file:]]
// go into the prompt; a reference to nothing fails the prompt, naming it.
func TestBuildFileReferences(t *testing.T) {
	files := map[string]string{
		"Kirofile": `
provider "openai" "m" {
  model = "x"
}
steering "api" {
  file = ".kiro/steering/api.md"
}
feature "a" {
  spec "requirements" {}
  spec "design" {}
}
`,
		".kiro/steering/api.md":         "Follow the API in #[[file:api/openapi.yaml]].\n",
		"api/openapi.yaml":              "openapi: 3.1.0\n",
		".kiro/specs/a/requirements.md": "# Requirements Document\n\nThe schema is #[[file:schema.sql]].\n",
		".kiro/specs/a/schema.sql":      "create table t (id int);\n",
	}
	cfg := load(t, files)
	parts, err := Build(cfg, node(t, cfg, "feature.a.spec.design"), nil)
	if err != nil {
		t.Fatal(err)
	}
	user := providers.BuildPrompt(parts)[1].Content
	for _, want := range []string{"## api/openapi.yaml", "openapi: 3.1.0", "## .kiro/specs/a/schema.sql", "create table t"} {
		if !strings.Contains(user, want) {
			t.Errorf("the prompt lacks %q", want)
		}
	}
	if err := os.Remove(filepath.Join(cfg.Dir, ".kiro", "specs", "a", "schema.sql")); err != nil {
		t.Fatal(err)
	}
	_, err = Build(cfg, node(t, cfg, "feature.a.spec.design"), nil)
	var ref *specdoc.FileRefError
	if !errors.As(err, &ref) || !strings.Contains(err.Error(), "upstream spec feature.a.spec.requirements") || !strings.Contains(err.Error(), "schema.sql") {
		t.Errorf("a missing referenced file: %v", err)
	}
}
