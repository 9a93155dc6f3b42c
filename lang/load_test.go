package lang

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/hashicorp/hcl/v2"
	"github.com/zclconf/go-cty/cty"
)

// writeProject writes files (name -> content) into a new temp dir.
func writeProject(t *testing.T, files map[string]string) string {
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
	return dir
}

// diagLine renders a diagnostic as "SEVERITY FILE:LINE,COL: SUMMARY".
func diagLine(d *hcl.Diagnostic) string {
	sev := "error"
	if d.Severity == hcl.DiagWarning {
		sev = "warning"
	}
	if d.Subject == nil {
		return fmt.Sprintf("%s: %s", sev, d.Summary)
	}
	return fmt.Sprintf("%s %s:%d,%d: %s", sev, d.Subject.Filename, d.Subject.Start.Line, d.Subject.Start.Column, d.Summary)
}

const okProvider = `
provider "openai" "main" {
  model = "gpt-4o-mini"
}
`

func TestLoadBadInput(t *testing.T) {
	tests := []struct {
		name  string
		files map[string]string
		opts  LoadOptions
		// want lists every diagnostic, in order, as diagLine renders it.
		want []string
		// detail, when set, must appear in the first diagnostic's detail.
		detail string
	}{
		{
			name:  "syntax error",
			files: map[string]string{"Kirofile": "feature \"a\" {\n  description = \n}\n"},
			want:  []string{"error Kirofile:2,17: Invalid expression"},
		},
		{
			name: "syntax errors in two files are reported together",
			files: map[string]string{
				"Kirofile":      "feature \"a\" {\n",
				"more.kiro.hcl": "hook \"x\" {\n  on = [\n}\n",
			},
			want: []string{
				"error Kirofile:1,13: Unclosed configuration block",
				"error more.kiro.hcl:3,1: Invalid expression",
			},
		},
		{
			name:  "json syntax error",
			files: map[string]string{"Kirofile.json": `{"feature": {"a": {}`},
			want: []string{
				"error Kirofile.json:1,1: Unclosed object",
				"error Kirofile.json:1,1: Root value must be object",
				"error Kirofile.json:1,13: Unclosed object",
			},
		},
		{
			name:  "unknown block",
			files: map[string]string{"Kirofile": okProvider + "resource \"x\" \"y\" {}\n"},
			want:  []string{"error Kirofile:5,1: Unsupported block type"},
		},
		{
			name: "unknown attribute in spec and codegen",
			files: map[string]string{"Kirofile": okProvider + `
feature "a" {
  spec "requirements" {
    colour = "red"
  }
  codegen "c" {
    outputs = ["x/**"]
    ouputs  = ["y/**"]
  }
}
`},
			want: []string{
				"error Kirofile:8,5: Unsupported argument",
				"error Kirofile:12,5: Unsupported argument",
			},
		},
		{
			name: "unknown provider argument",
			files: map[string]string{"Kirofile": `
provider "openai" "main" {
  model = "m"
  modle = "x"
}
`},
			want:   []string{"error Kirofile:4,3: Unsupported argument"},
			detail: `Did you mean "model"?`,
		},
		{
			name: "duplicate names",
			files: map[string]string{
				"Kirofile": okProvider + `
feature "a" {
  spec "requirements" {}
  spec "requirements" {}
}
hook "h" {
  on = ["spec.generated"]
  action "exec" { command = ["true"] }
}
variable "v" {}
`,
				"more.kiro.hcl": `
feature "a" {}
hook "h" {
  on = ["spec.generated"]
  action "exec" { command = ["true"] }
}
variable "v" {}
`,
			},
			want: []string{
				"error Kirofile:8,3: Duplicate spec \"requirements\"",
				"error more.kiro.hcl:2,1: Duplicate feature \"a\"",
				"error more.kiro.hcl:3,1: Duplicate hook \"h\"",
				"error more.kiro.hcl:7,1: Duplicate variable \"v\"",
			},
			detail: "already declared at Kirofile:7:3",
		},
		{
			name: "unknown references",
			files: map[string]string{"Kirofile": okProvider + `
locals {
  x = var.nope
}
feature "a" {
  description = local.missing
  spec "requirements" {
    prompt = "see ${feature.b.spec.design.path}"
  }
  spec "design" {
    depends_on = [spec.requirement]
  }
  codegen "c" {
    outputs = ["${self.x}/**"]
  }
}
`},
			want: []string{
				"error Kirofile:7,7: Reference to undeclared variable",
				"error Kirofile:10,17: Reference to undeclared local value",
				"error Kirofile:12,21: Reference to undeclared feature",
				"error Kirofile:15,19: Reference to undeclared spec",
				"error Kirofile:18,19: Unknown reference",
			},
		},
		{
			name: "spec reference outside a feature and provider reference that is not one",
			files: map[string]string{"Kirofile": okProvider + `
feature "a" {
  provider = "openai"
  spec "requirements" {}
}
hook "h" {
  on = [spec.requirements.path]
  action "exec" { command = ["true"] }
}
`},
			want: []string{
				"error Kirofile:7,14: Invalid provider reference",
				"error Kirofile:11,9: Reference not allowed here",
			},
		},
		{
			name: "wrong types",
			files: map[string]string{"Kirofile": okProvider + `
feature "a" {
  description = ["not", "a", "string"]
  codegen "c" {
    outputs      = "x/**"
    max_attempts = "three"
  }
}
hook "h" {
  on       = ["codegen.completed"]
  feedback = "yes please"
  action "exec" {
    command = "go test ./..."
  }
}
`},
			want: []string{
				"error Kirofile:7,17: Incorrect attribute value type",
				"error Kirofile:9,20: Incorrect attribute value type",
				"error Kirofile:10,20: Incorrect attribute value type",
				"error Kirofile:15,14: Incorrect attribute value type",
				"error Kirofile:17,15: Incorrect attribute value type",
			},
		},
		{
			name: "variable value of the wrong type",
			files: map[string]string{"Kirofile": `
variable "n" {
  type    = number
  default = "many"
}
`},
			want: []string{"error Kirofile:4,13: Invalid default value for variable"},
		},
		{
			name: "missing required variable only when required",
			files: map[string]string{"Kirofile": okProvider + `
variable "service" {
  type = string
}
feature "a" {
  spec "requirements" {
    path = "docs/${var.service}.md"
  }
}
`},
			opts:   LoadOptions{RequireVariables: true},
			want:   []string{"error Kirofile:6,1: No value for required variable"},
			detail: "-var 'service=VALUE'",
		},
		{
			name: "a required variable given a value of the wrong type: one error",
			files: map[string]string{"Kirofile": okProvider + `
variable "n" {
  type = number
}
`},
			opts:   LoadOptions{RequireVariables: true, Vars: []VarArg{{Raw: "n=abc"}}},
			want:   []string{"error Kirofile:6,1: Invalid value for variable"},
			detail: "a number is required",
		},
		{
			name: "undeclared variable set on the command line and in a var file",
			files: map[string]string{
				"Kirofile":      okProvider,
				"prod.kirovars": "servce = \"x\"\n",
			},
			opts: LoadOptions{Vars: []VarArg{{Raw: "nope=1"}, {File: "prod.kirovars"}, {Raw: "novalue"}}},
			want: []string{
				"error prod.kirovars:1,1: Value for undeclared variable",
				"error: Value for undeclared variable",
				"error: Invalid -var option",
			},
		},
		{
			name: "validation rule",
			files: map[string]string{"Kirofile": `
variable "attempts" {
  type    = number
  default = 0
  validation {
    condition     = var.attempts > 0
    error_message = "attempts must be positive."
  }
}
`},
			want:   []string{"error Kirofile:4,13: Invalid value for variable"},
			detail: "attempts must be positive.",
		},
		{
			name: "missing files",
			files: map[string]string{"Kirofile": okProvider + `
feature "a" {
  description = file("features/a.md")
  spec "requirements" {}
}
steering "tech" {
  file = ".kiro/steering/tech.md"
}
`},
			want: []string{
				"error Kirofile:7,23: Invalid function argument",
				"warning Kirofile:11,10: Steering file not found",
			},
			detail: `no file exists at "features/a.md"`,
		},
		{
			name: "cycle inside one feature",
			files: map[string]string{"Kirofile": okProvider + `
feature "a" {
  spec "requirements" {
    depends_on = [spec.tasks]
  }
  spec "design" {}
  spec "tasks" {}
}
`},
			want:   []string{"error Kirofile:8,19: Dependency cycle"},
			detail: "feature.a.spec.design depends on feature.a.spec.requirements (by default, Kirofile:10:3)\n  feature.a.spec.requirements depends on feature.a.spec.tasks (Kirofile:8:19)\n  feature.a.spec.tasks depends on feature.a.spec.design (by default, Kirofile:11:3)",
		},
		{
			name: "cycle across features",
			files: map[string]string{"Kirofile": okProvider + `
feature "a" {
  spec "requirements" {
    depends_on = [feature.b.spec.requirements]
  }
}
feature "b" {
  spec "requirements" {
    depends_on = [feature.a.spec.requirements]
  }
}
`},
			want:   []string{"error Kirofile:8,19: Dependency cycle"},
			detail: "feature.a.spec.requirements depends on feature.b.spec.requirements (Kirofile:8:19)\n  feature.b.spec.requirements depends on feature.a.spec.requirements (Kirofile:13:19)",
		},
		{
			name: "cycle in locals",
			files: map[string]string{"Kirofile": `
locals {
  a = local.b
  b = "${local.a}x"
}
`},
			want:   []string{"error Kirofile:3,3: Cycle in local values"},
			detail: "local.a -> local.b -> local.a",
		},
		{
			name: "codegen without outputs",
			files: map[string]string{"Kirofile": okProvider + `
feature "a" {
  codegen "c" {}
  codegen "d" {
    outputs = []
  }
}
`},
			want: []string{
				"error Kirofile:7,15: Missing required argument",
				"error Kirofile:9,15: Empty outputs",
			},
		},
		{
			name: "invalid globs",
			files: map[string]string{"Kirofile": okProvider + `
feature "a" {
  codegen "c" {
    outputs = ["ok/**", "/etc/**", "../up/**", "bad[/**"]
    context = ["x/{a,b"]
  }
}
steering "s" {
  content = "x"
  match   = ["a/../../b"]
}
`},
			want: []string{
				"error Kirofile:8,25: Invalid glob in outputs",
				"error Kirofile:8,36: Invalid glob in outputs",
				"error Kirofile:8,48: Invalid glob in outputs",
				"error Kirofile:9,16: Invalid glob in context",
				"error Kirofile:14,14: Invalid glob in match",
			},
		},
		{
			name: "context glob matching nothing is a warning",
			files: map[string]string{"Kirofile": okProvider + `
feature "a" {
  codegen "c" {
    outputs = ["out/**"]
    context = ["Kirofile", "nothing/**"]
  }
}
`},
			want: []string{"warning Kirofile:9,28: Glob matches no file"},
		},
		{
			name: "context a codegen generates is not warned about",
			files: map[string]string{"Kirofile": okProvider + `
feature "a" {
  codegen "store" {
    outputs = ["store/**"]
  }
  codegen "api" {
    outputs    = ["api/**"]
    context    = ["store/store.go"]
    depends_on = [codegen.store]
  }
}
`},
			want: nil,
		},
		{
			name: "unknown hook event",
			files: map[string]string{"Kirofile": `
hook "h" {
  on = ["codegen.completed", "spec.generatd"]
  action "exec" { command = ["true"] }
}
`},
			want:   []string{"error Kirofile:3,30: Unknown hook event"},
			detail: `Did you mean "spec.generated"?`,
		},
		{
			name: "unknown provider type and plugin",
			files: map[string]string{"Kirofile": `
kirofile {
  plugin "mystery" {
    source = "./bin/mystery"
  }
}
provider "bedrok" "main" {}
hook "h" {
  on = ["spec.generated"]
  action "lint" {}
}
`},
			want: []string{
				"error Kirofile:3,3: Cannot tell the plugin's kind",
				"error Kirofile:7,10: Unknown provider type",
				"error Kirofile:10,10: Unknown action type",
			},
		},
		{
			name: "third-party plugins are accepted",
			files: map[string]string{"Kirofile": `
kirofile {
  plugin "bedrock" {
    source = "./plugins/kirofile-provider-bedrock"
  }
  plugin "lint" {
    source = "./plugins/kirofile-action-lint"
  }
}
provider "bedrock" "main" {
  region = "eu-west-1"
}
hook "h" {
  on = ["codegen.completed"]
  action "lint" {
    strict = true
  }
}
`},
			want: nil,
		},
		{
			name: "custom spec without kind and prompt",
			files: map[string]string{"Kirofile": okProvider + `
feature "a" {
  spec "api" {}
  spec "runbook" {
    kind = "document"
  }
  spec "ok" {
    kind   = "document"
    prompt = "Write the runbook."
  }
}
`},
			want: []string{
				"error Kirofile:7,8: Custom spec needs kind and prompt",
				"error Kirofile:8,8: Custom spec needs prompt",
			},
		},
		{
			name: "a misspelt standard spec gets a suggestion",
			files: map[string]string{"Kirofile": okProvider + `
feature "a" {
  spec "desing" {}
}
`},
			want:   []string{"error Kirofile:7,8: Custom spec needs kind and prompt"},
			detail: `Did you mean "design"?`,
		},
		{
			name: "hook referenced but not declared",
			files: map[string]string{"Kirofile": okProvider + `
feature "a" {
  codegen "c" {
    outputs = ["x/**"]
    hooks   = [hook.test, "gofmt"]
  }
}
`},
			want: []string{
				"error Kirofile:9,16: Reference to undeclared hook",
				"error Kirofile:9,27: Invalid hooks entry",
			},
		},
		{
			name: "no provider at all",
			files: map[string]string{"Kirofile": `
feature "a" {
  spec "requirements" {}
  spec "design" {}
}
`},
			want: []string{"error Kirofile:3,3: No provider declared"},
		},
		{
			name:  "no Kirofile",
			files: map[string]string{"README.md": "hi"},
			want:  []string{"error: No Kirofile found"},
		},
		{
			name: "unsupported kirofile version",
			files: map[string]string{"Kirofile": `
kirofile {
  required_version = ">= 9.0"
}
`},
			opts: LoadOptions{Version: "0.1.0"},
			want: []string{"error Kirofile:3,22: Unsupported kirofile version"},
		},
		{
			name: "diagnostics from several files come sorted",
			files: map[string]string{
				"b.kiro.hcl": "hook \"h\" {\n  on = [\"nope\"]\n  action \"exec\" { command = [\"true\"] }\n}\n",
				"Kirofile":   "variable \"v\" {\n  type = strin\n}\n",
				"a.kiro.hcl": "feature \"f\" {\n  description = var.w\n}\n",
			},
			want: []string{
				"error Kirofile:2,10: Invalid type specification",
				"error a.kiro.hcl:2,17: Reference to undeclared variable",
				"error b.kiro.hcl:2,9: Unknown hook event",
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := writeProject(t, tt.files)
			cfg, diags := Load(dir, tt.opts)
			if cfg == nil {
				t.Fatal("Load returned a nil Config")
			}
			var got []string
			for _, d := range diags {
				got = append(got, diagLine(d))
			}
			if strings.Join(got, "\n") != strings.Join(tt.want, "\n") {
				t.Errorf("diagnostics:\n got: %s\nwant: %s", strings.Join(got, "\n      "), strings.Join(tt.want, "\n      "))
				for _, d := range diags {
					t.Logf("%s\n  %s", diagLine(d), d.Detail)
				}
			}
			if tt.detail != "" && len(diags) > 0 && !strings.Contains(diags[0].Detail, tt.detail) {
				t.Errorf("first detail %q does not contain %q", diags[0].Detail, tt.detail)
			}
			// Every diagnostic with a position must point into a file the
			// Config knows, so that a snippet can be printed.
			for _, d := range diags {
				if d.Subject != nil && cfg.Files[d.Subject.Filename] == nil && !strings.HasPrefix(d.Subject.Filename, "<") {
					t.Errorf("%s: file %q missing from Config.Files", diagLine(d), d.Subject.Filename)
				}
			}
		})
	}
}

