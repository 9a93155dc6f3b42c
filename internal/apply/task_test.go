package apply

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kirofile/kirofile/internal/approval"
	"github.com/kirofile/kirofile/internal/digest"
	"github.com/kirofile/kirofile/internal/journal"
	"github.com/kirofile/kirofile/internal/lockfile"
	"github.com/kirofile/kirofile/internal/plan"
	"github.com/kirofile/kirofile/internal/specdoc"
	"github.com/kirofile/kirofile/lang"
	"github.com/kirofile/kirofile/plugins/sdk"
)

// The tests of a codegen with each = "task": its approved tasks document
// expanded into one node per task, run one by one or in waves, each
// checked by its hooks and ticked.

const tasksKirofile = `
provider "openai" "main" {
  model = "m"
}
feature "a" {
  description = "Feature a greets people."
  spec "requirements" {}
  spec "design" {}
  spec "tasks" {}
  codegen "svc" {
    outputs        = ["svc/**"]
    each           = "task"
    hooks          = [hook.check]
    max_attempts   = 2
    optional_tasks = %s
  }
  codegen "docs" {
    outputs    = ["docs/**"]
    depends_on = [codegen.svc]
  }
}
hook "check" {
  on       = ["task.completed"]
  feedback = true
  action "exec" {
    command = ["check"]
  }
}
`

const tasksRequirements = `# Requirements Document

## Requirements

### Requirement 1: Greeting

**User Story:** As a user, I want greetings, so that I feel welcome.

#### Acceptance Criteria

1. WHEN a user arrives THEN the system SHALL greet them by name.
2. WHEN the name is empty THEN the system SHALL greet the world.

### Requirement 2: Farewell

**User Story:** As a user, I want a farewell, so that I know I left.

#### Acceptance Criteria

1. WHEN a user leaves THEN the system SHALL say goodbye.
`

const tasksDesign = "# Design Document\n\n## Overview\nA greeter.\n## Architecture\nx\n## Components and Interfaces\nx\n## Data Models\nx\n## Error Handling\nx\n## Testing Strategy\nx\n"

// tasksPlan: 1, then 2 with sub-tasks 2.1 and 2.2 (a wave), an optional
// 2.3, then a checkpoint 3, then 4.
const tasksPlan = `# Implementation Plan

- [ ] 1. Set up the greeter package
  - Create svc/greet.go with a Greeter type
  - _Requirements: 1.1_
- [ ] 2. Messages
  - [ ] 2.1 [P] Greeting by name
    - _Requirements: 1.1, 1.2_
  - [ ] 2.2 [P] Farewell
    - _Requirements: 2.1_
  - [ ]* 2.3 Property test of greetings
    - _Requirements: 1.1_
- [ ] 3. Checkpoint - Ensure all tests pass
- [ ] 4. Wire the greeter into main
  - _Requirements: 1_
`

var taskIDRE = regexp.MustCompile(`Carry out task (\S+) of the implementation plan`)

// taskOf returns the id of the task a prompt asks for, "" for another
// prompt.
func taskOf(prompt string) string {
	if m := taskIDRE.FindStringSubmatch(prompt); m != nil {
		return m[1]
	}
	return ""
}

// taskReply writes one file per task.
func taskReply(prompt string) string {
	if id := taskOf(prompt); id != "" {
		return fileReply("svc/t"+strings.ReplaceAll(id, ".", "_")+".go", "package svc\n\n// task "+id+"\n")
	}
	return fileReply("docs/README.md", "docs\n")
}

type taskHarness struct {
	*applyHarness
}

// newTaskHarness writes the documents and approves them, as a reviewer
// would.
func newTaskHarness(t *testing.T, host *fakeHost, optional bool) *taskHarness {
	h := &taskHarness{newApplyHarnessWith(t, fmt.Sprintf(tasksKirofile, fmt.Sprint(optional)), host)}
	h.write(".kiro/specs/a/requirements.md", tasksRequirements)
	h.write(".kiro/specs/a/design.md", tasksDesign)
	h.write(".kiro/specs/a/tasks.md", tasksPlan)
	h.approve()
	return h
}

