package main

import (
	"bytes"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/kirofile/kirofile/internal/apply"
	"github.com/kirofile/kirofile/internal/plan"
)

// sgr matches a colour (Select Graphic Rendition) escape; the live view's
// cursor movement is not one.
var sgr = regexp.MustCompile("\x1b\\[[0-9;]*m")

// cursorUp matches the live view's erase of the block it drew last.
var cursorUp = regexp.MustCompile("\x1b\\[([0-9]+)A\x1b\\[J")

// screen replays output as a terminal shows it: an erase of the last N lines
// removes them. It returns the lines left on screen, colour escapes removed.
func screen(t *testing.T, out string) []string {
	t.Helper()
	var lines []string
	for out != "" {
		loc := cursorUp.FindStringSubmatchIndex(out)
		text := out
		if loc != nil {
			text = out[:loc[0]]
		}
		if text != "" {
			lines = append(lines, strings.Split(strings.TrimSuffix(text, "\n"), "\n")...)
		}
		if loc == nil {
			break
		}
		n, _ := strconv.Atoi(out[loc[2]:loc[3]])
		if n > len(lines) {
			t.Fatalf("erases %d lines, only %d on screen:\n%q", n, len(lines), out)
		}
		lines = lines[:len(lines)-n]
		out = out[loc[1]:]
	}
	for i, l := range lines {
		lines[i] = sgr.ReplaceAllString(l, "")
	}
	return lines
}

