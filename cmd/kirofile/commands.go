package main

import (
	"flag"
	"fmt"
	"io"
	"strings"

	"github.com/agext/levenshtein"
)

// A command is one kirofile subcommand. A fresh value is made for every
// run, so flag values live in its fields.
type command interface {
	// flags declares the command's flags on fs.
	flags(fs *flag.FlagSet)
	// run runs the command with the arguments left after the flags and
	// returns the exit code.
	run(m *meta, args []string) int
}

// commandSpec describes a command for dispatch and help.
type commandSpec struct {
	name     string
	synopsis string // one line in the command list
	args     string // positional arguments in the usage line, e.g. "[PATH...]"
	help     string // what the command does, printed under the usage line
	hidden   bool   // left out of the command list (internal commands)
	new      func() command
}

// commands lists every command in the order of the command list. Adding a
// command is adding an entry here and a command_NAME.go file.
var commands = []*commandSpec{
	initCommand,
	validateCommand,
	planCommand,
	applyCommand,
	approveCommand,
	revokeCommand,
	showCommand,
	watchCommand,
	fmtCommand,
	graphCommand,
	mergeLockCommand,
	consoleCommand,
	versionCommand,
	completionCommand,
	pluginServerCommand,
}

func lookupCommand(name string) *commandSpec {
	for _, c := range commands {
		if c.name == name {
			return c
		}
	}
	return nil
}

// writeCommandList prints the top-level help.
func writeCommandList(w io.Writer) {
	var b strings.Builder
	b.WriteString("Usage: kirofile [global options] <command> [options] [args]\n\n")
	b.WriteString("kirofile turns Kirofiles into reviewed spec documents and generated code.\n\n")
	b.WriteString("Commands:\n")
	width := 0
	for _, c := range commands {
		width = max(width, len(c.name))
	}
	for _, c := range commands {
		if !c.hidden {
			fmt.Fprintf(&b, "  %-*s  %s\n", width, c.name, c.synopsis)
		}
	}
	b.WriteString("\nGlobal options (before the command):\n")
	var opts globalOptions
	fs := newFlagSet("kirofile")
	opts.flags(fs)
	writeFlags(&b, fs)
	b.WriteString("\nEnvironment:\n")
	b.WriteString("  NO_COLOR        Any non-empty value disables colour.\n")
	b.WriteString("  CLICOLOR_FORCE  A value other than 0 enables colour even when the output\n")
	b.WriteString("                  is not a terminal; NO_COLOR and -no-color still win.\n")
	b.WriteString("\nRun \"kirofile COMMAND -help\" or \"kirofile help COMMAND\" for a command's options.\n")
	_, _ = io.WriteString(w, b.String())
}

// writeCommandHelp prints a command's usage, description and flags.
func writeCommandHelp(w io.Writer, c *commandSpec, fs *flag.FlagSet) {
	var b strings.Builder
	fmt.Fprintf(&b, "Usage: kirofile [global options] %s", c.name)
	hasFlags := false
	fs.VisitAll(func(*flag.Flag) { hasFlags = true })
	if hasFlags {
		b.WriteString(" [options]")
	}
	if c.args != "" {
		b.WriteString(" " + c.args)
	}
	b.WriteString("\n\n")
	b.WriteString(strings.TrimSpace(c.help))
	b.WriteString("\n")
	if hasFlags {
		b.WriteString("\nOptions:\n")
		writeFlags(&b, fs)
	}
	_, _ = io.WriteString(w, b.String())
}

// writeFlags prints the flags of fs in two aligned columns, taking the value
// placeholder from the backquoted word of each usage string. Flags with an
// empty usage are aliases and are left out.
func writeFlags(b *strings.Builder, fs *flag.FlagSet) {
	type row struct{ left, usage string }
	var rows []row
	width := 0
	fs.VisitAll(func(f *flag.Flag) {
		if f.Usage == "" {
			return
		}
		name, usage := flag.UnquoteUsage(f)
		left := "-" + f.Name
		switch {
		case name == "":
			// A boolean flag.
			if f.DefValue == "true" {
				usage += " On by default; -" + f.Name + "=false turns it off."
			}
		case strings.Contains(name, "="):
			left += " " + name // -var NAME=VALUE reads better than -var=NAME=VALUE
		default:
			left += "=" + name
		}
		if d := f.DefValue; name != "" && d != "" {
			usage += fmt.Sprintf(" Default: %s.", d)
		}
		rows = append(rows, row{left, usage})
		width = max(width, len(left))
	})
	for _, r := range rows {
		fmt.Fprintf(b, "  %-*s  %s\n", width, r.left, r.usage)
	}
}

// suggestCommand returns the visible command closest to a mistyped name,
// or "" when none is close enough to be a likely typo.
func suggestCommand(name string) string {
	best, bestDist := "", 3 // more than two edits is not a typo
	for _, c := range commands {
		if c.hidden {
			continue
		}
		if d := levenshtein.Distance(name, c.name, nil); d < bestDist {
			best, bestDist = c.name, d
		}
	}
	return best
}