func (h *taskHarness) write(name, content string) {
	h.t.Helper()
	p := filepath.Join(h.dir, filepath.FromSlash(name))
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		h.t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		h.t.Fatal(err)
	}
}

func (h *taskHarness) read(name string) string {
	h.t.Helper()
	data, err := os.ReadFile(filepath.Join(h.dir, filepath.FromSlash(name)))
	if err != nil {
		h.t.Fatal(err)
	}
	return string(data)
}

func (h *taskHarness) approve() {
	h.t.Helper()
	cfg, diags := lang.Load(h.dir, lang.LoadOptions{})
	if diags.HasErrors() {
		h.t.Fatal(diags)
	}
	_, diags = approval.Approve(cfg, h.lock, []lang.Address{{Feature: "a"}}, approval.Options{By: "ana@example.com", Now: time.Unix(0, 0)})
	if diags.HasErrors() {
		h.t.Fatal(diags)
	}
}

func (h *taskHarness) plan() *plan.Plan {
	h.t.Helper()
	cfg, diags := lang.Load(h.dir, lang.LoadOptions{})
	if diags.HasErrors() {
		h.t.Fatal(diags)
	}
	p, diags := plan.Build(cfg, h.lock, h.opts)
	if diags.HasErrors() {
		h.t.Fatal(diags)
	}
	return p
}

func task(id string) string { return lang.TaskAddr("a", "svc", id).String() }

// requested lists the tasks the host was asked for, in order.
func (h *fakeHost) requested() []string {
	h.mu.Lock()
	defer h.mu.Unlock()
	var out []string
	for _, p := range h.prompts {
		if id := taskOf(p); id != "" {
			out = append(out, id)
		}
	}
	return out
}

func (h *fakeHost) reset() {
	h.mu.Lock()
	h.prompts = nil
	h.mu.Unlock()
}

// checkedIDs lists the tasks ticked in the document.
func checkedIDs(t *testing.T, doc string) []string {
	l, _ := specdoc.ParseTasks("tasks.md", []byte(doc))
	var out []string
	for _, tk := range l.Tasks {
		if tk.Checked {
			out = append(out, tk.ID)
		}
	}
	return out
}

