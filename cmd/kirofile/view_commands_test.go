package main

import (
	"bytes"
	"errors"
	"strings"
	"testing"

	"github.com/zclconf/go-cty/cty"

	"github.com/kirofile/kirofile/internal/hook"
	"github.com/kirofile/kirofile/plugins/host"
)

// TestCommandViews renders every event of the views of init, fmt, graph,
// console, watch and version, with colour and without: colour appears only
// where it was allowed, and the text is the same once it is removed.
func TestCommandViews(t *testing.T) {
	events := []struct {
		name   string
		render func(m *meta)
		stdout string // without colour
		stderr string
	}{
		{"init ready", func(m *meta) { newInitView(m, false).Ready([]string{"Run plan."}, []string{"git config x y"}) },
			"kirofile is ready in this directory.\n\nSo that Git merges Kirofile.lock.hcl record by record, run once in this clone (Git never runs a command a repository names by itself):\n  git config x y\n\nNext steps:\n  1. Run plan.\n", ""},
		{"init gitattributes", func(m *meta) { newInitView(m, false).GitAttributes("created") },
			"- .gitattributes: created (the lock merges record by record; LF for the lock and spec documents)\n", ""},
		{"init plugin", func(m *meta) {
			newInitView(m, false).Plugin(host.PluginInstall{Name: "wc", Source: "./wc", SHA256: strings.Repeat("ab", 32), Platform: "linux_amd64", Status: "pinned"})
		}, "- wc: ./wc (sha256 abababababab for linux_amd64) pinned\n", ""},
		{"init plugin removed", func(m *meta) { newInitView(m, false).Plugin(host.PluginInstall{Name: "wc", Status: "removed"}) },
			"- wc: no longer declared, pin removed\n", ""},
		{"init starter", func(m *meta) { newInitView(m, false).StarterWritten("minimal", []string{"Kirofile"}) },
			"Wrote the \"minimal\" starter project:\n  + Kirofile\n", ""},
		{"init adopted", func(m *meta) { newInitView(m, false).Adopted([]string{"spec a"}) },
			"Adopted the Kiro project into a new Kirofile:\n  spec a\n", ""},
		{"fmt", func(m *meta) {
			v := newFmtView(m)
			v.Changed("Kirofile")
			v.Formatted([]byte("a = 1\n"))
		}, "Kirofile\na = 1\n", ""},
		{"graph", func(m *meta) { newGraphView(m).Graph("digraph {}") }, "digraph {}\n", ""},
		{"console at a terminal", func(m *meta) {
			v := newConsoleView(m, true)
			v.Prompt()
			v.Value(cty.StringVal("x"))
			v.EndInput()
		}, "\"x\"\n", "> \n"},
		{"console in a script", func(m *meta) {
			v := newConsoleView(m, false)
			v.Prompt()
			v.Value(cty.NumberIntVal(2))
			v.NotSet([]string{"a", "b"})
			v.EndInput()
		}, "2\n", "(not set: no value was given for a, b; give one with -var NAME=VALUE, a -var-file, kirofile.kirovars or KIRO_VAR_NAME)\n"},
		{"watch", func(m *meta) {
			v := newWatchView(m, false)
			v.Watching("/p", []string{"a", "b"})
			v.Saved([]string{"x.go"})
			v.HookResult(hook.Outcome{Hook: "a", Passed: true})
			v.HookResult(hook.Outcome{Hook: "b", Output: "bad\n"})
			v.HookResult(hook.Outcome{Hook: "c", Err: errors.New("no such action")})
			v.WatchError(errors.New("too many files"))
			v.Stopped()
		}, "Watching /p for hooks a, b. Press Ctrl-C to stop.\nSaved: x.go\nhook a passed\nhook b failed\n    bad\nhook c could not run: no such action\nStopped watching.\n",
			"watch: too many files\n"},
	}
	for _, e := range events {
		t.Run(e.name, func(t *testing.T) {
			for _, color := range []bool{false, true} {
				var stdout, stderr bytes.Buffer
				e.render(&meta{stdout: &stdout, stderr: &stderr, colorOut: color, colorErr: color})
				out := stdout.String()
				if !color && strings.Contains(out+stderr.String(), "\x1b[") {
					t.Errorf("colour escapes without colour: %q %q", out, stderr.String())
				}
				if plain := stripANSI(out); plain != e.stdout || stderr.String() != e.stderr {
					t.Errorf("colour %v: stdout %q, stderr %q; want %q, %q", color, plain, stderr.String(), e.stdout, e.stderr)
				}
			}
		})
	}
}

// stripANSI removes the escapes of color.go.
func stripANSI(s string) string {
	return strings.NewReplacer(ansiReset, "", ansiBold, "", ansiGreen, "", ansiRed, "", ansiYellow, "", ansiCyan, "", ansiDim, "").Replace(s)
}

func TestVersionViews(t *testing.T) {
	var human, js bytes.Buffer
	newVersionView(&meta{stdout: &human}, false).Version()
	newVersionView(&meta{stdout: &js}, true).Version()
	if !strings.HasPrefix(human.String(), "kirofile v"+version()+"\nplugin protocol ") {
		t.Errorf("human: %q", human.String())
	}
	if strings.Count(js.String(), "\n") != 1 || !strings.HasPrefix(js.String(), `{"type":"version","kirofile":"`+version()+`","ui":"`+uiVersion+`"`) {
		t.Errorf("json: %q", js.String())
	}
}
