package lang

import (
	"strings"
	"testing"

	"github.com/zclconf/go-cty/cty"
)

const consoleProject = `
variable "team" {
  type    = string
  default = "core"
}
variable "api_key" {
  type      = string
  default   = "sk-not-a-real-key"
  sensitive = true
}
variable "region" {
  type = string
}

locals {
  dir   = "services/${var.team}"
  names = ["a", "b"]
  auth  = { key = var.api_key, team = var.team }
}

provider "openai" "main" {
  model = "gpt-4o-mini"
}

feature "auth" {
  provider = provider.openai.main
  spec "requirements" {}
  spec "design" {}
  codegen "service" {
    outputs = ["services/auth/**"]
  }
}
`

func TestEvaluate(t *testing.T) {
	dir := writeProject(t, map[string]string{"Kirofile": consoleProject})
	cfg, diags := Load(dir, LoadOptions{LookupEnv: func(string) (string, bool) { return "", false }})
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	tests := []struct {
		name string
		src  string
		// want is the value as FormatValue prints it, when no error is
		// expected.
		want string
		// sensitive says the result must carry the sensitive mark.
		sensitive bool
		// wantErr is the summary of the first error, and wantDetail a
		// part of its detail.
		wantErr, wantDetail string
		// wantCol is the column the error points at.
		wantCol int
	}{
		{name: "literal", src: `1 + 2`, want: `3`},
		{name: "local", src: `local.dir`, want: `"services/core"`},
		{name: "variable", src: `var.team`, want: `"core"`},
		{name: "function", src: `upper(join("-", local.names))`, want: `"A-B"`},
		{name: "for expression", src: `[for n in local.names : "${n}!"]`, want: `["a!", "b!"]`},
		{name: "spec path", src: `feature.auth.spec.design.path`, want: `".kiro/specs/auth/design.md"`},
		{name: "codegen address", src: `feature.auth.codegen.service.address`, want: `"feature.auth.codegen.service"`},
		{name: "provider", src: `provider.openai.main.address`, want: `"provider.openai.main"`},
		{name: "unknown variable value", src: `var.region`, want: `(not set)`},
		{name: "sensitive variable", src: `var.api_key`, want: `(sensitive value)`, sensitive: true},
		{name: "sensitive survives functions", src: `upper(var.api_key)`, want: `(sensitive value)`, sensitive: true},
		{name: "sensitive part of an object", src: `local.auth`, want: "{\n  key  = (sensitive value)\n  team = \"core\"\n}", sensitive: true},
		{
			name: "undeclared variable", src: `var.teem`,
			wantErr: "Reference to undeclared variable", wantDetail: `Did you mean "team"?`, wantCol: 1,
		},
		{
			name: "undeclared local inside a call", src: `upper(local.dri)`,
			wantErr: "Reference to undeclared local value", wantDetail: `Did you mean "dir"?`, wantCol: 7,
		},
		{
			name: "undeclared feature", src: `feature.auht.spec.design.path`,
			wantErr: "Reference to undeclared feature", wantDetail: `Did you mean "auth"?`, wantCol: 1,
		},
		{
			name: "undeclared spec", src: `feature.auth.spec.tasks.path`,
			wantErr: "Unsupported attribute", wantCol: 18,
		},
		{
			name: "short spec form", src: `spec.design.path`,
			wantErr: "Reference outside a feature", wantDetail: "Did you mean feature.auth.spec.design?", wantCol: 1,
		},
		{
			name: "short codegen form", src: `codegen.other`,
			wantErr: "Reference outside a feature", wantDetail: "Write feature.FEATURE.codegen.NAME.", wantCol: 1,
		},
		{
			name: "unknown root", src: `1 + vars.team`,
			wantErr: "Unknown reference", wantDetail: `Did you mean "var"?`, wantCol: 5,
		},
		{name: "unknown function", src: `uper("a")`, wantErr: "Call to unknown function", wantCol: 1},
		{name: "syntax error", src: `local.dir +`, wantErr: "Missing expression", wantCol: 12},
		{name: "type error", src: `local.names + 1`, wantErr: "Invalid operand", wantCol: 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v, diags := cfg.Evaluate(tt.src)
			if tt.wantErr != "" {
				if !diags.HasErrors() {
					t.Fatalf("Evaluate(%q) = %s, want the error %q", tt.src, FormatValue(v), tt.wantErr)
				}
				d := diags[0]
				if d.Summary != tt.wantErr {
					t.Errorf("error = %q (%s), want %q", d.Summary, d.Detail, tt.wantErr)
				}
				if !strings.Contains(d.Detail, tt.wantDetail) {
					t.Errorf("detail = %q, want it to contain %q", d.Detail, tt.wantDetail)
				}
				if d.Subject == nil {
					t.Fatalf("the error has no position")
				}
				if d.Subject.Filename != ConsoleFilename || d.Subject.Start.Line != 1 || d.Subject.Start.Column != tt.wantCol {
					t.Errorf("position = %s:%d:%d, want %s:1:%d", d.Subject.Filename, d.Subject.Start.Line, d.Subject.Start.Column, ConsoleFilename, tt.wantCol)
				}
				return
			}
			if diags.HasErrors() {
				t.Fatalf("Evaluate(%q): %s", tt.src, diags.Error())
			}
			if got := FormatValue(v); got != tt.want {
				t.Errorf("Evaluate(%q) = %s, want %s", tt.src, got, tt.want)
			}
			if got := Sensitive(v); got != tt.sensitive {
				t.Errorf("Sensitive(Evaluate(%q)) = %v, want %v", tt.src, got, tt.sensitive)
			}
		})
	}
}