func TestTasksExpandAndRun(t *testing.T) {
	host := &fakeHost{reply: taskReply}
	var hookMu sync.Mutex
	var hookTasks []string
	host.action = func(req sdk.ActionRequest) (bool, string) {
		hookMu.Lock()
		hookTasks = append(hookTasks, req.Task+":"+req.Event)
		hookMu.Unlock()
		return true, "ok"
	}
	h := newTaskHarness(t, host, false)

	// Expansion: one node per task, addressed by id, shown with its
	// title; the optional task is left out; the codegen joining them is
	// not listed.
	p := h.plan()
	var got []string
	for _, c := range p.Changes {
		if c.Kind == lang.NodeTask {
			got = append(got, c.Address+" "+string(c.State)+" "+c.Title)
		}
	}
	want := []string{
		task("1") + " create Set up the greeter package",
		task("2.1") + " create Greeting by name",
		task("2.2") + " create Farewell",
		task("2") + " create Messages",
		task("3") + " create Checkpoint - Ensure all tests pass",
		task("4") + " create Wire the greeter into main",
	}
	slices.Sort(got)
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Fatalf("planned tasks:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if p.Change("feature.a.codegen.svc") != nil {
		t.Error("the codegen joining its tasks is listed in the plan")
	}

	docBefore, err := os.Stat(filepath.Join(h.dir, ".kiro/specs/a/tasks.md"))
	if err != nil {
		t.Fatal(err)
	}
	res, saved := h.apply(context.Background())
	for _, id := range []string{"1", "2.1", "2.2", "2", "3", "4"} {
		if s := h.status(res, task(id)); s != plan.Generated {
			t.Errorf("task %s: %s (%s)", id, s, res.Nodes[task(id)].Message)
		}
	}
	if s := h.status(res, "feature.a.codegen.docs"); s != plan.Generated {
		t.Errorf("what depends on the codegen: %s", s)
	}
	// Ordering: 1 first, 2.1 and 2.2 after it in either order, 4 last;
	// the group and the checkpoint ask no model.
	req := host.requested()
	if len(req) != 4 || req[0] != "1" || req[3] != "4" || !slices.Contains(req, "2.1") || !slices.Contains(req, "2.2") {
		t.Errorf("requests in order: %v", req)
	}
	// Hooks ran after each work task and at the checkpoint, told the task.
	hookMu.Lock()
	for _, id := range []string{"1", "2.1", "2.2", "3", "4"} {
		if !slices.Contains(hookTasks, id+":task.completed") {
			t.Errorf("hook did not run for task %s: %v", id, hookTasks)
		}
	}
	hookMu.Unlock()
	// Each task's prompt: its text, the criteria it cites quoted, the
	// design, and the files earlier tasks wrote.
	for _, p := range host.prompts {
		if taskOf(p) != "4" {
			continue
		}
		for _, w := range []string{"Wire the greeter into main", "> 1.1 WHEN a user arrives THEN the system SHALL greet them by name.",
			"> 1.2 WHEN the name is empty", "# Design Document", "svc/t1.go", "svc/t2_1.go", "Feature a greets people."} {
			if !strings.Contains(p, w) {
				t.Errorf("prompt of task 4 lacks %q", w)
			}
		}
		if strings.Contains(p, "SHALL say goodbye") || strings.Contains(p, "Set up the greeter package") {
			t.Error("prompt of task 4 holds what it does not cite: other tasks or criteria")
		}
	}
	// Evidence: the lock holds each task's attempts, hooks and files.
	rec := h.lock.Node(task("2.1"))
	if rec == nil || rec.Status != lockfile.StatusGenerated || rec.Attempts != 1 || rec.Hooks["check"] != 0 || len(rec.Hooks) != 1 ||
		rec.Outputs["svc/t2_1.go"] == "" {
		t.Errorf("record of 2.1: %+v", rec)
	}
	if rec := h.lock.Node(task("3")); rec == nil || rec.Hooks["check"] != 0 || len(rec.Outputs) != 0 {
		t.Errorf("record of the checkpoint: %+v", rec)
	}
	if rec := h.lock.Node("feature.a.codegen.svc"); rec == nil || len(rec.Outputs) != 4 {
		t.Errorf("record of the codegen: %+v", rec)
	}
	if _, _, diags := lockfile.Parse(saved, "lock"); diags.HasErrors() {
		t.Errorf("saved lock: %v", diags)
	}
	// Ticked, all of them but the optional task, and the approval of the
	// document stands.
	if got := checkedIDs(t, h.read(".kiro/specs/a/tasks.md")); !slices.Equal(got, []string{"1", "2", "2.1", "2.2", "3", "4"}) {
		t.Errorf("ticked: %v", got)
	}
	// Its boxes were set in place: the file is the one the user has open.
	if docAfter, err := os.Stat(filepath.Join(h.dir, ".kiro/specs/a/tasks.md")); err != nil || !os.SameFile(docBefore, docAfter) {
		t.Errorf("the tasks document was replaced by another file (%v)", err)
	}
	p = h.plan()
	if p.HasChanges() {
		for _, c := range p.Changes {
			if c.State != plan.NoOp {
				t.Errorf("after apply: %s %s: %s", c.Address, c.State, plan.Join(c.Reasons, "; "))
			}
		}
	}
	// Nothing changed: nothing is sent.
	host.reset()
	res, _ = h.apply(context.Background())
	if res.Requests != 0 {
		t.Errorf("second apply sent %d requests", res.Requests)
	}
}

