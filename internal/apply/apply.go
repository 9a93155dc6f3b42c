// Package apply runs the graph: it generates what the plan says, in
// parallel, stops at every spec awaiting approval while independent
// branches go on, runs hooks and the feedback loop, and records every
// finished node in the lock as soon as it finishes.
package apply

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"os"
	"path"
	"slices"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unicode/utf8"

	"github.com/hashicorp/hcl/v2"
	"github.com/zclconf/go-cty/cty"

	"github.com/kirofile/kirofile/dag"
	"github.com/kirofile/kirofile/internal/budget"
	"github.com/kirofile/kirofile/internal/cost"
	"github.com/kirofile/kirofile/internal/estimate"
	"github.com/kirofile/kirofile/internal/fsutil"
	"github.com/kirofile/kirofile/internal/hook"
	"github.com/kirofile/kirofile/internal/journal"
	"github.com/kirofile/kirofile/internal/lockfile"
	"github.com/kirofile/kirofile/internal/logging"
	"github.com/kirofile/kirofile/internal/plan"
	"github.com/kirofile/kirofile/internal/prompt"
	"github.com/kirofile/kirofile/internal/secret"
	"github.com/kirofile/kirofile/internal/tokens"
	"github.com/kirofile/kirofile/lang"
	"github.com/kirofile/kirofile/providers"
)

// Host gives a run its providers and hook actions: the plugin host
// (plugins/host), or a test's own.
type Host interface {
	hook.Actions
	// Provider returns the configured provider of a provider block, by its
	// key "TYPE.NAME". Its errors name the provider block.
	Provider(ctx context.Context, key string) (providers.Provider, error)
}

// EventType names what an apply Event reports.
type EventType string

const (
	EventNodeStarted  EventType = "node_started"
	EventNodeProgress EventType = "node_progress"
	EventHookResult   EventType = "hook_result"
	EventNodeFinished EventType = "node_finished"
)

// Event is something that happened during an apply, for the views.
type Event struct {
	Type    EventType
	Address string
	// State is what the node is being brought out of (node_started:
	// create, update or retry), or where it ended (node_finished).
	State   plan.State
	Attempt int
	// Chunks counts the reply chunks streamed so far in this attempt.
	Chunks int
	// TokensEstimate is how many tokens of reply have streamed in so far in
	// this attempt, estimated from the text at four bytes a token; the exact
	// usage comes with node_finished.
	TokensEstimate int
	Hook           string
	Passed         bool
	// ExitCode is the exit status a hook's command reported (hook_result).
	ExitCode *int
	Output   string
	Message  string
	Files    []string
	Usage    *providers.Usage
	// Spend is what the node's requests used and cost in this run, and
	// Attempts the same per request (node_finished).
	Spend    *Spend
	Attempts []Attempt
	Elapsed  time.Duration
	// Deferred marks a blocked node that became ready during the run but
	// was not in the plan it carries out: the next apply takes it.
	Deferred bool
	// Title is a task's title (node_started).
	Title string
}

// Options control an apply.
type Options struct {
	plan.Options
	// Plan is the plan a person confirmed, or the saved one: apply acts on
	// the nodes it lists as acting (generate, run hooks, forget) and on
	// nothing else, even a node that becomes ready during the run. Nil
	// means the plan of the project as it is when Apply starts.
	Plan *plan.Plan
	// DeleteRemoved also deletes the files of the forgotten nodes whose
	// content is still what the lock recorded (apply -delete-removed).
	DeleteRemoved bool
	// Parallelism bounds how many nodes run at once; default 10.
	Parallelism int
	Host        Host
	// Events receives progress; it is called from many goroutines.
	Events func(Event)
	// SaveLock persists the lock's bytes, atomically. It is called from one
	// goroutine at a time, soon after each node finishes.
	SaveLock func([]byte) error
	// Transcripts is the directory for request and reply transcripts; ""
	// keeps none.
	Transcripts string
	// Now is the clock for approval times; nil means time.Now.
	Now func() time.Time
	// Budget holds the run to its budgets (see package budget); nil or
	// inactive for none.
	Budget *budget.Guard
	// Counters count the prompts' tokens (with a cache); nil counts
	// without one.
	Counters *estimate.Counters
	// Planner, when not nil, is the planner that made Plan, over the
	// files as they are still: Apply goes on with it instead of reading
	// and hashing the project again. Nil makes a new one.
	Planner *plan.Planner
	// Providers, when not nil, are the providers of Plan, started
	// already (StartProviders).
	Providers *Providers
	// Hold, when not nil, holds back everything that changes the project
	// on disk (write-ahead records, generated files, hooks, ticks) until
	// it is closed; requests go out meanwhile. The caller reads the
	// project as it was, beside the run, until then (apply estimates the
	// plan's cost while the first requests are in flight).
	Hold <-chan struct{}
	// Underway, when not nil, is called once the run is underway: when it
	// sends its first request, or first waits for Hold, or ends. Work
	// beside the run that would compete with its start for the CPU (the
	// estimate of its cost) can begin then.
	Underway func()
	// Walked, when not nil, is called once the walk is over: no request
	// is sent nor hook run after it (the caller may stop the plugins while
	// the run writes the lock and the last ticks).
	Walked func()
}

// Providers are the providers of a plan's nodes, being started.
type Providers struct {
	done  chan struct{}
	diags hcl.Diagnostics
}

// StartProviders configures, in the background, the provider of every
// node p will generate, starting their plugin processes, so that they
// are ready when the walk starts rather than started after the plan is
// shown. Nothing is sent to an endpoint. The processes belong to h, and
// live as long as it does.
func StartProviders(ctx context.Context, cfg *lang.Config, h Host, p *plan.Plan) *Providers {
	s := &Providers{done: make(chan struct{})}
	go func() {
		defer close(s.done)
		s.diags = (&run{cfg: cfg, host: h}).checkProviders(ctx, p)
	}()
	return s
}

