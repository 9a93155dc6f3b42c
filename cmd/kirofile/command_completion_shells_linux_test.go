//go:build linux

package main

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// The real shells, driven as a person drives them: bash and zsh run
// interactively on a pseudo-terminal, load "kirofile completion SHELL" as
// the docs say, and are sent the keys of each command line followed by a
// key that inserts every completion candidate and one that saves the
// resulting line; fish answers "complete -C LINE". The kirofile they run
// is the one TestMain puts on PATH: this test binary acting as kirofile.
// Opening a pseudo-terminal is Linux's /dev/ptmx, hence the build tag.

// shellCase is a command line (the last word being completed) and the
// candidates every shell must offer for it; none leaves the line as it is.
type shellCase struct {
	line string
	want []string
}

var shellCases = []shellCase{
	{"kirofile co", []string{"completion", "console"}},
	{"kirofile -", []string{"-chdir", "-help", "-no-color", "-version"}},
	{"kirofile graph -format ", []string{"dot", "mermaid"}},
	{"kirofile graph -format=m", []string{"-format=mermaid"}},
	{"kirofile approve feature.b", []string{"feature.billing", "feature.billing.spec.requirements"}},
	{"kirofile plan -target feature.b", []string{"feature.billing", "feature.billing.spec.requirements"}},
	{"kirofile show pl", []string{"plan.out"}},
	{"kirofile -chdir=other revoke feature.", []string{"feature.other", "feature.other.spec.requirements"}},
	{"kirofile -chdir other show ot", []string{"other.plan"}},
	{"kirofile plan -json fe", nil},
	{"kirofile help gr", []string{"graph"}},
}

// completionProject writes the project the cases complete in.
func completionProject(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	files := map[string]string{
		"Kirofile": `provider "openai" "main" {
  model = "gpt-4o-mini"
}
feature "billing" {
  provider = provider.openai.main
  spec "requirements" {}
}
feature "auth" {
  provider = provider.openai.main
  spec "requirements" {}
}
`,
		"plan.out": "",
		"other/Kirofile": `provider "openai" "main" {
  model = "gpt-4o-mini"
}
feature "other" {
  provider = provider.openai.main
  spec "requirements" {}
}
`,
		"other/other.plan": "",
	}
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

func TestCompletionInShells(t *testing.T) {
	if _, err := exec.LookPath("kirofile"); err != nil {
		t.Fatalf("kirofile is not on PATH (TestMain puts it there): %v", err)
	}
	dir := completionProject(t)
	for _, shell := range []string{"bash", "zsh", "fish"} {
		t.Run(shell, func(t *testing.T) {
			path := needShell(t, shell)
			var got [][]string // the candidates of each case
			if shell == "fish" {
				got = fishCandidates(t, path, dir)
			} else {
				got = terminalCandidates(t, shell, path, dir)
			}
			for i, c := range shellCases {
				want := slicesSorted(c.want)
				if strings.Join(got[i], " ") != strings.Join(want, " ") {
					t.Errorf("%s completes %q to %q, want %q", shell, c.line, got[i], want)
				}
			}
		})
	}
}

func slicesSorted(s []string) []string {
	out := append([]string(nil), s...)
	sort.Strings(out)
	return out
}

// shellEnv is the environment of a shell under test: no rc file of the
// developer's, nothing of an outer completion.
func shellEnv(home string, extra ...string) []string {
	var env []string
	for _, kv := range os.Environ() {
		name, _, _ := strings.Cut(kv, "=")
		switch {
		case name == "HOME", name == "ZDOTDIR", name == "TERM", name == "KIROFILE_LOG",
			strings.HasPrefix(name, "COMP_"), strings.HasPrefix(name, "XDG_"):
			continue
		}
		env = append(env, kv)
	}
	return append(env, append([]string{"HOME=" + home, "TERM=dumb"}, extra...)...)
}

// fishCandidates asks fish for the candidates of every case at once.
func fishCandidates(t *testing.T, fish, dir string) [][]string {
	home := t.TempDir()
	script := filepath.Join(home, "kirofile.fish")
	if err := os.WriteFile(script, []byte(completionScript(t, "fish")), 0o644); err != nil {
		t.Fatal(err)
	}
	const sep = "--- next ---"
	var b strings.Builder
	fmt.Fprintf(&b, "source %s\n", fishQuote(script))
	for _, c := range shellCases {
		fmt.Fprintf(&b, "complete -C %s\necho %s\n", fishQuote(c.line), fishQuote(sep))
	}
	cmd := exec.Command(fish, "--no-config", "-c", b.String())
	cmd.Dir = dir
	cmd.Env = shellEnv(home)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("fish: %v\n%s", err, out)
	}
	var got [][]string
	var cur []string
	for _, line := range strings.Split(string(out), "\n") {
		switch {
		case line == sep:
			got = append(got, slicesSorted(cur))
			cur = nil
		case line != "":
			candidate, _, _ := strings.Cut(line, "\t") // a description may follow
			cur = append(cur, candidate)
		}
	}
	if len(got) != len(shellCases) {
		t.Fatalf("fish answered %d cases, want %d:\n%s", len(got), len(shellCases), out)
	}
	return got
}

