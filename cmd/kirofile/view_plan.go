package main

import (
	"fmt"
	"strings"

	"github.com/kirofile/kirofile/internal/engine"
)

// planView reports a plan.
type planView interface {
	diagnosticsView
	Plan(p *engine.Plan)
	// Saved reports that the plan was written to a file.
	Saved(path string)
}

func newPlanView(m *meta, jsonOutput bool) planView {
	if jsonOutput {
		return planJSON{newJSONView(m)}
	}
	return planHuman{newHumanView(m)}
}

// actionColors colour each action's symbol as Terraform does its own:
// green for new, yellow for changed, red for what needs a person's care.
var actionColors = map[engine.Action]string{
	engine.Create:  ansiGreen,
	engine.Update:  ansiYellow,
	engine.Retry:   ansiYellow,
	engine.Approve: ansiCyan,
	engine.Drift:   ansiRed,
	engine.Blocked: ansiDim,
}

// actionHeadings introduce each group of a human plan.
var actionHeadings = map[engine.Action]string{
	engine.Create:  "generated for the first time",
	engine.Update:  "regenerated",
	engine.Retry:   "retried after failing feedback hooks",
	engine.Approve: "awaiting approval",
	engine.Drift:   "edited outside kirofile (drift)",
	engine.Blocked: "blocked",
}

type planHuman struct{ *humanView }

func (v planHuman) Plan(p *engine.Plan) {
	w := v.stdout
	if !p.HasChanges() {
		fmt.Fprintf(w, "%s Every spec is approved and every generated file matches %s.\n",
			colorize(v.colorOut, ansiBold+ansiGreen, "No changes."), "Kirofile.lock.hcl")
		return
	}
	fmt.Fprintln(w, "Symbols: + create, ~ update or retry, ? approve, ! drift, - blocked")
	for _, action := range engine.Actions {
		if action == engine.NoOp {
			continue
		}
		var group []*engine.Change
		for _, c := range p.Changes {
			if c.Action == action {
				group = append(group, c)
			}
		}
		if len(group) == 0 {
			continue
		}
		fmt.Fprintf(w, "\n%s:\n", colorize(v.colorOut, ansiBold, capitalizeFirst(actionHeadings[action])))
		for _, c := range group {
			fmt.Fprintf(w, "  %s %s\n", colorize(v.colorOut, actionColors[action], action.Symbol()), colorize(v.colorOut, ansiBold, c.Address))
			for _, r := range c.Reasons {
				fmt.Fprintf(w, "      %s\n", r)
			}
		}
	}
	fmt.Fprintf(w, "\n%s\n", planSummary(p))
}

// planSummary is the one-line count of a plan, in the order of the groups.
func planSummary(p *engine.Plan) string {
	counts := p.Counts()
	parts := []string{
		fmt.Sprintf("%d to create", counts[engine.Create]),
		fmt.Sprintf("%d to update", counts[engine.Update]),
		fmt.Sprintf("%d to retry", counts[engine.Retry]),
		fmt.Sprintf("%d to approve", counts[engine.Approve]),
		fmt.Sprintf("%d drifted", counts[engine.Drift]),
		fmt.Sprintf("%d blocked", counts[engine.Blocked]),
		fmt.Sprintf("%d unchanged", counts[engine.NoOp]),
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

type plannedChangeMessage struct {
	Type string `json:"type"`
	*engine.Change
	Symbol string `json:"symbol"`
}

type planSummaryMessage struct {
	Type    string         `json:"type"`
	Changes bool           `json:"changes"`
	Counts  map[string]int `json:"counts"`
	Text    string         `json:"text"`
}

func (v planJSON) Plan(p *engine.Plan) {
	for _, c := range p.Changes {
		trimmed := *c
		trimmed.Inputs = nil // hashes for the saved plan, noise in a stream
		v.emit(plannedChangeMessage{Type: "planned_change", Change: &trimmed, Symbol: c.Action.Symbol()})
	}
	counts := map[string]int{}
	for _, a := range engine.Actions {
		counts[string(a)] = p.Counts()[a]
	}
	v.emit(planSummaryMessage{Type: "plan_summary", Changes: p.HasChanges(), Counts: counts, Text: planSummary(p)})
}

func (v planJSON) Saved(path string) {
	v.emit(map[string]string{"type": "plan_saved", "path": path})
}
