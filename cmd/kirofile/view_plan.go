package main

import (
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"

	"github.com/kirofile/kirofile/internal/budget"
	"github.com/kirofile/kirofile/internal/estimate"
	"github.com/kirofile/kirofile/internal/plan"
	"github.com/kirofile/kirofile/internal/terminal"
)

// planView reports a plan.
type planView interface {
	diagnosticsView
	// Plan shows a plan and, when c is not nil, what it will cost.
	Plan(p *plan.Plan, c *planCost)
	// Saved reports that the plan was written to a file.
	Saved(path string)
}

func newPlanView(m *meta, jsonOutput bool) planView {
	if jsonOutput {
		return planJSON{newJSONView(m)}
	}
	return planHuman{newHumanView(m)}
}

// stateColors colour each state's symbol as Terraform does its own:
// green for new, yellow for changed, red for what needs a person's care.
var stateColors = map[plan.State]string{
	plan.Create:   ansiGreen,
	plan.Update:   ansiYellow,
	plan.Retry:    ansiYellow,
	plan.RunHooks: ansiGreen,
	plan.Approve:  ansiCyan,
	plan.Drift:    ansiRed,
	plan.Blocked:  ansiDim,
	plan.Forget:   ansiYellow,
	plan.Accept:   ansiYellow,
}

// stateHeadings introduce each group of a human plan, saying what apply
// will do, as Terraform's "will be created".
var stateHeadings = map[plan.State]string{
	plan.Create:   "will be generated",
	plan.Update:   "will be regenerated",
	plan.Retry:    "will be generated again, after a failed attempt",
	plan.RunHooks: "will run their spec.approved hooks",
	plan.Approve:  "await approval, and apply will not go past them",
	plan.Drift:    "were edited outside kirofile (drift), and will not be overwritten",
	plan.Blocked:  "will wait",
	plan.Forget:   "will be forgotten: removed from the configuration, their records leave the lock, their files stay",
	plan.Accept:   "will be recorded as they are on disk, without a model call",
}

// stateLegend names the symbols in the legend line: the usual ones always,
// the rarer ones when the plan has them.
var stateLegend = []struct {
	state  plan.State
	text   string
	always bool
}{
	{plan.Create, "+ create", true},
	{plan.Update, "~ update or retry", true},
	{plan.RunHooks, "> run hooks", false},
	{plan.Approve, "? approve", true},
	{plan.Drift, "! drift", true},
	{plan.Blocked, "- blocked", true},
	{plan.Forget, "x forget", false},
}

type planHuman struct{ *humanView }

// optionalLeftOut names the optional tasks not run.
func optionalLeftOut(w io.Writer, p *plan.Plan) {
	for _, c := range slices.Sorted(maps.Keys(p.OptionalLeftOut)) {
		fmt.Fprintf(w, "Optional tasks %s leaves out (optional_tasks = false; name one with -target to run it): %s.\n",
			c, terminal.Sanitize(strings.Join(p.OptionalLeftOut[c], "; ")))
	}
}

// ticksDue names the tasks apply will tick: done, as the lock records,
// their boxes clear (cleared by hand, or a tick an interruption lost).
func ticksDue(w io.Writer, p *plan.Plan) {
	if due := p.TicksDue(); len(due) > 0 {
		fmt.Fprintf(w, "Done, as Kirofile.lock.hcl records, but not ticked in their tasks documents: %s. apply ticks them, asking the model nothing.\n",
			strings.Join(due, ", "))
	}
}

func (v planHuman) Plan(p *plan.Plan, pc *planCost) {
	w := v.stdout
	if !p.HasChanges() {
		if p.RefreshOnly {
			fmt.Fprintf(w, "%s Nothing on disk differs from %s in a way to accept.\n",
				colorize(v.colorOut, ansiBold+ansiGreen, "No changes."), "Kirofile.lock.hcl")
			return
		}
		what := "Every spec is approved and every generated file matches Kirofile.lock.hcl."
		if len(p.Changes) == 0 {
			what = "The configuration declares no spec and no codegen."
		}
		fmt.Fprintf(w, "%s %s\n", colorize(v.colorOut, ansiBold+ansiGreen, "No changes."), what)
		ticksDue(w, p)
		optionalLeftOut(w, p)
		return
	}
	defer optionalLeftOut(w, p)
	defer ticksDue(w, p)
	counts := p.Counts()
	var legend []string
	for _, l := range stateLegend {
		if l.always || counts[l.state] > 0 {
			legend = append(legend, l.text)
		}
	}
	if p.RefreshOnly {
		legend = []string{"* accept"}
	}
	fmt.Fprintln(w, "Symbols: "+strings.Join(legend, ", "))
	for _, state := range plan.PlanStates {
		if state == plan.NoOp {
			continue
		}
		var group []*plan.Change
		for _, c := range p.Changes {
			if c.State == state {
				group = append(group, c)
			}
		}
		if len(group) == 0 {
			continue
		}
		fmt.Fprintf(w, "\n%s:\n", colorize(v.colorOut, ansiBold, capitalizeFirst(stateHeadings[state])))
		for _, c := range group {
			title := ""
			if c.Title != "" {
				title = "  " + terminal.Sanitize(c.Title)
			}
			fmt.Fprintf(w, "  %s %s%s\n", colorize(v.colorOut, stateColors[state], state.Symbol()), colorize(v.colorOut, ansiBold, c.Address), title)
			for _, r := range c.Reasons {
				fmt.Fprintf(w, "      %s\n", terminal.Sanitize(r.Text))
			}
			if pc == nil {
				continue
			}
			// The model of every node that calls one: with its estimate
			// when it runs in this apply.
			model := terminal.Sanitize(pc.models[c.Address])
			if n := pc.estimate.Node(c.Address); n != nil {
				fmt.Fprintf(w, "      %s: %s\n", colorize(v.colorOut, ansiDim, model), nodeEstimateLine(n, pc.estimate.Currency))
			} else if model != "" && (state == plan.Blocked || pc.estimate == nil) {
				fmt.Fprintf(w, "      %s\n", colorize(v.colorOut, ansiDim, "model: "+model))
			}
		}
	}
	fmt.Fprintf(w, "\n%s\n", planSummary(p))
	v.costSummary(pc)
}