func TestTasksOptional(t *testing.T) {
	host := &fakeHost{reply: taskReply}
	h := newTaskHarness(t, host, true)
	p := h.plan()
	if c := p.Change(task("2.3")); c == nil || c.State != plan.Create {
		t.Fatalf("optional task asked for: %+v", c)
	}
	// Without optional_tasks, a target that names it asks for it.
	h2 := newTaskHarness(t, &fakeHost{reply: taskReply}, false)
	a, _ := lang.ParseAddress(task("2.3"))
	h2.opts.Targets = []lang.Address{a}
	p = h2.plan()
	if c := p.Change(task("2.3")); c == nil || c.State != plan.Create {
		t.Fatalf("optional task targeted: %+v", c)
	}
	if p.Change(task("4")) != nil {
		t.Error("a task target selected tasks after it")
	}
	h2.opts.Targets = nil
	if h2.plan().Change(task("2.3")) != nil {
		t.Error("optional task planned though not asked for")
	}
}

// Tasks marked [P] next to each other run side by side: each waits here
// until the other has started.
func TestTasksWaveRunsInParallel(t *testing.T) {
	var mu sync.Mutex
	started := map[string]chan struct{}{"2.1": make(chan struct{}), "2.2": make(chan struct{})}
	host := &fakeHost{reply: func(p string) string {
		id := taskOf(p)
		if ch, ok := started[id]; ok {
			mu.Lock()
			close(ch)
			mu.Unlock()
			other := "2.2"
			if id == "2.2" {
				other = "2.1"
			}
			select {
			case <-started[other]:
			case <-time.After(30 * time.Second):
				return "the other task of the wave never started"
			}
		}
		return taskReply(p)
	}}
	h := newTaskHarness(t, host, false)
	res, _ := h.apply(context.Background())
	if s := h.status(res, task("4")); s != plan.Generated {
		t.Fatalf("task 4: %s (%s %s)", s, res.Nodes[task("2.1")].Message, res.Nodes[task("2.2")].Message)
	}
}

// A failing hook goes back to the model for that task only; a task that
// keeps failing stops what runs after it, and only that.
func TestTasksFeedbackAndFailureIsolation(t *testing.T) {
	host := &fakeHost{reply: func(p string) string {
		if taskOf(p) == "2.1" && strings.Contains(p, "greeting is wrong") {
			return fileReply("svc/t2_1.go", "package svc\n\n// fixed\n")
		}
		return taskReply(p)
	}}
	host.action = func(req sdk.ActionRequest) (bool, string) {
		switch req.Task {
		case "2.1":
			data, _ := os.ReadFile(filepath.Join(req.ProjectDir, "svc", "t2_1.go"))
			if !strings.Contains(string(data), "fixed") {
				return false, "--- FAIL: TestGreet: greeting is wrong"
			}
		case "2.2":
			return false, "--- FAIL: TestFarewell"
		}
		return true, "ok"
	}
	h := newTaskHarness(t, host, false)
	res, _ := h.apply(context.Background())
	want := map[string]plan.State{"1": plan.Generated, "2.1": plan.Generated, "2.2": plan.Failed, "2": plan.Blocked, "3": plan.Blocked, "4": plan.Blocked}
	for id, w := range want {
		if s := h.status(res, task(id)); s != w {
			t.Errorf("task %s: %s, want %s", id, s, w)
		}
	}
	if s := h.status(res, "feature.a.codegen.docs"); s != plan.Blocked {
		t.Errorf("what depends on the codegen: %s", s)
	}
	// The feedback reached task 2.1's second attempt, no other prompt.
	n := 0
	for _, p := range host.prompts {
		if strings.Contains(p, "greeting is wrong") {
			n++
			if taskOf(p) != "2.1" {
				t.Errorf("feedback of 2.1 in the prompt of %s", taskOf(p))
			}
		}
	}
	if n != 1 {
		t.Errorf("feedback sent %d times", n)
	}
	rec := h.lock.Node(task("2.1"))
	if rec.Attempts != 2 || rec.Hooks["check"] != 0 {
		t.Errorf("2.1: %+v", rec)
	}
	rec = h.lock.Node(task("2.2"))
	if rec.Status != lockfile.StatusFailed || rec.Hooks["check"] != 2 || !strings.Contains(rec.Error, "TestFarewell") {
		t.Errorf("2.2: %+v", rec)
	}
	if got := checkedIDs(t, h.read(".kiro/specs/a/tasks.md")); !slices.Equal(got, []string{"1", "2.1"}) {
		t.Errorf("ticked: %v", got)
	}
	if c := h.plan().Change(task("2.2")); c.State != plan.Retry {
		t.Errorf("plan of the failed task: %s", c.State)
	}
}

