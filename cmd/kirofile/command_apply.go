package main

import (
	"bufio"
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"

	"github.com/hashicorp/go-plugin"
	"github.com/hashicorp/hcl/v2"

	"github.com/kirofile/kirofile/internal/apply"
	"github.com/kirofile/kirofile/internal/cache"
	"github.com/kirofile/kirofile/internal/fsutil"
	"github.com/kirofile/kirofile/internal/plan"
	"github.com/kirofile/kirofile/internal/planfile"
	"github.com/kirofile/kirofile/plugins/builtin"
	"github.com/kirofile/kirofile/plugins/host"
)

var applyCommand = &commandSpec{
	name:     "apply",
	synopsis: "Generate specs and code, stopping at approval gates",
	args:     "[PLANFILE]",
	help: `
Shows the plan and, once confirmed, runs the graph: generates spec
documents and code in parallel, stops at every spec awaiting approval while
independent branches go on, runs hooks and feeds failing feedback hooks'
output back to the model up to max_attempts. Every finished node is recorded
in Kirofile.lock.hcl as soon as it finishes, so an interrupted run keeps
finished work. Nothing is regenerated, and no token spent, unless an input
changed.

Confirmation is asked on a terminal; without one, apply refuses to start
unless -yes is given or PLANFILE (from "plan -out") is applied. A saved
plan that no longer matches the project is refused.

Ctrl-C once stops starting nodes and cancels the calls in flight; a second
Ctrl-C exits at once. Only one apply runs in a project at a time.

Exits 0 on success, 1 when a node failed or the run was interrupted, and
with -detailed-exitcode 2 when nodes still await approval or are blocked.`,
	new: func() command { return &applyCmd{parallelism: 10} },
}

type applyCmd struct {
	loadFlags
	targetFlags
	yes              bool
	json             bool
	detailedExitcode bool
	parallelism      int
}

func (c *applyCmd) flags(fs *flag.FlagSet) {
	fs.BoolVar(&c.yes, "yes", false, "Do not ask for confirmation.")
	fs.BoolVar(&c.json, "json", false, "Write JSON lines on stdout instead of text.")
	fs.BoolVar(&c.detailedExitcode, "detailed-exitcode", false, "Exit 2 when nodes still await approval or are blocked.")
	fs.IntVar(&c.parallelism, "parallelism", 10, "Run at most `N` nodes at once.")
	c.targetFlags.flags(fs)
	c.loadFlags.flags(fs)
}

