package main

import (
	"flag"
	"fmt"
	"io"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/hashicorp/hcl/v2"

	"github.com/kirofile/kirofile/internal/estimate"
	"github.com/kirofile/kirofile/internal/lockfile"
	"github.com/kirofile/kirofile/internal/plan"
	"github.com/kirofile/kirofile/internal/planfile"
	"github.com/kirofile/kirofile/internal/project"
	"github.com/kirofile/kirofile/internal/terminal"
	"github.com/kirofile/kirofile/lang"
)

var showCommand = &commandSpec{
	name:     "show",
	synopsis: "Show the status of every node, a feature, one node, or a saved plan",
	args:     "[ADDR|feature.NAME|PLANFILE]",
	help: `
Without an argument, prints a status table of every node, in dependency
order as plan lists them. With feature.NAME, the same for that feature's
nodes, under its description. With a node address, prints that node's
status, its approval, and for a spec its document; a codegen that runs
its tasks one by one (each = "task") lists its tasks, with what their
last generations spent, and a task (feature.F.codegen.C.task["2.1"])
shows its model and its evidence: attempts, tokens and cost, the hooks
that passed with their exit status, the files it wrote. With the path of a
plan saved by "plan -out", prints that plan and whether it still matches
the project. Variables need no value, as in validate.

With -trace (and optionally feature.NAME), prints for every acceptance
criterion the tasks that cite it, whether they are done, the files they
wrote and the hooks that proved them, and lists the criteria no task
covers.`,
	new: func() command { return &showCmd{} },
}

type showCmd struct {
	loadFlags
	json  bool
	trace bool
}

func (c *showCmd) flags(fs *flag.FlagSet) {
	fs.BoolVar(&c.json, "json", false, "Write JSON lines on stdout instead of text.")
	fs.BoolVar(&c.trace, "trace", false, "Trace every acceptance criterion to the tasks that cite it, the files they wrote and the hooks that proved them.")
	c.loadFlags.flags(fs)
}

// stateWords say where a node stands, in each state, for people.
var stateWords = map[plan.State]string{
	plan.Create:    "not generated",
	plan.Update:    "out of date",
	plan.Retry:     "failed",
	plan.RunHooks:  "approved, hooks due",
	plan.Approve:   "awaiting approval",
	plan.Drift:     "drifted",
	plan.Blocked:   "blocked",
	plan.Forget:    "removed",
	plan.Accept:    "to accept",
	plan.NoOp:      "up to date",
	plan.Generated: "generated",
	plan.Failed:    "failed",
	plan.Cancelled: "cancelled",
	plan.Accepted:  "accepted",
	plan.Forgotten: "forgotten",
}

func (c *showCmd) run(m *meta, args []string) int {
	if len(args) > 1 {
		return m.usageErrorf("show takes at most one address or plan file")
	}
	if len(args) == 1 {
		path := args[0]
		if !filepath.IsAbs(path) {
			path = filepath.Join(m.dir, path)
		}
		if _, err := lang.ParseAddress(args[0]); err != nil {
			if _, statErr := os.Stat(path); statErr == nil {
				return c.showPlanFile(m, path)
			}
			return m.usageErrorf("%q is neither a node address nor a plan file", args[0])
		}
	}
	var view jsonOrHuman = newHumanView(m)
	if c.json {
		view = newJSONView(m)
	}
	p, diags := c.loadProjectWith(m, c.vars, unknownVariables)
	if diags.HasErrors() {
		view.Diagnostics(p.Files, diags)
		return exitError
	}
	if c.trace {
		return c.showTrace(m, view, p, diags, args)
	}
	pln, pdiags := plan.Build(p.Config, p.Lock, plan.Options{})
	diags = append(diags, pdiags...)
	view.Diagnostics(p.Files, diags)
	if diags.HasErrors() {
		return exitError
	}
	if len(args) == 0 {
		c.table(m, view, p, pln.Changes)
		return exitOK
	}
	addr, _ := lang.ParseAddress(args[0])
	if addr.IsFeature() {
		return c.feature(m, view, p, pln, addr)
	}
	if addr.IsTask() {
		return c.task(m, view, p, pln, addr)
	}
	if cg, ok := p.Config.Node(addr).(*lang.Codegen); ok && pln.Change(addr.String()) == nil && cg.Each == lang.EachTask {
		return c.tasks(m, view, p, pln, cg)
	}
	node := p.Config.Node(addr)
	if node == nil {
		view.Diagnostics(nil, hcl.Diagnostics{{Severity: hcl.DiagError, Summary: "No such node",
			Detail: fmt.Sprintf("%s names no spec or codegen in the configuration.%s Run \"kirofile show\" to list them.", addr, p.Config.SuggestAddress(addr))}})
		return exitError
	}
	c.node(m, view, p, pln.Change(addr.String()), node)
	return exitOK
}