// Wait returns, once they are started, the providers that cannot be.
func (s *Providers) Wait() hcl.Diagnostics {
	<-s.done
	return s.diags
}

// NodeResult is how one node ended.
type NodeResult struct {
	State   plan.State
	Message string
	Usage   providers.Usage
	// Spend is what its requests used and cost, nil when it sent none.
	Spend *Spend
	// Deferred: see Event.Deferred.
	Deferred bool
}

// Result is the outcome of an apply.
type Result struct {
	Nodes map[string]*NodeResult
	// Tokens per provider key ("TYPE.NAME").
	Tokens map[string]providers.Usage
	// Requests is the number of generations sent to providers.
	Requests int
	// ByProvider (by key "TYPE.NAME") and ByFeature are what requests
	// used and cost; Currency names the unit of the costs.
	ByProvider map[string]*Spend
	ByFeature  map[string]*Spend
	Currency   string
	// Budget is the refusal that stopped the run at a budget, or nil.
	Budget *budget.ExceededError
}

// Count returns how many nodes ended in state s.
func (r *Result) Count(s plan.State) int {
	n := 0
	for _, nr := range r.Nodes {
		if nr.State == s {
			n++
		}
	}
	return n
}

// run is one apply in progress. mu guards the planner, the lock and the
// result; generations run outside it, in parallel.
type run struct {
	cfg   *lang.Config
	lock  *lockfile.Lock
	opts  Options
	host  Host
	mu    sync.Mutex
	pl    *plan.Planner
	res   *Result
	lockw *lockWriter
	// syncer syncs the files the run creates, before the lock records
	// them (see reply.Change.WriteSyncLater); syncs has it sync them in
	// the background as they come (syncSoon), and syncDue says a sync
	// waits there already.
	syncer  *fsutil.Syncer
	syncs   serial
	syncDue atomic.Bool
	// acting are the addresses the plan lets this run act on.
	acting map[string]bool
	// redactor blanks the run's secrets (see package secret) out of
	// everything apply stores or reports: the lock's error texts, events,
	// transcripts, and what goes back to the model. endpoints are the
	// providers' base URLs, which say where one machine's model runs and
	// are redacted from errors stored in the lock.
	redactor  *secret.Redactor
	endpoints map[string]string
	// transcripts writes the transcripts beside the walk, off the nodes'
	// path, one at a time; the run waits for them at its end.
	transcripts serial
	// records are the write-ahead records of the nodes writing files in
	// this run (see package journal), and settled the nodes recorded in
	// the lock since its last write, whose records go once it is saved.
	records map[string]*journal.Record
	settled []string
	jlog    *journal.Log
	// protectedMap is built once (protected).
	protectedOnce   sync.Once
	protectedMap    map[string]string
	protectedFolded map[string]string
	// tickers write the checkboxes of tasks documents (see tick.go), by
	// path, under tickMu; ticking counts them, and tickProblems are the
	// ticks they could not make.
	tickMu  sync.Mutex
	tickers map[string]*ticker
	// taskWrites names the task that last wrote each file in this run
	// (see taskFiles).
	taskWrites   map[string]string
	ticking      sync.WaitGroup
	tickProblems []string
	// undoProblems are the failed tasks whose files could not all be put
	// back (see undoTask), under mu.
	undoProblems []string
	// counters count prompt tokens; spend is what each node's requests
	// used; stop ends the walk's starting of nodes (a budget reached).
	counters *estimate.Counters
	spend    map[string]*nodeSpend
	stop     context.CancelCauseFunc
	// underway calls Options.Underway once.
	underway sync.Once
}

