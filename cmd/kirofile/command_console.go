package main

import (
	"bufio"
	"flag"
	"fmt"
	"strings"

	"github.com/hashicorp/hcl/v2"

	"github.com/kirofile/kirofile/lang"
)

var consoleCommand = &commandSpec{
	name:     "console",
	synopsis: "Evaluate expressions against the configuration",
	help: `
Loads the configuration as validate does, then reads expressions from
stdin, one per line, and prints each one's value in HCL syntax. Expressions
see what a top-level block sees: var.NAME, local.NAME, every function, and
references such as feature.auth.spec.design.path or provider.openai.main.
Sensitive values print as (sensitive value); a variable without a value,
and what is computed from it, print as (not set), with a note on stderr
naming the variables to give values to.

A mistake in an expression is reported and the console goes on. "exit" or
end of input (Ctrl-D) ends it. On a terminal each line is prompted with
"> "; otherwise nothing but values is printed, so the console can be
scripted:

  echo 'feature.auth.spec.design.path' | kirofile console

When stdin is not a terminal, the exit status is 1 if any expression
failed.`,
	new: func() command { return &consoleCmd{} },
}

type consoleCmd struct {
	loadFlags
}

func (c *consoleCmd) flags(fs *flag.FlagSet) {
	c.loadFlags.flags(fs)
}

// maxConsoleLine bounds one expression; anything longer is surely not
// typed, and the scanner needs a limit.
const maxConsoleLine = 1 << 20

func (c *consoleCmd) run(m *meta, args []string) int {
	if !m.noArgs(args) {
		return exitError
	}
	log := m.logger.Named("console")
	interactive := stdinIsTerminal(m)
	view := newConsoleView(m, interactive)
	cfg, diags := c.load(m)
	view.Diagnostics(cfg.Files, diags)
	if diags.HasErrors() {
		return exitError
	}
	log.Debug("configuration loaded", "dir", m.dir, "features", len(cfg.Features), "nodes", len(cfg.Nodes))

	sc := bufio.NewScanner(m.stdin)
	sc.Buffer(make([]byte, 0, 4096), maxConsoleLine)
	failed := false
	for view.Prompt(); sc.Scan(); view.Prompt() {
		line := strings.TrimRight(sc.Text(), "\r")
		switch strings.TrimSpace(line) {
		case "":
			continue
		case "exit":
			log.Debug("exit requested")
			return c.status(interactive, failed)
		}
		v, ediags := cfg.Evaluate(line)
		log.Debug("evaluated", "expr", line, "errors", ediags.HasErrors())
		if len(ediags) > 0 {
			// The snippet under the message is the line just typed.
			files := map[string]*hcl.File{lang.ConsoleFilename: {Bytes: []byte(line)}}
			view.Diagnostics(files, ediags)
		}
		if ediags.HasErrors() {
			failed = true
			continue
		}
		view.Value(v)
		if !v.IsWhollyKnown() {
			view.NotSet(unsetVariables(cfg))
		}
	}
	view.EndInput()
	if err := sc.Err(); err != nil {
		view.Diagnostics(nil, hcl.Diagnostics{{
			Severity: hcl.DiagError,
			Summary:  "Cannot read the console input",
			Detail:   fmt.Sprintf("Reading stdin failed: %v. Expressions are limited to %d bytes.", err, maxConsoleLine),
		}})
		return exitError
	}
	return c.status(interactive, failed)
}

// status is the exit code: a script learns from it that an expression
// failed; at a terminal the person saw it, and leaving is not a failure.
func (c *consoleCmd) status(interactive, failed bool) int {
	if failed && !interactive {
		return exitError
	}
	return exitOK
}

// unsetVariables names the variables without a value.
func unsetVariables(cfg *lang.Config) []string {
	var out []string
	for _, name := range sortedKeys(cfg.Variables) {
		if !cfg.Variables[name].Value.IsWhollyKnown() {
			out = append(out, "var."+name)
		}
	}
	return out
}
