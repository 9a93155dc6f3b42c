// Package plan decides, offline, what apply would do with every node: node
// fingerprints, the states of nodes, and the records apply writes into the
// lock. It reads the configuration (lang), the lock file and the files on
// disk; it never calls a model.
package plan

import (
	"fmt"
	"maps"
	"path/filepath"
	"slices"
	"strings"

	"github.com/hashicorp/hcl/v2"

	"github.com/kirofile/kirofile/dag"
	"github.com/kirofile/kirofile/internal/cache"
	"github.com/kirofile/kirofile/internal/hook"
	"github.com/kirofile/kirofile/internal/journal"
	"github.com/kirofile/kirofile/internal/lockfile"
	"github.com/kirofile/kirofile/lang"
)

// State is where a node stands: one vocabulary for plan and apply. Plan
// puts every node in one of the first seven states, which say what apply
// would do with it; apply reports how each node it visited ended, in the
// same words, and in the last three for what only a run can bring about.
type State string

const (
	// Create: never generated; apply generates it.
	Create State = "create"
	// Update: an input changed; apply regenerates it.
	Update State = "update"
	// Retry: its last generation failed; apply tries again.
	Retry State = "retry"
	// Approve: a spec document awaits a person's approval.
	Approve State = "approve"
	// Drift: its files were edited outside kirofile; not overwritten.
	Drift State = "drift"
	// Blocked: it waits for an upstream node.
	Blocked State = "blocked"
	// NoOp: up to date.
	NoOp State = "no-op"
	// RunHooks: an approved spec whose spec.approved hooks have not run
	// yet; apply runs them, and calls no model.
	RunHooks State = "run-hooks"
	// Forget: a record in the lock of a node the configuration no longer
	// declares; apply removes the record and keeps its files.
	Forget State = "forget"
	// Accept: what is on disk (hand edits, or files generated under inputs
	// that changed since) is to be recorded as the node's generation,
	// without a model call: the plan of -refresh-only.
	Accept State = "accept"

	// Generated: apply generated it in this run.
	Generated State = "generated"
	// Failed: its generation failed in this run.
	Failed State = "failed"
	// Cancelled: the run was interrupted before it finished.
	Cancelled State = "cancelled"
	// Accepted: apply -refresh-only recorded it as it is on disk.
	Accepted State = "accepted"
	// Forgotten: apply removed its record from the lock.
	Forgotten State = "forgotten"
)

// PlanStates lists the states a plan puts nodes in, in the order plans
// group them.
var PlanStates = []State{Create, Update, Retry, RunHooks, Approve, Drift, Blocked, Forget, Accept, NoOp}

// Runs reports whether apply generates a node in this state.
func (a State) Runs() bool { return a == Create || a == Update || a == Retry }

// Acts reports whether apply does anything with a node in this state:
// generates it, runs its hooks, forgets or accepts it.
func (a State) Acts() bool { return a.Runs() || a == RunHooks || a == Forget || a == Accept }

// Symbol is the one-character mark plans print before an address.
func (a State) Symbol() string {
	switch a {
	case Create:
		return "+"
	case Update, Retry:
		return "~"
	case Approve:
		return "?"
	case Blocked:
		return "-"
	case Drift:
		return "!"
	case RunHooks:
		return ">"
	case Forget:
		return "x"
	case Accept:
		return "*"
	}
	return " "
}

// Change is the plan for one node.
type Change struct {
	Address string   `json:"address"`
	Kind    string   `json:"kind"`
	State   State    `json:"state"`
	Reasons []Reason `json:"reasons,omitempty"`
	// BlockedBy names the upstream node a blocked node waits for.
	BlockedBy string `json:"blocked_by,omitempty"`
	// Files lists the edited or deleted files of a drifted node (or of a
	// node -replace will overwrite), the files a forgotten node leaves
	// behind, and the files an accepted node records.
	Files []string `json:"files,omitempty"`
	// Hooks names the spec.approved hooks a run-hooks node will run.
	Hooks []string `json:"hooks,omitempty"`
	// InputsUnknown is true when a variable without a value feeds the
	// node's inputs (validate, approve and show need no values): its
	// fingerprint is unknown then.
	InputsUnknown bool `json:"inputs_unknown,omitempty"`
	// Outputs are the hashes an accepted node will record.
	Outputs map[string]string `json:"outputs,omitempty"`
	// Fingerprint is the node's current input fingerprint, when it can be
	// known before apply (its upstream documents exist).
	Fingerprint string `json:"fingerprint,omitempty"`
	// Inputs are the hashes the fingerprint combines.
	Inputs map[string]string `json:"inputs,omitempty"`
	// Document is the content hash of a spec's document on disk (for a
	// tasks document, with its checkboxes cleared: see docHash).
	Document string `json:"document,omitempty"`
	// Title is a task's title, from the tasks document; Ticked is true
	// when its box is ticked there.
	Title  string `json:"title,omitempty"`
	Ticked bool   `json:"ticked,omitempty"`
	// legacy is the fingerprint of an earlier version's scheme that the
	// node's record matched (see Upgrade).
	legacy string
	// output stands for a spec's document and every document upstream of
	// it (see specOutput).
	output string
}