// Apply runs the graph: it generates what the plan says, in parallel, stops
// at every spec awaiting approval while independent branches go on, runs
// hooks and the feedback loop, and records every finished node in the lock
// as soon as it finishes.
func Apply(ctx context.Context, cfg *lang.Config, lock *lockfile.Lock, opts Options) (*Result, hcl.Diagnostics) {
	if opts.Parallelism <= 0 {
		opts.Parallelism = 10
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Events == nil {
		opts.Events = func(Event) {}
	}
	// With the plan given, the providers' plugins start while the
	// planner hashes the project, rather than after it.
	ready := opts.Providers
	if ready == nil && opts.Plan != nil {
		ready = StartProviders(ctx, cfg, opts.Host, opts.Plan)
	}
	pl, diags := opts.Planner, hcl.Diagnostics(nil)
	if pl == nil {
		pl, diags = plan.NewPlanner(cfg, lock, opts.Options)
	}
	if diags.HasErrors() {
		return nil, diags
	}
	if opts.Plan == nil {
		opts.Plan, _ = plan.Build(cfg, lock, opts.Options)
	}
	r := &run{
		cfg:  cfg,
		lock: lock,
		opts: opts,
		host: opts.Host,
		pl:   pl,
		res: &Result{Nodes: map[string]*NodeResult{}, Tokens: map[string]providers.Usage{},
			ByProvider: map[string]*Spend{}, ByFeature: map[string]*Spend{}, Currency: cfg.Currency()},
		counters:   opts.Counters,
		spend:      map[string]*nodeSpend{},
		acting:     opts.Plan.Acting(),
		endpoints:  map[string]string{},
		records:    map[string]*journal.Record{},
		jlog:       journal.OpenLog(cfg.Dir),
		tickers:    map[string]*ticker{},
		taskWrites: map[string]string{},
	}
	if len(pl.Leftovers) > 0 || opts.DeleteRemoved {
		r.hold() // what follows deletes files
	}
	diags = append(diags, RemoveLeftovers(cfg.Dir, pl.Leftovers)...)
	r.redactor = secret.ForConfig(cfg, os.Environ())
	// Plugins' own output reaches the diagnostic log too.
	logging.AddSecrets(r.redactor.Values())
	events := opts.Events
	r.opts.Events = func(e Event) {
		e.Message, e.Output = r.redactor.Redact(e.Message), r.redactor.Redact(e.Output)
		events(e)
	}
	for key, p := range cfg.Providers {
		if u, ok := p.Config["base_url"]; ok && u.IsWhollyKnown() && !u.IsNull() && u.Type() == cty.String {
			if u, _ := u.Unmark(); u.AsString() != "" {
				r.endpoints[key] = u.AsString()
			}
		}
	}
	// Every provider a node will call must be ready before any node
	// starts: a key missing on this machine is reported once, up front,
	// rather than as a failure of each node that needed it.
	var pdiags hcl.Diagnostics
	if ready != nil {
		pdiags = ready.Wait()
	} else {
		pdiags = r.checkProviders(ctx, opts.Plan)
	}
	if pdiags.HasErrors() {
		return r.res, append(diags, pdiags...)
	}
	if opts.Transcripts != "" {
		if err := os.MkdirAll(opts.Transcripts, 0o755); err != nil {
			r.opts.Transcripts = "" // transcripts are a debugging aid, not a reason to fail
		}
	}
	r.syncer = fsutil.NewSyncer(cfg.Dir)
	r.lockw = newLockWriter(lock, opts.SaveLock, r.syncer.Sync, func() []string {
		r.mu.Lock()
		defer r.mu.Unlock()
		settled := r.settled
		r.settled = nil
		return settled
	}, func(nodes []string) {
		// The lock on disk records these nodes now: their records have
		// served. One that cannot be removed only costs a retry later.
		_ = r.jlog.Remove(nodes...)
	})
	if r.counters == nil {
		r.counters = estimate.NewCounters(nil)
	}
	r.forget(opts.Plan)
	// A budget reached stops the walk starting nodes; the nodes running
	// go on with the run's own context, their requests within the budget.
	walkCtx, stop := context.WithCancelCause(ctx)
	defer stop(nil)
	r.stop = stop
	outcomes, err := pl.Graph.Walk(walkCtx, dag.WalkOptions{Parallelism: opts.Parallelism, LongestPathFirst: true},
		func(_ context.Context, addr string) dag.Result { return r.visit(ctx, addr) })
	if opts.Walked != nil {
		opts.Walked()
	}
	r.res.Budget = opts.Budget.Stopped()
	r.isUnderway()
	// The lock is written at once, while the last transcripts are (the
	// lock names none), then the last ticks, which wait for it.
	var transcribed sync.WaitGroup
	transcribed.Go(r.transcripts.Wait)
	if werr := r.lockw.close(); werr != nil {
		diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Cannot write the lock file", Detail: werr.Error() + "."})
	}
	transcribed.Wait()
	// Without a lock to save (or after a save that failed), the files
	// written reach the disk before the run returns all the same.
	if serr := r.syncer.Sync(); serr != nil {
		diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagWarning, Summary: "Cannot sync the files written", Detail: serr.Error() + "."})
	}
	diags = append(diags, r.tickDiagnostics()...)
	for _, p := range r.undoProblems {
		diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagWarning, Summary: "A failed task not undone", Detail: p + "."})
	}
	// Nothing writes now: the records the lock holds go with their log.
	_ = r.jlog.Close()
	if err != nil {
		return r.res, append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Cannot run the graph", Detail: err.Error()})
	}
	for addr, o := range outcomes {
		if _, done := r.res.Nodes[addr]; done || pl.Joins(addr) {
			continue
		}
		if o.Status == dag.Skipped && r.res.Budget != nil && r.res.Nodes[o.Cause] != nil && r.res.Nodes[o.Cause].State == plan.Cancelled {
			// It waited for a node the budget stopped: the budget
			// stopped it too, as it stopped the nodes it never started.
			r.finish(Event{Address: addr, State: plan.Cancelled, Message: notStarted(r.res.Budget)})
			continue
		}
		switch o.Status {
		case dag.Skipped:
			cause := r.res.Nodes[o.Cause]
			msg := "waits for " + o.Cause
			if cause != nil {
				msg += " (" + string(cause.State) + ")"
			}
			r.finish(Event{Address: addr, State: plan.Blocked, Message: msg})
		case dag.Cancelled:
			r.finish(Event{Address: addr, State: plan.Cancelled, Message: notStarted(o.Err)})
		case dag.Failed:
			msg := "failed"
			if o.Err != nil {
				msg = o.Err.Error()
			}
			r.finish(Event{Address: addr, State: plan.Failed, Message: msg})
		}
	}
	return r.res, diags
}