func TestLoadExample(t *testing.T) {
	cfg, diags := Load("../examples/notifications", LoadOptions{Version: "0.1.0", RequireVariables: true})
	if diags.HasErrors() || len(diags) > 0 {
		t.Fatalf("example has diagnostics: %v", diags)
	}
	var addrs []string
	for _, n := range cfg.Nodes {
		addrs = append(addrs, n.Address().String())
	}
	want := []string{
		"feature.digest.spec.design", "feature.digest.spec.requirements", "feature.digest.spec.tasks",
		"feature.digest.codegen.service",
		"feature.email.spec.design", "feature.email.spec.requirements", "feature.email.spec.tasks",
		"feature.email.codegen.service",
	}
	if strings.Join(addrs, " ") != strings.Join(want, " ") {
		t.Errorf("nodes = %v, want %v", addrs, want)
	}
	g := cfg.Graph()
	for _, e := range [][2]string{
		{"feature.email.spec.requirements", "feature.email.spec.design"},
		{"feature.email.spec.design", "feature.email.spec.tasks"},
		{"feature.email.spec.tasks", "feature.email.codegen.service"},
		{"feature.email.spec.design", "feature.digest.spec.requirements"},
	} {
		if !g.HasEdge(e[0], e[1]) {
			t.Errorf("missing edge %s -> %s", e[0], e[1])
		}
	}
	cg := cfg.Features["email"].Codegens["service"]
	if got := strings.Join(cg.Outputs, ","); got != "services/notifications/email/**" {
		t.Errorf("outputs = %q", got)
	}
	if cg.Provider != "replay.main" || cg.MaxAttempts != 3 || strings.Join(cg.Hooks, ",") != "gofmt,test" {
		t.Errorf("codegen = %+v", cg)
	}
	if s := cfg.Steering["go_style"]; s.Inclusion != InclusionFileMatch || len(s.Match) != 1 {
		t.Errorf("steering go_style = %+v", s)
	}
}

