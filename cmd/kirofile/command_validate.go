package main

import (
	"flag"

	"github.com/hashicorp/hcl/v2"

	"github.com/kirofile/kirofile/internal/project"
	"github.com/kirofile/kirofile/internal/starter"
)

var validateCommand = &commandSpec{
	name:     "validate",
	synopsis: "Check that the configuration is valid",
	help: `
Parses, evaluates and checks every Kirofile in the working directory:
references, types, globs and the dependency graph. Spec documents on disk
are checked too: requirements in EARS form with numbered acceptance
criteria, designs with their sections, tasks citing requirement ids that
exist. It needs no variable
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
	files := cfg.Files
	if !diags.HasErrors() {
		// Spec documents are checked against a configuration that is
		// sound: their paths and kinds come from it.
		docs, ddiags := project.CheckDocuments(cfg)
		files = mergeFiles(cfg.Files, docs)
		diags = append(diags, ddiags...)
		diags = append(diags, starter.PlaceholderWarnings(cfg)...)
	}
	view.Diagnostics(files, diags)
	view.Result(diags)
	if diags.HasErrors() {
		return exitError
	}
	return exitOK
}

// mergeFiles returns one map holding the files of both.
func mergeFiles(a, b map[string]*hcl.File) map[string]*hcl.File {
	out := make(map[string]*hcl.File, len(a)+len(b))
	for k, v := range a {
		out[k] = v
	}
	for k, v := range b {
		out[k] = v
	}
	return out
}