// checkProviders configures, in parallel, the provider of every node the
// plan will generate (starting its plugin process), and reports those
// that cannot be: no API key, an invalid configuration. The processes
// stay up for the run.
func (r *run) checkProviders(ctx context.Context, p *plan.Plan) hcl.Diagnostics {
	keys := map[string][]string{}
	for _, ch := range p.Changes {
		if !ch.State.Runs() {
			continue
		}
		a, err := lang.ParseAddress(ch.Address)
		if err != nil {
			continue
		}
		if a.IsTask() {
			a = a.Codegen() // a task asks its codegen's provider
		}
		switch n := r.cfg.Node(a).(type) {
		case *lang.Spec:
			keys[n.Provider] = append(keys[n.Provider], ch.Address)
		case *lang.Codegen:
			keys[n.Provider] = append(keys[n.Provider], ch.Address)
		}
	}
	delete(keys, "")
	var mu sync.Mutex
	var wg sync.WaitGroup
	var diags hcl.Diagnostics
	for _, key := range slices.Sorted(maps.Keys(keys)) {
		wg.Go(func() {
			if _, err := r.host.Provider(ctx, key); err != nil {
				d := &hcl.Diagnostic{
					Severity: hcl.DiagError,
					Summary:  "Provider not ready",
					Detail: fmt.Sprintf("provider.%s cannot be used on this machine, so nothing was started: %s. It is needed by %s.",
						key, err, strings.Join(keys[key], ", ")),
				}
				if p, ok := r.cfg.Providers[key]; ok {
					d.Subject = p.DeclRange.Ptr()
				}
				mu.Lock()
				diags = append(diags, d)
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	sort.Slice(diags, func(i, j int) bool { return diags[i].Detail < diags[j].Detail })
	return diags
}

// forget removes from the lock the records the plan lists to forget:
// those of nodes the configuration no longer declares. Their files are
// kept, unless DeleteRemoved asks to delete those still as generated.
func (r *run) forget(p *plan.Plan) {
	changed := false
	for _, ch := range p.Changes {
		if ch.State != plan.Forget || !r.acting[ch.Address] {
			continue
		}
		r.mu.Lock()
		rec := r.lock.Node(ch.Address)
		r.lock.RemoveNode(ch.Address)
		r.lockw.remove(ch.Address)
		r.mu.Unlock()
		if rec == nil {
			continue
		}
		changed = true
		msg := "record removed from the lock"
		files := sortedKeys(rec.Outputs)
		if r.opts.DeleteRemoved {
			if d := plan.DeleteOutputs(r.cfg.Dir, rec).Summary(); d != "" {
				msg += "; " + d
			}
		} else if len(files) > 0 {
			msg += "; files kept (delete them with -delete-removed): " + strings.Join(files, ", ")
		}
		r.finish(Event{Address: ch.Address, State: plan.Forgotten, Message: msg, Files: files})
	}
	if changed {
		r.lockw.touch()
	}
}

// visit runs one node of the walk.
func (r *run) visit(ctx context.Context, addr string) dag.Result {
	n := r.pl.Node(addr)
	if r.pl.Joins(addr) {
		return r.join(n.(*lang.Codegen))
	}
	r.mu.Lock()
	ch := r.pl.Plan(n)
	r.mu.Unlock()
	reasons := plan.Join(ch.Reasons, "; ")
	if ch.State.Acts() && !r.acting[addr] {
		// Only what the confirmed plan lists runs: this node became
		// ready during the run (an upstream generated or approved since).
		r.finish(Event{Address: addr, State: plan.Blocked, Deferred: true,
			Message: "ready now, but not in the plan this run carries out (" + reasons + "); run kirofile plan and apply again"})
		return dag.Result{Status: dag.Blocked}
	}
	switch ch.State {
	case plan.RunHooks:
		return r.approvedHooks(ctx, n.(*lang.Spec), ch)
	case plan.NoOp:
		if t, ok := n.(*plan.Task); ok {
			// Done, as the lock records: its box shows it.
			r.tick(t, true)
		}
		r.mu.Lock()
		// A record written by an earlier version under the same inputs is
		// rewritten in the current form, once.
		if plan.Upgrade(r.lock, ch) {
			r.recordedLocked(addr)
		}
		// A write-ahead record of a node the lock already records (its
		// removal failed once) has served.
		settled := r.settle(addr)
		r.mu.Unlock()
		if settled {
			r.lockw.touch()
		}
		r.finish(Event{Address: addr, State: plan.NoOp})
		return dag.Result{Status: dag.Done}
	case plan.Approve:
		r.finish(Event{Address: addr, State: plan.Approve, Message: reasons})
		return dag.Result{Status: dag.Blocked}
	case plan.Blocked:
		r.finish(Event{Address: addr, State: plan.Blocked, Message: reasons})
		return dag.Result{Status: dag.Blocked}
	case plan.Drift:
		r.finish(Event{Address: addr, State: plan.Drift, Message: reasons, Files: ch.Files})
		return dag.Result{Status: dag.Blocked}
	}
	start := time.Now()
	r.opts.Events(Event{Type: EventNodeStarted, Address: addr, State: ch.State, Message: reasons, Title: ch.Title})
	var usage providers.Usage
	var err error
	switch n := n.(type) {
	case *lang.Spec:
		usage, err = r.generateSpec(ctx, n, ch)
	case *lang.Codegen:
		usage, err = r.generateCodegen(ctx, n, ch)
	case *plan.Task:
		usage, err = r.runTask(ctx, n, ch)
	}
	elapsed := time.Since(start)
	if err != nil {
		state := plan.Failed
		if ctx.Err() != nil || budgetStopped(err) {
			state = plan.Cancelled
		}
		usage = r.spent(addr, usage) // the failed request's tokens too
		r.finish(Event{Address: addr, State: state, Message: err.Error(), Usage: &usage, Elapsed: elapsed})
		return dag.Result{Status: dag.Failed, Err: err}
	}
	// What the node is now decides whether what depends on it may run: a
	// spec generated for human approval is a gate. A -replace is done once
	// the node is generated again, and must not keep it looking due.
	r.mu.Lock()
	r.pl.Replaced(addr)
	after := r.pl.Plan(n)
	r.mu.Unlock()
	if after.State == plan.Approve {
		r.finish(Event{Address: addr, State: plan.Approve, Message: "generated; review it, then run: kirofile approve " + addr, Usage: &usage, Elapsed: elapsed})
		return dag.Result{Status: dag.Blocked}
	}
	r.finish(Event{Address: addr, State: plan.Generated, Usage: &usage, Elapsed: elapsed})
	return dag.Result{Status: dag.Done}
}

// approvedHooks runs the spec.approved hooks of an approval given since
// the last apply (approving only records; the hooks run here, on the
// machine of whoever applies, never the approver's), and records that they
// ran. A failing hook fails the node and keeps them due: the next apply
// runs them again.
func (r *run) approvedHooks(ctx context.Context, s *lang.Spec, ch *plan.Change) dag.Result {
	addr := s.Addr.String()
	start := time.Now()
	r.opts.Events(Event{Type: EventNodeStarted, Address: addr, State: plan.RunHooks, Message: plan.Join(ch.Reasons, "; ")})
	if err := r.judgeApprovedHooks(ctx, r.runHooks(ctx, s, lang.EventSpecApproved, []string{s.Path})); err != nil {
		state := plan.Failed
		if ctx.Err() != nil {
			state = plan.Cancelled
		}
		r.finish(Event{Address: addr, State: state, Message: err.Error(), Elapsed: time.Since(start)})
		return dag.Result{Status: dag.Failed, Err: err}
	}
	r.mu.Lock()
	plan.ApprovalHooksRan(r.lock, addr)
	r.recordedLocked(addr)
	r.mu.Unlock()
	r.finish(Event{Address: addr, State: plan.NoOp, Message: "spec.approved hooks ran: " + strings.Join(ch.Hooks, ", "), Elapsed: time.Since(start)})
	return dag.Result{Status: dag.Done}
}

// judgeApprovedHooks returns why spec.approved hooks did not all pass; nil
// when they did. Their output goes to no model: feedback does not apply.
func (r *run) judgeApprovedHooks(ctx context.Context, outcomes []hook.Outcome) error {
	for _, o := range outcomes {
		switch {
		case ctx.Err() != nil:
			return fmt.Errorf("interrupted while hook %q ran: %w", o.Hook, ctx.Err())
		case o.Err != nil:
			return fmt.Errorf("hook %q could not run: %w", o.Hook, o.Err)
		case !o.Passed:
			return fmt.Errorf("spec.approved hook %q failed: %s", o.Hook, firstLine(o.Output, 300))
		}
	}
	return nil
}

// finish records and reports how a node ended.
func (r *run) finish(e Event) {
	e.Type = EventNodeFinished
	e.Message = r.redactor.Redact(e.Message)
	r.mu.Lock()
	nr := &NodeResult{State: e.State, Message: e.Message, Deferred: e.Deferred}
	if e.Usage != nil {
		nr.Usage = *e.Usage
	}
	if ns := r.spend[e.Address]; ns != nil {
		t := ns.total
		nr.Spend, e.Spend, e.Attempts = &t, &t, append([]Attempt(nil), ns.attempts...)
	}
	r.res.Nodes[e.Address] = nr
	r.mu.Unlock()
	r.opts.Events(e)
}

// call sends one generation to the node's provider, reporting progress,
// counting tokens and keeping a transcript.
func (r *run) call(ctx context.Context, n lang.Node, providerKey string, parts providers.PromptParts, attempt int) (*providers.Response, error) {
	addr := n.Address().String()
	if providerKey == "" {
		return nil, fmt.Errorf("%s has no provider", addr)
	}
	prov, err := r.host.Provider(ctx, providerKey)
	if err != nil {
		return nil, err
	}
	// A prompt over max_prompt_tokens is not sent: the endpoint would
	// refuse it, or cut it, after the cost of the upload. Its tokens are
	// counted with the provider's tokenizer, as the budget counts them,
	// unless its size alone keeps it within the limit.
	msgs := providers.BuildPrompt(parts)
	req := providers.Request{NodeAddress: addr, Messages: msgs}
	q, err := r.startRequest(n, providerKey, &req)
	if err != nil {
		return nil, err
	}
	if tokens.MaxMessages(msgs) > r.cfg.Settings.PromptTokenLimit() {
		if err := prompt.CheckCount(r.cfg, addr, parts, msgs, int(q.promptTokens())); err != nil {
			q.reservation.Settle(cost.Usage{})
			return nil, err
		}
	}
	if attempt > 1 {
		// A view still shows what the last attempt streamed.
		r.opts.Events(Event{Type: EventNodeProgress, Address: addr, Attempt: attempt})
	}
	chunks, bytes := 0, 0
	last := time.Time{}
	var streamed strings.Builder
	r.isUnderway()
	resp, err := prov.Generate(ctx, req, func(e providers.Event) {
		if e.Kind != providers.EventTextDelta {
			return
		}
		chunks++
		bytes += len(e.Text)
		streamed.WriteString(e.Text)
		// Progress is throttled: a view redraws a few times a second, and
		// a JSON stream should not carry one line per token.
		if now := time.Now(); now.Sub(last) > 200*time.Millisecond {
			last = now
			r.opts.Events(Event{Type: EventNodeProgress, Address: addr, Attempt: attempt, Chunks: chunks, TokensEstimate: (bytes + 3) / 4})
		}
	})
	used := r.endRequest(addr, providerKey, attempt, q, resp, streamed.String(), err)
	r.mu.Lock()
	r.res.Requests++
	t := r.res.Tokens[providerKey]
	addUsage(&t, used)
	r.res.Tokens[providerKey] = t
	r.mu.Unlock()
	r.transcript(addr, providerKey, attempt, req, resp, err)
	if err != nil {
		// The provider's errors are its own words: name its block.
		return nil, fmt.Errorf("provider.%s: %w", providerKey, explainCap(err, q, n, providerKey))
	}
	return resp, nil
}

// recordFailure records a failed generation so that plan shows a retry.
// The lock is committed, so it holds only what is true for everyone: a
// failure of this machine's environment (no API key, a key refused, an
// endpoint down or too slow) is reported, never recorded, and the error
// text stored is redacted of secrets and of the providers' endpoints.
func (r *run) recordFailure(ctx context.Context, ch *plan.Change, attempts int, usage providers.Usage, outputs map[string]string, err error) {
	r.recordFailureHooks(ctx, ch, attempts, usage, outputs, err, nil)
}

// recordFailureHooks is recordFailure for a task, with the hooks of its
// last attempt.
func (r *run) recordFailureHooks(ctx context.Context, ch *plan.Change, attempts int, usage providers.Usage, outputs map[string]string, err error, hooks map[string]int) {
	// An interrupted run is not a failed generation. The error itself may
	// not say so: a call cancelled inside a plugin comes back as an RPC
	// error.
	if ctx.Err() != nil || errors.Is(err, context.Canceled) || providers.Local(err) || budgetStopped(err) {
		// What hooks left on the files is kirofile's too: the next plan
		// should see it as this node's unfinished work.
		_ = r.journal(ch.Address, outputs)
		return
	}
	// The lock says how many attempts failed on its own: its error is what
	// failed last.
	text := err.Error()
	var sf *stillFailing
	if errors.As(err, &sf) {
		text = sf.last
	}
	r.mu.Lock()
	outputs = r.withPendingLocked(ch.Address, outputs)
	plan.Record(r.lock, ch, plan.Generation{Outputs: outputs, Attempts: attempts, Usage: r.lockUsage(ch.Address, usage), Err: r.redact(summary(text)), Hooks: hooks})
	r.recordedLocked(ch.Address)
	r.settle(ch.Address)
	r.mu.Unlock()
}

// stillFailing is the failure of a node whose checks (its feedback hooks,
// or a spec's document checks) still fail after its last attempt.
type stillFailing struct {
	attempts int
	last     string // what failed last, summarised
}

func (e *stillFailing) Error() string {
	return fmt.Sprintf("still failing after %d attempt(s): %s", e.attempts, e.last)
}

// withPendingLocked adds to the outputs of a failed node the files an
// earlier, interrupted run of it left (its write-ahead record), as they
// are now: they stay its own once the record goes, rather than turning
// into hand edits of the node that wrote them before. r.mu must be held.
func (r *run) withPendingLocked(addr string, outputs map[string]string) map[string]string {
	old := r.pl.Pending(addr)
	if old == nil {
		return outputs
	}
	var more []string
	for p := range old.Files {
		if _, ok := outputs[p]; !ok {
			more = append(more, p)
		}
	}
	if len(more) == 0 {
		return outputs
	}
	out := maps.Clone(outputs)
	if out == nil {
		out = map[string]string{}
	}
	maps.Copy(out, r.pl.Rehash(slices.Sorted(slices.Values(more))))
	return out
}

// recordedLocked hands the lock writer a copy of a node's record, just
// changed. The caller holds r.mu, and settles the node after (see
// lockWriter.write); the writer renders the record outside the mutex.
func (r *run) recordedLocked(addr string) {
	if rec := r.lock.Node(addr); rec != nil {
		r.lockw.set(rec.Clone())
	}
}

// settle notes that the lock records a node now, so that its write-ahead
// record, if it has one, goes once the lock is saved; it reports whether
// it has one. r.mu must be held.
func (r *run) settle(addr string) bool {
	if _, ok := r.records[addr]; ok || r.pl.Pending(addr) != nil {
		r.settled = append(r.settled, addr)
		delete(r.records, addr)
		return true
	}
	return false
}

// journal notes, before a node writes, what it is about to write: the hash
// of each file's new content. The record is on disk before the files are,
// so that a run that ends before the lock records the node leaves the
// next plan able to tell its write from a hand edit (see package
// journal). Failing to record is failing the node: writing without a
// record could later be taken for a hand edit.
func (r *run) journal(addr string, hashes map[string]string) error {
	r.hold()
	r.mu.Lock()
	rec := r.records[addr]
	if rec == nil {
		rec = journal.New(addr, r.opts.Now())
		if old := r.pl.Pending(addr); old != nil {
			// An earlier interrupted run's files may still be on disk.
			for p, hs := range old.Files {
				for _, h := range hs {
					rec.Add(p, h)
				}
			}
		}
		r.records[addr] = rec
	}
	news := false
	for p, h := range hashes {
		news = rec.Add(p, h) || news
	}
	var data journal.Record
	if news {
		data = *rec
		data.Files = map[string][]string{}
		for p, hs := range rec.Files {
			data.Files[p] = append([]string(nil), hs...)
		}
	}
	r.mu.Unlock()
	if !news {
		return nil
	}
	return r.jlog.Write(&data)
}

// syncSoon has the files written so far synced in the background, so
// that the lock writer, which syncs them before it records them, has
// little left to wait for, at the end of the run above all.
func (r *run) syncSoon() {
	if r.syncDue.CompareAndSwap(false, true) {
		r.syncs.Go(func() {
			r.syncDue.Store(false)
			_ = r.syncer.Sync() // what fails stays queued, for the lock writer's
		})
	}
}

// serial runs functions one after the other, in the order given (but see
// serialBacklog), on a goroutine of its own while any wait, at the lowest
// priority where the system has one for a thread: work beside the walk that should take at
// most one core from it, and give that back when the walk needs it. A
// round of parallel nodes ending together hands over many at once (a
// transcript each, creating a file, which takes some file systems
// milliseconds of CPU), when the nodes that follow them are being started.
type serial struct {
	mu      sync.Mutex
	queue   []func()
	running bool
	wg      sync.WaitGroup
}

// serialBacklog bounds what waits in a serial: beyond it, the caller runs
// what it hands over itself. Work that waits holds memory (a transcript
// holds its prompt), and a run that keeps both cores busy would otherwise
// put it all off until its end.
const serialBacklog = 64

// Go queues f, or runs it when serialBacklog functions wait already.
func (s *serial) Go(f func()) {
	s.wg.Add(1)
	s.mu.Lock()
	if len(s.queue) >= serialBacklog {
		s.mu.Unlock()
		defer s.wg.Done()
		f()
		return
	}
	s.queue = append(s.queue, f)
	start := !s.running
	s.running = true
	s.mu.Unlock()
	if start {
		inBackground(s.drain)
	}
}

func (s *serial) drain() {
	for {
		s.mu.Lock()
		if len(s.queue) == 0 {
			s.running = false
			s.mu.Unlock()
			return
		}
		f := s.queue[0]
		s.queue[0] = nil
		s.queue = s.queue[1:]
		s.mu.Unlock()
		f()
		s.wg.Done()
	}
}

// Wait waits for what was queued before it was called.
func (s *serial) Wait() { s.wg.Wait() }

// isUnderway tells Options.Underway, once.
func (r *run) isUnderway() {
	if r.opts.Underway != nil {
		r.underway.Do(r.opts.Underway)
	}
}

// hold waits until the project may change on disk (Options.Hold).
func (r *run) hold() {
	r.isUnderway()
	if r.opts.Hold != nil {
		<-r.opts.Hold
	}
}

// RemoveLeftovers removes the temporary and backup files interrupted
// writes left (plan.Planner.Leftovers), before anything writes again, and
// says what it removed. Apply calls it; so does an apply with nothing to
// generate. The caller holds the project's run lock.
func RemoveLeftovers(dir string, files []string) hcl.Diagnostics {
	if len(files) == 0 {
		return nil
	}
	root, err := os.OpenRoot(dir)
	if err != nil {
		return nil
	}
	defer root.Close()
	var removed []string
	var diags hcl.Diagnostics
	for _, f := range files {
		d, _, err := fsutil.OpenDirIn(root, path.Dir(f), false)
		if err == nil {
			base := path.Base(f)
			if fi, lerr := d.Lstat(base); lerr == nil && fi.Mode().IsRegular() && fsutil.IsLeftover(base) {
				err = d.Remove(base)
			}
			d.Close()
		}
		if err != nil && !errors.Is(err, fs.ErrNotExist) {
			diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagWarning, Summary: "Cannot remove a leftover file",
				Detail: fmt.Sprintf("Removing %s, left by an interrupted write, failed: %s.", f, err)})
			continue
		}
		removed = append(removed, f)
	}
	if len(removed) > 0 {
		diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagWarning, Summary: "Removed files left by an interrupted write",
			Detail: fmt.Sprintf("Removed %d temporary or backup file(s) an interrupted kirofile left: %s.", len(removed), strings.Join(removed, ", "))})
	}
	return diags
}