func TestVariableSources(t *testing.T) {
	files := map[string]string{
		"Kirofile": `
variable "service" {
  type    = string
  default = "default"
}
variable "tags" {
  type    = map(string)
  default = {}
}
variable "secret" {
  type      = string
  default   = "s3cret"
  sensitive = true
}
variable "required" {
  type = number
}
`,
		"one.kirovars": "service = \"from-file\"\n",
	}
	env := map[string]string{"KIRO_VAR_service": "from-env", "KIRO_VAR_tags": `{team = "core"}`}
	lookup := func(k string) (string, bool) { v, ok := env[k]; return v, ok }
	tests := []struct {
		name        string
		vars        []VarArg
		wantService string
	}{
		{"environment beats default", nil, "from-env"},
		{"var file beats environment", []VarArg{{File: "one.kirovars"}}, "from-file"},
		{"later flag wins", []VarArg{{Raw: "service=flag"}, {File: "one.kirovars"}}, "from-file"},
		{"flag after file wins", []VarArg{{File: "one.kirovars"}, {Raw: "service=flag"}}, "flag"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := writeProject(t, files)
			cfg, diags := Load(dir, LoadOptions{Vars: tt.vars, LookupEnv: lookup})
			if diags.HasErrors() {
				t.Fatal(diags)
			}
			if got := cfg.Variables["service"].Value.AsString(); got != tt.wantService {
				t.Errorf("service = %q, want %q", got, tt.wantService)
			}
			if got := cfg.Variables["tags"].Value.Index(cty.StringVal("team")); got.AsString() != "core" {
				t.Errorf("tags.team = %#v", got)
			}
			if !Sensitive(cfg.Variables["secret"].Value) {
				t.Error("secret is not marked sensitive")
			}
			if cfg.Variables["required"].Value.IsKnown() {
				t.Error("a required variable without a value must be unknown in validate")
			}
		})
	}
}

