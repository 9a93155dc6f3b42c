package reply

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

const sendGo = "package email\n\nfunc Send() error {\n\treturn nil\n}\n"

// newProject makes a project with ordinary files, protected files and
// symbolic links of every kind Plan must judge, and a directory outside it.
func newProject(t *testing.T) (project, outside string) {
	t.Helper()
	base := t.TempDir()
	project = filepath.Join(base, "project")
	outside = filepath.Join(base, "outside")
	files := map[string]string{
		"services/email/send.go":   sendGo,
		"services/email/sub/a.go":  "package sub\n",
		"docs/readme.md":           "# Readme\n",
		".git/config":              "[core]\n",
		"Kirofile":                 "project {}\n",
		"../outside/secret.txt":    "secret\n",
		"../outside/dir/inner.txt": "inner\n",
	}
	for name, content := range files {
		p := filepath.Join(project, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	links := map[string]string{
		"services/email/evil.go":   filepath.Join(outside, "secret.txt"),
		"services/linkdir":         filepath.Join(outside, "dir"),
		"services/relout":          "../../outside",
		"services/email/gitlink":   "../../.git",
		"services/alias":           "../docs",
		"services/email/inner":     "sub",
		"services/email/dangling":  "/nonexistent/kirofile-test/x",
		"services/email/samefile":  "send.go",
		"services/email/kirolink":  "../../Kirofile",
		"services/email/sub/loopy": "../sub",
	}
	for name, dest := range links {
		if err := os.Symlink(dest, filepath.Join(project, filepath.FromSlash(name))); err != nil {
			t.Skipf("symbolic links unavailable: %v", err)
		}
	}
	return project, outside
}

func whole(s string) *string { return &s }

func TestPlanSecurity(t *testing.T) {
	project, _ := newProject(t)
	services := []string{"services/**"}
	tests := []struct {
		name    string
		path    string
		outputs []string
		msg     string
	}{
		{"absolute", "/etc/passwd", []string{"**"}, "/etc/passwd is absolute"},
		{"climb", "a/../../x", []string{"**"}, "a/../../x climbs out of the project"},
		{"dot climb", "a/./../..", []string{"**"}, "a/./../.. climbs out of the project"},
		{"parent", "..", []string{"**"}, ".. climbs out of the project"},
		{"windows backslash", `C:\x`, []string{"**"}, `C:\x contains a backslash`},
		{"windows drive", "C:/x", []string{"**"}, "C:/x is absolute"},
		{"unclean", "services/email/../x.go", services, "is not in clean form (services/x.go)"},
		{"empty", "", []string{"**"}, "is not a file path"},
		{"control", "a\x00b", []string{"**"}, "control characters"},
		{"git", ".git/config", []string{"**"}, ".git/config is inside .git/"},
		{"git upper case", ".GIT/config", []string{"**"}, "is inside .git/"},
		{"git trailing dot", ".git./config", []string{"**"}, "is inside .git/"},
		{"nested git", "vendor/x/.git/HEAD", []string{"**"}, "is inside .git/"},
		{"state", ".kirofile/cache.json", []string{"**"}, "is inside .kirofile/"},
		{"Kirofile", "Kirofile", []string{"**"}, "Kirofile is kirofile's configuration"},
		{"lock", "Kirofile.lock.hcl", []string{"**"}, "is kirofile's configuration or lock"},
		{"json config", "kirofile.json", []string{"**"}, "is kirofile's configuration"},
		{"extra config", "mail.kiro.hcl", []string{"**"}, "is kirofile's configuration"},
		{"extra json config", "sub/x.kiro.json", []string{"**"}, "is kirofile's configuration"},
		{"nested Kirofile", "services/Kirofile", []string{"**"}, "is kirofile's configuration"},
		{"outside outputs", "docs/readme.md", []string{"services/email/**"}, "docs/readme.md is outside this codegen's outputs [services/email/**]"},
		{"no outputs", "services/email/x.go", nil, "is outside this codegen's outputs []"},
		{"bad glob matches nothing", "services/email/x.go", []string{"services/[email/**"}, "is outside this codegen's outputs"},
		{"symlink file out", "services/email/evil.go", services, "services/email/evil.go passes through the symbolic link services/email/evil.go, which leads out of the project"},
		{"symlinked parent out", "services/linkdir/new.go", services, "passes through the symbolic link services/linkdir, which leads out of the project"},
		{"symlinked parent out, existing file", "services/linkdir/inner.txt", services, "leads out of the project"},
		{"relative symlink out", "services/relout/secret.txt", services, "passes through the symbolic link services/relout, which leads out"},
		{"symlink into git", "services/email/gitlink/config", services, "leads through a symbolic link to .git/config, which is inside .git/"},
		{"symlink to Kirofile", "services/email/kirolink", services, "leads through a symbolic link to Kirofile, which is kirofile's configuration"},
		{"symlink outside outputs", "services/alias/readme.md", services, "leads through a symbolic link to docs/readme.md, which is outside this codegen's outputs [services/**]"},
		{"dangling symlink", "services/email/dangling", services, "leads nowhere that can be checked"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := Plan(context.Background(), project, Scope{Outputs: tt.outputs}, []Edit{{Path: tt.path, Whole: whole("x\n")}})
			var se *SecurityError
			if !errors.As(err, &se) {
				t.Fatalf("Plan = %v, %v; want *SecurityError", c, err)
			}
			if !strings.Contains(err.Error(), tt.msg) {
				t.Errorf("message %q lacks %q", err, tt.msg)
			}
		})
	}
}

// TestPlanSymlinksInside checks that links that stay inside the project
// and lead to allowed places are accepted.
func TestPlanSymlinksInside(t *testing.T) {
	project, _ := newProject(t)
	edits := []Edit{
		{Path: "services/email/inner/b.go", Whole: whole("package sub\n")},
		{Path: "services/email/samefile", Blocks: []SearchReplace{{Search: "\treturn nil\n", Replace: "\treturn errSend\n"}}},
		{Path: "services/email/sub/loopy/a.go", Whole: whole("package sub // a\n")},
	}
	c, err := Plan(context.Background(), project, Scope{Outputs: []string{"services/**"}}, edits)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{
		"services/email/inner/b.go":     "package sub\n",
		"services/email/samefile":       strings.Replace(sendGo, "nil", "errSend", 1),
		"services/email/sub/loopy/a.go": "package sub // a\n",
	}
	for p, w := range want {
		if got := string(c.Files[p]); got != w {
			t.Errorf("%s = %q, want %q", p, got, w)
		}
	}
}

// TestPlanProjectBehindSymlink checks that a project directory reached
// through a symbolic link is not itself taken for an escape.
func TestPlanProjectBehindSymlink(t *testing.T) {
	project, _ := newProject(t)
	link := filepath.Join(t.TempDir(), "link")
	if err := os.Symlink(project, link); err != nil {
		t.Skip(err)
	}
	if _, err := Plan(context.Background(), link, Scope{Outputs: []string{"services/**"}}, []Edit{{Path: "services/email/x.go", Whole: whole("x\n")}}); err != nil {
		t.Fatal(err)
	}
}

func TestPlanContent(t *testing.T) {
	project, _ := newProject(t)
	edits := []Edit{
		{Path: "services/email/send.go", Blocks: []SearchReplace{
			{Search: "func Send() error {\n", Replace: "// Send sends.\nfunc Send() error {\n"},
			{Search: "return nil\n", Replace: "return errNotYet\n"}, // indentation differs
		}},
		{Path: "services/email/new.go", Whole: whole("package email\n")},
		{Path: "services/email/created.go", Blocks: []SearchReplace{{Replace: "package email\n"}}},
		{Path: "services/email/both.go", Whole: whole("a\nb\n"), Blocks: []SearchReplace{{Search: "b\n", Replace: "c\n"}}},
		{Path: "services/email/created.go", Blocks: []SearchReplace{{Search: "", Replace: "\nvar x int\n"}}},
	}
	c, err := Plan(context.Background(), project, Scope{Outputs: []string{"services/email/**"}}, edits)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{
		"services/email/send.go":    "package email\n\n// Send sends.\nfunc Send() error {\n\treturn errNotYet\n}\n",
		"services/email/new.go":     "package email\n",
		"services/email/created.go": "package email\n\nvar x int\n",
		"services/email/both.go":    "a\nc\n",
	}
	got := map[string]string{}
	for p, b := range c.Files {
		got[p] = string(b)
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("files = %q\nwant %q", got, want)
	}
	wantPaths := []string{"services/email/both.go", "services/email/created.go", "services/email/new.go", "services/email/send.go"}
	if p := c.Paths(); !reflect.DeepEqual(p, wantPaths) {
		t.Errorf("Paths = %q, want %q", p, wantPaths)
	}
	// Planning must not write anything.
	if b, _ := os.ReadFile(filepath.Join(project, "services/email/send.go")); string(b) != sendGo {
		t.Errorf("Plan changed send.go: %q", b)
	}
	if _, err := os.Stat(filepath.Join(project, "services/email/new.go")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("Plan created new.go: %v", err)
	}
}

func TestPlanFormatErrors(t *testing.T) {
	project, _ := newProject(t)
	outputs := []string{"**"}
	tests := []struct {
		name  string
		edits []Edit
		line  int
		msg   []string
	}{
		{"search not found", []Edit{{Path: "services/email/send.go", Line: 3, Blocks: []SearchReplace{
			{Search: "func Send() error {\n\treturn err\n}\n", Replace: "x\n", Line: 12}}}},
			12, []string{"services/email/send.go: the SEARCH block at line 12 matches nothing", "first line at line 3",
				"func Send() error {\n\treturn nil\n}", "reply with the whole file instead"}},
		{"search not found, no similar line", []Edit{{Path: "services/email/send.go", Blocks: []SearchReplace{
			{Search: "nothing like it\n", Replace: "x\n", Line: 7}}}},
			7, []string{"line 7 matches nothing", "here are the file's first lines", "```\npackage email\n"}},
		{"second block fails after first applied", []Edit{{Path: "services/email/send.go", Blocks: []SearchReplace{
			{Search: "\treturn nil\n", Replace: "\treturn errX\n", Line: 4},
			{Search: "\treturn nil\n", Replace: "\treturn errY\n", Line: 9}}}},
			9, []string{"line 9 matches nothing", "return errX"}},
		{"missing file", []Edit{{Path: "services/email/none.go", Blocks: []SearchReplace{{Search: "x\n", Replace: "y\n", Line: 5}}}},
			5, []string{"line 5 edits a file that does not exist", "whole file"}},
		{"directory", []Edit{{Path: "services/email", Line: 2, Whole: whole("x\n")}}, 2, []string{"is a directory"}},
		{"file as directory", []Edit{{Path: "services/email/send.go/x.go", Line: 2, Whole: whole("x\n")}}, 2,
			[]string{"services/email/send.go is a file, so nothing can be created under it"}},
		{"two problems", []Edit{
			{Path: "services/email/none.go", Blocks: []SearchReplace{{Search: "x\n", Line: 5}}},
			{Path: "services/email/send.go", Blocks: []SearchReplace{{Search: "y\n", Line: 9}}},
		}, 5, []string{"2 problems", "line 5", "line 9"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := Plan(context.Background(), project, Scope{Outputs: outputs}, tt.edits)
			var fe *FormatError
			if !errors.As(err, &fe) {
				t.Fatalf("Plan = %v, %v; want *FormatError", c, err)
			}
			if fe.Line != tt.line {
				t.Errorf("Line = %d, want %d", fe.Line, tt.line)
			}
			for _, s := range tt.msg {
				if !strings.Contains(err.Error(), s) {
					t.Errorf("message lacks %q:\n%v", s, err)
				}
			}
		})
	}
}

// TestPlanSecurityWins checks that one forbidden path fails the whole
// reply as a security error even when other edits have format problems.
func TestPlanSecurityWins(t *testing.T) {
	project, _ := newProject(t)
	edits := []Edit{
		{Path: "services/email", Whole: whole("x\n")},
		{Path: "services/email/none.go", Blocks: []SearchReplace{{Search: "x\n"}}},
		{Path: "docs/readme.md", Whole: whole("x\n")},
	}
	_, err := Plan(context.Background(), project, Scope{Outputs: []string{"services/**"}}, edits)
	var se *SecurityError
	if !errors.As(err, &se) || se.Path != "docs/readme.md" {
		t.Fatalf("err = %v, want *SecurityError for docs/readme.md", err)
	}
}

// TestParsePlan runs a realistic reply through both steps.
func TestParsePlan(t *testing.T) {
	project, _ := newProject(t)
	reply := "Here are the changes.\n\n" +
		"services/email/send.go\n```go\n<<<<<<< SEARCH\n    return nil\n=======\n    return send()\n>>>>>>> REPLACE\n```\n\n" +
		"**`services/email/send_test.go`**\n```go\npackage email\n```\n"
	edits, err := Parse(reply)
	if err != nil {
		t.Fatal(err)
	}
	c, err := Plan(context.Background(), project, Scope{Outputs: []string{"services/email/**"}}, edits)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := string(c.Files["services/email/send.go"]), strings.Replace(sendGo, "nil", "send()", 1); got != want {
		t.Errorf("send.go = %q, want %q", got, want)
	}
	if got := string(c.Files["services/email/send_test.go"]); got != "package email\n" {
		t.Errorf("send_test.go = %q", got)
	}
}

// A scope with its protected paths folded once answers as one folding
// them for every path checked.
func TestFoldedScope(t *testing.T) {
	protected := map[string]string{".kiro/specs/a/design.md": "the spec document of feature.a.spec.design", "Steering/Tech.md": "the steering file of steering.tech"}
	plain := Scope{Protected: protected}
	folded := Scope{Protected: protected, Folded: FoldProtected(protected)}
	for _, p := range []string{".kiro/specs/a/design.md", ".KIRO/Specs/A/Design.md", "steering/tech.md", "steering/tech.md.", "svc/main.go", ".kiro/specs/a/design.md:stream", ""} {
		if got, want := folded.protected(p), plain.protected(p); got != want {
			t.Errorf("%q: folded %q, plain %q", p, got, want)
		}
	}
}