// Plan is what apply would do, node by node, in dependency order; the
// records to forget come last, by address.
type Plan struct {
	Changes []*Change `json:"changes"`
	Targets []string  `json:"targets,omitempty"`
	Replace []string  `json:"replace,omitempty"`
	// RefreshOnly marks the plan of -refresh-only: it lists the nodes to
	// accept as they are on disk, and nothing else.
	RefreshOnly bool `json:"refresh_only,omitempty"`
	// Leftovers are the files interrupted writes left (Planner.Leftovers):
	// local state, not part of what a saved plan promises.
	Leftovers []string `json:"-"`
	// OptionalLeftOut are the optional tasks not run, per codegen
	// (Planner.OptionalLeftOut): shown, so that nothing is skipped
	// unseen.
	OptionalLeftOut map[string][]string `json:"-"`
}

// Counts returns how many nodes are in each state.
func (p *Plan) Counts() map[State]int {
	counts := map[State]int{}
	for _, c := range p.Changes {
		counts[c.State]++
	}
	return counts
}

// Acting returns the addresses apply acts on: those it generates, runs the
// hooks of, forgets or accepts. Apply acts on these and on nothing else,
// so that a saved or confirmed plan is exactly what runs.
func (p *Plan) Acting() map[string]bool {
	out := map[string]bool{}
	for _, c := range p.Changes {
		if c.State.Acts() {
			out[c.Address] = true
		}
	}
	return out
}

// TicksDue lists the tasks done, as the lock records, whose boxes are not
// ticked in their tasks documents: apply ticks them, and nothing else
// need run for that.
func (p *Plan) TicksDue() []string {
	var out []string
	for _, c := range p.Changes {
		if c.State == NoOp && slices.ContainsFunc(c.Reasons, func(r Reason) bool { return r.Code == CodeTickDue }) {
			out = append(out, c.Address)
		}
	}
	return out
}

// HasChanges reports whether anything is not up to date: the CI gate of
// `plan -detailed-exitcode`.
func (p *Plan) HasChanges() bool {
	for _, c := range p.Changes {
		if c.State != NoOp {
			return true
		}
	}
	return false
}

// Change returns the change of an address, or nil.
func (p *Plan) Change(addr string) *Change {
	for _, c := range p.Changes {
		if c.Address == addr {
			return c
		}
	}
	return nil
}

// Options narrow or force a plan.
type Options struct {
	// Targets limit the plan to these nodes (or features) and everything
	// upstream of them.
	Targets []lang.Address
	// Replace forces these nodes to be regenerated, even over hand edits.
	Replace []lang.Address
	// Hashes, when not nil, caches file hashes by stat between runs.
	Hashes *cache.Hashes
	// Rehash hashes every file even when the cache has it: the full
	// refresh that catches an edit the file's stat does not show.
	Rehash bool
	// RefreshOnly plans accepting what is on disk instead of generating:
	// see Refresh.
	RefreshOnly bool
	// Prefetch, when not nil, has hashed the lock's recorded outputs
	// already (StartPrefetch).
	Prefetch *Prefetch
}

// Planner plans nodes against the configuration, the lock and the files
// on disk. Build plans every node at once; apply keeps one Planner for the
// whole run and plans each node again as the walk reaches it, after its
// upstream nodes ran. A Planner is not safe for concurrent use: apply
// guards it with its own mutex.
type Planner struct {
	cfg     *lang.Config
	lock    *lockfile.Lock
	disk    *disk
	replace map[string]bool
	changes map[string]*Change
	// refreshOnly plans each node for itself, as -refresh-only accepts it:
	// no node waits for another, and none runs.
	refreshOnly bool
	// legacyMemo holds fingerprints in an earlier version's scheme, for
	// records written by it.
	legacyMemo map[string]legacyFingerprint
	// refs caches the #[[file:]] references of spec documents, by path
	// and content hash (see documentRefs).
	refs map[string]documentRefs
	// pending are the write-ahead records of nodes an earlier run wrote
	// files for and did not record (see package journal).
	pending map[string]*journal.Record
	// taskPlans are the codegens with each = "task" among the nodes, by
	// address, and taskNodes their tasks (see tasks.go); docNorm the
	// hashes of tasks documents read, by path.
	taskPlans map[string]*taskPlan
	taskNodes map[string]*Task
	docNorm   map[string]docHashes
	// locals holds the inputs of nodes that depend on the configuration
	// alone, computed in parallel ahead of planning (computeLocals).
	locals map[lang.Node]localInputs
	// steering holds the hashes of inline steering documents.
	steering map[*lang.Steering]string
	// ahead holds the fingerprints computed before planning
	// (fingerprintsAhead), which hold while Build plans.
	ahead map[lang.Node]fingerprinted
	// aheadOuts holds what each spec stands for downstream (specOutput),
	// computed with them.
	aheadOuts map[string]string
	// building is true while Build plans every node: the files hashed
	// stay as they are, and what locals holds of them holds.
	building bool
	// Leftovers are the temporary and backup files interrupted writes left
	// in the directories of the nodes' files, project-relative.
	Leftovers []string
	// Graph holds the nodes selected by the targets (every node without
	// any), and Nodes the same nodes in dependency order.
	Graph *dag.Graph[string]
	Nodes []lang.Node
}

