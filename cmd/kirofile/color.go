package main

import (
	"io"

	"golang.org/x/term"
)

// ANSI escapes used by the human views.
const (
	ansiReset  = "\x1b[0m"
	ansiBold   = "\x1b[1m"
	ansiGreen  = "\x1b[32m"
	ansiRed    = "\x1b[31m"
	ansiYellow = "\x1b[33m"
	ansiCyan   = "\x1b[36m"
	ansiDim    = "\x1b[2m"
)

// colorEnabled decides whether output written to w may carry colour
// escapes. -no-color and a non-empty NO_COLOR (https://no-color.org) turn
// colour off; CLICOLOR_FORCE turns it on where the output is not a terminal
// (CI logs that render escapes); otherwise only a terminal gets colour.
func colorEnabled(w io.Writer, noColorFlag bool, getenv func(string) string) bool {
	if noColorFlag || getenv("NO_COLOR") != "" {
		return false
	}
	if v := getenv("CLICOLOR_FORCE"); v != "" && v != "0" {
		return true
	}
	return isTerminal(w)
}

// fileDescriptor is what *os.File offers to find out whether it is a
// terminal.
type fileDescriptor interface {
	Fd() uintptr
}

func isTerminal(w io.Writer) bool {
	f, ok := w.(fileDescriptor)
	return ok && term.IsTerminal(int(f.Fd()))
}

// terminalWidth is the width of the terminal behind w, or 0 when w is not a
// terminal: output that goes to a file or a pipe is not wrapped.
func terminalWidth(w io.Writer) uint {
	f, ok := w.(fileDescriptor)
	if !ok || !term.IsTerminal(int(f.Fd())) {
		return 0
	}
	width, _, err := term.GetSize(int(f.Fd()))
	if err != nil || width <= 0 {
		return 0
	}
	return uint(width)
}

// colorize wraps s in the given escape when on.
func colorize(on bool, escape, s string) string {
	if !on {
		return s
	}
	return escape + s + ansiReset
}
