package main

import (
	"fmt"
	"strings"

	"github.com/hashicorp/hcl/v2"

	"github.com/kirofile/kirofile/internal/budget"
	"github.com/kirofile/kirofile/internal/cost"
	"github.com/kirofile/kirofile/internal/lockfile"
	"github.com/kirofile/kirofile/internal/plan"
	"github.com/kirofile/kirofile/internal/project"
	"github.com/kirofile/kirofile/internal/terminal"
	"github.com/kirofile/kirofile/lang"
)

// show for the tasks of a codegen with each = "task", and show -trace.

// tasks shows a codegen that runs its tasks one by one: its tasks, in the
// plan's order.
func (c *showCmd) tasks(m *meta, view jsonOrHuman, p *project.Project, pln *plan.Plan, cg *lang.Codegen) int {
	prefix := cg.Addr.String() + ".task["
	var changes []*plan.Change
	for _, ch := range pln.Changes {
		if strings.HasPrefix(ch.Address, prefix) {
			changes = append(changes, ch)
		}
	}
	if _, isJSON := view.(*jsonView); !isJSON {
		fmt.Fprintf(m.stdout, "%s\n", colorize(m.colorOut, ansiBold, cg.Addr.String()))
		if cg.TasksSpec != nil {
			fmt.Fprintf(m.stdout, "  runs the tasks of %s, one by one\n", cg.TasksSpec.Path)
		}
		if model := lang.ProviderModel(p.Config.Providers[cg.Provider]); model != "" {
			fmt.Fprintf(m.stdout, "  model:      %s\n", terminal.Sanitize(model))
		}
		if line := tasksSpent(p.Lock, changes); line != "" {
			fmt.Fprintf(m.stdout, "  spent:      %s\n", line)
		}
		fmt.Fprintln(m.stdout)
	}
	c.table(m, view, p, changes)
	if _, isJSON := view.(*jsonView); !isJSON {
		if left := pln.OptionalLeftOut[cg.Addr.String()]; len(left) > 0 {
			fmt.Fprintf(m.stdout, "\nOptional tasks left out (optional_tasks = false): %s.\n", terminal.Sanitize(strings.Join(left, "; ")))
		}
	}
	return exitOK
}

// tasksSpent adds up what the last generation of each task spent, as the
// lock records it: "12,345 tokens (10,000 prompt, 2,345 completion), 0.05
// USD, the last generation of 3 tasks"; "" when no task has a record of
// usage. Costs are exact decimals, added in micro-units.
func tasksSpent(lock *lockfile.Lock, changes []*plan.Change) string {
	var u cost.Usage
	var total cost.Money
	n, currency, priced, mixed := 0, "", false, false
	for _, ch := range changes {
		rec := lock.Node(ch.Address)
		if rec == nil || rec.Usage == (lockfile.Usage{}) {
			continue
		}
		n++
		u.Add(cost.Usage{Prompt: int64(rec.Usage.PromptTokens), Cached: int64(rec.Usage.CachedTokens), Completion: int64(rec.Usage.CompletionTokens)})
		if rec.Usage.Cost != "" {
			if m, err := cost.ParseMoney(rec.Usage.Cost); err == nil {
				total = cost.Sum(total, m)
				mixed = mixed || (priced && rec.Usage.Currency != currency)
				priced, currency = true, rec.Usage.Currency
			}
		}
	}
	if n == 0 {
		return ""
	}
	s := fmt.Sprintf("%s tokens (%s prompt, %s completion)", budget.Thousands(u.Total()), budget.Thousands(u.Prompt), budget.Thousands(u.Completion))
	if priced && !mixed { // costs in two currencies do not add up
		s += ", " + terminal.Sanitize(money(total, currency))
	}
	return s + ", the last generation of " + plural(n, "task")
}

