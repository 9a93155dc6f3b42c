package engine

import (
	"fmt"
	"sort"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/kirofile/kirofile/internal/cache"
	"github.com/kirofile/kirofile/internal/lockfile"
	"github.com/kirofile/kirofile/lang"
)

// Action is what apply would do with a node.
type Action string

const (
	Create  Action = "create"
	Update  Action = "update"
	Approve Action = "approve"
	Blocked Action = "blocked"
	Drift   Action = "drift"
	Retry   Action = "retry"
	NoOp    Action = "no-op"
)

// Actions lists every action in the order plans group them.
var Actions = []Action{Create, Update, Retry, Approve, Drift, Blocked, NoOp}

// Symbol is the one-character mark plans print before an address.
func (a Action) Symbol() string {
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
	}
	return " "
}

// Change is the plan for one node.
type Change struct {
	Address string   `json:"address"`
	Kind    string   `json:"kind"`
	Action  Action   `json:"action"`
	Reasons []string `json:"reasons,omitempty"`
	// BlockedBy names the upstream node a blocked node waits for.
	BlockedBy string `json:"blocked_by,omitempty"`
	// Files lists the edited or deleted files of a drifted node.
	Files []string `json:"files,omitempty"`
	// Fingerprint is the node's current input fingerprint, when it can be
	// known before apply (its upstream documents exist).
	Fingerprint string `json:"fingerprint,omitempty"`
	// Inputs are the hashes the fingerprint combines.
	Inputs map[string]string `json:"inputs,omitempty"`
	// Document is the content hash of a spec's document on disk.
	Document string `json:"document,omitempty"`
}

// Plan is what apply would do, node by node, in dependency order.
type Plan struct {
	Changes []*Change `json:"changes"`
	Targets []string  `json:"targets,omitempty"`
	Replace []string  `json:"replace,omitempty"`
}

// Counts returns how many nodes take each action.
func (p *Plan) Counts() map[Action]int {
	counts := map[Action]int{}
	for _, c := range p.Changes {
		counts[c.Action]++
	}
	return counts
}