// A box ticked by hand, without evidence in the lock, is reported and not
// run; approving the task accepts it.
func TestTasksPhantomTick(t *testing.T) {
	host := &fakeHost{reply: taskReply}
	h := newTaskHarness(t, host, false)
	doc := strings.Replace(tasksPlan, "- [ ] 1. Set up", "- [x] 1. Set up", 1)
	h.write(".kiro/specs/a/tasks.md", doc)
	p := h.plan()
	if c := p.Change("feature.a.spec.tasks"); c.State != plan.NoOp {
		t.Fatalf("a tick voided the approval: %s %v", c.State, c.Reasons)
	}
	c := p.Change(task("1"))
	if c.State != plan.Drift || plan.Codes(c.Reasons)[0] != plan.CodeTickedWithoutEvidence {
		t.Fatalf("phantom tick: %s %v", c.State, c.Reasons)
	}
	if c := p.Change(task("2.1")); c.State != plan.Blocked || c.BlockedBy != task("1") {
		t.Errorf("after the phantom: %s %s", c.State, c.BlockedBy)
	}
	if !p.HasChanges() {
		t.Error("a phantom tick passes -detailed-exitcode")
	}
	res, _ := h.apply(context.Background())
	if res.Requests != 0 || h.status(res, task("1")) != plan.Drift {
		t.Errorf("apply did a phantom task: %d requests, %s", res.Requests, h.status(res, task("1")))
	}
	// Accepted explicitly, it counts as done.
	cfg, _ := lang.Load(h.dir, lang.LoadOptions{})
	a, _ := lang.ParseAddress(task("1"))
	out, diags := approval.Approve(cfg, h.lock, []lang.Address{a}, approval.Options{By: "bo@example.com", Now: time.Unix(0, 0)})
	if diags.HasErrors() || len(out) != 1 || !out[0].Approved {
		t.Fatalf("approve: %v %+v", diags, out)
	}
	if c := h.plan().Change(task("1")); c.State != plan.NoOp {
		t.Errorf("accepted tick: %s %v", c.State, c.Reasons)
	}
}

// An interrupted run resumes at the first unfinished task.
func TestTasksResume(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	host := &fakeHost{reply: func(p string) string {
		if taskOf(p) == "2.2" {
			cancel()
		}
		return taskReply(p)
	}}
	h := newTaskHarness(t, host, false)
	// One at a time, so that the interruption lands after 1 and 2.1.
	h.opts = plan.Options{}
	res, _ := h.applyWith(ctx, 1)
	if s := h.status(res, task("1")); s != plan.Generated {
		t.Fatalf("task 1: %s", s)
	}
	if s := h.status(res, task("4")); s == plan.Generated {
		t.Fatalf("task 4 ran in the interrupted run")
	}
	p := h.plan()
	states := map[string]plan.State{}
	for _, c := range p.Changes {
		states[c.Address] = c.State
	}
	if states[task("1")] != plan.NoOp || states[task("2.1")] != plan.NoOp || !states[task("2.2")].Runs() || states[task("4")] != plan.Create {
		t.Errorf("after the interruption: %v", states)
	}
	host.reset()
	host.reply = taskReply
	res, _ = h.apply(context.Background())
	if got := host.requested(); !slices.Equal(got, []string{"2.2", "4"}) {
		t.Errorf("resumed with %v, want [2.2 4]", got)
	}
	if s := h.status(res, task("4")); s != plan.Generated {
		t.Errorf("task 4: %s", s)
	}
}

