package main

import (
	"flag"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/posener/complete"
)

// needShell returns the path of shell, skipping the test where it is not
// installed; in CI (CI set), which installs every shell the tests drive, a
// missing one fails instead.
func needShell(t *testing.T, shell string) string {
	t.Helper()
	path, err := exec.LookPath(shell)
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("%s is not installed; .ci/run installs it", shell)
		}
		t.Skipf("%s is not installed", shell)
	}
	return path
}

// completionScript returns the script kirofile prints for shell.
func completionScript(t *testing.T, shell string) string {
	t.Helper()
	code, stdout, stderr := runCapture(t, "", "completion", shell)
	if code != exitOK || stderr != "" {
		t.Fatalf("kirofile completion %s: exit %d, stderr %q", shell, code, stderr)
	}
	return stdout
}

// TestCompletionScriptsSyntax has each shell parse its script without
// running it.
func TestCompletionScriptsSyntax(t *testing.T) {
	for _, shell := range []string{"bash", "zsh", "fish"} {
		t.Run(shell, func(t *testing.T) {
			path := needShell(t, shell)
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

func TestCompletionUsage(t *testing.T) {
	tests := []struct {
		args   []string
		stderr string
	}{
		{[]string{"completion"}, `kirofile completion: want one shell name: bash, zsh or fish; run "kirofile completion -help" for usage`},
		{[]string{"completion", "tcsh"}, `kirofile completion: unsupported shell "tcsh"; want bash, zsh or fish; run "kirofile completion -help" for usage`},
		{[]string{"completion", "bash", "zsh"}, `kirofile completion: want one shell name: bash, zsh or fish; run "kirofile completion -help" for usage`},
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
		"kirofile completion fish > ~/.config/fish/completions/kirofile.fish",
	} {
		if !strings.Contains(stdout, want) {
			t.Errorf("completion -help lacks %q:\n%s", want, stdout)
		}
	}
}

func TestCompletionChdir(t *testing.T) {
	home, err := os.UserHomeDir()
	if err != nil {
		t.Skip(err)
	}
	tests := []struct{ line, want string }{
		{"kirofile ", ""},
		{"kirofile -chdir=a plan ", "a"},
		{"kirofile --chdir=a plan ", "a"},
		{"kirofile -chdir a plan ", "a"},
		{"kirofile -no-color -chdir a ", "a"},
		{"kirofile -chdir=a -chdir=b plan ", "b"},
		{"kirofile -chdir a", ""},       // a is still being typed
		{"kirofile -chdir=a", ""},       // so is this
		{"kirofile -chdir", ""},         // no value yet
		{"kirofile -chdir ", ""},        // none typed
		{"kirofile plan -chdir=a ", ""}, // after the command, not global
		{"kirofile -chdir=~/p plan ", home + "/p"},
		{"kirofile -chdir=~ plan ", home},
		{"kirofile -chdir=~x plan ", "~x"},
	}
	for _, tt := range tests {
		if got := completionChdir(tt.line); got != tt.want {
			t.Errorf("completionChdir(%q) = %q, want %q", tt.line, got, tt.want)
		}
	}
}

// predict returns what the tree offers after the words typed (the last
// one being completed), sorted.
func predict(tree complete.Command, words ...string) []string {
	a := complete.Args{All: words, Completed: words[:len(words)-1], Last: words[len(words)-1]}
	if len(a.Completed) > 0 {
		a.LastCompleted = a.Completed[len(a.Completed)-1]
	}
	var out []string
	for _, o := range tree.Predict(a) {
		if strings.HasPrefix(o, a.Last) {
			out = append(out, o)
		}
	}
	sort.Strings(out)
	return out
}

// TestCompletionTree checks that the tree follows the command table: every
// visible command and flag, and what each value completes to.
func TestCompletionTree(t *testing.T) {
	tree := completionTree()
	for _, c := range commands {
		if _, ok := tree.Sub[c.name]; ok == c.hidden {
			t.Errorf("command %q (hidden %v) in the tree: %v", c.name, c.hidden, ok)
		}
		if c.hidden {
			continue
		}
		fs := newFlagSet(c.name)
		c.new().flags(fs)
		var want []string
		fs.VisitAll(func(f *flag.Flag) {
			if f.Usage != "" {
				want = append(want, "-"+f.Name)
			}
		})
		sort.Strings(want)
		if got := predict(tree, c.name, "-"); strings.Join(got, " ") != strings.Join(want, " ") {
			t.Errorf("%s -<Tab> = %v, want %v", c.name, got, want)
		}
	}
	tests := []struct {
		words []string
		want  string
	}{
		{[]string{"graph", "-format", ""}, "dot mermaid"},
		{[]string{"completion", ""}, "bash fish zsh"},
		{[]string{"help", "ap"}, "apply approve"},
		{[]string{"-no-color", "gr"}, "graph"},
		{[]string{"plan", "-json", ""}, ""},
		{[]string{"plan", "-var", ""}, ""},
		{[]string{"plan", "-detailed"}, "-detailed-exitcode"},
	}
	for _, tt := range tests {
		if got := strings.Join(predict(tree, tt.words...), " "); got != tt.want {
			t.Errorf("%q = %q, want %q", tt.words, got, tt.want)
		}
	}
}

func TestArgPredictor(t *testing.T) {
	tests := []struct {
		args string
		want string // what it offers for an empty word, in a directory without a project
	}{
		{"", ""},
		{"ADDR...", ""},
		{"bash|zsh|fish", "bash fish zsh"},
		{"[PLANFILE]", "./ plan.out"},
		{"[PATH...]", "./ plan.out"},
		{"[ADDR|PLANFILE]", "./ plan.out"},
		{"KIND NAME", ""},
	}
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "plan.out"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Chdir(dir)
	for _, tt := range tests {
		var got []string
		if p := argPredictor(tt.args); p != nil {
			got = p.Predict(complete.Args{})
		}
		sort.Strings(got)
		if strings.Join(got, " ") != tt.want {
			t.Errorf("argPredictor(%q) offers %q, want %q", tt.args, got, tt.want)
		}
	}
}
