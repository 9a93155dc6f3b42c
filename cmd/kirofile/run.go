package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/hashicorp/go-hclog"
)

// Exit codes. Every usage error and every failure is 1; the codes above it
// carry a result that scripts branch on.
const (
	exitOK    = 0
	exitError = 1
	// exitChanges is -detailed-exitcode's answer when a plan has changes,
	// or an apply left nodes awaiting approval or blocked.
	exitChanges = 2
	// exitNeedsFormat is fmt -check's answer when some file is not in
	// canonical format, as terraform fmt -check does.
	exitNeedsFormat = 3
)

// meta is what every command is given: where to act and where to write.
type meta struct {
	// name is the running command's name, for messages.
	name string
	// dir is the absolute directory the command acts in: the current
	// directory, or -chdir's. Commands resolve paths against it instead
	// of calling os.Chdir, so that Run has no process-wide side effect
	// and tests can run it in parallel.
	dir    string
	stdin  io.Reader
	stdout io.Writer
	stderr io.Writer
	// colorOut and colorErr say whether stdout and stderr may carry
	// colour escapes.
	colorOut, colorErr bool
	// width is the terminal width of stderr for wrapping diagnostics, or
	// 0 for no wrapping.
	width uint
	// logger is the diagnostic log (KIROFILE_LOG); never nil.
	logger hclog.Logger
}

// globalOptions are the flags that come before the command name.
type globalOptions struct {
	chdir   string
	noColor bool
	help    bool
	version bool
}

func (o *globalOptions) flags(fs *flag.FlagSet) {
	fs.StringVar(&o.chdir, "chdir", "", "Switch to `DIR` before running the command; every path is relative to it.")
	fs.BoolVar(&o.noColor, "no-color", false, "Disable colour in the output.")
	fs.BoolVar(&o.help, "help", false, "Show this help, or a command's with \"-help COMMAND\".")
	// -h is an alias; an empty usage keeps it out of the help text.
	fs.BoolVar(&o.help, "h", false, "")
	fs.BoolVar(&o.version, "version", false, "Print the version, as the version command does.")
}

// Run runs kirofile with args (without the program name) and returns the
// exit code. It touches no process-wide state, so tests call it directly.
func Run(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	var opts globalOptions
	global := newFlagSet("kirofile")
	opts.flags(global)
	if err := global.Parse(args); err != nil {
		return usageErrorf(stderr, "", "%v", err)
	}
	args = global.Args()

	m := &meta{
		stdin:    stdin,
		stdout:   stdout,
		stderr:   stderr,
		colorOut: colorEnabled(stdout, opts.noColor, os.Getenv),
		colorErr: colorEnabled(stderr, opts.noColor, os.Getenv),
		width:    terminalWidth(stderr),
		logger:   rootLogger,
	}

	switch {
	case opts.help:
		return runHelp(m, args)
	case opts.version:
		args = append([]string{"version"}, args...)
	case len(args) == 0:
		// Nothing was asked: show what can be asked, but fail, so that a
		// script that lost its arguments does not pass silently.
		writeCommandList(stderr)
		return exitError
	}

	name := args[0]
	if name == "help" {
		return runHelp(m, args[1:])
	}
	spec := lookupCommand(name)
	if spec == nil {
		return unknownCommand(stderr, name)
	}

	dir, err := workingDir(opts.chdir)
	if err != nil {
		fmt.Fprintf(stderr, "kirofile: %v\n", err)
		return exitError
	}
	m.dir = dir
	m.name = name

	fs := newFlagSet("kirofile " + name)
	cmd := spec.new()
	cmd.flags(fs)
	// -no-color is accepted after the command too, as Terraform accepts it
	// on every command: CI recipes put it at the end.
	var noColor bool
	if fs.Lookup("no-color") == nil {
		fs.BoolVar(&noColor, "no-color", false, "Disable colour in the output (also accepted before the command).")
	}
	parse := parseInterspersed
	if spec.hidden {
		// Hidden commands are called by kirofile and the completion
		// scripts with words that may start with a dash.
		parse = parseLeading
	}
	rest, err := parse(fs, args[1:])
	if err != nil {
		if errors.Is(err, flag.ErrHelp) {
			writeCommandHelp(stdout, spec, fs)
			return exitOK
		}
		if hint := flagHint(fs, args[1:], name); hint != "" {
			return usageErrorf(stderr, name, "%s", hint)
		}
		return usageErrorf(stderr, name, "%v", err)
	}
	if noColor {
		m.colorOut, m.colorErr = false, false
	}
	return cmd.run(m, rest)
}

// parseLeading parses the flags before the first positional argument, as
// the flag package does; the rest are positional.
func parseLeading(fs *flag.FlagSet, args []string) ([]string, error) {
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	return fs.Args(), nil
}

