package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const consoleKirofile = `
variable "team" {
  type    = string
  default = "core"
}
variable "token" {
  type      = string
  default   = "tok-not-a-real-secret"
  sensitive = true
}
variable "region" {
  type = string
}
locals {
  dir = "services/${var.team}"
}
provider "openai" "main" {
  model = "gpt-4o-mini"
}
feature "auth" {
  provider = provider.openai.main
  spec "requirements" {}
  spec "design" {}
}
`

func TestConsole(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "Kirofile"), []byte(consoleKirofile), 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name  string
		flags []string
		stdin string
		code  int
		// stdout must equal this.
		stdout string
		// stderr must contain each of these, in order; none means empty.
		stderr []string
	}{
		{name: "no input", stdin: "", stdout: ""},
		{name: "one value", stdin: "local.dir\n", stdout: "\"services/core\"\n"},
		{name: "no final newline", stdin: "1 + 1", stdout: "2\n"},
		{name: "blank lines are skipped", stdin: "\n  \nvar.team\n", stdout: "\"core\"\n"},
		{name: "windows line ends", stdin: "var.team\r\n", stdout: "\"core\"\n"},
		{
			name:   "several values",
			stdin:  "feature.auth.spec.design.path\nprovider.openai.main.address\nupper(var.team)\n",
			stdout: "\".kiro/specs/auth/design.md\"\n\"provider.openai.main\"\n\"CORE\"\n",
		},
		{name: "object", stdin: "{ a = 1, b = [true] }\n", stdout: "{\n  a = 1\n  b = [true]\n}\n"},
		{name: "sensitive", stdin: "var.token\n", stdout: "(sensitive value)\n"},
		{name: "unknown", stdin: "var.region\n", stdout: "(not set)\n", stderr: []string{"no value was given for var.region"}},
		{name: "variable flag", flags: []string{"-var", "team=payments", "-var=region=eu"}, stdin: "local.dir\nvar.region\n", stdout: "\"services/payments\"\n\"eu\"\n"},
		{name: "exit", stdin: "1\nexit\n2\n", stdout: "1\n"},
		{
			name:   "an error, then going on",
			stdin:  "local.dri\nlocal.dir\n",
			code:   exitError,
			stdout: "\"services/core\"\n",
			stderr: []string{
				"Error: Reference to undeclared local value",
				"on <console>:1:1:",
				"1: local.dri",
				`Did you mean "dir"?`,
			},
		},
		{
			name:   "column within the line",
			stdin:  "1 + spec.design.path\n",
			code:   exitError,
			stderr: []string{"Error: Reference outside a feature", "on <console>:1:5:", "feature.auth.spec.design"},
		},
		{
			name:   "an error, then exit",
			stdin:  "nope(1)\nexit\n",
			code:   exitError,
			stderr: []string{"Error: Call to unknown function"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			args := append([]string{"-chdir=" + dir, "console"}, tt.flags...)
			code, stdout, stderr := runCapture(t, tt.stdin, args...)
			if code != tt.code {
				t.Errorf("exit code = %d, want %d\nstderr: %s", code, tt.code, stderr)
			}
			if stdout != tt.stdout {
				t.Errorf("stdout = %q, want %q", stdout, tt.stdout)
			}
			if len(tt.stderr) == 0 && stderr != "" {
				t.Errorf("stderr = %q, want it empty", stderr)
			}
			rest := stderr
			for _, want := range tt.stderr {
				i := strings.Index(rest, want)
				if i < 0 {
					t.Errorf("stderr lacks %q (in order):\n%s", want, stderr)
					break
				}
				rest = rest[i+len(want):]
			}
			if strings.Contains(stdout+stderr, "tok-not-a-real-secret") {
				t.Errorf("the console shows a sensitive value")
			}
		})
	}
}

func TestConsoleBrokenConfiguration(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "Kirofile"), []byte("locals {\n  a = local.b\n}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	code, stdout, stderr := runCapture(t, "local.a\n", "-chdir="+dir, "console")
	if code != exitError || stdout != "" || !strings.Contains(stderr, "Error: ") {
		t.Errorf("exit %d, stdout %q, stderr %q; want exit 1 and the load errors", code, stdout, stderr)
	}
}

func TestConsoleUsage(t *testing.T) {
	code, _, stderr := runCapture(t, "", "console", "local.dir")
	want := `kirofile console: unexpected argument "local.dir"; run "kirofile console -help" for usage` + "\n"
	if code != exitError || stderr != want {
		t.Errorf("exit %d, stderr %q; want exit 1 and %q", code, stderr, want)
	}
}
