package main

import (
	"bufio"
	"context"
	"flag"
	"fmt"
	"maps"
	"os"
	"os/signal"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"

	"github.com/hashicorp/go-plugin"
	"github.com/hashicorp/hcl/v2"

	"github.com/kirofile/kirofile/internal/apply"
	"github.com/kirofile/kirofile/internal/cache"
	"github.com/kirofile/kirofile/internal/estimate"
	"github.com/kirofile/kirofile/internal/fsutil"
	"github.com/kirofile/kirofile/internal/lockfile"
	"github.com/kirofile/kirofile/internal/plan"
	"github.com/kirofile/kirofile/internal/planfile"
	"github.com/kirofile/kirofile/internal/project"
	"github.com/kirofile/kirofile/internal/starter"
	"github.com/kirofile/kirofile/lang"
	"github.com/kirofile/kirofile/plugins/builtin"
	"github.com/kirofile/kirofile/plugins/host"
	"github.com/kirofile/kirofile/providers"
)

var applyCommand = &commandSpec{
	name:     "apply",
	synopsis: "Generate specs and code, stopping at approval gates",
	args:     "[PLANFILE]",
	help: `
Shows the plan and, once confirmed, carries out exactly that plan:
generates spec documents and code in parallel, stops at every spec awaiting
approval while independent branches go on, runs hooks and feeds failing
feedback hooks' output back to the model up to max_attempts, runs the
spec.approved hooks of approvals given since the last apply, and forgets
the records of removed blocks. A node that becomes ready during the run but
was not in the plan waits for the next one. Every finished node is recorded
in Kirofile.lock.hcl as soon as it finishes, so an interrupted run keeps
finished work. Nothing is regenerated, and no token spent, unless an input
changed. Every provider a node needs must have its key before any starts;
a failure of this machine's environment (no key, an endpoint down) is never
recorded in the lock.

With -refresh-only, nothing is generated: generated files edited by hand,
and documents and code whose inputs changed, are recorded as they are on
disk, without a model call. A spec accepted so still needs approval.

Confirmation is asked on a terminal; without one (or with -input=false),
apply refuses to start unless -yes is given or PLANFILE (from "plan -out")
is applied. A saved plan that no longer matches the project is refused.

Ctrl-C once stops starting nodes and cancels the calls in flight; a second
Ctrl-C exits at once. Only one apply runs in a project at a time.

Exits 0 on success, 1 when a node failed or the run was interrupted, and
with -detailed-exitcode 2 when nodes still await approval or are blocked.`,
	new: func() command { return &applyCmd{parallelism: 10} },
}

type applyCmd struct {
	loadFlags
	targetFlags
	budgetFlags
	lockFlags
	input            bool
	yes              bool
	json             bool
	detailedExitcode bool
	parallelism      int
	refreshOnly      bool
	deleteRemoved    bool
}

func (c *applyCmd) flags(fs *flag.FlagSet) {
	fs.BoolVar(&c.yes, "yes", false, "Do not ask for confirmation (Terraform's -auto-approve).")
	fs.BoolVar(&c.json, "json", false, "Write JSON lines on stdout instead of text.")
	fs.BoolVar(&c.detailedExitcode, "detailed-exitcode", false, "Exit 2 when nodes still await approval or are blocked.")
	fs.IntVar(&c.parallelism, "parallelism", 10, "Run at most `N` nodes at once.")
	fs.BoolVar(&c.input, "input", true, "Ask for confirmation on a terminal; -input=false never asks, so apply needs -yes or a saved plan.")
	fs.BoolVar(&c.refreshOnly, "refresh-only", false, "Record hand-edited generated files, and files whose inputs changed, as they are on disk, without a model call.")
	fs.BoolVar(&c.deleteRemoved, "delete-removed", false, "Also delete the files of removed blocks that are still as generated (edited ones are kept).")
	c.targetFlags.flags(fs)
	c.budgetFlags.flags(fs)
	c.loadFlags.flags(fs)
	c.lockFlags.flags(fs)
}

