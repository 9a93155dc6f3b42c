package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// runCapture runs kirofile in-process and returns its exit code and output.
func runCapture(t *testing.T, stdin string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errOut bytes.Buffer
	code = Run(args, strings.NewReader(stdin), &out, &errOut)
	return code, out.String(), errOut.String()
}

// TestRunUsage checks flag and usage handling: exit codes, where output
// goes, and that every usage error is one line naming where help is.
func TestRunUsage(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "file"), nil, 0o644); err != nil {
		t.Fatal(err)
	}

	tests := []struct {
		name string
		args []string
		code int
		// stdout must contain this; "" means stdout must be empty.
		stdout string
		// stderr must equal this line (plus newline) when set; "" means
		// stderr must be empty, "*" that it is not checked.
		stderr string
	}{
		{name: "help flag", args: []string{"-help"}, stdout: "Commands:"},
		{name: "h flag", args: []string{"-h"}, stdout: "Commands:"},
		{name: "double-dash help", args: []string{"--help"}, stdout: "Commands:"},
		{name: "help command", args: []string{"help"}, stdout: "Commands:"},
		{name: "help for a command", args: []string{"help", "fmt"}, stdout: "Usage: kirofile [global options] fmt [options] [PATH...]"},
		{name: "global help before a command", args: []string{"-help", "validate"}, stdout: "validate [options]"},
		{name: "command help", args: []string{"graph", "-help"}, stdout: "-format=dot|mermaid"},
		{name: "command h", args: []string{"version", "-h"}, stdout: "-json"},
		{name: "no arguments", args: nil, code: 1, stderr: "*"},
		{name: "version flag", args: []string{"-version"}, stdout: "kirofile v" + Version},
		{name: "version", args: []string{"version"}, stdout: "plugin protocol 1"},

		{
			name: "unknown command", args: []string{"frobnicate"}, code: 1,
			stderr: `kirofile: unknown command "frobnicate"; run "kirofile -help" for the list of commands`,
		},
		{
			name: "misspelt command", args: []string{"grpah"}, code: 1,
			stderr: `kirofile: unknown command "grpah" (did you mean "graph"?); run "kirofile -help" for the list of commands`,
		},
		{
			name: "unknown command for help", args: []string{"help", "nope"}, code: 1,
			stderr: `kirofile: unknown command "nope"; run "kirofile -help" for the list of commands`,
		},
		{
			name: "help with two commands", args: []string{"help", "fmt", "graph"}, code: 1,
			stderr: `kirofile help: too many arguments; want at most one command name; run "kirofile -help" for usage`,
		},
		{
			name: "unknown global flag", args: []string{"-x", "version"}, code: 1,
			stderr: `kirofile: flag provided but not defined: -x; run "kirofile -help" for usage`,
		},
		{
			name: "bad global flag value", args: []string{"-no-color=maybe", "version"}, code: 1,
			stderr: `kirofile: invalid boolean value "maybe" for -no-color: parse error; run "kirofile -help" for usage`,
		},
		{
			name: "chdir without value", args: []string{"-chdir"}, code: 1,
			stderr: `kirofile: flag needs an argument: -chdir; run "kirofile -help" for usage`,
		},
		{
			name: "chdir to a missing directory", args: []string{"-chdir=" + filepath.Join(dir, "missing"), "version"}, code: 1,
			stderr: "kirofile: -chdir=" + filepath.Join(dir, "missing") + ": directory does not exist",
		},
		{
			name: "chdir to a file", args: []string{"-chdir=" + filepath.Join(dir, "file"), "version"}, code: 1,
			stderr: "kirofile: -chdir=" + filepath.Join(dir, "file") + ": not a directory",
		},
		{
			name: "unknown command flag", args: []string{"validate", "-x"}, code: 1,
			stderr: `kirofile validate: flag provided but not defined: -x; run "kirofile validate -help" for usage`,
		},
		{
			name: "bad command flag value", args: []string{"version", "-json=yes please"}, code: 1,
			stderr: `kirofile version: invalid boolean value "yes please" for -json: parse error; run "kirofile version -help" for usage`,
		},
		{
			name: "var without equals", args: []string{"graph", "-var", "name"}, code: 1,
			stderr: `kirofile graph: invalid value "name" for flag -var: want NAME=VALUE; run "kirofile graph -help" for usage`,
		},
		{
			name: "var with empty name", args: []string{"validate", "-var", "=x"}, code: 1,
			stderr: `kirofile validate: invalid value "=x" for flag -var: want NAME=VALUE; run "kirofile validate -help" for usage`,
		},
		{
			name: "empty var-file", args: []string{"validate", "-var-file="}, code: 1,
			stderr: `kirofile validate: invalid value "" for flag -var-file: want a file name; run "kirofile validate -help" for usage`,
		},
		{
			name: "unknown graph format", args: []string{"graph", "-format=svg"}, code: 1,
			stderr: `kirofile graph: invalid value "svg" for flag -format: want dot or mermaid; run "kirofile graph -help" for usage`,
		},
		{
			name: "extra argument", args: []string{"version", "now"}, code: 1,
			stderr: `kirofile version: unexpected argument "now"; run "kirofile version -help" for usage`,
		},
		{
			name: "extra argument after version flag", args: []string{"-version", "now"}, code: 1,
			stderr: `kirofile version: unexpected argument "now"; run "kirofile version -help" for usage`,
		},
		{
			name: "unknown flag after a path", args: []string{"-chdir=" + dir, "fmt", "Kirofile", "-nope"}, code: 1,
			stderr: `kirofile fmt: flag provided but not defined: -nope; run "kirofile fmt -help" for usage`,
		},
		{
			name: "fmt stdin with paths", args: []string{"-chdir=" + dir, "fmt", "-", "Kirofile"}, code: 1,
			stderr: `kirofile fmt: "-" (standard input) cannot be combined with other paths; run "kirofile fmt -help" for usage`,
		},
	}

	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, stdout, stderr := runCapture(t, "", tt.args...)
			if code != tt.code {
				t.Errorf("exit code = %d, want %d\nstderr: %s", code, tt.code, stderr)
			}
			switch {
			case tt.stdout == "" && stdout != "":
				t.Errorf("stdout = %q, want it empty", stdout)
			case !strings.Contains(stdout, tt.stdout):
				t.Errorf("stdout = %q, want it to contain %q", stdout, tt.stdout)
			}
			switch tt.stderr {
			case "*":
			case "":
				if stderr != "" {
					t.Errorf("stderr = %q, want it empty", stderr)
				}
			default:
				if stderr != tt.stderr+"\n" {
					t.Errorf("stderr:\n got %q\nwant %q", stderr, tt.stderr+"\n")
				}
			}
		})
	}
}