func TestJSONSyntaxMerges(t *testing.T) {
	dir := writeProject(t, map[string]string{
		"Kirofile": okProvider,
		"Kirofile.json": `{
  "feature": {
    "a": {
      "provider": "provider.openai.main",
      "spec": {"requirements": {}, "design": {}},
      "codegen": {"c": {"outputs": ["out/**"], "depends_on": ["${spec.design}"]}}
    }
  }
}`,
	})
	cfg, diags := Load(dir, LoadOptions{})
	if len(diags) > 0 {
		t.Fatal(diags)
	}
	c := cfg.Features["a"].Codegens["c"]
	if len(c.DependsOn) != 1 || c.DependsOn[0].Addr.String() != "feature.a.spec.design" {
		t.Errorf("depends_on = %v", c.DependsOn)
	}
	if c.Provider != "openai.main" {
		t.Errorf("provider = %q", c.Provider)
	}
}

func TestFunctions(t *testing.T) {
	dir := writeProject(t, map[string]string{
		"Kirofile": okProvider + `
locals {
  text     = trimspace(file("notes/a.txt"))
  files    = sort(tolist(fileset("notes", "*.txt")))
  rendered = templatefile("notes/t.tmpl", { name = "kiro" })
  home     = env("KIROFILE_TEST_UNSET", "fallback")
  upper    = upper(join("-", ["a", "b"]))
}
`,
		"notes/a.txt":  "  hello  \n",
		"notes/b.txt":  "",
		"notes/t.tmpl": "hi ${name}!",
	})
	cfg, diags := Load(dir, LoadOptions{LookupEnv: func(string) (string, bool) { return "", false }})
	if len(diags) > 0 {
		t.Fatal(diags)
	}
	want := map[string]cty.Value{
		"text":     cty.StringVal("hello"),
		"files":    cty.ListVal([]cty.Value{cty.StringVal("a.txt"), cty.StringVal("b.txt")}),
		"rendered": cty.StringVal("hi kiro!"),
		"home":     cty.StringVal("fallback"),
		"upper":    cty.StringVal("A-B"),
	}
	for name, w := range want {
		if got := cfg.Locals[name].Value; !got.RawEquals(w) {
			t.Errorf("local.%s = %#v, want %#v", name, got, w)
		}
	}
}

