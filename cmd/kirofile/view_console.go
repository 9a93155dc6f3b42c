package main

import (
	"fmt"
	"strings"

	"github.com/zclconf/go-cty/cty"

	"github.com/kirofile/kirofile/lang"
)

// consoleView reports "kirofile console": values on stdout, and on a
// terminal a prompt on stderr, as shells and Python's REPL do, so that
// stdout holds values only even when it is redirected.
type consoleView interface {
	diagnosticsView
	// Prompt asks for the next expression.
	Prompt()
	// EndInput ends the prompt line that Ctrl-D left open.
	EndInput()
	// Value prints the value of an expression.
	Value(v cty.Value)
	// NotSet notes, after a value that is not wholly known, the variables
	// that were given no value.
	NotSet(variables []string)
}

func newConsoleView(m *meta, interactive bool) consoleView {
	return consoleHuman{newHumanView(m), interactive}
}

type consoleHuman struct {
	*humanView
	interactive bool
}

func (v consoleHuman) Prompt() {
	if v.interactive {
		fmt.Fprint(v.stderr, "> ")
	}
}

func (v consoleHuman) EndInput() {
	if v.interactive {
		fmt.Fprintln(v.stderr)
	}
}

func (v consoleHuman) Value(val cty.Value) {
	fmt.Fprintln(v.stdout, lang.FormatValue(val))
}

// NotSet writes on stderr: only values go to stdout.
func (v consoleHuman) NotSet(variables []string) {
	fmt.Fprintf(v.stderr, "(not set: no value was given for %s; give one with -var NAME=VALUE, a -var-file, kirofile.kirovars or KIRO_VAR_NAME)\n",
		strings.Join(variables, ", "))
}
