package main

import (
	"errors"
	"flag"
	"fmt"
	"path/filepath"
	"strings"

	"github.com/hashicorp/hcl/v2"

	"github.com/kirofile/kirofile/internal/cache"
	"github.com/kirofile/kirofile/internal/plan"
	"github.com/kirofile/kirofile/internal/planfile"
	"github.com/kirofile/kirofile/internal/starter"
	"github.com/kirofile/kirofile/plugins/host"
)

var planCommand = &commandSpec{
	name:     "plan",
	synopsis: "Show what apply would generate, and what awaits approval",
	help: `
Compares the configuration, the spec documents and generated files on disk
with Kirofile.lock.hcl and shows what apply will do with every node:
create (+), update (~), retry (~), run its approval's hooks (>), approve
(?), drift (!), blocked (-), or forget the record of a removed block (x).
Each reason has a stable code in -json. Plan is offline: it calls no model
and writes no file but -out (and its caches in .kirofile/).

With -refresh-only it shows instead what "apply -refresh-only" would
record as it is on disk (*): hand edits, and files whose inputs changed.

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
	input            bool
	refreshOnly      bool
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
	diags = append(diags, rdiags...)
	if len(t.targets) > 0 && !diags.HasErrors() {
		// As Terraform warns: a targeted run leaves the rest of the project
		// unchecked, which is for exceptional cases, never for a CI gate.
		diags = append(diags, &hcl.Diagnostic{
			Severity: hcl.DiagWarning,
			Summary:  "Targeting is in effect",
			Detail: "Only " + strings.Join(t.targets, ", ") + " and what they depend on are planned; the rest of the project is not looked at, " +
				"so this plan may not show everything that is out of date. -target is for exceptional cases, such as recovering from a mistake; " +
				"a CI gate must run without it.",
		})
	}
	return plan.Options{Targets: targets, Replace: replace}, diags
}

// replaceWarnings warn that -replace will overwrite hand edits: the one
// way kirofile loses a person's work, so never a silent one.
func replaceWarnings(p *plan.Plan) hcl.Diagnostics {
	var diags hcl.Diagnostics
	for _, ch := range p.Changes {
		for _, r := range ch.Reasons {
			if r.Code != plan.CodeReplaceDiscards {
				continue
			}
			diags = append(diags, &hcl.Diagnostic{
				Severity: hcl.DiagWarning,
				Summary:  "-replace will overwrite hand edits",
				Detail: fmt.Sprintf("%s: %s were edited outside kirofile, and regenerating replaces them. To keep the edits instead, record them with \"kirofile apply -refresh-only\"; to keep a copy, commit or copy them first.",
					ch.Address, strings.Join(ch.Files, ", ")),
			})
		}
	}
	return diags
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
	fs.BoolVar(&c.input, "input", true, "Accepted for Terraform's sake: plan never asks for input.")
	fs.BoolVar(&c.refreshOnly, "refresh-only", false, "Plan recording hand-edited generated files, and files whose inputs changed, as they are on disk (see apply -refresh-only).")
	c.targetFlags.flags(fs)
	c.loadFlags.flags(fs)
}

func (c *planCmd) run(m *meta, args []string) int {
	if !m.noArgs(args) {
		return exitError
	}
	if c.refreshOnly && len(c.replace) > 0 {
		return m.usageErrorf("-refresh-only records what is on disk; -replace regenerates: use one or the other")
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
	opts.Hashes, opts.Rehash, opts.RefreshOnly = cache.LoadHashes(m.dir), c.rehash, c.refreshOnly
	pln, pdiags := plan.Build(p.Config, p.Lock, opts)
	opts.Hashes.Save()
	diags = append(diags, pdiags...)
	if pln != nil {
		diags = append(diags, replaceWarnings(pln)...)
		diags = append(diags, starter.PlaceholderWarnings(p.Config)...)
	}
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