// TestCommandHelpListsEveryFlag keeps the help text in step with the flags:
// it is generated from them, and aliases (empty usage) stay hidden.
func TestCommandHelpListsEveryFlag(t *testing.T) {
	for _, c := range commands {
		t.Run(c.name, func(t *testing.T) {
			fs := newFlagSet(c.name)
			c.new().flags(fs)
			var b strings.Builder
			writeCommandHelp(&b, c, fs)
			help := b.String()
			for _, name := range flagNames(fs) {
				if !strings.Contains(help, "  -"+name) {
					t.Errorf("help of %s does not mention -%s:\n%s", c.name, name, help)
				}
			}
			if strings.TrimSpace(c.synopsis) == "" || strings.TrimSpace(c.help) == "" {
				t.Errorf("%s has no synopsis or help", c.name)
			}
		})
	}
}

func TestSuggestCommand(t *testing.T) {
	tests := map[string]string{
		"validate":   "validate",
		"valdate":    "validate",
		"vaildate":   "validate",
		"fnt":        "fmt",
		"grap":       "graph",
		"verison":    "version",
		"frobnicate": "",
		"":           "",
		"plna":       "plan",
		"aprove":     "approve",
	}
	for in, want := range tests {
		if got := suggestCommand(in); got != want {
			t.Errorf("suggestCommand(%q) = %q, want %q", in, got, want)
		}
	}
}