// jsonOrHuman is what show needs of either view.
type jsonOrHuman interface{ diagnosticsView }

func (c *showCmd) status(p *project.Project, ch *plan.Change, node lang.Node) *nodeStatusMessage {
	msg := &nodeStatusMessage{Address: ch.Address, Kind: ch.Kind, Status: stateWords[ch.State], Action: string(ch.State),
		Reasons: list(plan.Texts(ch.Reasons)), ReasonCodes: list(plan.Codes(ch.Reasons)), Title: ch.Title}
	if ch.Kind == lang.NodeTask {
		ticked := ch.Ticked
		msg.Ticked = &ticked
		switch ch.State {
		case plan.NoOp:
			msg.Status = "done"
		case plan.Create:
			msg.Status = "not done"
		}
		if rec := p.Lock.Node(ch.Address); rec != nil && rec.Status == lockfile.StatusGenerated {
			msg.Hooks, msg.Files = rec.Hooks, rec.Outputs
		}
	}
	if s, ok := node.(*lang.Spec); ok {
		msg.Path = s.Path
		if ch.State == plan.NoOp {
			msg.Status = "approved"
		}
		if rec := p.Lock.Node(ch.Address); rec != nil && rec.Approval != nil {
			a := rec.Approval
			msg.Approval = &approvalField{SHA256: a.SHA256, By: a.By, At: a.At.UTC().Format(time.RFC3339), Current: a.SHA256 == ch.Document,
				CheckErrors: a.CheckErrors, Hooks: a.Hooks}
		}
	}
	key := estimate.ProviderKey(node)
	if a, err := lang.ParseAddress(ch.Address); err == nil && a.Kind == lang.NodeTask {
		key = estimate.ProviderKey(p.Config.Node(a.Codegen()))
	}
	msg.Model = lang.ProviderModel(p.Config.Providers[key])
	if rec := p.Lock.Node(ch.Address); rec != nil {
		msg.Usage = newRecordedUsage(rec.Usage)
	}
	return msg
}