// task shows one task: its status, its text and its evidence.
func (c *showCmd) task(m *meta, view jsonOrHuman, p *project.Project, pln *plan.Plan, addr lang.Address) int {
	ch := pln.Change(addr.String())
	if ch == nil {
		view.Diagnostics(nil, hcl.Diagnostics{{Severity: hcl.DiagError, Summary: "No such task",
			Detail: fmt.Sprintf("%s names no task of an approved tasks document. Run \"kirofile show %s\" to list its tasks.", addr, addr.Codegen())}})
		return exitError
	}
	st := c.status(p, ch, nil)
	if jv, ok := view.(*jsonView); ok {
		jv.emit("node", st)
		return exitOK
	}
	w := m.stdout
	fmt.Fprintf(w, "%s\n", colorize(m.colorOut, ansiBold, st.Address))
	fmt.Fprintf(w, "  task:       %s\n", terminal.Sanitize(st.Title))
	fmt.Fprintf(w, "  status:     %s\n", st.Status)
	if st.Model != "" {
		fmt.Fprintf(w, "  model:      %s\n", terminal.Sanitize(st.Model))
	}
	for _, r := range st.Reasons {
		fmt.Fprintf(w, "              %s\n", terminal.Sanitize(r))
	}
	ticked := "no"
	if st.Ticked != nil && *st.Ticked {
		ticked = "yes"
	}
	fmt.Fprintf(w, "  ticked:     %s\n", ticked)
	if rec := p.Lock.Node(st.Address); rec != nil {
		if rec.Approval != nil {
			fmt.Fprintf(w, "  accepted:   by %s at %s, ticked by hand\n", terminal.Sanitize(rec.Approval.By), humanTime(rec.Approval.At.UTC().Format("2006-01-02T15:04:05Z")))
		}
		if rec.Attempts > 0 {
			fmt.Fprintf(w, "  attempts:   %d\n", rec.Attempts)
		}
		usageLines(w, rec)
		for _, h := range sortedKeys(rec.Hooks) {
			fmt.Fprintf(w, "  hook:       %s (exit %d)\n", terminal.Sanitize(h), rec.Hooks[h])
		}
		for _, out := range sortedKeys(rec.Outputs) {
			fmt.Fprintf(w, "  output:     %s (%s)\n", terminal.Sanitize(out), shortHash(rec.Outputs[out]))
		}
		if rec.Error != "" {
			fmt.Fprintf(w, "  error:      %s\n", terminal.Sanitize(rec.Error))
		}
	}
	return exitOK
}

// showTrace prints the trace from every acceptance criterion to the tasks
// that cite it, the files they wrote and the hooks that proved them.
func (c *showCmd) showTrace(m *meta, view jsonOrHuman, p *project.Project, diags hcl.Diagnostics, args []string) int {
	feature := ""
	if len(args) == 1 {
		a, err := lang.ParseAddress(args[0])
		if err != nil || !a.IsFeature() {
			return m.usageErrorf("show -trace takes a feature address, feature.NAME")
		}
		if _, ok := p.Config.Features[a.Feature]; !ok {
			view.Diagnostics(nil, hcl.Diagnostics{{Severity: hcl.DiagError, Summary: "No such feature",
				Detail: fmt.Sprintf("%s names no feature in the configuration.", a)}})
			return exitError
		}
		feature = a.Feature
	}
	tr, tdiags := plan.BuildTrace(p.Config, p.Lock, feature)
	diags = append(diags, tdiags...)
	view.Diagnostics(p.Files, diags)
	if diags.HasErrors() {
		return exitError
	}
	if jv, ok := view.(*jsonView); ok {
		traceJSON(jv, tr)
		return exitOK
	}
	c.traceHuman(m, tr)
	return exitOK
}

// traceCounts counts a trace's criteria, those covered and those done.
func traceCounts(tr *plan.Trace) (total, covered, done int, uncovered []string) {
	for _, f := range tr.Features {
		for _, cr := range f.Criteria {
			total++
			switch {
			case cr.Done():
				covered++
				done++
			case cr.Covered():
				covered++
			default:
				uncovered = append(uncovered, "feature."+f.Feature+" "+cr.ID)
			}
		}
	}
	return total, covered, done, uncovered
}