// redact removes the run's secrets and the providers' endpoints from a
// text stored in the lock.
func (r *run) redact(s string) string {
	s = r.redactor.Redact(s)
	for _, key := range slices.Sorted(maps.Keys(r.endpoints)) {
		s = strings.ReplaceAll(s, r.endpoints[key], "(provider."+key+" endpoint)")
	}
	return s
}

func sortedKeys[V any](m map[string]V) []string { return slices.Sorted(maps.Keys(m)) }

func addUsage(a *providers.Usage, b providers.Usage) {
	a.PromptTokens += b.PromptTokens
	a.CompletionTokens += b.CompletionTokens
	a.TotalTokens += b.TotalTokens
	a.CachedTokens += b.CachedTokens
}

// firstLine shortens a message for the lock: its first line, capped.
func firstLine(s string, max int) string {
	s, _, _ = strings.Cut(strings.TrimSpace(s), "\n")
	if len(s) > max {
		s = s[:max] + "..."
	}
	return s
}

// summaryMax is the longest error text the lock keeps for a node.
const summaryMax = 1000

// summary shortens an error text for the lock: one line (its lines joined
// with " | "), at most summaryMax bytes. A longer text keeps its start and
// its end, since a wrapped error states its cause last and a failing
// test's output ends with what failed.
func summary(s string) string {
	var lines []string
	for _, l := range strings.Split(s, "\n") {
		if l = strings.TrimSpace(l); l != "" {
			lines = append(lines, l)
		}
	}
	s = strings.Join(lines, " | ")
	if len(s) <= summaryMax {
		return s
	}
	const cut = " [...] "
	head, tail := summaryMax*2/5, summaryMax*3/5-len(cut)
	for head > 0 && !utf8.RuneStart(s[head]) {
		head--
	}
	start := len(s) - tail
	for start < len(s) && !utf8.RuneStart(s[start]) {
		start++
	}
	return s[:head] + cut + s[start:]
}