// Editing one task regenerates it and what runs after it, not the tasks
// before it.
func TestTasksEditOne(t *testing.T) {
	host := &fakeHost{reply: taskReply}
	h := newTaskHarness(t, host, false)
	h.apply(context.Background())
	doc := h.read(".kiro/specs/a/tasks.md")
	h.write(".kiro/specs/a/tasks.md", strings.Replace(doc, "Farewell\n", "Farewell, politely\n", 1))
	h.approve()
	p := h.plan()
	want := map[string]plan.State{"1": plan.NoOp, "2.1": plan.NoOp, "2.2": plan.Update, "2": plan.Update, "3": plan.Update, "4": plan.Update}
	for id, w := range want {
		c := p.Change(task(id))
		if c.State != w {
			t.Errorf("task %s: %s %v, want %s", id, c.State, c.Reasons, w)
		}
	}
	if c := p.Change(task("2.2")); plan.Codes(c.Reasons)[0] != plan.CodeTaskChanged {
		t.Errorf("reason: %v", c.Reasons)
	}
	host.reset()
	h.apply(context.Background())
	// 2.2 is done again; its file is the same, so what follows it is up
	// to date again without a request.
	if got := host.requested(); !slices.Equal(got, []string{"2.2"}) {
		t.Errorf("requests after the edit: %v", got)
	}
	if h.plan().HasChanges() {
		t.Error("changes after the second apply")
	}
}

// A task's prompt holds what the tasks it runs after wrote, not what a
// task of its own wave wrote, even one that finished first: the prompt
// does not depend on timing.
func TestTasksWavePromptsIndependent(t *testing.T) {
	host := &fakeHost{reply: taskReply}
	h := newTaskHarness(t, host, false)
	h.applyWith(context.Background(), 1) // one at a time: 2.1 is written before 2.2 starts
	for _, p := range host.prompts {
		switch taskOf(p) {
		case "2.1", "2.2":
			if strings.Contains(p, "svc/t2_1.go") || strings.Contains(p, "svc/t2_2.go") {
				t.Errorf("the prompt of %s holds a file of its wave", taskOf(p))
			}
			if !strings.Contains(p, "svc/t1.go") {
				t.Errorf("the prompt of %s lacks what task 1 wrote", taskOf(p))
			}
		case "4":
			if !strings.Contains(p, "svc/t2_1.go") || !strings.Contains(p, "svc/t2_2.go") {
				t.Error("the prompt of 4 lacks what the wave before it wrote")
			}
		}
	}
}

// An approved tasks document that cannot be carried out (two tasks with
// one number) keeps the codegen waiting, saying why; one without a task to
// run is warned about.
func TestTasksDocumentProblems(t *testing.T) {
	h := newTaskHarness(t, &fakeHost{reply: taskReply}, false)
	h.write(".kiro/specs/a/tasks.md", tasksPlan+"- [ ] 4. Again\n  - _Requirements: 1_\n")
	h.approve()
	cfg, _ := lang.Load(h.dir, lang.LoadOptions{})
	p, diags := plan.Build(cfg, h.lock, plan.Options{})
	if !strings.Contains(diags.Error(), "Tasks cannot run: Duplicate task number") || diags.HasErrors() {
		t.Errorf("diagnostics: %v", diags)
	}
	c := p.Change("feature.a.codegen.svc")
	if c == nil || c.State != plan.Blocked || plan.Codes(c.Reasons)[0] != plan.CodeTasksUnusable {
		t.Fatalf("codegen: %+v", c)
	}
	if p.Change(task("1")) != nil {
		t.Error("tasks of a document that cannot run are planned")
	}
	h.write(".kiro/specs/a/tasks.md", "# Implementation Plan\n\n- [ ]* 1. Only optional\n")
	h.approve()
	_, diags = plan.Build(cfg, h.lock, plan.Options{})
	if !strings.Contains(diags.Error(), "No task to run") {
		t.Errorf("diagnostics: %v", diags)
	}
}