func TestEvaluateWithoutConfiguration(t *testing.T) {
	// A directory without a Kirofile stops loading before any context is
	// built.
	cfg, diags := Load(t.TempDir(), LoadOptions{})
	if !diags.HasErrors() {
		t.Fatal("loading an empty directory succeeded")
	}
	for _, c := range []*Config{cfg, nil} {
		_, diags := c.Evaluate("1")
		if !diags.HasErrors() || diags[0].Summary != "No configuration to evaluate against" {
			t.Errorf("Evaluate without a configuration: %v", diags)
		}
	}
}

func TestFormatValue(t *testing.T) {
	sensitive := func(v cty.Value) cty.Value { return v.Mark(sensitiveMark) }
	tests := []struct {
		name string
		v    cty.Value
		want string
	}{
		{"string", cty.StringVal("a \"q\"\n"), `"a \"q\"\n"`},
		{"number", cty.NumberFloatVal(1.5), `1.5`},
		{"bool", cty.True, `true`},
		{"null", cty.NullVal(cty.String), `null`},
		{"list", cty.ListVal([]cty.Value{cty.StringVal("a"), cty.StringVal("b")}), `["a", "b"]`},
		{"empty object", cty.EmptyObjectVal, `{}`},
		{"object", cty.ObjectVal(map[string]cty.Value{"b": cty.NumberIntVal(2), "a": cty.StringVal("x")}), "{\n  a = \"x\"\n  b = 2\n}"},
		{"map with odd keys", cty.MapVal(map[string]cty.Value{"a b": cty.StringVal("x")}), "{\n  \"a b\" = \"x\"\n}"},
		{"unknown", cty.UnknownVal(cty.String), `(not set)`},
		{"dynamic", cty.DynamicVal, `(not set)`},
		{"sensitive", sensitive(cty.StringVal("secret")), `(sensitive value)`},
		{"sensitive unknown", sensitive(cty.UnknownVal(cty.String)), `(sensitive value)`},
		{"sensitive element", cty.TupleVal([]cty.Value{cty.StringVal("a"), sensitive(cty.StringVal("secret"))}), `["a", (sensitive value)]`},
		{"unknown element", cty.TupleVal([]cty.Value{cty.UnknownVal(cty.Number), cty.NumberIntVal(1)}), `[(not set), 1]`},
		{
			"nested",
			cty.ObjectVal(map[string]cty.Value{"inner": cty.ObjectVal(map[string]cty.Value{"k": sensitive(cty.StringVal("s")), "n": cty.NumberIntVal(1)})}),
			"{\n  inner = {\n    k = (sensitive value)\n    n = 1\n  }\n}",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := FormatValue(tt.v)
			if got != tt.want {
				t.Errorf("FormatValue = %s\nwant %s", got, tt.want)
			}
			if strings.Contains(got, "secret") {
				t.Errorf("FormatValue shows a sensitive value: %s", got)
			}
		})
	}
}
