package main

import "flag"

var validateCommand = &commandSpec{
	name:     "validate",
	synopsis: "Check that the configuration is valid",
	help: `
Parses, evaluates and checks every Kirofile in the working directory:
references, types, globs and the dependency graph. It needs no variable
values (a variable without one is unknown) and makes no network call.

Exits 0 when the configuration is valid (warnings allowed), 1 otherwise.
With -json, stdout holds one JSON object per line: a "version" line, one
"diagnostic" line per problem, and a final "validate" line.`,
	new: func() command { return &validateCmd{} },
}

type validateCmd struct {
	loadFlags
	json bool
}

func (c *validateCmd) flags(fs *flag.FlagSet) {
	fs.BoolVar(&c.json, "json", false, "Write JSON lines on stdout instead of text.")
	c.loadFlags.flags(fs)
}

func (c *validateCmd) run(m *meta, args []string) int {
	if !m.noArgs(args) {
		return exitError
	}
	view := newValidateView(m, c.json)
	cfg, diags := c.load(m)
	view.Diagnostics(cfg.Files, diags)
	view.Result(diags)
	if diags.HasErrors() {
		return exitError
	}
	return exitOK
}