// lockWriteInterval is the least time between two writes of the lock.
const lockWriteInterval = 50 * time.Millisecond

// lockWriteShare bounds the share of a run's time spent writing the lock:
// after a write that took d, the next waits at least (lockWriteShare-1)*d.
// A large project's lock takes longer to write, so it is written less
// often, and the writes never cost more than a tenth of the run, however
// large the lock.
const lockWriteShare = 10

// lockWriter persists the lock after nodes finish without making parallel
// nodes wait for each other's disk writes, and without holding the run's
// mutex: a node records its new record in the lock under the mutex and
// hands the writer a copy (set), and one goroutine renders the records
// handed to it since the last write, and only those (lockfile.Renderer),
// then writes the whole file. Every finished node reaches the disk within
// one write of finishing.
type lockWriter struct {
	save func([]byte) error
	// syncFiles makes the files the records name durable, before a save
	// records them.
	syncFiles func() error
	// settled returns the nodes recorded since it was last called; saved
	// is told the nodes the lock file on disk records now (their
	// write-ahead records have served).
	settled func() []string
	saved   func(nodes []string)

	mu      sync.Mutex
	pending map[string]*lockfile.Node // records handed over since the last write; nil for one removed
	err     error
	// handed counts the records handed over, written those the file holds
	// (or that a writer without a file took), for flush; written wakes
	// whoever waits on it, and stopped says the writer is gone.
	handed, written uint64
	wrote           *sync.Cond
	stopped         bool

	kick    chan struct{}
	closing chan struct{}
	done    chan struct{}
	// Only the loop uses these.
	rend    *lockfile.Renderer
	last    []byte        // what the lock file holds now
	lastDur time.Duration // how long the last write took
	unsaved []string      // nodes recorded but not yet saved
	// unwritten is true while the records rendered are not all in the
	// file: a save failed, or has yet to happen.
	unwritten bool
}