// nodeEstimateLine words a node's estimate: "about 1,234 prompt + 4,000
// reply tokens (0.0223 USD); at most 26,852 tokens in 2 attempts (0.21
// USD)".
func nodeEstimateLine(n *estimate.Node, currency string) string {
	about := ""
	if !n.PromptExact {
		about = "about "
	}
	s := fmt.Sprintf("%s%s prompt + %s reply tokens", about, budget.Thousands(n.Prompt), budget.Thousands(n.Output))
	var notes []string
	if n.Priced {
		notes = append(notes, money(n.Cost, currency))
	}
	switch {
	case n.OutputCapped:
		notes = append(notes, "the last reply was longer: capped at "+budget.Thousands(n.OutputCap))
	case n.OutputFrom == "last":
		notes = append(notes, "a reply as long as the last")
	}
	if len(notes) > 0 {
		s += " (" + strings.Join(notes, "; ") + ")"
	}
	s += fmt.Sprintf("; at most %s tokens in %s", budget.Thousands(n.Bound), plural(n.Attempts, "attempt"))
	if n.Priced {
		s += " (" + money(n.CostBound, currency) + ")"
	}
	return s
}

// costSummary ends a plan with what it will cost, per feature and for the
// run, and with the budgets it does not fit.
func (v planHuman) costSummary(pc *planCost) {
	if pc == nil || pc.estimate == nil || pc.estimate.Run.Nodes == 0 {
		return
	}
	w, e := v.stdout, pc.estimate
	total := func(t *estimate.Total) string {
		s := fmt.Sprintf("%s tokens expected, at most %s", budget.Thousands(t.Tokens), budget.Thousands(t.Bound))
		if t.Nodes > t.Unpriced {
			s += fmt.Sprintf("; %s expected, at most %s", money(t.Cost, e.Currency), money(t.CostBound, e.Currency))
			if t.Unpriced > 0 {
				s += fmt.Sprintf(" (and %s whose provider has no price)", plural(t.Unpriced, "node"))
			}
		}
		return s
	}
	fmt.Fprintf(w, "Cost: %s.\n", total(&e.Run))
	if names := e.FeatureNames(); len(names) > 1 {
		for _, name := range names {
			fmt.Fprintf(w, "  feature.%s: %s\n", name, total(e.Features[name]))
		}
	}
	fallback := map[string]bool{}
	for _, n := range e.Nodes {
		if n.TokenizerFrom == "fallback" && !fallback[n.Provider] {
			fallback[n.Provider] = true
			fmt.Fprintf(w, "Prompts for provider.%s are counted with %s, the fallback: kirofile does not know the tokenizer of %q (set tokenizer in the block).\n",
				n.Provider, n.Tokenizer, terminal.Sanitize(n.Model))
		}
	}
	for _, x := range pc.excess {
		fmt.Fprintf(w, "%s %s.\n", colorize(v.colorOut, ansiRed, "Over budget:"), terminal.Sanitize(x.Summary()))
	}
	if len(pc.limits) > 0 && len(pc.excess) == 0 {
		fmt.Fprintf(w, "Within %s.\n", plural(len(pc.limits), "budget"))
	}
}

// planSummary is the one-line count of a plan, in the order of the groups.
// The counts of run-hooks and forget appear when not zero.
func planSummary(p *plan.Plan) string {
	counts := p.Counts()
	if p.RefreshOnly {
		return fmt.Sprintf("Plan: %d to accept.", counts[plan.Accept])
	}
	parts := []string{
		fmt.Sprintf("%d to create", counts[plan.Create]),
		fmt.Sprintf("%d to update", counts[plan.Update]),
		fmt.Sprintf("%d to retry", counts[plan.Retry]),
		fmt.Sprintf("%d to approve", counts[plan.Approve]),
		fmt.Sprintf("%d drifted", counts[plan.Drift]),
		fmt.Sprintf("%d blocked", counts[plan.Blocked]),
		fmt.Sprintf("%d unchanged", counts[plan.NoOp]),
	}
	if n := counts[plan.RunHooks]; n > 0 {
		parts = append(parts, fmt.Sprintf("%d with hooks to run", n))
	}
	if n := counts[plan.Forget]; n > 0 {
		parts = append(parts, fmt.Sprintf("%d to forget", n))
	}
	return "Plan: " + strings.Join(parts, ", ") + "."
}

func (v planHuman) Saved(path string) {
	fmt.Fprintf(v.stdout, "\nSaved the plan to %s. To carry out exactly this plan, run:\n    kirofile apply %s\n", path, path)
}

func capitalizeFirst(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

type planJSON struct{ *jsonView }

func (v planJSON) Plan(p *plan.Plan, pc *planCost) {
	for _, c := range p.Changes {
		v.emit("planned_change", newPlannedChange(c, pc))
	}
	v.emit("plan_summary", newPlanSummary(p, pc))
}

func (v planJSON) Saved(path string) {
	v.emit("plan_saved", &planSavedMessage{Path: path})
}
