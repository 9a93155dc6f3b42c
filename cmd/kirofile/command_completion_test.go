package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kirofile/kirofile/plugins/builtin"
)

// completionScript returns the script kirofile prints for shell.
func completionScript(t *testing.T, shell string) string {
	t.Helper()
	code, stdout, stderr := runCapture(t, "", "completion", shell)
	if code != exitOK || stderr != "" {
		t.Fatalf("kirofile completion %s: exit %d, stderr %q", shell, code, stderr)
	}
	return stdout
}

func TestCompletionScriptsCoverTheCommandTable(t *testing.T) {
	for _, shell := range []string{"bash", "zsh", "fish"} {
		t.Run(shell, func(t *testing.T) {
			script := completionScript(t, shell)
			for _, c := range commands {
				if c.hidden {
					continue
				}
				if !strings.Contains(script, c.name) {
					t.Errorf("the %s script does not mention the command %q", shell, c.name)
				}
			}
			// Hidden commands are never offered; __complete only appears
			// where the script calls it.
			if strings.Contains(script, builtin.HiddenCommand) {
				t.Errorf("the %s script offers the hidden command %q", shell, builtin.HiddenCommand)
			}
			if n, calls := strings.Count(script, "__complete"), strings.Count(script, "__complete addresses"); n != calls {
				t.Errorf("the %s script mentions __complete %d times other than to call it", shell, n-calls)
			}
			// Flags, choices and the address helper come from the table.
			for _, want := range []string{"detailed-exitcode", "var-file", "target", "replace", "mermaid", "__complete addresses"} {
				if !strings.Contains(script, want) {
					t.Errorf("the %s script does not mention %q", shell, want)
				}
			}
		})
	}
}

// TestCompletionScriptsSyntax has each shell parse its script without
// running it, where that shell is installed.
func TestCompletionScriptsSyntax(t *testing.T) {
	for _, shell := range []string{"bash", "zsh", "fish"} {
		t.Run(shell, func(t *testing.T) {
			path, err := exec.LookPath(shell)
			if err != nil {
				t.Skipf("%s is not installed; the %s script's syntax is not checked", shell, shell)
			}
			file := filepath.Join(t.TempDir(), "kirofile."+shell)
			if err := os.WriteFile(file, []byte(completionScript(t, shell)), 0o644); err != nil {
				t.Fatal(err)
			}
			out, err := exec.Command(path, "-n", file).CombinedOutput()
			if err != nil || len(out) > 0 {
				t.Errorf("%s -n: %v\n%s", shell, err, out)
			}
		})
	}
}

// TestBashCompletion runs the bash script's completion function on typed
// command lines, with a stand-in for "kirofile __complete addresses" that
// also records which directory it was asked about.
func TestBashCompletion(t *testing.T) {
	bash, err := exec.LookPath("bash")
	if err != nil {
		t.Skip("bash is not installed")
	}
	dir := t.TempDir()
	script := filepath.Join(dir, "kirofile.bash")
	if err := os.WriteFile(script, []byte(completionScript(t, "bash")), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "plan.out"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	// Lists that grow with the command table are taken from it.
	model := completionModel()
	var graphFlags []compFlag
	for _, c := range model {
		if c.name == "graph" {
			graphFlags = c.flags
		}
	}
	tests := []struct {
		name  string
		words []string // the words typed, the last being completed
		want  string   // the candidates, space-separated
	}{
		{"commands", []string{""}, strings.Join(commandNames(model), " ")},
		{"command prefix", []string{"co"}, "console completion"},
		{"global flags", []string{"-"}, "-chdir -help -no-color -version"},
		{"command flags", []string{"graph", "-"}, strings.Join(compFlagNames(graphFlags), " ")},
		{"flag choices after =", []string{"graph", "-format", "=", ""}, "dot mermaid"},
		{"flag choices after = with a prefix", []string{"graph", "-format", "=", "m"}, "mermaid"},
		{"flag choices as the next word", []string{"graph", "-format", "d"}, "dot"},
		{"flag choices in one word", []string{"graph", "-format=m"}, "-format=mermaid"},
		{"target addresses", []string{"plan", "-target", "feature.a.s"}, "feature.a.spec.x"},
		{"replace addresses", []string{"apply", "-replace", "=", "feature.b"}, "feature.b"},
		{"approve addresses", []string{"approve", "feature.a"}, "feature.a feature.a.spec.x"},
		{"revoke after a flag", []string{"revoke", "feature.b"}, "feature.b"},
		{"show addresses and files", []string{"show", "p"}, "plan.out"},
		{"chdir is passed on", []string{"-chdir", "elsewhere", "approve", "feature.c"}, "feature.c"},
		{"chdir with =", []string{"-chdir=elsewhere", "revoke", "feature.c"}, "feature.c"},
		{"no value after a boolean", []string{"plan", "-json", "feature"}, ""},
		{"completion shells", []string{"completion", ""}, "bash zsh fish"},
		{"help commands", []string{"help", "gr"}, "graph"},
		{"plan file", []string{"plan", "-out", "pl"}, "plan.out"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			words := append([]string{"kirofile"}, tt.words...)
			quoted := make([]string, len(words))
			for i, w := range words {
				quoted[i] = bashQuote(w)
			}
			// The stand-in answers with the addresses of "elsewhere"
			// when given -chdir=elsewhere, so that the test sees -chdir
			// reach it.
			prog := `
kirofile() {
    case $1 in
        -chdir=elsewhere) printf '%s\n' feature.c ;;
        __complete) printf '%s\n' feature.a feature.a.spec.x feature.b ;;
    esac
}
source ` + bashQuote(script) + `
COMP_WORDS=(` + strings.Join(quoted, " ") + `)
COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
_kirofile
echo "${COMPREPLY[*]}"
`
			cmd := exec.Command(bash, "--norc", "--noprofile", "-c", prog)
			cmd.Dir = dir
			out, err := cmd.CombinedOutput()
			if err != nil {
				t.Fatalf("bash: %v\n%s", err, out)
			}
			if got := strings.TrimSpace(string(out)); got != tt.want {
				t.Errorf("completing %q = %q, want %q", words, got, tt.want)
			}
		})
	}
}

