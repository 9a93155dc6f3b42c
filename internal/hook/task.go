package hook

import (
	"context"
	"slices"

	"github.com/kirofile/kirofile/lang"
	"github.com/kirofile/kirofile/plugins/sdk"
)

// TaskEvents are the events of a task of a codegen with each = "task":
// its reply is a codegen's reply (codegen.completed), and task.completed
// is for hooks that run after tasks only.
var TaskEvents = []string{lang.EventCodegenCompleted, lang.EventTaskCompleted}

// SelectTask returns the hooks that run after a task of codegen c, in name
// order, each once: those of codegen.completed and of task.completed (see
// Select).
func SelectTask(cfg *lang.Config, c *lang.Codegen, files []string) []*lang.Hook {
	var out []*lang.Hook
	for _, event := range TaskEvents {
		for _, h := range Select(cfg, c, event, files) {
			if !slices.Contains(out, h) {
				out = append(out, h)
			}
		}
	}
	slices.SortFunc(out, func(a, b *lang.Hook) int {
		switch {
		case a.Name < b.Name:
			return -1
		case a.Name > b.Name:
			return 1
		}
		return 0
	})
	return out
}

// RunForTask runs the hooks of a task (SelectTask), one after the other,
// calling report with each outcome. The request names the task: its
// address, its id, and the event each hook was selected for
// (task.completed when it listens to it, codegen.completed otherwise).
func RunForTask(ctx context.Context, host Actions, cfg *lang.Config, c *lang.Codegen, task lang.Address, files []string, report func(Outcome)) []Outcome {
	hooks := SelectTask(cfg, c, files)
	if len(hooks) == 0 {
		return nil
	}
	req := sdk.ActionRequest{
		NodeAddress:    task.String(),
		Feature:        task.Feature,
		Task:           task.Task,
		ProjectDir:     cfg.Dir,
		FilesWritten:   files,
		SpecDocuments:  SpecDocuments(cfg, task.Feature),
		FeatureOutputs: FeatureOutputs(cfg, task.Feature),
	}
	var out []Outcome
	for _, h := range hooks {
		req.Event = lang.EventCodegenCompleted
		if slices.Contains(h.On, lang.EventTaskCompleted) {
			req.Event = lang.EventTaskCompleted
		}
		o := Run(ctx, host, cfg, h, req)
		if report != nil {
			report(o)
		}
		out = append(out, o)
	}
	return out
}