// parseInterspersed parses flags wherever they are among the positional
// arguments ("kirofile approve feature.a -by=ana"), as users of Terraform
// and of most command-line tools expect. "--" ends the flags: every word
// after it is positional. A lone "-" is positional (fmt reads stdin).
func parseInterspersed(fs *flag.FlagSet, args []string) ([]string, error) {
	var positional []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		rest := fs.Args()
		if len(rest) == 0 {
			return positional, nil
		}
		if consumed := len(args) - len(rest); consumed > 0 && args[consumed-1] == "--" {
			return append(positional, rest...), nil
		}
		positional = append(positional, rest[0])
		args = rest[1:]
	}
}

// flagHints explain flags that people bring from elsewhere: kirofile's
// global options given after the command, and Terraform's names for what
// kirofile spells differently.
var flagHints = []struct {
	name string
	hint func(cmd string) string
}{
	{"chdir", func(cmd string) string {
		return "-chdir is a global option: put it before the command, as in kirofile -chdir=DIR " + cmd
	}},
	{"auto-approve", func(string) string {
		return "-auto-approve is Terraform's name: kirofile spells it -yes"
	}},
}

// flagHint returns a hint for the first flag in args that fs does not
// define and that has a known explanation, or "".
func flagHint(fs *flag.FlagSet, args []string, cmd string) string {
	for _, a := range args {
		if a == "--" {
			break
		}
		name, ok := flagName(a)
		if !ok || fs.Lookup(name) != nil {
			continue
		}
		for _, h := range flagHints {
			if h.name == name {
				return h.hint(cmd)
			}
		}
	}
	return ""
}

// flagName returns the name of a flag argument ("-x", "--x", "-x=v").
func flagName(arg string) (string, bool) {
	if len(arg) < 2 || arg[0] != '-' {
		return "", false
	}
	name := strings.TrimPrefix(arg[1:], "-")
	name, _, _ = strings.Cut(name, "=")
	return name, name != ""
}

// runHelp answers "kirofile help [COMMAND]" and "kirofile -help [COMMAND]".
func runHelp(m *meta, args []string) int {
	switch len(args) {
	case 0:
		writeCommandList(m.stdout)
		return exitOK
	case 1:
		spec := lookupCommand(args[0])
		if spec == nil {
			return unknownCommand(m.stderr, args[0])
		}
		fs := newFlagSet("kirofile " + spec.name)
		spec.new().flags(fs)
		writeCommandHelp(m.stdout, spec, fs)
		return exitOK
	}
	// Not usageErrorf: "kirofile help -help" is not where help on help is.
	fmt.Fprintln(m.stderr, `kirofile help: too many arguments; want at most one command name; run "kirofile -help" for usage`)
	return exitError
}

// workingDir returns the absolute directory commands act in.
func workingDir(chdir string) (string, error) {
	if chdir == "" {
		dir, err := os.Getwd()
		if err != nil {
			return "", fmt.Errorf("cannot find the current directory: %w", err)
		}
		return dir, nil
	}
	dir, err := filepath.Abs(chdir)
	if err != nil {
		return "", fmt.Errorf("-chdir=%s: %w", chdir, err)
	}
	fi, err := os.Stat(dir)
	switch {
	case errors.Is(err, os.ErrNotExist):
		return "", fmt.Errorf("-chdir=%s: directory does not exist", chdir)
	case err != nil:
		return "", fmt.Errorf("-chdir=%s: %w", chdir, err)
	case !fi.IsDir():
		return "", fmt.Errorf("-chdir=%s: not a directory", chdir)
	}
	return dir, nil
}

// newFlagSet returns a flag set that reports errors to its caller and
// prints nothing itself: every message is composed here, on one line.
func newFlagSet(name string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.Usage = func() {}
	return fs
}

// usageErrorf reports a usage error of the command named cmd ("" for the
// global flags) on one line that says where help is, and returns exitError.
func usageErrorf(stderr io.Writer, cmd, format string, args ...any) int {
	prog := "kirofile"
	if cmd != "" {
		prog += " " + cmd
	}
	msg := fmt.Sprintf(format, args...)
	fmt.Fprintf(stderr, "%s: %s; run %q for usage\n", prog, msg, prog+" -help")
	return exitError
}

// usageErrorf is the method form for commands.
func (m *meta) usageErrorf(format string, args ...any) int {
	return usageErrorf(m.stderr, m.name, format, args...)
}

// noArgs rejects positional arguments for commands that take none.
func (m *meta) noArgs(args []string) bool {
	if len(args) > 0 {
		m.usageErrorf("unexpected argument %q", args[0])
		return false
	}
	return true
}

func unknownCommand(stderr io.Writer, name string) int {
	msg := fmt.Sprintf("unknown command %q", name)
	if s := suggestCommand(name); s != "" {
		msg += fmt.Sprintf(" (did you mean %q?)", s)
	}
	fmt.Fprintf(stderr, "kirofile: %s; run \"kirofile -help\" for the list of commands\n", msg)
	return exitError
}