func (c *applyCmd) run(m *meta, args []string) int {
	switch {
	case len(args) > 1:
		return m.usageErrorf("apply takes at most one plan file")
	case c.parallelism < 1:
		return m.usageErrorf("-parallelism must be at least 1")
	case c.json && !c.yes && len(args) == 0:
		// A confirmation prompt would break the stream of JSON lines, and
		// no program reading them could answer it.
		return m.usageErrorf("apply -json needs -yes or a saved plan (from \"kirofile plan -out=FILE\")")
	case c.refreshOnly && len(c.replace) > 0:
		return m.usageErrorf("-refresh-only records what is on disk; -replace regenerates: use one or the other")
	case len(args) == 1 && len(c.targets)+len(c.replace) > 0:
		return m.usageErrorf("-target and -replace cannot be used with a saved plan: they are part of it")
	case len(args) == 1 && c.refreshOnly:
		return m.usageErrorf("-refresh-only cannot be used with a saved plan: a plan made with -refresh-only is one")
	}
	view := newApplyView(m, c.json)
	code, res, interrupted := c.execute(m, view, args)
	// apply -json always ends with its summary, whatever stopped it.
	view.Summary(res, interrupted)
	return code
}

// execute runs apply and returns its exit code, and the result when
// anything was carried out (nil when apply stopped before, or had nothing
// to do).
func (c *applyCmd) execute(m *meta, view applyView, args []string) (int, *apply.Result, bool) {
	fail := func(summary, detail string) (int, *apply.Result, bool) {
		view.Diagnostics(nil, hcl.Diagnostics{{Severity: hcl.DiagError, Summary: summary, Detail: detail}})
		return exitError, nil, false
	}

	vars, t, refreshOnly := c.vars, c.targetFlags, c.refreshOnly
	planFile := ""
	var saved *planfile.SavedPlan
	if len(args) == 1 {
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
		refreshOnly = saved.Plan.RefreshOnly
	}

	runLock, p, diags := c.loadLockedProject(m, "kirofile apply", c.lockTimeout, vars, requireVariables)
	defer runLock.Release()
	opts, odiags := t.options()
	opts.RefreshOnly = refreshOnly
	diags = append(diags, odiags...)
	if !diags.HasErrors() {
		diags = append(diags, host.CheckPlugins(p.Config, p.Lock)...)
	}
	if diags.HasErrors() {
		view.Diagnostics(p.Files, diags)
		return exitError, nil, false
	}
	opts.Hashes = cache.LoadHashes(m.dir)
	var pln *plan.Plan
	var pdiags hcl.Diagnostics
	var pc *planCost
	var counters *estimate.Counters
	var pl *plan.Planner
	// Without a question to ask, the run goes on from the plan at once:
	// the providers' plugins start while the plan's costs are estimated
	// and the plan is shown, and the planner that made the plan carries
	// it out (or, when the run starts beside the estimate, which reads
	// that planner, a planner of its own). After a question, the project
	// is read again: it may have changed while the question waited.
	immediate := c.yes || saved != nil
	var ready *apply.Providers
	guard := guardOf(p.Config, c.budget)
	// estimated is closed once the plan is shown, when the run started
	// beside the estimate; gated holds back its events until then.
	var estimated chan struct{}
	var gated *gatedView
	// underway is closed once the run is underway (apply.Options.Underway),
	// or over: the estimate beside it starts then.
	var underway chan struct{}
	var underwayOnce sync.Once
	isUnderway := func() {
		if underway != nil {
			underwayOnce.Do(func() { close(underway) })
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	manager := host.NewManager(host.ManagerOptions{Dir: m.dir, Logger: m.logger})
	defer manager.Close()
	plugins := host.NewPlugins(p.Config, p.Lock, manager, builtin.Launcher)
	if likely := likelyProviders(p.Config, p.Lock, opts.Replace); !refreshOnly && len(likely) > 0 {
		// A node the lock does not record, or one to replace, will be
		// generated: what its run needs is prepared while the project is
		// planned. The tokenizers' vocabularies load, for the estimate.
		// With no question to ask, the plugins of the providers it will
		// likely call start (they are ready by the time the plan is). A
		// guess wrong either way only prepares something for nothing, or
		// later; what is needed is checked from the plan. When the run
		// will start beside its estimate (no question, no budget), the
		// vocabularies load in the estimate, once the run is underway:
		// loading them takes more CPU than the plan, and the run's first
		// requests would wait for it.
		if !immediate || guard.Active() {
			estimate.Preload(p.Config)
		}
		if immediate {
			for _, key := range likely {
				go func() { _, _ = plugins.Provider(ctx, key) }()
			}
		}
	}
	if refreshOnly {
		pln, pdiags = plan.Build(p.Config, p.Lock, opts)
	} else if npl, ndiags := plan.NewPlanner(p.Config, p.Lock, opts); npl != nil {
		var bdiags hcl.Diagnostics
		pln, bdiags = npl.Build(opts)
		pdiags = append(ndiags, bdiags...)
		if !pdiags.HasErrors() && (immediate || len(pln.Acting()) == 0) {
			pl = npl
			if len(pln.Acting()) > 0 {
				ready = apply.StartProviders(ctx, p.Config, plugins, pln)
			}
		}
		if !diags.HasErrors() && !pdiags.HasErrors() && immediate && len(pln.Acting()) > 0 && !guard.Active() &&
			(saved == nil || len(saved.Stale(planfile.New(p.Config, p.LockBytes, pln, version()))) == 0) {
			// Without a budget, nothing waits for the estimate: the run
			// starts while the plan's cost is estimated and the plan
			// shown. What the run does is held back until then: its
			// events, and every change to the project on disk (the
			// estimate reads the project as planned, and the lock as it
			// was), so that what is shown is what a plan alone shows.
			counters = estimate.NewCounters(cache.LoadTokens(m.dir))
			gated = &gatedView{applyView: view}
			estimated = make(chan struct{})
			underway = make(chan struct{})
			lock := p.Lock.Clone()
			shown := append(slices.Clone(diags), pdiags...)
			go func() {
				defer close(estimated)
				// Once the first requests are out: the estimate reads
				// the project with a planner of its own (the run goes on
				// with the one that made the plan), and counts every
				// prompt.
				<-underway
				// Its findings are the plan's, shown already.
				var epc *planCost
				var cdiags hcl.Diagnostics
				if epl, ndiags := plan.NewPlanner(p.Config, lock, opts); epl != nil {
					epc, cdiags = planCostWith(counters, p.Config, lock, pln, epl, c.budget)
				} else {
					cdiags = hcl.Diagnostics{{Severity: hcl.DiagWarning, Summary: "Cannot estimate the cost", Detail: ndiags.Error() + "."}}
				}
				ediags := append(slices.Clone(pdiags), cdiags...)
				shown = append(shown, cdiags...)
				shown = append(shown, promptLimitWarnings(p.Config, epc, ediags)...)
				shown = append(shown, replaceWarnings(pln)...)
				shown = append(shown, starter.PlaceholderWarnings(p.Config)...)
				view.Diagnostics(p.Files, shown)
				view.Plan(pln, epc)
				gated.open()
			}()
		} else if !pdiags.HasErrors() {
			var cdiags hcl.Diagnostics
			pc, counters, cdiags = planCostOf(m.dir, p.Config, p.Lock, pln, npl, c.budget)
			pdiags = append(pdiags, cdiags...)
			pdiags = append(pdiags, promptLimitWarnings(p.Config, pc, pdiags)...)
		}
	} else {
		pdiags = ndiags
	}
	if estimated == nil {
		diags = append(diags, pdiags...)
		if pln != nil {
			diags = append(diags, replaceWarnings(pln)...)
			diags = append(diags, starter.PlaceholderWarnings(p.Config)...)
		}
		view.Diagnostics(p.Files, diags)
		if diags.HasErrors() {
			return exitError, nil, false
		}
		if saved != nil {
			if stale := saved.Stale(planfile.New(p.Config, p.LockBytes, pln, version())); len(stale) > 0 {
				return fail("The saved plan is stale",
					"It no longer matches the project, so applying it could do what nobody reviewed:\n  "+strings.Join(stale, "\n  ")+
						"\nMake a new plan (kirofile plan -out="+planFile+") and apply that.")
			}
		}
		view.Plan(pln, pc)
		if pc != nil && len(pc.excess) > 0 && len(pln.Acting()) > 0 {
			// Refused before anything is sent: the plan's upper bound does
			// not fit a budget.
			view.Diagnostics(p.Files, overBudget(pc))
			return exitError, nil, false
		}
		if len(pln.Acting()) == 0 && len(pln.TicksDue()) == 0 {
			view.Diagnostics(p.Files, apply.RemoveLeftovers(m.dir, pln.Leftovers))
			view.NothingToDo(pln)
			opts.Hashes.Save()
			if c.detailedExitcode && pln.HasChanges() {
				return exitChanges, nil, false
			}
			return exitOK, nil, false
		}
		// Ticking the boxes of tasks the lock records done changes only
		// checkboxes, which no approval covers: nothing to confirm.
		if !c.yes && saved == nil && len(pln.Acting()) > 0 {
			if code := c.confirm(m, pln); code != exitOK {
				return code, nil, false
			}
		}
		if refreshOnly {
			return c.accept(m, view, p, opts, pln)
		}
	}

	var runView applyView = view
	if gated != nil {
		runView = gated
	}
	stopSignals := c.handleSignals(runView, cancel)
	defer stopSignals()

	res, adiags := apply.Apply(ctx, p.Config, p.Lock, apply.Options{
		Options:       opts,
		Plan:          pln,
		Planner:       pl,
		Providers:     ready,
		Hold:          estimated,
		DeleteRemoved: c.deleteRemoved,
		Parallelism:   c.parallelism,
		Host:          plugins,
		Events:        runView.Event,
		SaveLock: func(data []byte) error {
			return fsutil.WriteFileAtomic(p.LockPath, data, 0o644)
		},
		Transcripts: filepath.Join(m.dir, ".kirofile", "transcripts"),
		Budget:      guard,
		Counters:    counters,
		Underway:    isUnderway,
		// The plugins go while the lock and the last ticks are written.
		Walked: func() { go manager.Close() },
	})
	isUnderway()
	if estimated != nil {
		<-estimated // the plan is shown before what follows it
	}
	opts.Hashes.Save()
	counters.Save()
	if res != nil && res.Budget != nil {
		adiags = append(adiags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Budget reached",
			Detail: fmt.Sprintf("The run stopped: %s. What finished is recorded; the nodes not started wait for the next apply.", res.Budget.Error())})
	}
	view.Diagnostics(p.Files, adiags)
	// A run its budget stopped is interrupted as by a first Ctrl-C, and
	// its summary names the budget.
	interrupted := ctx.Err() != nil || (res != nil && res.Budget != nil)
	switch {
	case adiags.HasErrors(), res == nil, res.Count(plan.Failed) > 0, interrupted:
		return exitError, res, interrupted
	case c.detailedExitcode && res.Count(plan.Approve)+res.Count(plan.Blocked)+res.Count(plan.Drift) > 0:
		return exitChanges, res, false
	}
	return exitOK, res, false
}

// confirm asks for confirmation on a terminal; exitOK means go on.
func (c *applyCmd) confirm(m *meta, pln *plan.Plan) int {
	fail := func(summary, detail string) int {
		newHumanView(m).Diagnostics(nil, hcl.Diagnostics{{Severity: hcl.DiagError, Summary: summary, Detail: detail}})
		return exitError
	}
	if !c.input {
		return fail("Apply needs confirmation",
			"-input=false forbids asking. Add -yes to apply without asking, or save a plan with \"kirofile plan -out=FILE\", review it, and run \"kirofile apply FILE\".")
	}
	if !isTerminal(m.stdout) || !stdinIsTerminal(m) {
		return fail("Apply needs confirmation",
			"There is no terminal to ask on. Add -yes to apply without asking, or save a plan with \"kirofile plan -out=FILE\", review it, and run \"kirofile apply FILE\".")
	}
	question := "Do you want to carry out this plan?"
	if pln.RefreshOnly {
		question = "Do you want to record these as they are on disk?"
	}
	fmt.Fprintf(m.stdout, "\n%s Only 'yes' will be accepted: ", question)
	answer, _ := bufio.NewReader(m.stdin).ReadString('\n')
	if strings.TrimSpace(answer) != "yes" {
		fmt.Fprintln(m.stdout, "Apply cancelled.")
		return exitError
	}
	return exitOK
}

// accept carries out a -refresh-only plan: the nodes it lists, and no
// other, are recorded as they are on disk now.
func (c *applyCmd) accept(m *meta, view applyView, p *project.Project, opts plan.Options, pln *plan.Plan) (int, *apply.Result, bool) {
	done, diags := plan.Refresh(p.Config, p.Lock, opts, pln.Acting())
	opts.Hashes.Save()
	res := &apply.Result{Nodes: map[string]*apply.NodeResult{}, Tokens: map[string]providers.Usage{}}
	if !diags.HasErrors() {
		if err := lockfile.Write(p.LockPath, p.Lock); err != nil {
			diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Cannot write the lock file", Detail: err.Error() + "."})
		}
	}
	if !diags.HasErrors() {
		for _, ch := range done.Changes {
			msg := plan.Join(ch.Reasons, "; ")
			res.Nodes[ch.Address] = &apply.NodeResult{State: plan.Accepted, Message: msg}
			view.Event(apply.Event{Type: apply.EventNodeFinished, Address: ch.Address, State: plan.Accepted, Message: msg, Files: ch.Files})
		}
	}
	view.Diagnostics(p.Files, diags)
	if diags.HasErrors() {
		return exitError, res, false
	}
	return exitOK, res, false
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

// likelyProviders are the providers of the nodes the lock does not
// record, and of those replace names: those a run will most likely call.
func likelyProviders(cfg *lang.Config, lock *lockfile.Lock, replace []lang.Address) []string {
	keys := map[string]bool{}
	for _, n := range cfg.Nodes {
		var key string
		switch n := n.(type) {
		case *lang.Spec:
			key = n.Provider
		case *lang.Codegen:
			key = n.Provider
		}
		if key == "" || keys[key] {
			continue
		}
		a := n.Address()
		if lock.Node(a.String()) == nil || slices.ContainsFunc(replace, func(r lang.Address) bool {
			return r == a || r.IsTask() && r.Codegen() == a
		}) {
			keys[key] = true
		}
	}
	return slices.Sorted(maps.Keys(keys))
}

// gatedView holds back a run's events (and the news of an interrupt)
// until open, then passes them on in order, and every later one at once.
type gatedView struct {
	applyView
	mu     sync.Mutex
	queue  []func()
	opened atomic.Bool
}

func (g *gatedView) Event(e apply.Event) { g.do(func() { g.applyView.Event(e) }) }

func (g *gatedView) Interrupted() { g.do(g.applyView.Interrupted) }

func (g *gatedView) do(f func()) {
	if !g.opened.Load() {
		g.mu.Lock()
		if !g.opened.Load() {
			g.queue = append(g.queue, f)
			g.mu.Unlock()
			return
		}
		g.mu.Unlock()
	}
	f()
}

// open passes on what was held back; what comes later passes at once.
func (g *gatedView) open() {
	g.mu.Lock()
	defer g.mu.Unlock()
	for _, f := range g.queue {
		f()
	}
	g.queue = nil
	g.opened.Store(true)
}

func stdinIsTerminal(m *meta) bool {
	f, ok := m.stdin.(*os.File)
	return ok && isTerminal(f)
}