// A box is ticked only once the lock file holds the task's evidence: when
// the lock cannot be written, nothing is ticked, and apply says so.
func TestTasksTickAfterTheLock(t *testing.T) {
	h := newTaskHarness(t, &fakeHost{reply: taskReply}, false)
	cfg, diags := lang.Load(h.dir, lang.LoadOptions{})
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	_, diags = Apply(context.Background(), cfg, h.lock, Options{
		Parallelism: 4, Host: h.host,
		SaveLock: func([]byte) error { return fmt.Errorf("disk full") },
	})
	var all []string
	for _, d := range diags {
		all = append(all, d.Summary+": "+d.Detail)
	}
	text := strings.Join(all, "\n")
	if !strings.Contains(text, "Cannot write the lock file") || !strings.Contains(text, "not ticked: disk full") {
		t.Errorf("diagnostics:\n%s", text)
	}
	if got := checkedIDs(t, h.read(".kiro/specs/a/tasks.md")); len(got) != 0 {
		t.Errorf("ticked without the evidence on disk: %v", got)
	}
}

// The record of a task taken out of the document is forgotten, its files
// kept; the records of a document awaiting approval stay.
func TestTasksForgotten(t *testing.T) {
	h := newTaskHarness(t, &fakeHost{reply: taskReply}, false)
	h.apply(context.Background())
	doc := h.read(".kiro/specs/a/tasks.md")
	cut := doc[:strings.Index(doc, "- [x] 4.")]
	h.write(".kiro/specs/a/tasks.md", cut)
	// Not approved yet: nothing is forgotten.
	if c := h.plan().Change(task("4")); c != nil {
		t.Errorf("task 4 planned while its document awaits approval: %+v", c)
	}
	for _, c := range h.plan().Changes {
		if c.State == plan.Forget {
			t.Errorf("forgotten before the document was approved: %s", c.Address)
		}
	}
	h.approve()
	c := h.plan().Change(task("4"))
	if c == nil || c.State != plan.Forget || !slices.Equal(c.Files, []string{"svc/t4.go"}) {
		t.Fatalf("task 4 after it left the document: %+v", c)
	}
}

// A task that fails is undone: the files it wrote go back to what they
// held before it (a file of an earlier task), or away (a new file), so
// that a task that does not depend on it passes hooks that check the
// whole tree, and the next plan sees no edit by hand.
func TestTasksFailedTaskUndone(t *testing.T) {
	const broken = "package svc\n\n// BROKEN\n"
	fixed := false
	host := &fakeHost{reply: func(p string) string {
		if taskOf(p) == "2.2" && !fixed {
			return fileReply("svc/t1.go", broken) + fileReply("svc/broken.go", broken)
		}
		return taskReply(p)
	}}
	host.action = func(req sdk.ActionRequest) (bool, string) {
		// Like go test ./...: the whole tree, whichever task ran.
		entries, _ := os.ReadDir(filepath.Join(req.ProjectDir, "svc"))
		for _, e := range entries {
			data, _ := os.ReadFile(filepath.Join(req.ProjectDir, "svc", e.Name()))
			if strings.Contains(string(data), "BROKEN") {
				return false, "--- FAIL: " + e.Name() + " is broken"
			}
		}
		return true, "ok"
	}
	h := newTaskHarness(t, host, false)
	res, _ := h.applyWith(context.Background(), 1)
	want := map[string]plan.State{"1": plan.Generated, "2.1": plan.Generated, "2.2": plan.Failed, "2": plan.Blocked, "3": plan.Blocked, "4": plan.Blocked}
	for id, w := range want {
		if s := h.status(res, task(id)); s != w {
			t.Errorf("task %s: %s, want %s", id, s, w)
		}
	}
	if got := h.read("svc/t1.go"); got != "package svc\n\n// task 1\n" {
		t.Errorf("svc/t1.go not put back as task 1 wrote it: %q", got)
	}
	if _, err := os.Stat(filepath.Join(h.dir, "svc", "broken.go")); !os.IsNotExist(err) {
		t.Errorf("the failed task's new file is still there: %v", err)
	}
	p := h.plan()
	for id, w := range map[string]plan.State{"1": plan.NoOp, "2.1": plan.NoOp, "2.2": plan.Retry} {
		if c := p.Change(task(id)); c.State != w {
			t.Errorf("plan of task %s: %s %v, want %s", id, c.State, plan.Texts(c.Reasons), w)
		}
	}
	fixed = true
	host.reset()
	res, _ = h.applyWith(context.Background(), 1)
	if got := host.requested(); !slices.Equal(got, []string{"2.2", "4"}) {
		t.Errorf("after the fix, asked for %v, want 2.2 and 4", got)
	}
	if s := h.status(res, task("4")); s != plan.Generated {
		t.Errorf("task 4 after the fix: %s", s)
	}
}

