package main

import (
	"bytes"
	"testing"
)

func TestColorEnabled(t *testing.T) {
	tests := []struct {
		name    string
		noColor bool
		env     map[string]string
		want    bool
	}{
		{name: "not a terminal", want: false},
		{name: "forced", env: map[string]string{"CLICOLOR_FORCE": "1"}, want: true},
		{name: "forced with zero", env: map[string]string{"CLICOLOR_FORCE": "0"}, want: false},
		{name: "NO_COLOR beats forced", env: map[string]string{"CLICOLOR_FORCE": "1", "NO_COLOR": "1"}, want: false},
		{name: "any NO_COLOR value", env: map[string]string{"CLICOLOR_FORCE": "1", "NO_COLOR": "false"}, want: false},
		{name: "empty NO_COLOR is unset", env: map[string]string{"CLICOLOR_FORCE": "1", "NO_COLOR": ""}, want: true},
		{name: "flag beats forced", noColor: true, env: map[string]string{"CLICOLOR_FORCE": "1"}, want: false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			getenv := func(k string) string { return tt.env[k] }
			if got := colorEnabled(&bytes.Buffer{}, tt.noColor, getenv); got != tt.want {
				t.Errorf("colorEnabled = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestTerminalWidthOfNonTerminal(t *testing.T) {
	if w := terminalWidth(&bytes.Buffer{}); w != 0 {
		t.Errorf("terminalWidth(buffer) = %d, want 0", w)
	}
}
