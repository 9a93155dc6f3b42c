package lang

import (
	"strings"
	"testing"

	"github.com/hashicorp/hcl/v2"
)

// TestAutoVarFiles: kirofile.kirovars and *.auto.kirovars are loaded
// without a flag, as Terraform loads terraform.tfvars and *.auto.tfvars,
// after the environment and before -var and -var-file.
func TestAutoVarFiles(t *testing.T) {
	base := map[string]string{
		"Kirofile": okProvider + `
variable "service" {
  default = "default"
}
variable "region" {
  default = "default"
}
`,
	}
	tests := []struct {
		name                string
		files               map[string]string
		env                 map[string]string
		vars                []VarArg
		wantService, wantRg string
		warning             string
	}{
		{name: "none", wantService: "default", wantRg: "default"},
		{
			name:        "kirofile.kirovars beats the environment",
			files:       map[string]string{"kirofile.kirovars": "service = \"file\"\n"},
			env:         map[string]string{"KIRO_VAR_service": "env", "KIRO_VAR_region": "env"},
			wantService: "file", wantRg: "env",
		},
		{
			name: "auto files come after it, by name",
			files: map[string]string{
				"kirofile.kirovars":    "service = \"first\"\nregion = \"first\"\n",
				"b.auto.kirovars":      "service = \"b\"\n",
				"a.auto.kirovars.json": `{"service": "a", "region": "a"}`,
			},
			wantService: "b", wantRg: "a",
		},
		{
			name:        "flags beat them",
			files:       map[string]string{"x.auto.kirovars": "service = \"auto\"\n", "prod.kirovars": "region = \"prod\"\n"},
			vars:        []VarArg{{Raw: "service=flag"}, {File: "prod.kirovars"}},
			wantService: "flag", wantRg: "prod",
		},
		{
			name:        "a value for an undeclared variable is a warning there",
			files:       map[string]string{"kirofile.kirovars": "servce = \"x\"\n"},
			wantService: "default", wantRg: "default",
			warning: `kirofile.kirovars, loaded without a flag, sets "servce", which no variable block declares; it is ignored. Did you mean "service"?`,
		},
		{
			name:        "other .kirovars files are not loaded",
			files:       map[string]string{"prod.kirovars": "service = \"prod\"\n", "auto.kirovars": "service = \"no\"\n"},
			wantService: "default", wantRg: "default",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			files := map[string]string{}
			for k, v := range base {
				files[k] = v
			}
			for k, v := range tt.files {
				files[k] = v
			}
			dir := writeProject(t, files)
			lookup := func(k string) (string, bool) { v, ok := tt.env[k]; return v, ok }
			cfg, diags := Load(dir, LoadOptions{Vars: tt.vars, LookupEnv: lookup})
			if diags.HasErrors() {
				t.Fatal(diags)
			}
			if got := cfg.Variables["service"].Value.AsString(); got != tt.wantService {
				t.Errorf("service = %q, want %q", got, tt.wantService)
			}
			if got := cfg.Variables["region"].Value.AsString(); got != tt.wantRg {
				t.Errorf("region = %q, want %q", got, tt.wantRg)
			}
			var warnings []string
			for _, d := range diags {
				if d.Severity == hcl.DiagWarning {
					warnings = append(warnings, d.Detail)
				}
			}
			if got := strings.Join(warnings, "\n"); !strings.Contains(got, tt.warning) || tt.warning == "" && got != "" {
				t.Errorf("warnings %q, want %q", got, tt.warning)
			}
		})
	}
}

// TestAPIKeyWarning: api_key in a configuration is warned about, unless it
// comes from a sensitive variable, as the warning itself advises.
func TestAPIKeyWarning(t *testing.T) {
	tests := []struct {
		name, src string
		warn      bool
	}{
		{"literal", `api_key = "sk-123"`, true},
		{"plain variable", `api_key = var.plain`, true},
		{"sensitive variable", `api_key = var.key`, false},
		{"derived from a sensitive variable", `api_key = "Bearer ${var.key}"`, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := writeProject(t, map[string]string{"Kirofile": `
variable "key" {
  default   = "sk-secret"
  sensitive = true
}
variable "plain" {
  default = "sk-plain"
}
provider "openai" "main" {
  model = "m"
  ` + tt.src + `
}
`})
			_, diags := Load(dir, LoadOptions{})
			warned := false
			for _, d := range diags {
				if d.Summary == "API key in configuration" {
					warned = true
				}
			}
			if warned != tt.warn || diags.HasErrors() {
				t.Errorf("warned %v, want %v (%v)", warned, tt.warn, diags)
			}
		})
	}
}