// NewPlanner selects the nodes the options cover (the targets and what
// they depend on) and hashes, in one parallel pass, every file their plans
// look at: the one set-up shared by plan, apply and approve.
func NewPlanner(cfg *lang.Config, lock *lockfile.Lock, opts Options) (*Planner, hcl.Diagnostics) {
	var diags hcl.Diagnostics
	// Tasks are known once their documents are read: the configuration's
	// nodes are selected first, a task standing for its codegen.
	targets, taskTargets := splitTasks(opts.Targets)
	replaceNodes, taskReplace := splitTasks(opts.Replace)
	for _, t := range taskTargets {
		targets = append(targets, t.Codegen())
	}
	keep, tdiags := selectTargets(cfg, targets)
	diags = append(diags, tdiags...)
	replace, rdiags := addressSet(cfg, replaceNodes, "-replace")
	diags = append(diags, rdiags...)
	for _, t := range taskReplace {
		if c, ok := cfg.Node(t.Codegen()).(*lang.Codegen); !ok || c.Each != lang.EachTask {
			diags = append(diags, noSuchTask("-replace", t))
		}
	}
	if diags.HasErrors() {
		return nil, diags
	}
	g := cfg.Graph()
	if keep != nil {
		g = g.Subgraph(func(a string) bool { return keep[a] })
	}
	order, err := g.TopoOrder()
	if err != nil {
		// lang reports cycles; reaching here means the caller ignored them.
		return nil, append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Dependency cycle", Detail: err.Error()})
	}
	pl := &Planner{cfg: cfg, lock: lock, replace: replace, changes: map[string]*Change{}, legacyMemo: map[string]legacyFingerprint{}, refs: map[string]documentRefs{}, Graph: g, refreshOnly: opts.RefreshOnly,
		pending: journal.Load(cfg.Dir), taskPlans: map[string]*taskPlan{}, taskNodes: map[string]*Task{}, docNorm: map[string]docHashes{}}
	for _, a := range order {
		addr, _ := lang.ParseAddress(a)
		n := cfg.Node(addr)
		pl.Nodes = append(pl.Nodes, n)
		if c, ok := n.(*lang.Codegen); ok && c.Each == lang.EachTask && c.TasksSpec != nil {
			pl.taskPlans[a] = &taskPlan{codegen: c}
		}
	}
	var d *disk
	if opts.Prefetch != nil {
		// Go on from what the prefetch hashed and listed.
		d = opts.Prefetch.take(cfg.Dir)
	}
	if d == nil {
		d = newDisk(cfg.Dir)
	}
	d.cache, d.rehash = opts.Hashes, opts.Rehash
	if opts.Hashes != nil && keep == nil {
		// Every node is planned: the cache can follow the project's files.
		opts.Hashes.Prune()
	}
	d.gather(cfg, pl.Nodes, lock)
	pl.gatherTaskRecords(d)
	for _, rec := range pl.pending {
		for p := range rec.Files {
			d.want(p)
		}
	}
	d.hashAll()
	pl.Leftovers = d.leftovers()
	for _, p := range slices.Sorted(maps.Keys(d.errs)) {
		diags = append(diags, &hcl.Diagnostic{
			Severity: hcl.DiagError,
			Summary:  "Cannot read a file",
			Detail:   fmt.Sprintf("Reading %s failed: %s.", p, d.errs[p]),
		})
	}
	pl.disk = d
	if len(pl.taskPlans) > 0 {
		diags = append(diags, pl.expandNodes(taskTargets, taskReplace, targets)...)
	} else if len(taskTargets) > 0 {
		for _, t := range taskTargets {
			diags = append(diags, noSuchTask("-target", t))
		}
	}
	return pl, diags
}

// splitTasks separates task addresses from the others.
func splitTasks(addrs []lang.Address) (nodes, tasks []lang.Address) {
	for _, a := range addrs {
		if a.IsTask() {
			tasks = append(tasks, a)
		} else {
			nodes = append(nodes, a)
		}
	}
	return nodes, tasks
}

func noSuchTask(flag string, a lang.Address) *hcl.Diagnostic {
	return &hcl.Diagnostic{
		Severity: hcl.DiagError,
		Summary:  "No such task",
		Detail: fmt.Sprintf("%s %s names no task: %s must run the tasks of an approved tasks document (each = \"task\"), and the document must have task %s. Run \"kirofile show %s\" to list its tasks.",
			flag, a, a.Codegen(), a.Task, a.Codegen()),
	}
}

// expandNodes expands the codegens with each = "task" into their tasks,
// and narrows the graph to the targets that name tasks.
func (pl *Planner) expandNodes(taskTargets, taskReplace, targets []lang.Address) hcl.Diagnostics {
	asked := map[string]bool{}
	for _, t := range append(slices.Clone(taskTargets), taskReplace...) {
		asked[t.String()] = true
	}
	diags := pl.expandTasks(asked)
	for _, t := range taskReplace {
		if pl.taskNodes[t.String()] == nil {
			diags = append(diags, noSuchTask("-replace", t))
			continue
		}
		pl.replace[t.String()] = true
	}
	for _, t := range taskTargets {
		if pl.taskNodes[t.String()] == nil {
			diags = append(diags, noSuchTask("-target", t))
		}
	}
	if diags.HasErrors() {
		return diags
	}
	g := pl.taskGraph(pl.Graph)
	if len(taskTargets) > 0 {
		// A task target selects the task and what it runs after, not
		// the whole codegen.
		keep := map[string]bool{}
		add := func(a string) {
			keep[a] = true
			for _, up := range g.Ancestors(a) {
				keep[up] = true
			}
		}
		for _, t := range taskTargets {
			add(t.String())
		}
		nodes, _ := splitTasks(targets)
		for _, t := range nodes {
			if slices.ContainsFunc(taskTargets, func(x lang.Address) bool { return x.Codegen() == t }) {
				continue // stands for a task target
			}
			for _, n := range NodesOf(pl.cfg, t) {
				add(n.Address().String())
			}
		}
		g = g.Subgraph(func(a string) bool { return keep[a] })
	}
	order, err := g.TopoOrder()
	if err != nil {
		return append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Dependency cycle", Detail: err.Error()})
	}
	pl.Graph = g
	pl.Nodes = pl.Nodes[:0]
	for _, a := range order {
		pl.Nodes = append(pl.Nodes, pl.Node(a))
	}
	return diags
}