// HasChanges reports whether anything is not up to date: the CI gate of
// `plan -detailed-exitcode`.
func (p *Plan) HasChanges() bool {
	for _, c := range p.Changes {
		if c.Action != NoOp {
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
}

// planner holds what one plan computation needs.
type planner struct {
	cfg     *lang.Config
	lock    *lockfile.Lock
	disk    *disk
	replace map[string]bool
	changes map[string]*Change
}

// BuildPlan decides, offline, what apply would do with every node.
func BuildPlan(cfg *lang.Config, lock *lockfile.Lock, opts Options) (*Plan, hcl.Diagnostics) {
	var diags hcl.Diagnostics
	order, err := cfg.Graph().TopoOrder()
	if err != nil {
		// lang reports cycles; reaching here means the caller ignored them.
		return nil, append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Dependency cycle", Detail: err.Error()})
	}
	keep, tdiags := selectTargets(cfg, opts.Targets)
	diags = append(diags, tdiags...)
	replace, rdiags := addressSet(cfg, opts.Replace, "-replace")
	diags = append(diags, rdiags...)
	if diags.HasErrors() {
		return nil, diags
	}

	var nodes []lang.Node
	for _, a := range order {
		if keep == nil || keep[a] {
			addr, _ := lang.ParseAddress(a)
			nodes = append(nodes, cfg.Node(addr))
		}
	}
	d := newDisk(cfg.Dir)
	d.cache, d.rehash = opts.Hashes, opts.Rehash
	d.gather(cfg, nodes, lock)
	d.hashAll()
	for p, err := range d.errs {
		diags = append(diags, &hcl.Diagnostic{
			Severity: hcl.DiagError,
			Summary:  "Cannot read a file",
			Detail:   fmt.Sprintf("Reading %s failed: %s.", p, err),
		})
	}

	pl := &planner{cfg: cfg, lock: lock, disk: d, replace: replace, changes: map[string]*Change{}}
	plan := &Plan{}
	for _, t := range opts.Targets {
		plan.Targets = append(plan.Targets, t.String())
	}
	for _, r := range opts.Replace {
		plan.Replace = append(plan.Replace, r.String())
	}
	for _, n := range nodes {
		ch := pl.planNode(n)
		pl.changes[ch.Address] = ch
		plan.Changes = append(plan.Changes, ch)
	}
	return plan, diags
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
				Detail:   fmt.Sprintf("%s %s names nothing in the configuration. Run \"kirofile show\" to list the nodes.", flag, a),
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

// fingerprint computes a node's inputs. ok is false when an upstream spec's
// document does not exist yet, so the fingerprint is known only after apply.
func (pl *planner) fingerprint(n lang.Node) (string, map[string]string, bool) {
	inputs := map[string]string{}
	f := pl.cfg.Features[n.Address().Feature]
	var provider, tmpl string
	switch n := n.(type) {
	case *lang.Spec:
		inputs[InputConfig] = configHash(n.Config)
		provider, tmpl = n.Provider, TemplateVersions[n.Kind]
	case *lang.Codegen:
		inputs[InputConfig] = configHash(n.Config)
		provider, tmpl = n.Provider, TemplateVersions[lang.NodeCodegen]
		var ctx strings.Builder
		for _, pattern := range n.Context {
			for _, file := range pl.disk.expand(pattern) {
				fmt.Fprintf(&ctx, "%s=%s\n", file, pl.disk.hash(file))
			}
		}
		inputs[InputContext] = hashString(ctx.String())
	}
	inputs[InputDescription] = hashString(f.Description)
	inputs[InputProvider] = providerHash(pl.cfg, provider)
	inputs[InputTemplate] = hashString(tmpl)
	var steer strings.Builder
	for _, s := range ApplicableSteering(pl.cfg, n) {
		content := hashString(s.Content)
		if s.File != "" {
			content = pl.disk.hash(s.File)
		}
		fmt.Fprintf(&steer, "%s=%s\n", s.Name, content)
	}
	inputs[InputSteering] = hashString(steer.String())
	known := true
	// Every spec document in the prompt is an input, not only those of
	// the specs n depends on directly.
	for _, up := range upstreamSpecs(pl.cfg, n) {
		h := pl.disk.hash(up.Path)
		if h == "" {
			known = false
		}
		inputs[upstreamPrefix+up.Addr.String()] = h
	}
	for _, dep := range n.Dependencies() {
		if _, ok := pl.cfg.Node(dep.Addr).(*lang.Codegen); !ok {
			continue
		}
		// A codegen upstream is an ordering, not content: its own
		// fingerprint stands for what it generated.
		if rec := pl.lock.Node(dep.Addr.String()); rec != nil {
			inputs[upstreamPrefix+dep.Addr.String()] = rec.Fingerprint
		} else {
			known = false
		}
	}
	return combine(inputs), inputs, known
}

// blocker returns the upstream node that keeps n from running, with the
// reason; "" when nothing does. A spec upstream must be approved and up to
// date; a codegen upstream passes on whatever blocks it.
func (pl *planner) blocker(n lang.Node) (string, string) {
	for _, dep := range n.Dependencies() {
		up := pl.changes[dep.Addr.String()]
		if up == nil {
			continue
		}
		if up.Action == Blocked {
			// Name the node at the root of the chain: that is the one a
			// person has to act on.
			root := pl.changes[up.BlockedBy]
			return root.Address, fmt.Sprintf("waits for %s (%s), through %s", root.Address, waitPhrase(root.Action), up.Address)
		}
		if dep.Addr.Kind == lang.NodeSpec && up.Action != NoOp {
			return up.Address, fmt.Sprintf("waits for %s (%s)", up.Address, waitPhrase(up.Action))
		}
	}
	return "", ""
}

func waitPhrase(a Action) string {
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
		return "edited by hand and out of date"
	case Blocked:
		return "blocked itself"
	}
	return string(a)
}

func (pl *planner) planNode(n lang.Node) *Change {
	addr := n.Address().String()
	ch := &Change{Address: addr, Kind: n.Address().Kind}
	if by, why := pl.blocker(n); by != "" {
		ch.Action, ch.BlockedBy, ch.Reasons = Blocked, by, []string{why}
		return ch
	}
	fp, inputs, known := pl.fingerprint(n)
	if known {
		ch.Fingerprint, ch.Inputs = fp, inputs
	}
	rec := pl.lock.Node(addr)
	if s, ok := n.(*lang.Spec); ok {
		pl.planSpec(ch, s, rec)
	} else {
		pl.planCodegen(ch, n.(*lang.Codegen), rec)
	}
	if !known && ch.Action == NoOp {
		// An upstream codegen that will run changes this node's inputs.
		ch.Action, ch.Reasons = Update, []string{"an upstream node will run first"}
	}
	return ch
}

func (pl *planner) planSpec(ch *Change, s *lang.Spec, rec *lockfile.Node) {
	doc := pl.disk.hash(s.Path)
	ch.Document = doc
	approved := s.Approval == lang.ApprovalAuto && doc != ""
	if rec != nil && rec.Approval != nil && rec.Approval.SHA256 == doc && doc != "" {
		approved = true
	}
	switch {
	case pl.replace[ch.Address]:
		ch.Action, ch.Reasons = Update, []string{"forced by -replace"}
		if rec == nil && doc == "" {
			ch.Action = Create
		}
	case rec == nil && doc == "":
		ch.Action, ch.Reasons = Create, []string{"never generated"}
	case rec == nil || rec.Status != lockfile.StatusFailed && rec.Outputs[s.Path] == "" && doc != "":
		// A document kirofile never generated was written by a person.
		// Kirofile cannot regenerate what a person wrote, so an approval
		// given under other inputs (an upstream spec, steering, the
		// description) asks for that person's review again.
		staleApproval := approved && rec != nil && rec.Approval != nil && rec.Approval.Fingerprint != "" &&
			ch.Fingerprint != "" && rec.Approval.Fingerprint != ch.Fingerprint
		switch {
		case staleApproval:
			ch.Action, ch.Reasons = Approve, []string{s.Path + " was approved before its inputs changed (an upstream spec, steering or the description); review it and approve it again"}
		case approved:
			ch.Action = NoOp
		case rec != nil && rec.Approval != nil:
			ch.Action, ch.Reasons = Approve, []string{s.Path + " changed since " + rec.Approval.By + " approved it; the approval is void"}
		default:
			ch.Action, ch.Reasons = Approve, []string{s.Path + " was written by hand and is not approved"}
		}
	case rec.Status == lockfile.StatusFailed:
		ch.Action, ch.Reasons = Retry, []string{failureReason(rec)}
	case doc == "":
		ch.Action, ch.Reasons = Create, []string{s.Path + " is missing"}
	default:
		edited := rec.Outputs[s.Path] != doc
		changed := changedInputs(rec.Inputs, ch.Inputs)
		if ch.Fingerprint == rec.Fingerprint || approved && rec.Approval != nil && rec.Approval.Fingerprint == ch.Fingerprint {
			changed = nil // unchanged, or the approval adopted the new inputs
		}
		switch {
		case len(changed) > 0 && edited:
			ch.Action = Drift
			ch.Files = []string{s.Path}
			ch.Reasons = append([]string{s.Path + " was edited by hand, and " + strings.Join(changed, ", ")},
				"approve it to keep it as it is, or regenerate it with -replace="+ch.Address)
		case len(changed) > 0:
			ch.Action, ch.Reasons = Update, changed
		case approved:
			ch.Action = NoOp
		case edited:
			ch.Action, ch.Reasons = Approve, []string{s.Path + " was edited by hand since it was generated; its approval is void"}
		case rec.Approval != nil:
			ch.Action, ch.Reasons = Approve, []string{s.Path + " was regenerated since " + rec.Approval.By + " approved it; the approval is void"}
		default:
			ch.Action, ch.Reasons = Approve, []string{"generated, awaiting approval"}
		}
	}
}

func (pl *planner) planCodegen(ch *Change, c *lang.Codegen, rec *lockfile.Node) {
	switch {
	case pl.replace[ch.Address]:
		ch.Action, ch.Reasons = Update, []string{"forced by -replace"}
		if rec == nil {
			ch.Action = Create
		}
		return
	case rec == nil:
		ch.Action, ch.Reasons = Create, []string{"never generated"}
		return
	case rec.Status == lockfile.StatusFailed:
		ch.Action, ch.Reasons = Retry, []string{failureReason(rec)}
		return
	}
	var edited, deleted []string
	for _, p := range sortedKeys(rec.Outputs) {
		switch h := pl.disk.hash(p); {
		case h == "":
			deleted = append(deleted, p)
		case h != rec.Outputs[p]:
			edited = append(edited, p)
		}
	}
	changed := changedInputs(rec.Inputs, ch.Inputs)
	if ch.Fingerprint == rec.Fingerprint {
		changed = nil
	}
	if len(edited)+len(deleted) > 0 {
		ch.Action = Drift
		ch.Files = append(append([]string{}, edited...), deleted...)
		sort.Strings(ch.Files)
		if len(edited) > 0 {
			ch.Reasons = append(ch.Reasons, "edited outside kirofile: "+strings.Join(edited, ", "))
		}
		if len(deleted) > 0 {
			ch.Reasons = append(ch.Reasons, "deleted outside kirofile: "+strings.Join(deleted, ", "))
		}
		ch.Reasons = append(ch.Reasons, changed...)
		ch.Reasons = append(ch.Reasons, "not overwritten; regenerate with -replace="+ch.Address)
		return
	}
	if len(changed) > 0 {
		ch.Action, ch.Reasons = Update, changed
		return
	}
	ch.Action = NoOp
}

func failureReason(rec *lockfile.Node) string {
	msg := fmt.Sprintf("the last generation failed after %d attempt(s)", rec.Attempts)
	if rec.Error != "" {
		msg += ": " + rec.Error
	}
	return msg
}

// changedInputs phrases the inputs whose hashes differ.
func changedInputs(old, cur map[string]string) []string {
	if cur == nil {
		return nil
	}
	if len(old) == 0 {
		// A lock written without per-input hashes can only say that much.
		return []string{"its inputs changed since it was generated"}
	}
	var out []string
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
		if up, ok := strings.CutPrefix(k, upstreamPrefix); ok {
			switch {
			case !oldOK:
				out = append(out, "it now depends on "+up)
			case !curOK:
				out = append(out, "it no longer depends on "+up)
			default:
				out = append(out, "upstream "+up+" changed")
			}
			continue
		}
		if r, ok := inputReasons[k]; ok {
			out = append(out, r)
		} else {
			out = append(out, k+" changed")
		}
	}
	return out
}