func TestLiveOutput(t *testing.T) {
	tests := []struct {
		name     string
		terminal bool
		env      map[string]string
		want     bool
	}{
		{"terminal", true, nil, true},
		{"terminal NO_COLOR", true, map[string]string{"NO_COLOR": "1"}, true},
		{"terminal TERM=xterm", true, map[string]string{"TERM": "xterm-256color"}, true},
		{"dumb terminal", true, map[string]string{"TERM": "dumb"}, false},
		{"pipe", false, nil, false},
		{"pipe CLICOLOR_FORCE", false, map[string]string{"CLICOLOR_FORCE": "1"}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := liveOutput(tt.terminal, func(k string) string { return tt.env[k] }); got != tt.want {
				t.Errorf("liveOutput = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestApplyViewLive(t *testing.T) {
	const addr = "feature.a.codegen.api"
	started := apply.Event{Type: apply.EventNodeStarted, Address: addr, State: plan.Create}
	progress := func(attempt, tokens int) apply.Event {
		return apply.Event{Type: apply.EventNodeProgress, Address: addr, Attempt: attempt, TokensEstimate: tokens}
	}
	hookFailed := apply.Event{Type: apply.EventHookResult, Address: addr, Hook: "test", Output: "FAIL"}

	tests := []struct {
		name   string
		live   bool
		color  bool
		events []apply.Event
		want   []string // the screen at the end, lines with the elapsed time removed
	}{
		{
			name:   "live without colour",
			live:   true,
			events: []apply.Event{started, progress(1, 12)},
			want:   []string{"  ~ " + addr + " (create), ~12 tokens"},
		},
		{
			name:   "live with colour",
			live:   true,
			color:  true,
			events: []apply.Event{started, progress(1, 12)},
			want:   []string{"  ~ " + addr + " (create), ~12 tokens"},
		},
		{
			name:   "one token",
			live:   true,
			events: []apply.Event{started, progress(1, 1)},
			want:   []string{"  ~ " + addr + " (create), ~1 token"},
		},
		{
			name:   "nothing streamed yet",
			live:   true,
			events: []apply.Event{started},
			want:   []string{"  ~ " + addr + " (create), ~0 tokens"},
		},
		{
			name:   "count of the first attempt",
			live:   true,
			events: []apply.Event{started, progress(1, 40), progress(1, 90)},
			want:   []string{"  ~ " + addr + " (create), ~90 tokens"},
		},
		{
			name:   "second attempt counts afresh",
			live:   true,
			events: []apply.Event{started, progress(1, 40), hookFailed, progress(2, 3)},
			want: []string{
				addr + ": hook test failed",
				"    FAIL",
				"  ~ " + addr + " (create), ~3 tokens, attempt 2",
			},
		},
		{
			name:   "second attempt announced before streaming",
			live:   true,
			events: []apply.Event{started, progress(1, 40), progress(2, 0)},
			want:   []string{"  ~ " + addr + " (create), ~0 tokens, attempt 2"},
		},
		{
			name:   "late event of an earlier attempt",
			live:   true,
			events: []apply.Event{started, progress(1, 40), progress(2, 3), progress(1, 41)},
			want:   []string{"  ~ " + addr + " (create), ~3 tokens, attempt 2"},
		},
		{
			name:   "third attempt",
			live:   true,
			events: []apply.Event{started, progress(1, 40), progress(2, 30), progress(3, 5)},
			want:   []string{"  ~ " + addr + " (create), ~5 tokens, attempt 3"},
		},
		{
			name: "finished node leaves the live block",
			live: true,
			events: []apply.Event{started, progress(1, 40),
				{Type: apply.EventNodeFinished, Address: addr, State: plan.Generated}},
			want: []string{addr + ": generated"},
		},
		{
			name:   "plain lines",
			events: []apply.Event{started, progress(1, 40), progress(2, 3)},
			want:   []string{addr + ": generating (create)"},
		},
	}
	elapsed := regexp.MustCompile(` [0-9]+s,`)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			v := newApplyHuman(&meta{stdout: &stdout, stderr: &stderr, colorOut: tt.color}, tt.live)
			for _, e := range tt.events {
				v.Event(e)
			}
			v.mu.Lock() // the ticker may redraw
			out := stdout.String()
			v.mu.Unlock()
			v.Summary(&apply.Result{}, false) // stops the ticker

			if got := sgr.MatchString(out); got != tt.color {
				t.Errorf("colour escapes: %v, want %v, in\n%q", got, tt.color, out)
			}
			if !tt.live && strings.Contains(out, "\x1b[") {
				t.Errorf("escapes in plain output %q", out)
			}
			lines := screen(t, out)
			for i, l := range lines {
				lines[i] = elapsed.ReplaceAllString(l, ",")
			}
			if strings.Join(lines, "\n") != strings.Join(tt.want, "\n") {
				t.Errorf("screen:\n%s\nwant:\n%s\noutput: %q", strings.Join(lines, "\n"), strings.Join(tt.want, "\n"), out)
			}
		})
	}
}

// TestApplyViewChoice checks which view newApplyView picks: colour has no
// say in it, so a terminal without colour still gets the live view, drawn
// without colour escapes.
func TestApplyViewChoice(t *testing.T) {
	tests := []struct {
		name     string
		json     bool
		terminal bool
		color    bool
		term     string
		wantLive bool
	}{
		{name: "terminal with colour", terminal: true, color: true, wantLive: true},
		{name: "terminal without colour", terminal: true, wantLive: true},
		{name: "dumb terminal", terminal: true, color: true, term: "dumb"},
		{name: "pipe", color: true},
		{name: "json on a terminal", json: true, terminal: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			m := &meta{stdout: &stdout, stderr: &stderr, colorOut: tt.color}
			getenv := func(k string) string {
				if k == "TERM" {
					return tt.term
				}
				return ""
			}
			view := newApplyViewFor(m, tt.json, tt.terminal, getenv)
			if tt.json {
				if _, ok := view.(*applyJSON); !ok {
					t.Fatalf("view = %T, want the JSON view", view)
				}
				return
			}
			v := view.(*applyHuman)
			if v.live != tt.wantLive {
				t.Fatalf("live = %v, want %v", v.live, tt.wantLive)
			}
			const addr = "feature.a.codegen.api"
			v.Event(apply.Event{Type: apply.EventNodeStarted, Address: addr, State: plan.Create})
			v.Event(apply.Event{Type: apply.EventNodeProgress, Address: addr, Attempt: 1, TokensEstimate: 7})
			v.mu.Lock()
			out := stdout.String()
			v.mu.Unlock()
			v.Summary(&apply.Result{}, false)
			if !tt.wantLive {
				if strings.Contains(out, "\x1b[") || strings.Contains(out, "tokens") {
					t.Errorf("plain output has escapes or a live line: %q", out)
				}
				return
			}
			if !strings.Contains(out, "~7 tokens") {
				t.Errorf("no live line in %q", out)
			}
			if got := sgr.MatchString(out); got != tt.color {
				t.Errorf("colour escapes: %v, want %v, in %q", got, tt.color, out)
			}
		})
	}
}