// Build decides, offline, what apply would do with every node. Without
// targets, it also lists the records of nodes the configuration no longer
// declares, to forget. With RefreshOnly it plans accepting what is on disk
// (see Refresh), on a copy of the lock.
func Build(cfg *lang.Config, lock *lockfile.Lock, opts Options) (*Plan, hcl.Diagnostics) {
	if opts.RefreshOnly {
		return Refresh(cfg, lock.Clone(), opts, nil)
	}
	pl, diags := NewPlanner(cfg, lock, opts)
	if pl == nil {
		return nil, diags
	}
	p, bdiags := pl.Build(opts)
	return p, append(diags, bdiags...)
}

// Build plans every node the planner selected, as Build does; opts are
// those it was made with (not RefreshOnly).
func (pl *Planner) Build(opts Options) (*Plan, hcl.Diagnostics) {
	var diags hcl.Diagnostics
	plan := newPlan(opts)
	pl.computeLocals(pl.Nodes)
	pl.building = true
	for _, n := range pl.Nodes {
		ch := pl.Plan(n)
		if !pl.Joins(ch.Address) {
			plan.Changes = append(plan.Changes, ch)
		}
	}
	pl.building = false
	if len(opts.Targets) == 0 {
		plan.Changes = append(plan.Changes, pl.removed()...)
	}
	plan.Leftovers = pl.Leftovers
	plan.OptionalLeftOut = pl.OptionalLeftOut()
	if n := len(pl.Leftovers); n > 0 {
		diags = append(diags, &hcl.Diagnostic{
			Severity: hcl.DiagWarning,
			Summary:  "Files left by an interrupted write",
			Detail: fmt.Sprintf("%d temporary or backup file(s) that an interrupted kirofile left next to the files it writes: %s. kirofile apply removes them.",
				n, listSome(pl.Leftovers, 5)),
		})
	}
	return plan, append(diags, pl.promptWarnings(plan)...)
}

func newPlan(opts Options) *Plan {
	plan := &Plan{RefreshOnly: opts.RefreshOnly}
	for _, t := range opts.Targets {
		plan.Targets = append(plan.Targets, t.String())
	}
	for _, r := range opts.Replace {
		plan.Replace = append(plan.Replace, r.String())
	}
	return plan
}

// Plan plans one node, after the nodes upstream of it, and keeps the
// result: what depends on the node is planned against it.
func (pl *Planner) Plan(n lang.Node) *Change {
	ch := pl.planNode(n)
	if s, ok := n.(*lang.Spec); ok {
		if o, ok := pl.aheadOuts[ch.Address]; ok && pl.building {
			ch.output = o
		} else {
			ch.output = pl.specOutput(s)
		}
	}
	pl.changes[ch.Address] = ch
	return ch
}

// Replaced ends the -replace of a node: once regenerated, it must not keep
// looking due.
func (pl *Planner) Replaced(addr string) { delete(pl.replace, addr) }

// Hash returns the content hash of a project file ("" when absent), from
// the snapshot, hashing it now if the snapshot lacks it.
func (pl *Planner) Hash(path string) string { return pl.disk.hash(path) }

// Written records the hash of a file just written.
func (pl *Planner) Written(path, hash string) { pl.disk.set(path, hash) }

// Removed records that apply removed a file (a failed task's new file,
// undone).
func (pl *Planner) Removed(path string) { pl.disk.unset(path) }

// Expand lists the project files a glob matches, sorted.
func (pl *Planner) Expand(pattern string) []string { return pl.disk.expand(pattern) }

// Rehash hashes files again, as they are now, and returns their hashes
// (absent files left out): what a node wrote, after its hooks (formatters)
// may have rewritten it.
func (pl *Planner) Rehash(paths []string) map[string]string {
	hashes := HashFiles(pl.cfg.Dir, paths)
	pl.Rehashed(hashes)
	return hashes
}

// HashFiles hashes files of the project in dir as they are now (absent
// files left out), reading nothing of a planner: apply hashes what a node
// wrote outside the run's lock, then tells the planner (Rehashed).
func HashFiles(dir string, paths []string) map[string]string {
	if len(paths) == 0 {
		return nil
	}
	out := map[string]string{}
	for _, p := range paths {
		h, err := hashFile(filepath.Join(dir, filepath.FromSlash(p)), nil)
		if err != nil || h == "" {
			continue
		}
		out[p] = h
	}
	return out
}

// Rehashed records the hashes HashFiles found.
func (pl *Planner) Rehashed(hashes map[string]string) {
	for p, h := range hashes {
		pl.disk.hashes[p], pl.disk.known[p] = h, true
	}
}

// selectTargets returns the nodes a targeted plan covers (nil for all):
// the targets and everything upstream of them.
func selectTargets(cfg *lang.Config, targets []lang.Address) (map[string]bool, hcl.Diagnostics) {
	if len(targets) == 0 {
		return nil, nil
	}
	set, diags := addressSet(cfg, targets, "-target")
	g := cfg.Graph()
	keep := map[string]bool{}
	for a := range set {
		keep[a] = true
		for _, up := range g.Ancestors(a) {
			keep[up] = true
		}
	}
	return keep, diags
}

