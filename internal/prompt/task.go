package prompt

import (
	"fmt"
	"strings"

	"github.com/kirofile/kirofile/lang"
	"github.com/kirofile/kirofile/providers"
)

// Task is one task of a codegen that runs its feature's tasks one by one
// (each = "task"), as its prompt needs it.
type Task struct {
	// ID and Title name the task; Details are its own lines in the tasks
	// document (without its sub-tasks).
	ID, Title, Details string
	// Criteria are the acceptance criteria (or bugfix clauses) it cites,
	// quoted from the requirements.
	Criteria []Criterion
	// Docs are the spec documents its prompt holds: the design and the
	// other documents the codegen depends on, not the requirements (the
	// task quotes what it cites of them) nor the tasks document (the task
	// is its own part of it).
	Docs []*lang.Spec
}

// Criterion is an acceptance criterion a task cites.
type Criterion struct {
	ID   string
	Text string
}

const systemTask = systemCodegen + `

You carry out one task of an implementation plan. Earlier tasks wrote the files shown; build on them: change what the task needs with SEARCH/REPLACE blocks rather than rewriting whole files, and do not undo or redo earlier work. Do only this task.`

// BuildTask assembles the prompt of a task of codegen c, most stable first
// as Build does: system, steering, the documents the task needs (the
// design above all), then the codegen's context files and the files
// already under its outputs (what earlier tasks wrote, which change from
// task to task), then the task itself with the criteria it cites.
func BuildTask(cfg *lang.Config, c *lang.Codegen, t *Task, files Files) (providers.PromptParts, error) {
	f := cfg.Features[c.Addr.Feature]
	var parts providers.PromptParts
	parts.System = systemTask
	var err error
	if parts.Steering, err = steeringParts(cfg, c); err != nil {
		return parts, err
	}
	var referenced []providers.Document
	if parts.Specs, referenced, err = specParts(cfg, t.Docs, nil); err != nil {
		return parts, err
	}
	if d := strings.TrimSpace(f.Description); d != "" {
		// With the documents, before the files that change from task to
		// task: it is the same for every task of the feature.
		parts.Specs = append(parts.Specs, providers.Document{Name: "feature " + f.Name, Content: d + "\n"})
	}
	context, err := readFiles(cfg, contextPaths(c, files))
	if err != nil {
		return parts, err
	}
	parts.Context = append(referenced, context...)
	var task strings.Builder
	fmt.Fprintf(&task, "Feature: %s\n\n", f.Name)
	fmt.Fprintf(&task, "Carry out task %s of the implementation plan, and only this task:\n\n", t.ID)
	fmt.Fprintf(&task, "Task %s: %s\n", t.ID, t.Title)
	if d := strings.TrimSpace(t.Details); d != "" {
		fmt.Fprintf(&task, "%s\n", d)
	}
	if len(t.Criteria) > 0 {
		task.WriteString("\nThe acceptance criteria it implements:\n")
		for _, cr := range t.Criteria {
			fmt.Fprintf(&task, "> %s %s\n", cr.ID, strings.ReplaceAll(strings.TrimSpace(cr.Text), "\n", "\n> "))
		}
	}
	if c.Prompt != "" {
		fmt.Fprintf(&task, "\nInstructions:\n%s\n", c.Prompt)
	}
	fmt.Fprintf(&task, "\nYou may only write files matching: %s", strings.Join(c.Outputs, ", "))
	if err := addOutputs(cfg, c, files, &parts, &task, t.Title, t.Details); err != nil {
		return parts, err
	}
	parts.Task = task.String()
	return parts, nil
}
