package main

import (
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"runtime/debug"
	"strings"
	"time"

	"github.com/hashicorp/hcl/v2"

	"github.com/kirofile/kirofile/internal/budget"
	"github.com/kirofile/kirofile/internal/cache"
	"github.com/kirofile/kirofile/internal/estimate"
	"github.com/kirofile/kirofile/internal/lockfile"
	"github.com/kirofile/kirofile/internal/plan"
	"github.com/kirofile/kirofile/internal/planfile"
	"github.com/kirofile/kirofile/internal/project"
	"github.com/kirofile/kirofile/internal/starter"
	"github.com/kirofile/kirofile/lang"
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
	new: func() command { return &planCmd{estimate: true} },
}

type planCmd struct {
	loadFlags
	targetFlags
	budgetFlags
	json             bool
	detailedExitcode bool
	out              string
	rehash           bool
	input            bool
	refreshOnly      bool
	estimate         bool
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
			Detail: "Only " + targetsPhrase(t.targets) + " planned; the rest of the project is not looked at, " +
				"so this plan may not show everything that is out of date. -target is for exceptional cases, such as recovering from a mistake; " +
				"a CI gate must run without it.",
		})
	}
	return plan.Options{Targets: targets, Replace: replace}, diags
}

// targetsPhrase names what -target plans: "X and what it depends on is",
// or "X, Y and what they depend on are".
func targetsPhrase(targets []string) string {
	if len(targets) == 1 {
		return targets[0] + " and what it depends on is"
	}
	return strings.Join(targets, ", ") + " and what they depend on are"
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
	fs.BoolVar(&c.estimate, "estimate", true, "Count the prompts of the nodes to generate and show what they will cost, and check the budgets.")
	fs.BoolVar(&c.refreshOnly, "refresh-only", false, "Plan recording hand-edited generated files, and files whose inputs changed, as they are on disk (see apply -refresh-only).")
	c.targetFlags.flags(fs)
	c.budgetFlags.flags(fs)
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
	start := time.Now()
	if _, set := os.LookupEnv("GOGC"); !set {
		// A plan is short-lived and allocates most of what it holds at
		// once (the configuration's syntax tree, the lock, a map of every
		// file): collecting at twice the heap instead of once cuts the
		// collector's work on a large project by about half, for some
		// 15 % more peak memory.
		debug.SetGCPercent(200)
	}
	stampKey, stampable := c.stampKey()
	if stampable && cache.StampHolds(m.dir, "plan", stampKey, os.LookupEnv) {
		// Nothing this plan depends on changed since a plan found nothing
		// to do (see plan.Planner.Stamp).
		m.logger.Named("plan").Debug("nothing changed since the last plan: its stamp holds")
		view.Plan(&plan.Plan{}, nil)
		return exitOK
	}
	// The files the lock records are hashed while the configuration loads.
	hashes := cache.LoadHashes(m.dir)
	var prefetch *plan.Prefetch
	p, diags := project.LoadWith(m.dir, lang.LoadOptions{Vars: c.vars, Version: version(), RequireVariables: requireVariables}, func(l *lockfile.Lock) {
		prefetch = plan.StartPrefetch(m.dir, l, hashes, c.rehash)
	})
	opts, odiags := c.options()
	opts.Prefetch = prefetch
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
	opts.Hashes, opts.Rehash, opts.RefreshOnly = hashes, c.rehash, c.refreshOnly
	var pln *plan.Plan
	var pl *plan.Planner
	var pdiags hcl.Diagnostics
	if c.refreshOnly {
		pln, pdiags = plan.Build(p.Config, p.Lock, opts)
	} else if pl, pdiags = plan.NewPlanner(p.Config, p.Lock, opts); pl != nil {
		// Every file is hashed: the cache is written while the nodes are
		// planned, on another core (the Save below writes only what
		// planning changed in it, usually nothing).
		saved := make(chan struct{})
		go func() {
			defer close(saved)
			opts.Hashes.Save()
		}()
		var bdiags hcl.Diagnostics
		pln, bdiags = pl.Build(opts)
		pdiags = append(pdiags, bdiags...)
		<-saved
	}
	opts.Hashes.Save()
	diags = append(diags, pdiags...)
	var pc *planCost
	if c.estimate && pl != nil && pln != nil && !pdiags.HasErrors() {
		// What the nodes to generate will cost, and whether it fits the
		// budgets: counted from the prompts they would send.
		var cdiags hcl.Diagnostics
		pc, _, cdiags = planCostOf(m.dir, p.Config, p.Lock, pln, pl, c.budget)
		diags = append(diags, cdiags...)
		diags = append(diags, promptLimitWarnings(p.Config, pc, diags)...)
		if len(pln.Acting()) > 0 {
			diags = append(diags, overBudgetWarnings(pc)...)
		}
	} else if pl != nil && pln != nil && !pdiags.HasErrors() {
		// Models cost nothing to find: plan shows them still.
		pc = &planCost{models: estimate.Models(p.Config, pln, pl)}
		if len(pln.Acting()) > 0 {
			diags = append(diags, budgetsNotChecked(p.Config, c.budget)...)
		}
	}
	if pln != nil {
		diags = append(diags, replaceWarnings(pln)...)
		diags = append(diags, starter.PlaceholderWarnings(p.Config)...)
	}
	if stampable && pl != nil && pln != nil && !pln.HasChanges() && len(diags) == 0 {
		s, ok := pl.Stamp(stampKey, os.LookupEnv, c.stampFiles(), start)
		kept := ok && cache.SaveStamp(m.dir, "plan", s, start)
		m.logger.Named("plan").Debug("stamp of the plan", "kept", kept)
	}
	view.Diagnostics(p.Files, diags)
	if diags.HasErrors() {
		return exitError
	}
	view.Plan(pln, pc)
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

// stampKey is what a plan's stamp holds besides files and environment: the
// version and the variables given on the command line. Only the plain
// human plan of the whole project takes the shortcut.
func (c *planCmd) stampKey() (string, bool) {
	if c.json || c.out != "" || c.rehash || c.refreshOnly || len(c.targets)+len(c.replace) > 0 || c.budget != (budget.Flag{}) {
		return "", false
	}
	var b strings.Builder
	b.WriteString("plan\x00" + version())
	for _, v := range c.vars {
		fmt.Fprintf(&b, "\x00%q %q", v.File, v.Raw)
	}
	return b.String(), true
}

// stampFiles are the files a plan reads that the planner does not know
// of: the variable files and the kirofile executable itself.
func (c *planCmd) stampFiles() []string {
	var out []string
	for _, v := range c.vars {
		if v.File != "" {
			out = append(out, filepath.ToSlash(v.File))
		}
	}
	if exe, err := os.Executable(); err == nil {
		out = append(out, exe)
	}
	return out
}