// table prints the status of changes, in the plan's dependency order.
func (c *showCmd) table(m *meta, view jsonOrHuman, p *project.Project, changes []*plan.Change) {
	node := func(ch *plan.Change) lang.Node {
		a, err := lang.ParseAddress(ch.Address)
		if err != nil {
			return nil
		}
		return p.Config.Node(a)
	}
	if jv, ok := view.(*jsonView); ok {
		for _, ch := range changes {
			jv.emit("node", c.status(p, ch, node(ch)))
		}
		return
	}
	if len(changes) == 0 {
		fmt.Fprintln(m.stdout, "The configuration declares no spec and no codegen.")
		return
	}
	tw := tabwriter.NewWriter(m.stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "NODE\tSTATUS\tDETAIL")
	for _, ch := range changes {
		st := c.status(p, ch, node(ch))
		detail := strings.Join(st.Reasons, "; ")
		if st.Approval != nil && st.Approval.Current && (ch.State == plan.NoOp || ch.State == plan.RunHooks) {
			detail = "by " + st.Approval.By + " at " + humanTime(st.Approval.At)
			if st.Approval.CheckErrors > 0 {
				detail += fmt.Sprintf(", over %s from the spec checks", plural(st.Approval.CheckErrors, "error"))
			}
			if ch.State == plan.RunHooks {
				detail += "; spec.approved hooks run in the next apply"
			}
		}
		if st.Title != "" {
			detail = strings.TrimSuffix(st.Title+"; "+detail, "; ")
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\n", st.Address, st.Status, terminal.Sanitize(detail))
	}
	_ = tw.Flush()
}

// feature shows a feature: its description and the status of its nodes.
func (c *showCmd) feature(m *meta, view jsonOrHuman, p *project.Project, pln *plan.Plan, addr lang.Address) int {
	f, ok := p.Config.Features[addr.Feature]
	if !ok {
		view.Diagnostics(nil, hcl.Diagnostics{{Severity: hcl.DiagError, Summary: "No such feature",
			Detail: fmt.Sprintf("%s names no feature in the configuration.%s Run \"kirofile show\" to list the nodes.", addr, p.Config.SuggestAddress(addr))}})
		return exitError
	}
	var changes []*plan.Change
	for _, ch := range pln.Changes {
		if a, err := lang.ParseAddress(ch.Address); err == nil && a.Feature == addr.Feature && ch.State != plan.Forget {
			changes = append(changes, ch)
		}
	}
	if _, isJSON := view.(*jsonView); !isJSON {
		fmt.Fprintf(m.stdout, "%s\n", colorize(m.colorOut, ansiBold, addr.String()))
		if d := strings.TrimSpace(f.Description); d != "" {
			fmt.Fprintf(m.stdout, "%s\n", indent(d, "  "))
		}
		fmt.Fprintln(m.stdout)
	}
	c.table(m, view, p, changes)
	return exitOK
}

func (c *showCmd) node(m *meta, view jsonOrHuman, p *project.Project, ch *plan.Change, node lang.Node) {
	st := c.status(p, ch, node)
	var doc []byte
	if st.Path != "" {
		doc, _ = os.ReadFile(filepath.Join(m.dir, filepath.FromSlash(st.Path)))
	}
	if jv, ok := view.(*jsonView); ok {
		st.Document = string(doc)
		jv.emit("node", st)
		return
	}
	w := m.stdout
	fmt.Fprintf(w, "%s\n", colorize(m.colorOut, ansiBold, st.Address))
	fmt.Fprintf(w, "  status:     %s\n", st.Status)
	if st.Model != "" {
		fmt.Fprintf(w, "  model:      %s\n", terminal.Sanitize(st.Model))
	}
	for _, r := range st.Reasons {
		fmt.Fprintf(w, "              %s\n", terminal.Sanitize(r))
	}
	if st.Path != "" {
		fmt.Fprintf(w, "  document:   %s\n", st.Path)
	}
	if a := st.Approval; a != nil {
		state := "matches the document"
		if !a.Current {
			state = "void: the document changed since"
		}
		fmt.Fprintf(w, "  approved:   by %s at %s (%s, %s)\n", terminal.Sanitize(a.By), humanTime(a.At), shortHash(a.SHA256), state)
		if a.CheckErrors > 0 {
			fmt.Fprintf(w, "              over %s from the spec checks (-ignore-checks)\n", plural(a.CheckErrors, "error"))
		}
		switch a.Hooks {
		case lockfile.HooksPending:
			fmt.Fprintf(w, "              its spec.approved hooks run in the next apply\n")
		case lockfile.HooksRan:
			fmt.Fprintf(w, "              its spec.approved hooks ran\n")
		}
	}
	var deps []string
	for _, d := range node.Dependencies() {
		deps = append(deps, d.Addr.String())
	}
	if len(deps) > 0 {
		fmt.Fprintf(w, "  depends on: %s\n", strings.Join(deps, ", "))
	}
	if rec := p.Lock.Node(st.Address); rec != nil {
		if rec.Attempts > 0 {
			fmt.Fprintf(w, "  attempts:   %d\n", rec.Attempts)
		}
		usageLines(w, rec)
		if _, isSpec := node.(*lang.Spec); !isSpec {
			for _, out := range sortedKeys(rec.Outputs) {
				fmt.Fprintf(w, "  output:     %s (%s)\n", terminal.Sanitize(out), shortHash(rec.Outputs[out]))
			}
		}
	}
	if len(doc) > 0 {
		// The document is what a model wrote: shown, never obeyed.
		fmt.Fprintf(w, "\n%s", terminal.Sanitize(string(doc)))
		if !strings.HasSuffix(string(doc), "\n") {
			fmt.Fprintln(w)
		}
	}
}

// usageLines prints what a node's last generation spent, as the lock
// records it: its tokens and their cost, of every request it sent. A
// generation that failed is said to have.
func usageLines(w io.Writer, rec *lockfile.Node) {
	u := rec.Usage
	if u.PromptTokens+u.CompletionTokens > 0 {
		line := fmt.Sprintf("%d prompt, %d completion", u.PromptTokens, u.CompletionTokens)
		if u.CachedTokens > 0 {
			line = fmt.Sprintf("%d prompt (%d cached), %d completion", u.PromptTokens, u.CachedTokens, u.CompletionTokens)
		}
		if u.Estimated {
			line += " (some counted by kirofile: the endpoint reported no usage)"
		}
		fmt.Fprintf(w, "  tokens:     %s\n", line)
	}
	if u.Cost != "" {
		when := "last time it was generated"
		if rec.Status == lockfile.StatusFailed {
			when = "spent by its last generation, which failed"
		}
		fmt.Fprintf(w, "  cost:       %s %s, %s\n", terminal.Sanitize(u.Cost), terminal.Sanitize(u.Currency), when)
	}
}

// showPlanFile prints a saved plan, and whether it still describes the
// project.
func (c *showCmd) showPlanFile(m *meta, path string) int {
	view := newPlanView(m, c.json)
	saved, err := planfile.Read(path)
	if err != nil {
		view.Diagnostics(nil, hcl.Diagnostics{{Severity: hcl.DiagError, Summary: "Cannot read the plan", Detail: err.Error() + "."}})
		return exitError
	}
	view.Plan(saved.Plan, nil)
	stale := currentStaleness(m, &c.loadFlags, saved)
	if len(stale) > 0 {
		view.Diagnostics(nil, hcl.Diagnostics{{Severity: hcl.DiagWarning, Summary: "This plan is stale",
			Detail: "It no longer matches the project, and apply would refuse it:\n  " + strings.Join(stale, "\n  ") + "\nMake a new plan."}})
	}
	return exitOK
}

// currentStaleness re-plans with the saved plan's variables and targets
// and says why the saved plan no longer matches; nil when it does.
func currentStaleness(m *meta, l *loadFlags, saved *planfile.SavedPlan) []string {
	p, diags := l.loadProjectWith(m, append(saved.VarArgs(), l.vars...), requireVariables)
	if diags.HasErrors() {
		return []string{"the configuration or the lock file no longer loads: " + diags.Error()}
	}
	var t targetFlags
	t.targets, t.replace = saved.Plan.Targets, saved.Plan.Replace
	opts, _ := t.options()
	opts.RefreshOnly = saved.Plan.RefreshOnly
	pln, pdiags := plan.Build(p.Config, p.Lock, opts)
	if pdiags.HasErrors() {
		return []string{pdiags.Error()}
	}
	return saved.Stale(planfile.New(p.Config, p.LockBytes, pln, version()))
}

func sortedKeys[V any](m map[string]V) []string { return slices.Sorted(maps.Keys(m)) }

// humanTime shows an RFC 3339 time with a space for the "T", as people
// write it.
func humanTime(rfc3339 string) string { return strings.Replace(rfc3339, "T", " ", 1) }