func TestParseAddress(t *testing.T) {
	tests := []struct {
		in      string
		want    string
		wantErr bool
	}{
		{"feature.a", "feature.a", false},
		{"feature.a.spec.design", "feature.a.spec.design", false},
		{"feature.a.codegen.svc", "feature.a.codegen.svc", false},
		{"feature.a.hook.x", "", true},
		{"spec.design", "", true},
		{"feature", "", true},
		{"feature.a[0]", "", true},
		{"feature.a.spec", "", true},
		{"", "", true},
		{`feature.a.codegen.svc.task["2.1"]`, `feature.a.codegen.svc.task["2.1"]`, false},
		{`feature.a.codegen.svc.task[2.1]`, `feature.a.codegen.svc.task["2.1"]`, false},
		{`feature.a.codegen.svc.task["3"]`, `feature.a.codegen.svc.task["3"]`, false},
		{`feature.a.spec.svc.task["3"]`, "", true},
		{`feature.a.codegen.svc.task["x"]`, "", true},
		{`feature.a.codegen.svc.task["2..1"]`, "", true},
		{`feature.a.codegen.svc.task["2.1"].x`, "", true},
		{`feature.a.codegen.svc.task["2.1"`, "", true},
		{`feature.a.codegen.svc.tasks["2"]`, "", true},
		{`feature.a.codegen.svc["2"]`, "", true},
	}
	for _, tt := range tests {
		got, err := ParseAddress(tt.in)
		if (err != nil) != tt.wantErr {
			t.Errorf("ParseAddress(%q) error = %v", tt.in, err)
			continue
		}
		if err == nil && got.String() != tt.want {
			t.Errorf("ParseAddress(%q) = %s", tt.in, got)
		}
	}
}

