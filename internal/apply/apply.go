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
	"maps"
	"os"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/hashicorp/hcl/v2"
	"github.com/zclconf/go-cty/cty"

	"github.com/kirofile/kirofile/dag"
	"github.com/kirofile/kirofile/internal/hook"
	"github.com/kirofile/kirofile/internal/lockfile"
	"github.com/kirofile/kirofile/internal/plan"
	"github.com/kirofile/kirofile/internal/prompt"
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
	Output         string
	Message        string
	Files          []string
	Usage          *providers.Usage
	Elapsed        time.Duration
	// Deferred marks a blocked node that became ready during the run but
	// was not in the plan it carries out: the next apply takes it.
	Deferred bool
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
}

// NodeResult is how one node ended.
type NodeResult struct {
	State   plan.State
	Message string
	Usage   providers.Usage
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
	// acting are the addresses the plan lets this run act on.
	acting map[string]bool
	// secrets are sensitive values to redact from transcripts and from
	// errors stored in the lock; endpoints are the providers' base URLs,
	// which say where one machine's model runs and are redacted from
	// errors stored in the lock.
	secrets   []string
	endpoints map[string]string
	// transcripts counts transcript writes in flight: they happen beside
	// the walk, off the nodes' path, and the run waits for them at its end.
	transcripts sync.WaitGroup
	// specPathsMap is built once (specPaths).
	specPathsOnce sync.Once
	specPathsMap  map[string]string
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
	pl, diags := plan.NewPlanner(cfg, lock, opts.Options)
	if diags.HasErrors() {
		return nil, diags
	}
	if opts.Plan == nil {
		opts.Plan, _ = plan.Build(cfg, lock, opts.Options)
	}
	r := &run{
		cfg:       cfg,
		lock:      lock,
		opts:      opts,
		host:      opts.Host,
		pl:        pl,
		res:       &Result{Nodes: map[string]*NodeResult{}, Tokens: map[string]providers.Usage{}},
		acting:    opts.Plan.Acting(),
		endpoints: map[string]string{},
	}
	for _, v := range cfg.Variables {
		if v.Sensitive && v.Value.IsWhollyKnown() && !v.Value.IsNull() {
			if s, err := lang.ValueJSON(v.Value); err == nil {
				r.secrets = append(r.secrets, strings.Trim(string(s), `"`))
			}
		}
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
	if pdiags := r.checkProviders(ctx, opts.Plan); pdiags.HasErrors() {
		return r.res, append(diags, pdiags...)
	}
	if opts.Transcripts != "" {
		if err := os.MkdirAll(opts.Transcripts, 0o755); err != nil {
			r.opts.Transcripts = "" // transcripts are a debugging aid, not a reason to fail
		}
	}
	r.lockw = newLockWriter(lock, opts.SaveLock)
	r.forget(opts.Plan)
	outcomes, err := pl.Graph.Walk(ctx, dag.WalkOptions{Parallelism: opts.Parallelism, LongestPathFirst: true}, r.visit)
	r.transcripts.Wait()
	if werr := r.lockw.close(); werr != nil {
		diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Cannot write the lock file", Detail: werr.Error() + "."})
	}
	if err != nil {
		return r.res, append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Cannot run the graph", Detail: err.Error()})
	}
	for addr, o := range outcomes {
		if _, done := r.res.Nodes[addr]; done {
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
			r.finish(Event{Address: addr, State: plan.Cancelled, Message: "not started: the run was interrupted"})
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
}

// visit runs one node of the walk.
func (r *run) visit(ctx context.Context, addr string) dag.Result {
	a, _ := lang.ParseAddress(addr)
	n := r.cfg.Node(a)
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
		// A record written by an earlier version under the same inputs is
		// rewritten in the current form, once.
		r.mu.Lock()
		if plan.Upgrade(r.lock, ch) {
			r.recordedLocked(addr)
		}
		r.mu.Unlock()
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
	r.opts.Events(Event{Type: EventNodeStarted, Address: addr, State: ch.State, Message: reasons})
	var usage providers.Usage
	var err error
	switch n := n.(type) {
	case *lang.Spec:
		usage, err = r.generateSpec(ctx, n, ch)
	case *lang.Codegen:
		usage, err = r.generateCodegen(ctx, n, ch)
	}
	elapsed := time.Since(start)
	if err != nil {
		state := plan.Failed
		if ctx.Err() != nil {
			state = plan.Cancelled
		}
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
	r.mu.Lock()
	nr := &NodeResult{State: e.State, Message: e.Message, Deferred: e.Deferred}
	if e.Usage != nil {
		nr.Usage = *e.Usage
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
	// refuse it, or cut it, after the cost of the upload.
	msgs := providers.BuildPrompt(parts)
	if err := prompt.Check(r.cfg, addr, parts, msgs); err != nil {
		return nil, err
	}
	req := providers.Request{NodeAddress: addr, Messages: msgs}
	if attempt > 1 {
		// A view still shows what the last attempt streamed.
		r.opts.Events(Event{Type: EventNodeProgress, Address: addr, Attempt: attempt})
	}
	chunks, bytes := 0, 0
	last := time.Time{}
	resp, err := prov.Generate(ctx, req, func(e providers.Event) {
		if e.Kind != providers.EventTextDelta {
			return
		}
		chunks++
		bytes += len(e.Text)
		// Progress is throttled: a view redraws a few times a second, and
		// a JSON stream should not carry one line per token.
		if now := time.Now(); now.Sub(last) > 200*time.Millisecond {
			last = now
			r.opts.Events(Event{Type: EventNodeProgress, Address: addr, Attempt: attempt, Chunks: chunks, TokensEstimate: (bytes + 3) / 4})
		}
	})
	r.mu.Lock()
	r.res.Requests++
	if resp != nil {
		t := r.res.Tokens[providerKey]
		t.PromptTokens += resp.Usage.PromptTokens
		t.CompletionTokens += resp.Usage.CompletionTokens
		t.TotalTokens += resp.Usage.TotalTokens
		r.res.Tokens[providerKey] = t
	}
	r.mu.Unlock()
	r.transcript(addr, providerKey, attempt, req, resp, err)
	if err != nil {
		// The provider's errors are its own words: name its block.
		return nil, fmt.Errorf("provider.%s: %w", providerKey, err)
	}
	return resp, nil
}

// recordFailure records a failed generation so that plan shows a retry.
// The lock is committed, so it holds only what is true for everyone: a
// failure of this machine's environment (no API key, a key refused, an
// endpoint down or too slow) is reported, never recorded, and the error
// text stored is redacted of secrets and of the providers' endpoints.
func (r *run) recordFailure(ctx context.Context, ch *plan.Change, attempts int, usage providers.Usage, outputs map[string]string, err error) {
	// An interrupted run is not a failed generation. The error itself may
	// not say so: a call cancelled inside a plugin comes back as an RPC
	// error.
	if ctx.Err() != nil || errors.Is(err, context.Canceled) || providers.Local(err) {
		return
	}
	r.mu.Lock()
	plan.Record(r.lock, ch, plan.Generation{Outputs: outputs, Attempts: attempts, Usage: lockUsage(usage), Err: r.redact(firstLine(err.Error(), 300))})
	r.recordedLocked(ch.Address)
	r.mu.Unlock()
}

// recordedLocked hands the lock writer a copy of a node's record, just
// changed. The caller holds r.mu; the writer renders it outside.
func (r *run) recordedLocked(addr string) {
	if rec := r.lock.Node(addr); rec != nil {
		r.lockw.set(rec.Clone())
	}
}

// redact removes sensitive values and providers' endpoints from a text
// stored in the lock.
func (r *run) redact(s string) string {
	for _, secret := range r.secrets {
		if secret != "" {
			s = strings.ReplaceAll(s, secret, "(sensitive value redacted)")
		}
	}
	for _, key := range slices.Sorted(maps.Keys(r.endpoints)) {
		s = strings.ReplaceAll(s, r.endpoints[key], "(provider."+key+" endpoint)")
	}
	return s
}

func sortedKeys[V any](m map[string]V) []string { return slices.Sorted(maps.Keys(m)) }

func lockUsage(u providers.Usage) lockfile.Usage {
	return lockfile.Usage{PromptTokens: u.PromptTokens, CompletionTokens: u.CompletionTokens}
}

func addUsage(a *providers.Usage, b providers.Usage) {
	a.PromptTokens += b.PromptTokens
	a.CompletionTokens += b.CompletionTokens
	a.TotalTokens += b.TotalTokens
}

// firstLine shortens a message for the lock: its first line, capped.
func firstLine(s string, max int) string {
	s, _, _ = strings.Cut(strings.TrimSpace(s), "\n")
	if len(s) > max {
		s = s[:max] + "..."
	}
	return s
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
	save    func([]byte) error
	mu      sync.Mutex
	pending map[string]*lockfile.Node // records handed over since the last write; nil for one removed
	err     error

	kick    chan struct{}
	closing chan struct{}
	done    chan struct{}
	// Only the loop uses these.
	rend    *lockfile.Renderer
	last    []byte        // what the lock file holds now
	lastDur time.Duration // how long the last write took
}

// newLockWriter renders lock, which must not change until the writer
// starts, and starts the writer.
func newLockWriter(lock *lockfile.Lock, save func([]byte) error) *lockWriter {
	w := &lockWriter{save: save, pending: map[string]*lockfile.Node{}, kick: make(chan struct{}, 1), closing: make(chan struct{}), done: make(chan struct{})}
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
// the lock if it changed.
func (w *lockWriter) write() {
	w.mu.Lock()
	pending := w.pending
	w.pending = map[string]*lockfile.Node{}
	w.mu.Unlock()
	if w.save == nil || len(pending) == 0 {
		return
	}
	start := time.Now()
	for addr, n := range pending {
		if n == nil {
			w.rend.RemoveNode(addr)
		} else {
			w.rend.SetNode(n)
		}
	}
	data := w.rend.Bytes()
	if bytes.Equal(data, w.last) {
		return
	}
	err := w.save(data)
	w.lastDur = time.Since(start)
	if err != nil {
		w.mu.Lock()
		w.err = err
		w.mu.Unlock()
		return
	}
	w.last = data
}

// set hands the writer a node's new record, which nothing else may hold,
// and asks for a write.
func (w *lockWriter) set(n *lockfile.Node) {
	w.mu.Lock()
	w.pending[n.Address] = n
	w.mu.Unlock()
	select {
	case w.kick <- struct{}{}:
	default: // a write is already due; it will take this change too
	}
}

// remove tells the writer a node's record is gone, and asks for a write.
func (w *lockWriter) remove(addr string) {
	w.mu.Lock()
	w.pending[addr] = nil
	w.mu.Unlock()
	select {
	case w.kick <- struct{}{}:
	default:
	}
}

// close writes what is left and waits for it.
func (w *lockWriter) close() error {
	close(w.closing)
	<-w.done
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.err
}