// addressSet resolves node and feature addresses to node addresses.
func addressSet(cfg *lang.Config, addrs []lang.Address, flag string) (map[string]bool, hcl.Diagnostics) {
	var diags hcl.Diagnostics
	set := map[string]bool{}
	for _, a := range addrs {
		nodes := NodesOf(cfg, a)
		if len(nodes) == 0 {
			diags = append(diags, &hcl.Diagnostic{
				Severity: hcl.DiagError,
				Summary:  "No such node",
				Detail:   fmt.Sprintf("%s %s names nothing in the configuration.%s Run \"kirofile show\" to list the nodes.", flag, a, cfg.SuggestAddress(a)),
			})
		}
		for _, n := range nodes {
			set[n.Address().String()] = true
		}
	}
	return set, diags
}

// NodesOf returns the node at a node address, or every node of a feature
// address, in address order.
func NodesOf(cfg *lang.Config, a lang.Address) []lang.Node {
	if !a.IsFeature() {
		if n := cfg.Node(a); n != nil {
			return []lang.Node{n}
		}
		return nil
	}
	var out []lang.Node
	for _, n := range cfg.Nodes {
		if n.Address().Feature == a.Feature {
			out = append(out, n)
		}
	}
	return out
}

// blocker returns the upstream node that keeps n from running, with the
// reason; "" when nothing does. A spec upstream must be approved and up to
// date, or about to be generated and approved automatically (approval =
// "auto"); a codegen upstream passes on whatever blocks it.
func (pl *Planner) blocker(n lang.Node) (string, Reason) {
	for _, dep := range n.Dependencies() {
		up := pl.changes[dep.Addr.String()]
		if up == nil {
			continue
		}
		if up.State == Blocked {
			// Name the node at the root of the chain: that is the one a
			// person has to act on.
			root := pl.changes[up.BlockedBy]
			return root.Address, reason(CodeWaitsFor, fmt.Sprintf("waits for %s (%s), through %s", root.Address, waitPhraseOf(root), up.Address))
		}
		if dep.Addr.IsTask() && up.State == Drift {
			// A task builds on what the one before it did: not on a task
			// edited by hand, or ticked without having been done.
			return up.Address, reason(CodeWaitsFor, fmt.Sprintf("waits for %s (%s)", up.Address, waitPhraseOf(up)))
		}
		if dep.Addr.Kind != lang.NodeSpec {
			continue
		}
		switch {
		case up.State == NoOp, up.State == RunHooks:
			// Approved; its hooks run first, in the same apply.
		case up.State.Runs() && pl.autoApproved(dep.Addr):
			// Generated and approved in the same apply, before this node.
		default:
			return up.Address, reason(CodeWaitsFor, fmt.Sprintf("waits for %s (%s)", up.Address, waitPhraseOf(up)))
		}
	}
	return "", Reason{}
}

// writtenByHand reports whether a spec's document exists on disk though
// kirofile never generated it.
func (pl *Planner) writtenByHand(s *lang.Spec) bool {
	if pl.disk.hash(s.Path) == "" {
		return false
	}
	rec := pl.lock.Node(s.Addr.String())
	return rec == nil || rec.Outputs[s.Path] == ""
}

// autoApproved reports whether the spec at addr is approved automatically.
func (pl *Planner) autoApproved(addr lang.Address) bool {
	s, ok := pl.cfg.Node(addr).(*lang.Spec)
	return ok && s.Approval == lang.ApprovalAuto
}

// runningUpstream returns the first node n depends on that apply will
// generate before it, whose output changes n's inputs; "" when none will.
func (pl *Planner) runningUpstream(n lang.Node) string {
	for _, dep := range n.Dependencies() {
		if up := pl.changes[dep.Addr.String()]; up != nil && up.State.Runs() {
			return up.Address
		}
	}
	return ""
}

// setDrift marks ch as drifted: the files edited and deleted outside
// kirofile, the inputs that changed besides, and what to do about it
// (redo, the way to do the node again).
func (ch *Change) setDrift(edited, deleted []string, changed []Reason, redo string) {
	ch.State = Drift
	ch.Files = slices.Sorted(slices.Values(append(slices.Clone(edited), deleted...)))
	if len(edited) > 0 {
		ch.Reasons = append(ch.Reasons, reason(CodeFilesEdited, "edited outside kirofile: "+strings.Join(edited, ", ")))
	}
	if len(deleted) > 0 {
		ch.Reasons = append(ch.Reasons, reason(CodeFilesDeleted, "deleted outside kirofile: "+strings.Join(deleted, ", ")))
	}
	ch.Reasons = append(ch.Reasons, changed...)
	ch.Reasons = append(ch.Reasons, reason(CodeDriftHint, "not overwritten; keep the edits with apply -refresh-only, or "+redo))
}

// waitPhraseOf says why the node others wait for is not ready: a task
// ticked by hand is drift, but not an edit.
func waitPhraseOf(c *Change) string {
	if c.State != Drift {
		return waitPhrase(c.State)
	}
	has := func(code string) bool {
		return slices.ContainsFunc(c.Reasons, func(r Reason) bool { return r.Code == code })
	}
	switch edited, deleted := has(CodeFilesEdited), has(CodeFilesDeleted); {
	case has(CodeTickedWithoutEvidence):
		return "ticked without evidence that it was done"
	case edited && deleted:
		return "its files edited and deleted outside kirofile"
	case deleted:
		return "its files deleted outside kirofile"
	case edited:
		return "its files edited outside kirofile"
	}
	return waitPhrase(c.State)
}