func TestCompletionUsage(t *testing.T) {
	tests := []struct {
		args   []string
		stderr string
	}{
		{[]string{"completion"}, `kirofile completion: want one shell name: bash, zsh or fish; run "kirofile completion -help" for usage`},
		{[]string{"completion", "tcsh"}, `kirofile completion: unsupported shell "tcsh"; want bash, zsh or fish; run "kirofile completion -help" for usage`},
		{[]string{"completion", "bash", "zsh"}, `kirofile completion: want one shell name: bash, zsh or fish; run "kirofile completion -help" for usage`},
		{[]string{"__complete", "nodes"}, `kirofile __complete: want one kind of candidate: addresses; run "kirofile __complete -help" for usage`},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			code, stdout, stderr := runCapture(t, "", tt.args...)
			if code != exitError || stdout != "" || stderr != tt.stderr+"\n" {
				t.Errorf("exit %d, stdout %q, stderr %q; want exit 1 and stderr %q", code, stdout, stderr, tt.stderr)
			}
		})
	}
}

func TestCompletionHelpShowsInstallLines(t *testing.T) {
	_, stdout, _ := runCapture(t, "", "completion", "-help")
	for _, want := range []string{
		"source <(kirofile completion bash)",
		"source <(kirofile completion zsh)",
		"fpath",
		"kirofile completion fish > ~/.config/fish/completions/kirofile.fish",
	} {
		if !strings.Contains(stdout, want) {
			t.Errorf("completion -help lacks %q:\n%s", want, stdout)
		}
	}
}

func TestArgKind(t *testing.T) {
	tests := []struct {
		args    string
		want    compKind
		choices string
	}{
		{"", compNone, ""},
		{"ADDR...", compAddr, ""},
		{"[ADDR|PLANFILE]", compAddrFile, ""},
		{"[PLANFILE]", compFile, ""},
		{"[PATH...]", compFile, ""},
		{"bash|zsh|fish", compChoice, "bash zsh fish"},
		{"KIND NAME", compNone, ""},
	}
	for _, tt := range tests {
		t.Run(tt.args, func(t *testing.T) {
			got, choices := argKind(tt.args)
			if got != tt.want || strings.Join(choices, " ") != tt.choices {
				t.Errorf("argKind(%q) = %v %q, want %v %q", tt.args, got, choices, tt.want, tt.choices)
			}
		})
	}
}

// TestCompletionModel checks that the model follows the command table:
// what the scripts are generated from.
func TestCompletionModel(t *testing.T) {
	model := completionModel()
	byName := map[string]compCommand{}
	for _, c := range model {
		byName[c.name] = c
	}
	for _, c := range commands {
		if _, ok := byName[c.name]; ok == c.hidden {
			t.Errorf("command %q (hidden %v) in the model: %v", c.name, c.hidden, ok)
		}
	}
	flagOf := func(cmd, name string) compFlag {
		t.Helper()
		for _, f := range byName[cmd].flags {
			if f.name == name {
				return f
			}
		}
		t.Fatalf("no flag -%s for %q", name, cmd)
		return compFlag{}
	}
	if f := flagOf("graph", "format"); f.kind != compChoice || strings.Join(f.choices, " ") != "dot mermaid" {
		t.Errorf("graph -format = %+v, want the choices dot and mermaid", f)
	}
	for _, cmd := range []string{"plan", "apply"} {
		for _, name := range []string{"target", "replace"} {
			if f := flagOf(cmd, name); f.kind != compAddr {
				t.Errorf("%s -%s completes %v, want addresses", cmd, name, f.kind)
			}
		}
	}
	if f := flagOf("", "chdir"); f.kind != compDir {
		t.Errorf("-chdir completes %v, want directories", f.kind)
	}
	if f := flagOf("plan", "json"); !f.isBool {
		t.Errorf("plan -json is not a boolean flag")
	}
	for _, name := range []string{"approve", "revoke"} {
		if k := byName[name].args; k != compAddr {
			t.Errorf("%s arguments complete %v, want addresses", name, k)
		}
	}
	if k := byName["help"].args; k != compCommandName {
		t.Errorf("help arguments complete %v, want command names", k)
	}
}