func TestCheckGlob(t *testing.T) {
	tests := []struct {
		pattern string
		ok      bool
	}{
		{"services/**/*.go", true},
		{"a/../b/*", true},
		{"{a,b}/*.md", true},
		{"", false},
		{"/abs/**", false},
		{"C:/x", false},
		{"../x", false},
		{"a/../../x", false},
		{"..", false},
		{"a[", false},
		{"a\\b", false},
	}
	for _, tt := range tests {
		if err := CheckGlob(tt.pattern); (err == nil) != tt.ok {
			t.Errorf("CheckGlob(%q) = %v, want ok=%v", tt.pattern, err, tt.ok)
		}
	}
}

func TestSplitFrontMatter(t *testing.T) {
	body, fm := SplitFrontMatter("---\ninclusion: fileMatch\nfileMatchPattern: [\"a/*.go\", 'b/**']\n---\n# Title\n")
	if body != "# Title\n" || fm.Inclusion != InclusionFileMatch || strings.Join(fm.FileMatchPatterns, ",") != "a/*.go,b/**" {
		t.Errorf("got body %q, fm %+v", body, fm)
	}
	body, fm = SplitFrontMatter("# No front matter\n")
	if body != "# No front matter\n" || fm.Inclusion != "" {
		t.Errorf("got body %q, fm %+v", body, fm)
	}
}