func (c *applyCmd) run(m *meta, args []string) int {
	if len(args) > 1 {
		return m.usageErrorf("apply takes at most one plan file")
	}
	if c.parallelism < 1 {
		return m.usageErrorf("-parallelism must be at least 1")
	}
	if c.json && !c.yes && len(args) == 0 {
		// A confirmation prompt would break the stream of JSON lines, and
		// no program reading them could answer it.
		return m.usageErrorf("apply -json needs -yes or a saved plan (from \"kirofile plan -out=FILE\")")
	}
	view := newApplyView(m, c.json)
	fail := func(summary, detail string) int {
		view.Diagnostics(nil, hcl.Diagnostics{{Severity: hcl.DiagError, Summary: summary, Detail: detail}})
		return exitError
	}

	vars, t := c.vars, c.targetFlags
	planFile := ""
	var saved *planfile.SavedPlan
	if len(args) == 1 {
		if len(c.targets)+len(c.replace) > 0 {
			return m.usageErrorf("-target and -replace cannot be used with a saved plan: they are part of it")
		}
		planFile = args[0]
		path := planFile
		if !filepath.IsAbs(path) {
			path = filepath.Join(m.dir, path)
		}
		var err error
		if saved, err = planfile.Read(path); err != nil {
			return fail("Cannot read the plan", err.Error()+".")
		}
		vars = append(saved.VarArgs(), c.vars...)
		t = targetFlags{targets: saved.Plan.Targets, replace: saved.Plan.Replace}
	}

	runLock, p, diags := c.loadLockedProject(m, "kirofile apply", vars)
	defer runLock.Release()
	opts, odiags := t.options()
	diags = append(diags, odiags...)
	if !diags.HasErrors() {
		diags = append(diags, host.CheckPlugins(p.Config, p.Lock)...)
	}
	if diags.HasErrors() {
		view.Diagnostics(p.Files, diags)
		return exitError
	}
	opts.Hashes = cache.LoadHashes(m.dir)
	pln, pdiags := plan.Build(p.Config, p.Lock, opts)
	diags = append(diags, pdiags...)
	view.Diagnostics(p.Files, diags)
	if diags.HasErrors() {
		return exitError
	}
	if saved != nil {
		if stale := saved.Stale(planfile.New(p.Config, p.LockBytes, pln, version())); len(stale) > 0 {
			return fail("The saved plan is stale",
				"It no longer matches the project, so applying it could do what nobody reviewed:\n  "+strings.Join(stale, "\n  ")+
					"\nMake a new plan (kirofile plan -out="+planFile+") and apply that.")
		}
	}
	view.Plan(pln)
	counts := pln.Counts()
	if counts[plan.Create]+counts[plan.Update]+counts[plan.Retry] == 0 {
		view.Diagnostics(p.Files, apply.RemoveLeftovers(m.dir, pln.Leftovers))
		view.NothingToDo(pln)
		opts.Hashes.Save()
		if c.detailedExitcode && pln.HasChanges() {
			return exitChanges
		}
		return exitOK
	}
	if !c.yes && saved == nil {
		if !isTerminal(m.stdout) || !stdinIsTerminal(m) {
			return fail("Apply needs confirmation",
				"There is no terminal to ask on. Add -yes to apply without asking, or save a plan with \"kirofile plan -out=FILE\", review it, and run \"kirofile apply FILE\".")
		}
		fmt.Fprint(m.stdout, "\nDo you want to generate these? Only 'yes' will be accepted: ")
		answer, _ := bufio.NewReader(m.stdin).ReadString('\n')
		if strings.TrimSpace(answer) != "yes" {
			fmt.Fprintln(m.stdout, "Apply cancelled.")
			return exitError
		}
	}

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	stopSignals := c.handleSignals(view, cancel)
	defer stopSignals()

	manager := host.NewManager(host.ManagerOptions{Dir: m.dir, Logger: m.logger})
	defer manager.Close()
	res, adiags := apply.Apply(ctx, p.Config, p.Lock, apply.Options{
		Options:     opts,
		Parallelism: c.parallelism,
		Host:        host.NewPlugins(p.Config, p.Lock, manager, builtin.Launcher),
		Events:      view.Event,
		SaveLock: func(data []byte) error {
			return fsutil.WriteFileAtomic(p.LockPath, data, 0o644)
		},
		Transcripts: filepath.Join(m.dir, ".kirofile", "transcripts"),
	})
	opts.Hashes.Save()
	view.Diagnostics(p.Files, adiags)
	if res != nil {
		view.Summary(res, ctx.Err() != nil)
	}
	switch {
	case adiags.HasErrors(), res == nil, res.Count(plan.Failed) > 0, ctx.Err() != nil:
		return exitError
	case c.detailedExitcode && res.Count(plan.Approve)+res.Count(plan.Blocked)+res.Count(plan.Drift) > 0:
		return exitChanges
	}
	return exitOK
}

// exitNow ends the process; tests replace it.
var exitNow = os.Exit

// handleSignals makes the first interrupt stop the run gracefully and a
// second one end the process at once, plugins included.
func (c *applyCmd) handleSignals(view applyView, cancel context.CancelFunc) (stop func()) {
	sigs := make(chan os.Signal, 2)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	done := make(chan struct{})
	go func() {
		select {
		case <-sigs:
		case <-done:
			return
		}
		view.Interrupted()
		cancel()
		select {
		case <-sigs:
			plugin.CleanupClients()
			exitNow(130)
		case <-done:
		}
	}()
	return func() {
		signal.Stop(sigs)
		close(done)
	}
}

func stdinIsTerminal(m *meta) bool {
	f, ok := m.stdin.(*os.File)
	return ok && isTerminal(f)
}