func (c *showCmd) traceHuman(m *meta, tr *plan.Trace) {
	w := m.stdout
	if len(tr.Features) == 0 {
		fmt.Fprintln(w, "No feature has acceptance criteria to trace.")
		return
	}
	for i, f := range tr.Features {
		if i > 0 {
			fmt.Fprintln(w)
		}
		fmt.Fprintf(w, "%s\n", colorize(m.colorOut, ansiBold, "feature."+f.Feature))
		docs := append([]string{}, f.Requirements...)
		if f.Tasks != "" {
			docs = append(docs, f.Tasks)
		}
		fmt.Fprintf(w, "  %s", strings.Join(docs, ", "))
		if f.Codegen != "" {
			fmt.Fprintf(w, "; tasks carried out by %s", f.Codegen)
		}
		fmt.Fprintln(w)
		for _, cr := range f.Criteria {
			fmt.Fprintf(w, "\n  %s %s\n", colorize(m.colorOut, ansiBold, cr.ID), terminal.Sanitize(cr.Text))
			if !cr.Covered() {
				fmt.Fprintf(w, "      %s\n", colorize(m.colorOut, ansiRed, "no task covers it"))
				continue
			}
			for _, t := range cr.Tasks {
				state := colorize(m.colorOut, ansiYellow, "not done")
				switch {
				case t.Skipped:
					state = "optional, left out (optional_tasks = false)"
				case t.Done && t.AcceptedBy != "" && len(t.Files) == 0 && len(t.Hooks) == 0:
					state = colorize(m.colorOut, ansiGreen, "done") + ", ticked by hand and accepted by " + terminal.Sanitize(t.AcceptedBy) + " (no evidence recorded)"
				case t.Done:
					state = colorize(m.colorOut, ansiGreen, "done")
				case t.Address == "" && t.Ticked:
					state = "ticked (not carried out by kirofile)"
				case t.State != "":
					state += " (" + stateWords[t.State] + ")"
				}
				fmt.Fprintf(w, "      task %s %s: %s\n", t.ID, terminal.Sanitize(t.Title), state)
				for _, p := range sortedKeys(t.Files) {
					fmt.Fprintf(w, "        wrote %s\n", terminal.Sanitize(p))
				}
				for _, h := range sortedKeys(t.Hooks) {
					fmt.Fprintf(w, "        hook %s passed (exit %d)\n", terminal.Sanitize(h), t.Hooks[h])
				}
			}
		}
	}
	total, covered, done, uncovered := traceCounts(tr)
	fmt.Fprintf(w, "\nCriteria: %d; covered by a task: %d; done: %d.\n", total, covered, done)
	if len(uncovered) > 0 {
		fmt.Fprintf(w, "Not covered by any task: %s.\n", strings.Join(uncovered, ", "))
	}
}

func traceJSON(jv *jsonView, tr *plan.Trace) {
	for _, f := range tr.Features {
		for _, cr := range f.Criteria {
			msg := &traceCriterionMessage{Feature: f.Feature, ID: cr.ID, Text: cr.Text, Covered: cr.Covered(), Done: cr.Done(),
				Tasks: []traceTaskField{}}
			for _, t := range cr.Tasks {
				tf := traceTaskField{Address: t.Address, ID: t.ID, Title: t.Title, Done: t.Done, Ticked: t.Ticked,
					Action: string(t.State), Files: t.Files, Hooks: t.Hooks, Optional: t.Optional, Skipped: t.Skipped, AcceptedBy: t.AcceptedBy}
				if tf.Files == nil {
					tf.Files = map[string]string{}
				}
				if tf.Hooks == nil {
					tf.Hooks = map[string]int{}
				}
				msg.Tasks = append(msg.Tasks, tf)
			}
			jv.emit("trace_criterion", msg)
		}
	}
	total, covered, done, uncovered := traceCounts(tr)
	jv.emit("trace_summary", &traceSummaryMessage{Criteria: total, Covered: covered, Done: done, Uncovered: list(uncovered)})
}