func fishQuote(s string) string {
	return "'" + strings.NewReplacer(`\`, `\\`, `'`, `\'`).Replace(s) + "'"
}

// The keys bound in the shells under test: Ctrl-X a inserts every
// candidate, Ctrl-X p appends the line to $OUT and clears it.
const (
	keyInsertAll = "\x18a"
	keySave      = "\x18p"
	promptMark   = "kirofile-test-prompt> "
)

var terminalRC = map[string]string{
	"bash": `PS1='` + promptMark + `'
source <(kirofile completion bash)
bind 'set bell-style none'
bind '"\C-xa": insert-completions'
bind -x '"\C-xp": printf "%s\n" "$READLINE_LINE" >> "$OUT"; READLINE_LINE=; READLINE_POINT=0'
`,
	"zsh": `PS1='` + promptMark + `'
autoload -Uz compinit && compinit -u -D
source <(kirofile completion zsh)
zle -C all-matches complete-word _generic
zstyle ':completion:all-matches:*' completer _all_matches _complete
zstyle ':completion:all-matches:*' insert true
bindkey '^Xa' all-matches
kirofile-test-save() { print -r -- "$BUFFER" >> "$OUT"; BUFFER= }
zle -N kirofile-test-save
bindkey '^Xp' kirofile-test-save
`,
}

// terminalCandidates runs bash or zsh on a pseudo-terminal, types every
// case, and reads back the candidates each shell inserted.
func terminalCandidates(t *testing.T, shell, path, dir string) [][]string {
	home := t.TempDir()
	out := filepath.Join(home, "lines")
	rc := filepath.Join(home, ".zshrc") // zsh reads $ZDOTDIR/.zshrc
	if err := os.WriteFile(rc, []byte(terminalRC[shell]), 0o644); err != nil {
		t.Fatal(err)
	}
	args := []string{"-i"}
	if shell == "bash" {
		args = []string{"--noprofile", "--rcfile", rc, "-i"}
	}
	master, slave := openPTY(t)
	cmd := exec.Command(path, args...)
	cmd.Dir = dir
	cmd.Env = shellEnv(home, "ZDOTDIR="+home, "OUT="+out)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = slave, slave, slave
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true, Setctty: true, Ctty: 0}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	slave.Close()
	var screen terminalOutput
	go screen.copyFrom(master)
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		master.Close()
	})

	// Keys typed before the line editor starts may be dropped: wait for
	// the prompt.
	waitFor(t, &screen, "the prompt", func() bool { return strings.Contains(screen.String(), promptMark) })
	var keys strings.Builder
	for _, c := range shellCases {
		keys.WriteString(c.line + keyInsertAll + keySave)
	}
	if _, err := master.WriteString(keys.String()); err != nil {
		t.Fatal(err)
	}
	var lines []string
	waitFor(t, &screen, "every line", func() bool {
		data, _ := os.ReadFile(out)
		lines = strings.Split(strings.TrimSuffix(string(data), "\n"), "\n")
		return len(data) > 0 && len(lines) >= len(shellCases)
	})

	got := make([][]string, len(shellCases))
	for i, c := range shellCases {
		// What the shell inserted replaced the word being typed.
		head := strings.Fields(c.line)
		if !strings.HasSuffix(c.line, " ") {
			head = head[:len(head)-1]
		}
		fields := strings.Fields(lines[i])
		if len(fields) < len(head) || strings.Join(fields[:len(head)], " ") != strings.Join(head, " ") {
			t.Fatalf("%s turned %q into %q", shell, c.line, lines[i])
		}
		if strings.TrimSpace(lines[i]) == strings.TrimSpace(c.line) {
			continue // nothing inserted
		}
		got[i] = slicesSorted(fields[len(head):])
	}
	return got
}

// openPTY opens a pseudo-terminal pair.
func openPTY(t *testing.T) (master, slave *os.File) {
	t.Helper()
	m, err := os.OpenFile("/dev/ptmx", os.O_RDWR|syscall.O_NOCTTY, 0)
	if err != nil {
		t.Skipf("no pseudo-terminal: %v", err)
	}
	fd := int(m.Fd())
	if err := unix.IoctlSetPointerInt(fd, unix.TIOCSPTLCK, 0); err != nil {
		t.Fatal(err)
	}
	n, err := unix.IoctlGetInt(fd, unix.TIOCGPTN)
	if err != nil {
		t.Fatal(err)
	}
	if err := unix.IoctlSetWinsize(fd, unix.TIOCSWINSZ, &unix.Winsize{Row: 50, Col: 250}); err != nil {
		t.Fatal(err)
	}
	s, err := os.OpenFile(fmt.Sprintf("/dev/pts/%d", n), os.O_RDWR|syscall.O_NOCTTY, 0)
	if err != nil {
		t.Fatal(err)
	}
	return m, s
}

// terminalOutput collects what the shell writes to its terminal, which
// must be read for the shell not to block, and which failures show.
type terminalOutput struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (o *terminalOutput) copyFrom(f *os.File) {
	b := make([]byte, 4096)
	for {
		n, err := f.Read(b)
		o.mu.Lock()
		o.buf.Write(b[:n])
		o.mu.Unlock()
		if err != nil {
			return
		}
	}
}

func (o *terminalOutput) String() string {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.buf.String()
}

// waitFor polls cond for up to a minute, then fails showing the terminal.
func waitFor(t *testing.T, screen *terminalOutput, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(time.Minute); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if cond() {
			return
		}
	}
	t.Fatalf("no %s after a minute; the terminal shows:\n%s", what, screen.String())
}