func waitPhrase(a State) string {
	switch a {
	case Create:
		return "not generated yet"
	case Update:
		return "to be regenerated"
	case Retry:
		return "its last generation failed"
	case Approve:
		return "awaiting approval"
	case Drift:
		return "changed outside kirofile"
	case Blocked:
		return "blocked itself"
	case RunHooks:
		return "its spec.approved hooks to run"
	}
	return string(a)
}

func (pl *Planner) planNode(n lang.Node) *Change {
	addr := n.Address().String()
	ch := &Change{Address: addr, Kind: n.Address().Kind}
	if !pl.refreshOnly {
		if by, why := pl.blocker(n); by != "" {
			if s, ok := n.(*lang.Spec); ok && pl.writtenByHand(s) {
				// Not generated, yet not "to be generated" either: say
				// what it is and what it waits for.
				why.Text = s.Path + " was written by hand; it " + why.Text
			}
			ch.State, ch.BlockedBy, ch.Reasons = Blocked, by, []Reason{why}
			if t, ok := n.(*Task); ok {
				ch.Title, ch.Ticked = t.Doc.Title, t.Doc.Checked
			}
			return ch
		}
	}
	rec := pl.lock.Node(addr)
	if tp := pl.taskPlans[addr]; tp != nil {
		if tp.expanded() {
			pl.planJoin(ch, tp.codegen, tp, rec)
			return ch
		}
		if why, ok := pl.tasksUnread(tp); ok {
			ch.State, ch.BlockedBy, ch.Reasons = Blocked, tp.codegen.TasksSpec.Addr.String(), []Reason{why}
			return ch
		}
	}
	var fp string
	var inputs map[string]string
	var known, unknown bool
	if t, ok := n.(*Task); ok {
		if why, ok := pl.taskDocumentRuns(t); ok {
			ch.State, ch.BlockedBy, ch.Reasons, ch.Title, ch.Ticked = Blocked, t.Codegen.TasksSpec.Addr.String(), []Reason{why}, t.Doc.Title, t.Doc.Checked
			return ch
		}
		fp, inputs, known, unknown = pl.taskFingerprint(t)
	} else {
		fp, inputs, known, unknown = pl.fingerprint(n)
	}
	if known && !unknown {
		ch.Fingerprint, ch.Inputs = fp, inputs
	}
	ch.InputsUnknown = unknown
	switch n := n.(type) {
	case *lang.Spec:
		pl.planSpec(ch, n, rec)
	case *Task:
		pl.planTask(ch, n, rec)
	default:
		pl.planCodegen(ch, n.(*lang.Codegen), rec)
	}
	if unknown {
		ch.Reasons = append(ch.Reasons, reason(CodeInputsUnknown,
			"a variable without a value feeds its inputs: its status assumes they did not change"))
		return ch
	}
	if pl.refreshOnly {
		return ch
	}
	// What an upstream node will generate first changes this node's
	// inputs: it runs after it, in the same apply.
	if up := pl.runningUpstream(n); up != "" {
		generated := rec != nil && rec.Status == lockfile.StatusGenerated
		text := up + " will be generated first, and its output is an input of this node"
		if a, err := lang.ParseAddress(up); err == nil && a.IsTask() {
			text = "task " + a.Task + " runs first, and what it does is an input of this task"
		}
		switch {
		case ch.State == NoOp, ch.State == RunHooks, ch.State == Approve && generated:
			ch.State, ch.Reasons, ch.Hooks = Update, reasons(CodeUpstreamWillRun, text), nil
			if rec == nil {
				ch.State = Create
			}
		}
		if ch.State.Runs() {
			ch.Fingerprint, ch.Inputs = "", nil // known after apply
		}
	} else if !known && ch.State == NoOp {
		// An upstream codegen that will run changes this node's inputs.
		ch.State, ch.Reasons = Update, reasons(CodeUpstreamWillRun, "an upstream node will run first")
	}
	return ch
}