// newLockWriter renders lock, which must not change until the writer
// starts, and starts the writer.
func newLockWriter(lock *lockfile.Lock, save func([]byte) error, syncFiles func() error, settled func() []string, saved func([]string)) *lockWriter {
	w := &lockWriter{save: save, syncFiles: syncFiles, settled: settled, saved: saved, pending: map[string]*lockfile.Node{},
		kick: make(chan struct{}, 1), closing: make(chan struct{}), done: make(chan struct{})}
	w.wrote = sync.NewCond(&w.mu)
	w.rend = lockfile.NewRenderer(lock)
	if save != nil {
		// A run that records nothing leaves the lock file as it was.
		w.last = w.rend.Bytes()
	}
	go w.loop()
	return w
}

func (w *lockWriter) loop() {
	defer close(w.done)
	for {
		select {
		case <-w.kick:
		case <-w.closing:
			w.write()
			return
		}
		w.write()
		// Nodes finishing in the next moment share the next write: under
		// heavy parallelism this bounds the cost of rendering and syncing
		// the lock, at the price of a finished node reaching the disk a
		// little later. The end of the run does not wait for it.
		select {
		case <-time.After(max(lockWriteInterval, (lockWriteShare-1)*w.lastDur)):
		case <-w.closing:
			w.write()
			return
		}
	}
}