// A task whose run was killed after it wrote its files (its write-ahead
// record is on disk, its record in the lock is not) and that fails when
// done again keeps those files as its own: the task before it, whose file
// it had changed, is not taken as edited by hand.
func TestTasksKilledThenFailedKeepsItsFiles(t *testing.T) {
	host := &fakeHost{reply: taskReply}
	h := newTaskHarness(t, host, false)
	// Task 1 done, as the lock records it.
	h.opts.Targets = []lang.Address{mustAddr(t, task("1"))}
	h.apply(context.Background())
	h.opts.Targets = nil
	// A run of task 2.1 killed after it changed task 1's file: its
	// write-ahead record names the file as it left it.
	changed := "package svc\n\n// task 1, changed by 2.1\n"
	h.write("svc/t1.go", changed)
	rec := journal.New(task("2.1"), time.Unix(0, 0))
	rec.Add("svc/t1.go", digest.Bytes([]byte(changed)))
	l := journal.OpenLog(h.dir)
	if err := l.Write(rec); err != nil {
		t.Fatal(err)
	}
	if err := l.Close(); err != nil { // keeps what is unfinished
		t.Fatal(err)
	}
	// Done again, it fails without writing anything.
	host.reply = func(p string) string {
		if taskOf(p) == "2.1" {
			return "no files here"
		}
		return taskReply(p)
	}
	res, _ := h.applyWith(context.Background(), 1)
	if s := h.status(res, task("2.1")); s != plan.Failed {
		t.Fatalf("task 2.1: %s", s)
	}
	p := h.plan()
	if c := p.Change(task("1")); c.State != plan.NoOp {
		t.Errorf("task 1: %s %v, want no-op", c.State, plan.Texts(c.Reasons))
	}
	if c := p.Change(task("2.1")); c.State != plan.Retry {
		t.Errorf("task 2.1: %s %v, want retry", c.State, plan.Texts(c.Reasons))
	}
}

// TestTasksOutputsAsHooksLeft: the lock records each file as the hooks
// left it: rewritten by a hook (a formatter), it is read again; with no
// hook run, as written. Either way the next plan finds nothing to do.
func TestTasksOutputsAsHooksLeft(t *testing.T) {
	host := &fakeHost{reply: taskReply}
	host.action = func(req sdk.ActionRequest) (bool, string) {
		if req.Task == "1" {
			p := filepath.Join(req.ProjectDir, "svc", "t1.go")
			data, _ := os.ReadFile(p)
			if err := os.WriteFile(p, append(data, "// formatted\n"...), 0o644); err != nil {
				return false, err.Error()
			}
		}
		return true, "ok"
	}
	h := newTaskHarness(t, host, false)
	h.apply(context.Background())
	for _, tt := range []struct{ node, file, content string }{
		{task("1"), "svc/t1.go", "package svc\n\n// task 1\n// formatted\n"},
		{task("2.1"), "svc/t2_1.go", "package svc\n\n// task 2.1\n"},
		{"feature.a.codegen.docs", "docs/README.md", "docs\n"}, // no hook
	} {
		if got := h.read(tt.file); got != tt.content {
			t.Fatalf("%s holds %q, want %q", tt.file, got, tt.content)
		}
		if got, want := h.lock.Node(tt.node).Outputs[tt.file], digest.Bytes([]byte(tt.content)); got != want {
			t.Errorf("%s: the lock records %s as %s, want %s", tt.node, tt.file, got, want)
		}
	}
	for _, c := range h.plan().Changes {
		if c.State != plan.NoOp {
			t.Errorf("after the run, %s: %s (%v)", c.Address, c.State, c.Reasons)
		}
	}
}