func (pl *Planner) planSpec(ch *Change, s *lang.Spec, rec *lockfile.Node) {
	doc := pl.docHash(s)
	ch.Document = doc
	same := func(h string) bool { return pl.sameDoc(s, h) }
	if pending := pl.pending[ch.Address]; pending.Matches(s.Path, pl.disk.hash(s.Path)) && !pl.replace[ch.Address] &&
		(rec == nil || !same(rec.Outputs[s.Path])) {
		// kirofile wrote this document and did not live to record it: it
		// is neither a person's work nor approved; generate it again.
		ch.State, ch.Reasons = Retry, reasons(CodeInterrupted, interruptedReason(pending, []string{s.Path}))
		return
	}
	approved := s.Approval == lang.ApprovalAuto && doc != ""
	if rec != nil && rec.Approval != nil && same(rec.Approval.SHA256) && doc != "" {
		approved = true
	}
	switch {
	case pl.replace[ch.Address]:
		ch.State, ch.Reasons = Update, reasons(CodeReplace, "forced by -replace")
		if rec == nil && doc == "" {
			ch.State = Create
		}
		if doc != "" && rec != nil && rec.Outputs[s.Path] != "" && !same(rec.Outputs[s.Path]) {
			ch.Files = []string{s.Path}
			ch.Reasons = append(ch.Reasons, reason(CodeReplaceDiscards, s.Path+" was edited by hand: regenerating it loses the edits"))
		}
	case rec == nil && doc == "":
		ch.State, ch.Reasons = Create, reasons(CodeNeverGenerated, "never generated")
	case rec == nil || rec.Status != lockfile.StatusFailed && rec.Outputs[s.Path] == "" && doc != "":
		// A document kirofile never generated was written by a person.
		// Kirofile cannot regenerate what a person wrote, so an approval
		// given under other inputs (an upstream spec, steering, the
		// description) asks for that person's review again.
		switch {
		case approved && pl.staleApproval(s, ch, rec):
			ch.State, ch.Reasons = Approve, reasons(CodeApprovalStale, s.Path+" was approved before its inputs changed (an upstream spec, steering or the description); review it and approve it again")
		case approved:
			pl.approvedSpec(ch, s, rec)
		case rec != nil && rec.Approval != nil:
			ch.State, ch.Reasons = Approve, reasons(CodeEditedByHand, s.Path+" changed since "+rec.Approval.By+" approved it; the approval is void")
		default:
			ch.State, ch.Reasons = Approve, reasons(CodeWrittenByHand, s.Path+" was written by hand and is not approved")
		}
	case rec.Status == lockfile.StatusFailed:
		ch.State, ch.Reasons = Retry, reasons(CodeLastFailed, failureReason(rec))
	case doc == "":
		ch.State, ch.Reasons = Create, reasons(CodeDocumentMissing, s.Path+" is missing")
	default:
		edited := !same(rec.Outputs[s.Path])
		var changed []Reason
		if !pl.sameInputs(rec.Fingerprint, ch, s) && !(approved && rec.Approval != nil && pl.sameInputs(rec.Approval.Fingerprint, ch, s)) {
			changed = pl.changedInputs(rec, ch, s) // else unchanged, or the approval adopted the new inputs
		}
		switch {
		case len(changed) > 0 && edited:
			ch.State = Drift
			ch.Files = []string{s.Path}
			ch.Reasons = append([]Reason{reason(CodeEditedByHand, s.Path+" was edited by hand, and "+Join(changed, ", "))},
				reason(CodeDriftHint, "approve it to keep it as it is, or regenerate it with -replace="+ch.Address))
		case len(changed) > 0:
			ch.State, ch.Reasons = Update, changed
		case approved && pl.staleApproval(s, ch, rec):
			// Accepted under new inputs (apply -refresh-only) since it
			// was approved: a person says whether it still fits them.
			ch.State, ch.Reasons = Approve, reasons(CodeApprovalStale, s.Path+" was approved before its inputs changed; review it and approve it again")
		case approved:
			pl.approvedSpec(ch, s, rec)
		case edited:
			ch.State, ch.Reasons = Approve, reasons(CodeEditedByHand, s.Path+" was edited by hand since it was generated; its approval is void")
		case rec.Approval != nil:
			ch.State, ch.Reasons = Approve, reasons(CodeRegenerated, s.Path+" was regenerated since "+rec.Approval.By+" approved it; the approval is void")
		default:
			ch.State, ch.Reasons = Approve, reasons(CodeAwaitingApproval, "generated, awaiting approval")
		}
	}
}

// pendingOnDisk lists, sorted, the files an interrupted run wrote for a
// node that are still on disk as it left them.
func (pl *Planner) pendingOnDisk(pending *journal.Record) []string {
	if pending == nil {
		return nil
	}
	var left []string
	for _, p := range sortedKeys(pending.Files) {
		if pending.Matches(p, pl.disk.hash(p)) {
			left = append(left, p)
		}
	}
	return left
}

// staleApproval reports whether the person's approval on record was given
// under other inputs than the node has now. A spec approved automatically
// needs no person to look again.
func (pl *Planner) staleApproval(s *lang.Spec, ch *Change, rec *lockfile.Node) bool {
	return s.Approval != lang.ApprovalAuto && rec != nil && rec.Approval != nil && rec.Approval.Fingerprint != "" &&
		ch.Fingerprint != "" && !pl.sameInputs(rec.Approval.Fingerprint, ch, s)
}

// approvedSpec plans a spec whose document is approved as it is: up to
// date, unless the approval's spec.approved hooks have yet to run.
func (pl *Planner) approvedSpec(ch *Change, s *lang.Spec, rec *lockfile.Node) {
	ch.State = NoOp
	if rec == nil || rec.Approval == nil || rec.Approval.Hooks != lockfile.HooksPending {
		return
	}
	for _, h := range hook.Select(pl.cfg, s, lang.EventSpecApproved, []string{s.Path}) {
		ch.Hooks = append(ch.Hooks, h.Name)
	}
	if len(ch.Hooks) > 0 {
		ch.State, ch.Reasons = RunHooks, reasons(CodeHooksPending,
			fmt.Sprintf("approved by %s; its spec.approved hooks run in apply: %s", rec.Approval.By, strings.Join(ch.Hooks, ", ")))
	}
}

