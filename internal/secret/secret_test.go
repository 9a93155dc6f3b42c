package secret

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/kirofile/kirofile/lang"
)

func TestRedact(t *testing.T) {
	r := New("sk-live-12345", `p"w&d/x`, "abc", "sk-live-12345-longer")
	for _, tc := range []struct{ in, want string }{
		{"key sk-live-12345 in text", "key [redacted] in text"},
		{"longer sk-live-12345-longer first", "longer [redacted] first"},
		{`json: "p\"w&d/x"`, `json: "[redacted]"`},
		{"url: ?k=p%22w%26d%2Fx", "url: ?k=[redacted]"},
		{"short abc stays", "short abc stays"},
	} {
		if got := r.Redact(tc.in); got != tc.want {
			t.Errorf("Redact(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
	var none *Redactor
	if none.Redact("x") != "x" || none.Values() != nil {
		t.Error("a nil Redactor changes text")
	}
}

func TestEnvValues(t *testing.T) {
	env := []string{"OPENAI_API_KEY=sk-abcdef", "GITHUB_TOKEN=ghp_123456", "HOME=/home/ana", "MY_PASSWORD=short", "AUTH_HEADER=Bearer xyz123", "EMPTY_KEY="}
	got := EnvValues(env)
	want := []string{"Bearer xyz123", "ghp_123456", "sk-abcdef"}
	if !slices.Equal(got, want) {
		t.Errorf("EnvValues = %q, want %q", got, want)
	}
}

func TestForConfig(t *testing.T) {
	dir := t.TempDir()
	kirofile := `
variable "token" {
  type      = string
  sensitive = true
}
variable "plain" {
  type    = string
  default = "not-a-secret"
}
provider "openai" "main" {
  model       = "m"
  headers     = { "X-Org" = "org-${var.token}-suffix", "X-Plain" = var.plain }
}
provider "openai" "other" {
  model       = "m"
  api_key_env = "LLM_CRED"
  api_key     = "inline-key-value"
}
hook "h" {
  on = ["codegen.completed"]
  action "exec" {
    command = ["true"]
    env     = { "DB" = "db-${var.token}" }
  }
}
`
	if err := os.WriteFile(filepath.Join(dir, "Kirofile"), []byte(kirofile), 0o644); err != nil {
		t.Fatal(err)
	}
	cfg, diags := lang.Load(dir, lang.LoadOptions{Vars: []lang.VarArg{{Raw: "token=tok-9876"}}, RequireVariables: true})
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	r := ForConfig(cfg, []string{"OPENAI_API_KEY=sk-default-key", "LLM_CRED=cred-value", "HOME=/home/ana"})
	text := "tok-9876 org-tok-9876-suffix db-tok-9876 inline-key-value sk-default-key cred-value not-a-secret /home/ana"
	got := r.Redact(text)
	for _, secret := range []string{"tok-9876", "inline-key-value", "sk-default-key", "cred-value"} {
		if strings.Contains(got, secret) {
			t.Errorf("%q survives: %q", secret, got)
		}
	}
	for _, plain := range []string{"not-a-secret", "/home/ana"} {
		if !strings.Contains(got, plain) {
			t.Errorf("%q was blanked: %q", plain, got)
		}
	}
	if names := KeyVariables(cfg.Providers["openai.other"]); !slices.Equal(names, []string{"LLM_CRED"}) {
		t.Errorf("KeyVariables = %q", names)
	}
}
