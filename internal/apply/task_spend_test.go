package apply

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/kirofile/kirofile/internal/budget"
	"github.com/kirofile/kirofile/internal/cost"
	"github.com/kirofile/kirofile/internal/estimate"
	"github.com/kirofile/kirofile/internal/lockfile"
	"github.com/kirofile/kirofile/internal/plan"
	"github.com/kirofile/kirofile/lang"
	"github.com/kirofile/kirofile/providers"
)

// tasksEstimate is plan's estimate of the harness's next apply.
func (h *taskHarness) estimate() (*lang.Config, *estimate.Estimate) {
	h.t.Helper()
	cfg, diags := lang.Load(h.dir, lang.LoadOptions{})
	if diags.HasErrors() {
		h.t.Fatal(diags)
	}
	pl, diags := plan.NewPlanner(cfg, h.lock, h.opts)
	if diags.HasErrors() {
		h.t.Fatal(diags)
	}
	p, diags := pl.Build(h.opts)
	if diags.HasErrors() {
		h.t.Fatal(diags)
	}
	e, err := estimate.Build(cfg, h.lock, p, pl, estimate.NewCounters(nil))
	if err != nil {
		h.t.Fatal(err)
	}
	return cfg, e
}

// Plan estimates every task that asks the model for something, with the
// prompt apply then sends (counted exactly for a task that runs after no
// task generated in the same apply); groups, checkpoints and optional
// tasks not asked for cost nothing.
func TestTasksEstimate(t *testing.T) {
	host := &fakeHost{reply: taskReply}
	h := newTaskHarness(t, host, false)
	cfg, e := h.estimate()
	for _, tc := range []struct {
		id        string
		estimated bool
		exact     bool
	}{
		{"1", true, true},
		{"2.1", true, false}, // after task 1, whose files it will hold
		{"2.2", true, false},
		{"2", false, false},   // a group
		{"2.3", false, false}, // optional
		{"3", false, false},   // a checkpoint
		{"4", true, false},
	} {
		n := e.Node(task(tc.id))
		if (n != nil) != tc.estimated {
			t.Errorf("task %s: estimated %v, want %v", tc.id, n != nil, tc.estimated)
			continue
		}
		if n == nil {
			continue
		}
		if n.PromptExact != tc.exact || n.Model != "m" || n.Attempts != 2 || n.Kind != lang.NodeTask {
			t.Errorf("task %s: exact %v, model %q, %d attempts, kind %s", tc.id, n.PromptExact, n.Model, n.Attempts, n.Kind)
		}
	}
	if got := e.Node(task("2.1")).Prompt; got <= e.Node(task("1")).Prompt {
		t.Errorf("task 2.1's prompt (%d tokens) does not count what task 1 writes (%d)", got, e.Node(task("1")).Prompt)
	}
	if e.Features["a"] == nil || e.Features["a"].Nodes != 5 { // four tasks and the docs codegen
		t.Errorf("feature a: %+v", e.Features["a"])
	}

	h.apply(context.Background())
	sent := host.sent[task("1")]
	if sent == nil {
		t.Fatalf("task 1 was not requested: %v", host.requested())
	}
	counter := estimate.NewCounters(nil).ForProvider(cfg, "openai.main")
	if want := int64(counter.Messages(sent)); e.Node(task("1")).Prompt != want {
		t.Errorf("task 1: estimated %d prompt tokens, apply sent %d", e.Node(task("1")).Prompt, want)
	}
}

// A budget holds tasks as it holds nodes: the run stops starting tasks
// when the next would pass it; the task done is recorded and ticked, the
// others are not, and the next apply resumes at the first unfinished one.
func TestTasksBudgetStop(t *testing.T) {
	host := &fakeHost{reply: taskReply, usage: &providers.Usage{PromptTokens: 1, CompletionTokens: 1000, TotalTokens: 1001}}
	h := newTaskHarness(t, host, false)
	h.write("Kirofile", strings.Replace(h.read("Kirofile"), `model = "m"`, "model = \"m\"\n  max_tokens = 1000", 1))
	cfg, e := h.estimate()
	first := e.Node(task("1"))
	// Room for task 1's bound, not for a second request after it spent
	// 1,001 tokens.
	limit := first.Prompt + first.OutputCap
	h.guard = budget.NewGuard(budget.Limits(cfg, budget.Flag{Tokens: limit}, nil), func(string) *cost.Price { return nil })
	res, _ := h.apply(context.Background())
	if res.Budget == nil {
		t.Fatalf("the run was not stopped by its budget: %v", host.requested())
	}
	if got := host.requested(); !slices.Equal(got, []string{"1"}) {
		t.Errorf("tasks requested %v, want [1]", got)
	}
	if h.status(res, task("1")) != plan.Generated || res.Count(plan.Failed) != 0 {
		t.Errorf("task 1 %s, %d failed", h.status(res, task("1")), res.Count(plan.Failed))
	}
	if rec := h.lock.Node(task("1")); rec == nil || rec.Status != lockfile.StatusGenerated {
		t.Errorf("task 1 not recorded: %+v", rec)
	}
	if got := checkedIDs(t, h.read(".kiro/specs/a/tasks.md")); !slices.Equal(got, []string{"1"}) {
		t.Errorf("ticked %v, want [1]", got)
	}
	h.guard = nil
	host.reset()
	h.apply(context.Background())
	if got := host.requested(); !slices.Equal(slices.Sorted(slices.Values(got)), []string{"2.1", "2.2", "4"}) {
		t.Errorf("the next apply asked for %v, want 2.1, 2.2 and 4", got)
	}
}