func (pl *Planner) planCodegen(ch *Change, c *lang.Codegen, rec *lockfile.Node) {
	var edited, deleted, unfinished []string
	pending := pl.pending[ch.Address]
	if rec != nil {
		for _, p := range sortedKeys(rec.Outputs) {
			switch h := pl.disk.hash(p); {
			case h == "":
				deleted = append(deleted, p)
			case h == rec.Outputs[p]:
			case pending.Matches(p, h):
				unfinished = append(unfinished, p)
			default:
				edited = append(edited, p)
			}
		}
	}
	switch {
	case pl.replace[ch.Address]:
		ch.State, ch.Reasons = Update, reasons(CodeReplace, "forced by -replace")
		if rec == nil {
			ch.State = Create
		}
		if len(edited) > 0 {
			ch.Files = edited
			ch.Reasons = append(ch.Reasons, reason(CodeReplaceDiscards, "edited outside kirofile, and regenerating loses the edits: "+strings.Join(edited, ", ")))
		}
		return
	case rec == nil:
		// A first generation interrupted before it was recorded leaves
		// its files, which are kirofile's unfinished work, not a person's.
		if left := pl.pendingOnDisk(pending); len(left) > 0 {
			ch.State, ch.Reasons = Create, reasons(CodeInterrupted, interruptedReason(pending, left))
			return
		}
		ch.State, ch.Reasons = Create, reasons(CodeNeverGenerated, "never generated")
		return
	case rec.Status == lockfile.StatusFailed:
		ch.State, ch.Reasons = Retry, reasons(CodeLastFailed, failureReason(rec))
		return
	}
	var changed []Reason
	if !pl.sameInputs(rec.Fingerprint, ch, c) {
		changed = pl.changedInputs(rec, ch, c)
	}
	if len(edited)+len(deleted) == 0 && len(unfinished) > 0 {
		// kirofile's own write, which the run that made it did not live to
		// record: unfinished work, not a hand edit.
		ch.State, ch.Reasons = Retry, reasons(CodeInterrupted, interruptedReason(pending, unfinished))
		return
	}
	if len(edited)+len(deleted) > 0 {
		if pending != nil {
			ch.Reasons = append(ch.Reasons, reason(CodeInterrupted, "a run interrupted at "+pending.Started.Format("2006-01-02 15:04:05Z")+
				" left unrecorded work, but these changes are not kirofile's"))
		}
		ch.setDrift(edited, deleted, changed, "regenerate with -replace="+ch.Address)
		return
	}
	if len(changed) > 0 {
		ch.State, ch.Reasons = Update, changed
		return
	}
	ch.State = NoOp
}

// interruptedReason says that a run wrote files for a node and ended
// before recording them.
func interruptedReason(r *journal.Record, files []string) string {
	msg := "a run interrupted at " + r.Started.Format("2006-01-02 15:04:05Z") + " wrote"
	if len(files) > 0 {
		msg += " " + listSome(files, 5)
	}
	return msg + " and did not record it; apply generates it again"
}

// listSome lists up to n items and says how many more there are.
func listSome(items []string, n int) string {
	if len(items) <= n {
		return strings.Join(items, ", ")
	}
	return fmt.Sprintf("%s and %d more", strings.Join(items[:n], ", "), len(items)-n)
}

// Pending returns the write-ahead record of a node an earlier run did not
// finish recording, or nil.
func (pl *Planner) Pending(addr string) *journal.Record { return pl.pending[addr] }

func failureReason(rec *lockfile.Node) string {
	msg := fmt.Sprintf("the last generation failed after %d attempt(s)", rec.Attempts)
	if rec.Error != "" {
		msg += ": " + rec.Error
	}
	return msg
}

// changedInputs phrases the inputs whose hashes differ.
func changedInputs(old, cur map[string]string) []Reason {
	if cur == nil {
		return nil
	}
	if len(old) == 0 {
		// A lock written without per-input hashes can only say that much.
		return reasons(CodeInputsChanged, "its inputs changed since it was generated")
	}
	var out []Reason
	keys := map[string]bool{}
	for k := range old {
		keys[k] = true
	}
	for k := range cur {
		keys[k] = true
	}
	for _, k := range sortedKeys(keys) {
		o, oldOK := old[k]
		c, curOK := cur[k]
		if oldOK && curOK && o == c {
			continue
		}
		if dep, ok := strings.CutPrefix(k, dependsPrefix); ok {
			switch {
			case !oldOK:
				out = append(out, reason(CodeDependencyAdded, "it now depends on "+dep))
			case !curOK:
				out = append(out, reason(CodeDependencyRemoved, "it no longer depends on "+dep))
			case old[upstreamPrefix+dep] == cur[upstreamPrefix+dep]:
				// Said once, by the document's own line, when it changed too.
				if a, err := lang.ParseAddress(dep); err == nil && a.Kind == lang.NodeCodegen {
					out = append(out, reason(CodeUpstreamChanged, dep+" was generated again"))
				} else if err == nil && a.IsTask() {
					out = append(out, reason(CodeUpstreamChanged, "task "+a.Task+", which it runs after, was done again"))
				} else {
					out = append(out, reason(CodeUpstreamChanged, "a document upstream of "+dep+" changed"))
				}
			}
			continue
		}
		if up, ok := strings.CutPrefix(k, upstreamPrefix); ok {
			_, depNow := cur[dependsPrefix+up]
			_, depBefore := old[dependsPrefix+up]
			if !oldOK && depNow && !depBefore || !curOK && depBefore && !depNow {
				continue // said by the dependency's own line
			}
			switch {
			case !oldOK:
				out = append(out, reason(CodeDependencyAdded, "it now depends on "+up))
			case !curOK:
				out = append(out, reason(CodeDependencyRemoved, "it no longer depends on "+up))
			default:
				out = append(out, reason(CodeUpstreamChanged, "upstream "+up+" changed"))
			}
			continue
		}
		if file, ok := strings.CutPrefix(k, fileRefPrefix); ok {
			switch {
			case !oldOK:
				out = append(out, reason(CodeFileReferenceChanged, "a spec document now references "+file))
			case !curOK:
				out = append(out, reason(CodeFileReferenceChanged, "no spec document references "+file+" any more"))
			default:
				out = append(out, reason(CodeFileReferenceChanged, "the referenced file "+file+" changed"))
			}
			continue
		}
		if r, ok := inputReasons[k]; ok {
			out = append(out, r)
		} else {
			out = append(out, reason(CodeInputChanged, k+" changed"))
		}
	}
	return out
}
