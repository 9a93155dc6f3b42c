package main

import (
	"errors"
	"flag"
	"path/filepath"

	"github.com/hashicorp/hcl/v2"

	"github.com/kirofile/kirofile/internal/cache"
	"github.com/kirofile/kirofile/internal/plan"
	"github.com/kirofile/kirofile/internal/planfile"
	"github.com/kirofile/kirofile/plugins/host"
)

var planCommand = &commandSpec{
	name:     "plan",
	synopsis: "Show what apply would generate, and what awaits approval",
	help: `
Compares the configuration, the spec documents and generated files on disk
with Kirofile.lock.hcl and shows what apply would do with every node:
create (+), update (~), retry (~), approve (?), drift (!) or blocked (-).
Plan is offline: it calls no model and writes no file but -out (and its
caches in .kirofile/).

Generated files are hashed once and then recognised by their size,
modification time, inode and change time; -rehash hashes every file again,
the full refresh that catches an edit none of those show.

With -detailed-exitcode it exits 0 when every spec is approved and all
generated files match the lock, 2 when anything would change or awaits
approval, 1 on error: a gate for CI.`,
	new: func() command { return &planCmd{} },
}

type planCmd struct {
	loadFlags
	targetFlags
	json             bool
	detailedExitcode bool
	out              string
	rehash           bool
}

// targetFlags are -target and -replace, shared by plan and apply.
type targetFlags struct {
	targets []string
	replace []string
}

func (t *targetFlags) flags(fs *flag.FlagSet) {
	fs.Var((*stringList)(&t.targets), "target", "Limit the run to `ADDR` (a node or a feature) and what it depends on. Repeatable.")
	fs.Var((*stringList)(&t.replace), "replace", "Regenerate `ADDR` even if it is up to date or was edited by hand. Repeatable.")
}

// options turns the flags into plan options.
func (t *targetFlags) options() (plan.Options, hcl.Diagnostics) {
	targets, diags := parseAddresses(t.targets)
	replace, rdiags := parseAddresses(t.replace)
	return plan.Options{Targets: targets, Replace: replace}, append(diags, rdiags...)
}

// stringList is a repeatable string flag.
type stringList []string

func (s *stringList) String() string { return "" }
func (s *stringList) Set(v string) error {
	if v == "" {
		return errors.New("want a value")
	}
	*s = append(*s, v)
	return nil
}

func (c *planCmd) flags(fs *flag.FlagSet) {
	fs.StringVar(&c.out, "out", "", "Save the plan to `FILE`, for \"kirofile apply FILE\".")
	fs.BoolVar(&c.json, "json", false, "Write JSON lines on stdout instead of text.")
	fs.BoolVar(&c.detailedExitcode, "detailed-exitcode", false, "Exit 2 when anything would change or awaits approval.")
	fs.BoolVar(&c.rehash, "rehash", false, "Hash every file, ignoring the cache of file hashes in .kirofile/.")
	c.targetFlags.flags(fs)
	c.loadFlags.flags(fs)
}

func (c *planCmd) run(m *meta, args []string) int {
	if !m.noArgs(args) {
		return exitError
	}
	view := newPlanView(m, c.json)
	p, diags := c.loadProject(m)
	opts, odiags := c.options()
	diags = append(diags, odiags...)
	if diags.HasErrors() {
		view.Diagnostics(p.Files, diags)
		return exitError
	}
	// A plugin that changed since it was pinned is refused before anything
	// plans to run it.
	if pdiags := host.CheckPlugins(p.Config, p.Lock); pdiags.HasErrors() {
		view.Diagnostics(p.Files, append(diags, pdiags...))
		return exitError
	}
	opts.Hashes, opts.Rehash = cache.LoadHashes(m.dir), c.rehash
	pln, pdiags := plan.Build(p.Config, p.Lock, opts)
	opts.Hashes.Save()
	diags = append(diags, pdiags...)
	view.Diagnostics(p.Files, diags)
	if diags.HasErrors() {
		return exitError
	}
	view.Plan(pln)
	if c.out != "" {
		path := c.out
		if !filepath.IsAbs(path) {
			path = filepath.Join(m.dir, path)
		}
		saved := planfile.New(p.Config, p.LockBytes, pln, version())
		if err := planfile.Write(path, saved); err != nil {
			view.Diagnostics(nil, hcl.Diagnostics{{Severity: hcl.DiagError, Summary: "Cannot save the plan", Detail: err.Error() + "."}})
			return exitError
		}
		view.Saved(c.out)
	}
	if c.detailedExitcode && pln.HasChanges() {
		return exitChanges
	}
	return exitOK
}