// write renders the records handed over since the last write and saves
// the lock if it changed. The nodes recorded are reported saved only once
// the file holds them: until then their write-ahead records must stay.
// The settled nodes are taken before the records, and a node's record is
// handed over before it is settled (both under the run's mutex), so every
// node reported saved is in what was written.
func (w *lockWriter) write() {
	if w.settled != nil {
		w.unsaved = append(w.unsaved, w.settled()...)
	}
	w.mu.Lock()
	pending := w.pending
	w.pending = map[string]*lockfile.Node{}
	handed := w.handed
	w.mu.Unlock()
	for addr, n := range pending {
		if n == nil {
			w.rend.RemoveNode(addr)
		} else {
			w.rend.SetNode(n)
		}
	}
	if len(pending) > 0 && w.save != nil {
		w.unwritten = true
	}
	if w.unwritten {
		start := time.Now()
		if data := w.rend.Bytes(); !bytes.Equal(data, w.last) {
			var err error
			if w.syncFiles != nil {
				err = w.syncFiles()
			}
			if err == nil {
				err = w.save(data)
			}
			w.lastDur = time.Since(start)
			if err != nil {
				// Tried again at the next write; until one succeeds, no
				// node is reported saved.
				w.mu.Lock()
				w.err = err
				w.wrote.Broadcast()
				w.mu.Unlock()
				return
			}
			w.last = data
		}
		w.unwritten = false
	}
	if len(w.unsaved) > 0 && w.saved != nil {
		w.saved(w.unsaved)
	}
	w.unsaved = nil
	w.mu.Lock()
	w.written = handed
	w.wrote.Broadcast()
	w.mu.Unlock()
}

// set hands the writer a node's new record, which nothing else may hold,
// and asks for a write.
func (w *lockWriter) set(n *lockfile.Node) {
	w.mu.Lock()
	w.pending[n.Address] = n
	w.handed++
	w.mu.Unlock()
	w.touch()
}

// remove tells the writer a node's record is gone, and asks for a write.
func (w *lockWriter) remove(addr string) {
	w.mu.Lock()
	w.pending[addr] = nil
	w.mu.Unlock()
	w.touch()
}

// touch asks for a write.
func (w *lockWriter) touch() {
	select {
	case w.kick <- struct{}{}:
	default: // a write is already due; it will take this change too
	}
}

// flush waits until the lock file holds every record handed over before
// it was called: a task's box is ticked only once its evidence is in the
// file. It fails when a write of the lock failed, or the writer is gone.
func (w *lockWriter) flush() error {
	w.mu.Lock()
	want := w.handed
	w.mu.Unlock()
	w.touch()
	w.mu.Lock()
	defer w.mu.Unlock()
	for w.written < want && !w.stopped && w.err == nil {
		w.wrote.Wait()
	}
	switch {
	case w.err != nil:
		return w.err
	case w.written < want:
		return errors.New("the lock file was not written")
	}
	return nil
}

// close writes what is left and waits for it.
func (w *lockWriter) close() error {
	close(w.closing)
	<-w.done
	w.mu.Lock()
	w.stopped = true
	w.wrote.Broadcast()
	w.mu.Unlock()
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.err
}
