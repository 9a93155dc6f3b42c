package main

import (
	"fmt"
	"strings"

	"github.com/kirofile/kirofile/internal/plan"
	"github.com/kirofile/kirofile/internal/terminal"
)

// planView reports a plan.
type planView interface {
	diagnosticsView
	Plan(p *plan.Plan)
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
	plan.Create:  ansiGreen,
	plan.Update:  ansiYellow,
	plan.Retry:   ansiYellow,
	plan.Approve: ansiCyan,
	plan.Drift:   ansiRed,
	plan.Blocked: ansiDim,
}

// stateHeadings introduce each group of a human plan.
var stateHeadings = map[plan.State]string{
	plan.Create:  "generated for the first time",
	plan.Update:  "regenerated",
	plan.Retry:   "retried: the last generation failed or did not finish",
	plan.Approve: "awaiting approval",
	plan.Drift:   "edited outside kirofile (drift)",
	plan.Blocked: "blocked",
}

type planHuman struct{ *humanView }

func (v planHuman) Plan(p *plan.Plan) {
	w := v.stdout
	if !p.HasChanges() {
		fmt.Fprintf(w, "%s Every spec is approved and every generated file matches %s.\n",
			colorize(v.colorOut, ansiBold+ansiGreen, "No changes."), "Kirofile.lock.hcl")
		return
	}
	fmt.Fprintln(w, "Symbols: + create, ~ update or retry, ? approve, ! drift, - blocked")
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
			fmt.Fprintf(w, "  %s %s\n", colorize(v.colorOut, stateColors[state], state.Symbol()), colorize(v.colorOut, ansiBold, c.Address))
			for _, r := range c.Reasons {
				fmt.Fprintf(w, "      %s\n", terminal.Sanitize(r))
			}
		}
	}
	fmt.Fprintf(w, "\n%s\n", planSummary(p))
}

// planSummary is the one-line count of a plan, in the order of the groups.
func planSummary(p *plan.Plan) string {
	counts := p.Counts()
	parts := []string{
		fmt.Sprintf("%d to create", counts[plan.Create]),
		fmt.Sprintf("%d to update", counts[plan.Update]),
		fmt.Sprintf("%d to retry", counts[plan.Retry]),
		fmt.Sprintf("%d to approve", counts[plan.Approve]),
		fmt.Sprintf("%d drifted", counts[plan.Drift]),
		fmt.Sprintf("%d blocked", counts[plan.Blocked]),
		fmt.Sprintf("%d unchanged", counts[plan.NoOp]),
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

func (v planJSON) Plan(p *plan.Plan) {
	for _, c := range p.Changes {
		v.emit("planned_change", newPlannedChange(c))
	}
	v.emit("plan_summary", newPlanSummary(p))
}

func (v planJSON) Saved(path string) {
	v.emit("plan_saved", &planSavedMessage{Path: path})
}