func TestAddressOrder(t *testing.T) {
	in := []string{
		`feature.a.codegen.c.task["10"]`, "feature.a.spec.tasks", `feature.a.codegen.c.task["2.1"]`,
		"feature.a.codegen.c", `feature.a.codegen.c.task["2"]`, `feature.a.codegen.b.task["1"]`, `feature.a.codegen.c.task["9"]`,
	}
	want := []string{
		"feature.a.spec.tasks", `feature.a.codegen.b.task["1"]`, "feature.a.codegen.c", `feature.a.codegen.c.task["2"]`,
		`feature.a.codegen.c.task["2.1"]`, `feature.a.codegen.c.task["9"]`, `feature.a.codegen.c.task["10"]`,
	}
	var addrs []Address
	for _, s := range in {
		a, err := ParseAddress(s)
		if err != nil {
			t.Fatal(err)
		}
		addrs = append(addrs, a)
	}
	sort.Slice(addrs, func(i, j int) bool { return addrs[i].Less(addrs[j]) })
	for i, a := range addrs {
		if a.String() != want[i] {
			t.Errorf("%d: %s, want %s", i, a, want[i])
		}
	}
}

func TestCodegenEach(t *testing.T) {
	const head = okProvider + `
hook "t" {
  on = ["task.completed"]
  action "exec" {
    command = ["true"]
  }
}
`
	tests := []struct {
		name, body string
		want       []string
	}{
		{"runs the tasks spec", `
feature "a" {
  spec "requirements" {}
  spec "design" {}
  spec "tasks" {}
  codegen "c" {
    outputs        = ["x/**"]
    each           = "task"
    optional_tasks = true
  }
}
`, nil},
		{"no tasks spec", `
feature "a" {
  spec "requirements" {}
  codegen "c" {
    outputs = ["x/**"]
    each    = "task"
  }
}
`, []string{"error Kirofile:17,15: No tasks to run"}},
		{"not task", `
feature "a" {
  spec "tasks" {}
  codegen "c" {
    outputs = ["x/**"]
    each    = "file"
  }
}
`, []string{"error Kirofile:17,15: Invalid each"}},
		{"two tasks documents", `
feature "a" {
  spec "tasks" {}
  spec "more" {
    kind   = "tasks"
    prompt = "more"
  }
  codegen "c" {
    outputs = ["x/**"]
    each    = "task"
  }
}
`, []string{"error Kirofile:21,15: Several tasks documents"}},
		{"optional_tasks alone", `
feature "a" {
  spec "tasks" {}
  codegen "c" {
    outputs        = ["x/**"]
    optional_tasks = true
  }
}
`, []string{"error Kirofile:17,22: optional_tasks without each"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := writeProject(t, map[string]string{"Kirofile": head + tt.body})
			cfg, diags := Load(dir, LoadOptions{})
			var got []string
			for _, d := range diags {
				got = append(got, diagLine(d))
			}
			if strings.Join(got, "\n") != strings.Join(tt.want, "\n") {
				t.Fatalf("got %q\nwant %q", got, tt.want)
			}
			if tt.want == nil {
				c := cfg.Features["a"].Codegens["c"]
				if c.Each != EachTask || !c.OptionalTasks || c.TasksSpec == nil || c.TasksSpec.Addr.Name != "tasks" {
					t.Errorf("codegen: %+v", c)
				}
				if _, ok := c.Config["optional_tasks"]; ok {
					t.Error("optional_tasks is part of the configuration hashed: turning it on would regenerate every task")
				}
			}
		})
	}
}
