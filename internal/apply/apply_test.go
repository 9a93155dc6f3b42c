package apply

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/hashicorp/hcl/v2"

	"github.com/kirofile/kirofile/internal/budget"
	"github.com/kirofile/kirofile/internal/digest"
	"github.com/kirofile/kirofile/internal/journal"
	"github.com/kirofile/kirofile/internal/lockfile"
	"github.com/kirofile/kirofile/internal/plan"
	"github.com/kirofile/kirofile/internal/reply"
	"github.com/kirofile/kirofile/lang"
	"github.com/kirofile/kirofile/plugins/sdk"
	"github.com/kirofile/kirofile/providers"
)

// fakeHost answers generations with a function of the prompt and runs
// hook actions in process: the engine's logic without plugin processes.
type fakeHost struct {
	reply func(prompt string) string
	check func(dir string, files []string) (bool, string) // the "exec" action
	// action, when set, runs the "exec" action instead of check.
	action func(req sdk.ActionRequest) (bool, string)

	// usage, when set, is the usage every reply reports.
	usage *providers.Usage

	mu      sync.Mutex
	prompts []string
	// sent holds the messages of each node's first request.
	sent map[string][]providers.Message
}

func (h *fakeHost) Provider(context.Context, string) (providers.Provider, error) { return h, nil }

func (h *fakeHost) Generate(ctx context.Context, req providers.Request, on providers.EventFunc) (*providers.Response, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	prompt := req.Messages[len(req.Messages)-1].Content
	h.mu.Lock()
	h.prompts = append(h.prompts, prompt)
	if _, ok := h.sent[req.NodeAddress]; !ok {
		if h.sent == nil {
			h.sent = map[string][]providers.Message{}
		}
		h.sent[req.NodeAddress] = req.Messages
	}
	h.mu.Unlock()
	text := h.reply(prompt)
	if on != nil {
		on(providers.Event{Kind: providers.EventTextDelta, Text: text})
	}
	usage := providers.Usage{PromptTokens: 10, CompletionTokens: 5, TotalTokens: 15}
	if h.usage != nil {
		usage = *h.usage
	}
	return &providers.Response{Text: text, FinishReason: providers.FinishStop, Usage: usage}, nil
}

func (h *fakeHost) Action(context.Context, string) (sdk.HookAction, error) { return h, nil }

func (h *fakeHost) Run(_ context.Context, req sdk.ActionRequest) (*sdk.ActionResult, error) {
	if h.action != nil {
		ok, out := h.action(req)
		code := 0
		if !ok {
			code = 2
		}
		return &sdk.ActionResult{Passed: ok, Output: []byte(out), ExitCode: &code}, nil
	}
	ok, out := h.check(req.ProjectDir, req.FilesWritten)
	return &sdk.ActionResult{Passed: ok, Output: []byte(out)}, nil
}

func (h *fakeHost) count(substr string) int {
	h.mu.Lock()
	defer h.mu.Unlock()
	n := 0
	for _, p := range h.prompts {
		if strings.Contains(p, substr) {
			n++
		}
	}
	return n
}

const goodRequirements = `# Requirements Document

## Requirements

### Requirement 1

**User Story:** As a user, I want greetings, so that I feel welcome.

#### Acceptance Criteria

1. WHEN a user arrives THEN the system SHALL greet them.
`

const goodDesign = "# Design Document\n\n## Overview\nx\n## Architecture\nx\n## Components and Interfaces\nx\n## Data Models\nx\n## Error Handling\nx\n## Testing Strategy\nx\n"

const goodTasks = "# Implementation Plan\n\n- [ ] 1. Greet\n  - _Requirements: 1.1_\n"

// specReply answers the spec prompts with good documents.
func specReply(prompt string) (string, bool) {
	switch {
	case strings.Contains(prompt, "Write the requirements document"):
		return goodRequirements, true
	case strings.Contains(prompt, "Write the design document"):
		return goodDesign, true
	case strings.Contains(prompt, "implementation plan"):
		return goodTasks, true
	}
	return "", false
}

// projectReply answers the spec prompts with good documents, feature b's
// codegen with a file of its own, and feature a's codegen with code.
func projectReply(code func(prompt string) string) func(string) string {
	return func(p string) string {
		if s, ok := specReply(p); ok {
			return s
		}
		if strings.Contains(p, "Feature b.") {
			return fileReply("b/b.go", "package b\n")
		}
		return code(p)
	}
}

// answer always replies text.
func answer(text string) func(string) string {
	return func(string) string { return text }
}

func fileReply(path, content string) string {
	return fmt.Sprintf("File: %s\n```go\n%s```\n", path, content)
}

const applyKirofile = `
provider "openai" "main" {
  model = "m"
}
feature "a" {
  description = "Feature a."
  spec "requirements" {
    approval = "%[1]s"
  }
  spec "design" {
    approval = "auto"
  }
  spec "tasks" {
    approval = "auto"
  }
  codegen "svc" {
    outputs      = ["svc/**"]
    hooks        = [hook.check]
    max_attempts = 2
  }
}
feature "b" {
  description = "Feature b."
  spec "requirements" {
    approval = "auto"
  }
  codegen "svc" {
    outputs = ["b/**"]
  }
}
hook "check" {
  on       = ["codegen.completed"]
  feedback = true
  action "exec" {
    command = ["check"]
  }
}
`

type applyHarness struct {
	t    *testing.T
	dir  string
	lock *lockfile.Lock
	host *fakeHost
	opts plan.Options // the plan options of the next apply
	// guard, when set, is the budget of the next apply.
	guard *budget.Guard
}

func newApplyHarness(t *testing.T, approval string, host *fakeHost) *applyHarness {
	return newApplyHarnessWith(t, fmt.Sprintf(applyKirofile, approval), host)
}

func newApplyHarnessWith(t *testing.T, kirofile string, host *fakeHost) *applyHarness {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "Kirofile"), []byte(kirofile), 0o644); err != nil {
		t.Fatal(err)
	}
	if host.check == nil {
		host.check = func(string, []string) (bool, string) { return true, "" }
	}
	return &applyHarness{t: t, dir: dir, lock: lockfile.New(), host: host}
}

func (h *applyHarness) apply(ctx context.Context) (*Result, []byte) {
	h.t.Helper()
	return h.applyWith(ctx, 4)
}

func (h *applyHarness) applyWith(ctx context.Context, parallelism int) (*Result, []byte) {
	h.t.Helper()
	cfg, diags := lang.Load(h.dir, lang.LoadOptions{RequireVariables: true})
	if diags.HasErrors() {
		h.t.Fatal(diags)
	}
	var saved []byte
	var mu sync.Mutex
	res, diags := Apply(ctx, cfg, h.lock, Options{
		Options:     h.opts,
		Parallelism: parallelism,
		Host:        h.host,
		Budget:      h.guard,
		SaveLock: func(b []byte) error {
			mu.Lock()
			saved = b
			mu.Unlock()
			return nil
		},
	})
	if diags.HasErrors() {
		h.t.Fatal(diags)
	}
	return res, saved
}

func (h *applyHarness) status(res *Result, addr string) plan.State {
	if n := res.Nodes[addr]; n != nil {
		return n.State
	}
	return "missing"
}

func TestApply(t *testing.T) {
	const aSvcFile = "svc/main.go"
	good := "package svc\n\nconst Greeting = \"hello\"\n"
	tests := []struct {
		name     string
		approval string
		reply    func(prompt string) string
		check    func(dir string, files []string) (bool, string)
		cancel   bool
		want     map[string]plan.State
		requests map[string]int // prompt substring -> requests containing it
		verify   func(t *testing.T, h *applyHarness, res *Result, saved []byte)
	}{
		{
			name:     "automatic approvals run the whole graph",
			approval: "auto",
			reply:    projectReply(answer(fileReply(aSvcFile, good))),
			want: map[string]plan.State{
				"feature.a.spec.requirements": plan.Generated, "feature.a.spec.design": plan.Generated,
				"feature.a.spec.tasks": plan.Generated, "feature.a.codegen.svc": plan.Generated,
				"feature.b.spec.requirements": plan.Generated, "feature.b.codegen.svc": plan.Generated,
			},
			verify: func(t *testing.T, h *applyHarness, res *Result, saved []byte) {
				if res.Requests != 6 {
					t.Errorf("requests = %d, want 6", res.Requests)
				}
				// The lock reached its writer, and it parses.
				if _, _, diags := lockfile.Parse(saved, "lock"); diags.HasErrors() {
					t.Errorf("saved lock: %v", diags)
				}
				// Incremental: nothing changed, nothing is sent.
				res2, _ := h.apply(context.Background())
				if res2.Requests != 0 || res2.Count(plan.NoOp) != 6 {
					t.Errorf("second apply: %d requests, %d up to date", res2.Requests, res2.Count(plan.NoOp))
				}
			},
		},
		{
			name:     "a human gate stops what depends on it; independent features go on",
			approval: "human",
			reply:    projectReply(answer(fileReply(aSvcFile, good))),
			want: map[string]plan.State{
				"feature.a.spec.requirements": plan.Approve,
				"feature.a.spec.design":       plan.Blocked,
				"feature.a.codegen.svc":       plan.Blocked,
				"feature.b.codegen.svc":       plan.Generated,
			},
			requests: map[string]int{"Write the design document": 0},
		},
		{
			name:     "a failing feedback hook sends its output back, and the fix passes",
			approval: "auto",
			reply: projectReply(func(p string) string {
				if strings.Contains(p, "must greet") {
					return fileReply(aSvcFile, good)
				}
				return fileReply(aSvcFile, "package svc\n")
			}),
			check: func(dir string, files []string) (bool, string) {
				data, _ := os.ReadFile(filepath.Join(dir, "svc", "main.go"))
				if strings.Contains(string(data), "hello") {
					return true, "ok"
				}
				return false, "svc must greet"
			},
			want:     map[string]plan.State{"feature.a.codegen.svc": plan.Generated},
			requests: map[string]int{"must greet": 1},
			verify: func(t *testing.T, h *applyHarness, res *Result, saved []byte) {
				if rec := h.lock.Node("feature.a.codegen.svc"); rec.Attempts != 2 || rec.Status != lockfile.StatusGenerated {
					t.Errorf("record = %+v", rec)
				}
			},
		},
		{
			name:     "feedback exhausted: the node fails, is recorded for retry, and its files are on record",
			approval: "auto",
			reply:    projectReply(answer(fileReply(aSvcFile, "package svc\n"))),
			check:    func(string, []string) (bool, string) { return false, "still wrong" },
			want:     map[string]plan.State{"feature.a.codegen.svc": plan.Failed, "feature.b.codegen.svc": plan.Generated},
			verify: func(t *testing.T, h *applyHarness, res *Result, saved []byte) {
				rec := h.lock.Node("feature.a.codegen.svc")
				if rec.Status != lockfile.StatusFailed || rec.Attempts != 2 || rec.Outputs[aSvcFile] == "" {
					t.Errorf("record = %+v", rec)
				}
				cfg, _ := lang.Load(h.dir, lang.LoadOptions{})
				p, _ := plan.Build(cfg, h.lock, plan.Options{})
				if a := p.Change("feature.a.codegen.svc").State; a != plan.Retry {
					t.Errorf("plan after failure: %s, want retry", a)
				}
			},
		},
		{
			name:     "a reply without files is fed back as a format problem",
			approval: "auto",
			reply: projectReply(func(p string) string {
				if strings.Contains(p, "could not be used") {
					return fileReply(aSvcFile, good)
				}
				return "I would write a greeting function."
			}),
			want:     map[string]plan.State{"feature.a.codegen.svc": plan.Generated},
			requests: map[string]int{"could not be used": 1},
		},
		{
			name:     "a path outside the outputs fails the node at once and writes nothing",
			approval: "auto",
			reply:    projectReply(answer(fileReply(aSvcFile, good) + fileReply("../escape.go", "package x\n"))),
			want:     map[string]plan.State{"feature.a.codegen.svc": plan.Failed, "feature.b.codegen.svc": plan.Generated},
			requests: map[string]int{"could not be used": 0},
			verify: func(t *testing.T, h *applyHarness, res *Result, saved []byte) {
				if _, err := os.Stat(filepath.Join(h.dir, aSvcFile)); !os.IsNotExist(err) {
					t.Errorf("a refused reply wrote %s", aSvcFile)
				}
				if !strings.Contains(res.Nodes["feature.a.codegen.svc"].Message, "reply refused, nothing written") {
					t.Errorf("message = %q", res.Nodes["feature.a.codegen.svc"].Message)
				}
			},
		},
		{
			name:     "a reply may not rewrite a spec document, even under a broad outputs glob",
			approval: "auto",
			reply:    projectReply(answer(fileReply(aSvcFile, good))),
			want:     map[string]plan.State{"feature.a.codegen.svc": plan.Generated},
			verify: func(t *testing.T, h *applyHarness, res *Result, saved []byte) {
				cfg, _ := lang.Load(h.dir, lang.LoadOptions{})
				r := &run{cfg: cfg}
				_, err := r.planReply(context.Background(), cfg.Features["a"].Codegens["svc"], fileReply(".kiro/specs/a/requirements.md", "# Mine now\n"))
				var sec *reply.SecurityError
				if !errors.As(err, &sec) || !strings.Contains(err.Error(), "spec document of feature.a.spec.requirements") {
					t.Errorf("err = %v", err)
				}
			},
		},
		{
			name:     "a spec failing its checks is fed back once",
			approval: "auto",
			reply: func(p string) string {
				if strings.Contains(p, "Write the requirements document") && !strings.Contains(p, "has these problems") {
					return "# Requirements Document\n\n## Requirements\n\n### Requirement 1\n\n**User Story:** As a user, I want x, so that y.\n\n#### Acceptance Criteria\n\n1. The system greets.\n"
				}
				if s, ok := specReply(p); ok {
					return s
				}
				return fileReply("b/b.go", "package b\n")
			},
			want:     map[string]plan.State{"feature.b.spec.requirements": plan.Generated},
			requests: map[string]int{"has these problems": 2},
		},
		{
			name:     "a generated design not in Kiro's format is fed back, though a person may write one so",
			approval: "auto",
			reply: func(p string) string {
				if strings.Contains(p, "Write the design document") && !strings.Contains(p, "has these problems") {
					return "# Notes\n\nSome thoughts, in no template.\n"
				}
				if s, ok := specReply(p); ok {
					return s
				}
				return fileReply("b/b.go", "package b\n")
			},
			want:     map[string]plan.State{"feature.a.spec.design": plan.Generated},
			requests: map[string]int{"has these problems": 1, "none of Kiro's sections": 1},
		},
		{
			name:     "a cancelled run starts nothing and records nothing",
			approval: "auto",
			reply:    func(string) string { return "" },
			cancel:   true,
			want:     map[string]plan.State{"feature.a.spec.requirements": plan.Cancelled, "feature.b.codegen.svc": plan.Cancelled},
			verify: func(t *testing.T, h *applyHarness, res *Result, saved []byte) {
				if res.Requests != 0 || len(h.lock.Nodes) != 0 {
					t.Errorf("requests %d, lock nodes %d", res.Requests, len(h.lock.Nodes))
				}
				if saved != nil {
					t.Errorf("a run that recorded nothing rewrote the lock:\n%s", saved)
				}
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newApplyHarness(t, tt.approval, &fakeHost{reply: tt.reply, check: tt.check})
			ctx, cancel := context.WithCancel(context.Background())
			if tt.cancel {
				cancel()
			}
			defer cancel()
			res, saved := h.apply(ctx)
			for addr, want := range tt.want {
				if got := h.status(res, addr); got != want {
					t.Errorf("%s: %s (%s), want %s", addr, got, res.Nodes[addr].Message, want)
				}
			}
			for substr, want := range tt.requests {
				if got := h.host.count(substr); got != want {
					t.Errorf("requests containing %q: %d, want %d", substr, got, want)
				}
			}
			if tt.verify != nil {
				tt.verify(t, h, res, saved)
			}
		})
	}
}

// oneSpecKirofile is a feature with one spec, approved automatically,
// and a codegen after it; tests add their hooks.
const oneSpecKirofile = `
provider "openai" "main" {
  model = "m"
}
feature "a" {
  description = "Feature a."
  spec "requirements" {
    approval = "auto"
  }
  codegen "svc" {
    outputs = ["svc/**"]
  }
}
`

// TestApplySpecHooks checks that spec.generated hooks count: a failing
// feedback hook sends its output back for one more attempt, a failing hook
// without feedback fails the node, and a spec approved automatically must
// pass its document checks.
func TestApplySpecHooks(t *testing.T) {
	const kirofile = oneSpecKirofile + `
hook "lint" {
  on       = ["spec.generated"]
  feedback = %s
  action "exec" {
    command = ["lint"]
  }
}
`
	const reqs = "feature.a.spec.requirements"
	const code = "feature.a.codegen.svc"
	badRequirements := "# Requirements Document\n\nNo requirements here.\n"
	tests := []struct {
		name     string
		feedback string
		reply    func(prompt string) string
		lint     func(doc string) (bool, string)
		want     map[string]plan.State
		requests int
		message  string // in the spec's message
		retry    bool   // the lock records a failure, so plan shows retry
	}{
		{
			name: "a passing hook lets the chain go on", feedback: "true",
			lint:     func(string) (bool, string) { return true, "" },
			want:     map[string]plan.State{reqs: plan.Generated, code: plan.Generated},
			requests: 2,
		},
		{
			name: "a failing feedback hook is answered once more", feedback: "true",
			reply: func(prompt string) string {
				if strings.Contains(prompt, "LINT: say hello") {
					return goodRequirements + "\nhello\n"
				}
				return goodRequirements
			},
			lint: func(doc string) (bool, string) {
				return strings.Contains(doc, "hello"), "LINT: say hello"
			},
			want:     map[string]plan.State{reqs: plan.Generated, code: plan.Generated},
			requests: 3,
		},
		{
			name: "a feedback hook failing twice fails the spec", feedback: "true",
			lint:     func(string) (bool, string) { return false, "LINT: never happy" },
			want:     map[string]plan.State{reqs: plan.Failed, code: plan.Blocked},
			requests: 2, message: "still failing after 2 attempt(s)", retry: true,
		},
		{
			name: "a failing hook without feedback fails the spec at once", feedback: "false",
			lint:     func(string) (bool, string) { return false, "LINT: no" },
			want:     map[string]plan.State{reqs: plan.Failed, code: plan.Blocked},
			requests: 1, message: `hook "lint" failed: LINT: no`, retry: true,
		},
		{
			name: "an automatic approval needs a document that passes its checks", feedback: "true",
			reply:    func(string) string { return badRequirements },
			lint:     func(string) (bool, string) { return true, "" },
			want:     map[string]plan.State{reqs: plan.Failed, code: plan.Blocked},
			requests: 2, message: "not approved automatically", retry: true,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			reply := tt.reply
			if reply == nil {
				reply = func(string) string { return goodRequirements }
			}
			host := &fakeHost{
				reply: func(prompt string) string {
					if strings.Contains(prompt, "Write the requirements document") {
						return reply(prompt)
					}
					return fileReply("svc/main.go", "package svc\n")
				},
			}
			h := newApplyHarnessWith(t, fmt.Sprintf(kirofile, tt.feedback), host)
			host.check = func(dir string, files []string) (bool, string) {
				if len(files) != 1 || files[0] != ".kiro/specs/a/requirements.md" {
					t.Errorf("hook ran on %q", files)
				}
				doc, err := os.ReadFile(filepath.Join(dir, files[0]))
				if err != nil {
					t.Fatal(err)
				}
				return tt.lint(string(doc))
			}
			res, _ := h.apply(context.Background())
			for addr, want := range tt.want {
				if got := h.status(res, addr); got != want {
					t.Errorf("%s: %s (%s), want %s", addr, got, res.Nodes[addr].Message, want)
				}
			}
			if res.Requests != tt.requests {
				t.Errorf("%d requests, want %d", res.Requests, tt.requests)
			}
			if msg := res.Nodes[reqs].Message; !strings.Contains(msg, tt.message) {
				t.Errorf("message %q, want it to contain %q", msg, tt.message)
			}
			rec := h.lock.Node(reqs)
			if got := rec != nil && rec.Status == lockfile.StatusFailed; got != tt.retry {
				t.Errorf("failure recorded: %v, want %v", got, tt.retry)
			}
			if tt.retry && rec.Approval != nil {
				t.Errorf("a failed spec was approved: %+v", rec.Approval)
			}
		})
	}
}

// TestApplyUpstreamSpecs checks that a spec's prompt, and so its
// fingerprint, holds every spec document upstream of it: tasks cite the
// requirements, which they reach only through the design.
func TestApplyUpstreamSpecs(t *testing.T) {
	h := newApplyHarness(t, "auto", &fakeHost{reply: projectReply(answer(fileReply("svc/main.go", "package svc\n")))})
	h.apply(context.Background())
	var tasksPrompt string
	for _, p := range h.host.prompts {
		if strings.Contains(p, "implementation plan") {
			tasksPrompt = p
		}
	}
	for _, doc := range []string{"## .kiro/specs/a/requirements.md", "## .kiro/specs/a/design.md"} {
		if !strings.Contains(tasksPrompt, doc) {
			t.Errorf("the tasks prompt lacks %s:\n%s", doc, tasksPrompt)
		}
	}
	rec := h.lock.Node("feature.a.spec.tasks")
	if rec == nil || rec.Inputs["upstream.feature.a.spec.requirements"] == "" {
		t.Fatalf("the requirements document is not an input of the tasks: %+v", rec)
	}
}

// TestApplyReplace checks that a node regenerated by -replace counts as
// done for what depends on it, rather than still "forced by -replace".
func TestApplyReplace(t *testing.T) {
	h := newApplyHarness(t, "auto", &fakeHost{reply: projectReply(answer(fileReply("svc/main.go", "package svc\n")))})
	if res, _ := h.apply(context.Background()); res.Count(plan.Generated) != 6 {
		t.Fatalf("first apply generated %d nodes, want 6", res.Count(plan.Generated))
	}
	tasks, err := lang.ParseAddress("feature.a.spec.tasks")
	if err != nil {
		t.Fatal(err)
	}
	h.opts.Replace = []lang.Address{tasks}
	res, _ := h.apply(context.Background())
	want := map[string]plan.State{
		"feature.a.spec.tasks": plan.Generated,
		// The same document again: the codegen's inputs did not change.
		"feature.a.codegen.svc":       plan.NoOp,
		"feature.a.spec.requirements": plan.NoOp,
		"feature.b.codegen.svc":       plan.NoOp,
	}
	for addr, st := range want {
		if got := h.status(res, addr); got != st {
			t.Errorf("%s: %s (%s), want %s", addr, got, res.Nodes[addr].Message, st)
		}
	}
	if n := res.Count(plan.Blocked); n != 0 {
		t.Errorf("%d nodes blocked after -replace", n)
	}
}

func TestLockWriter(t *testing.T) {
	node := func(attempts int) *lockfile.Node {
		return &lockfile.Node{Address: fmt.Sprintf("feature.a.spec.s%d", attempts%2), Status: lockfile.StatusGenerated, Attempts: attempts}
	}
	start := lockfile.New()
	start.SetNode(node(2))
	text := func(attempts ...int) string {
		l := lockfile.New()
		l.SetNode(node(2))
		for _, a := range attempts {
			l.SetNode(node(a))
		}
		return string(l.Bytes())
	}
	tests := []struct {
		name    string
		sets    []int // the attempts of each record handed over, in order
		saveErr error
		syncErr error  // what syncing the files the records name returns
		want    string // the state last written; "" for no write at all
		wantErr bool
	}{
		{name: "nothing recorded: nothing written", sets: nil},
		{name: "a record without a change writes nothing", sets: []int{2}},
		{name: "the final state is written at close", sets: []int{3, 4, 5}, want: text(4, 5)},
		{name: "a failed save is reported at close", sets: []int{3}, saveErr: errors.New("disk full"), wantErr: true},
		{name: "files that fail to sync are not recorded", sets: []int{3}, syncErr: errors.New("input/output error"), wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var mu sync.Mutex
			var recorded, saved, written []string
			synced := 0 // syncs not yet followed by a save
			w := newLockWriter(start, func(b []byte) error {
				if tt.saveErr != nil {
					return tt.saveErr
				}
				mu.Lock()
				defer mu.Unlock()
				if synced == 0 {
					t.Error("the lock was saved before the files it records were synced")
				}
				synced = 0
				written = append(written, string(b))
				return nil
			}, func() error {
				if tt.syncErr != nil {
					return tt.syncErr
				}
				mu.Lock()
				synced++
				mu.Unlock()
				return nil
			}, func() []string {
				mu.Lock()
				defer mu.Unlock()
				nodes := recorded
				recorded = nil
				return nodes
			}, func(nodes []string) {
				saved = append(saved, nodes...)
			})
			var want []string
			for _, a := range tt.sets {
				// As the run does: the record first, then the node settled.
				n := node(a)
				w.set(n)
				mu.Lock()
				recorded = append(recorded, n.Address)
				mu.Unlock()
				want = append(want, n.Address)
			}
			err := w.close()
			if (err != nil) != tt.wantErr {
				t.Fatalf("close: %v, want error %v", err, tt.wantErr)
			}
			if tt.wantErr {
				// The lock on disk does not record them: their write-ahead
				// records must stay.
				if len(saved) > 0 {
					t.Errorf("nodes reported saved by a failed save: %q", saved)
				}
				return
			}
			if !slices.Equal(saved, want) {
				t.Errorf("nodes reported saved: %q, want %q", saved, want)
			}
			// Intermediate states may or may not be written, depending on
			// how the records fall against the write interval; the last
			// one must be, once, and nothing unchanged is written twice.
			switch {
			case tt.want == "" && len(written) != 0:
				t.Errorf("written %q, want nothing", written)
			case tt.want != "" && (len(written) == 0 || written[len(written)-1] != tt.want):
				t.Errorf("written %q, want it to end with %q", written, tt.want)
			}
			for i := 1; i < len(written); i++ {
				if written[i] == written[i-1] {
					t.Errorf("%q written twice in a row", written[i])
				}
			}
		})
	}
}

// TestApplyInterruptedWrite ends an update between writing a node's files
// and the lock file recording them, in the two ways a test can without a
// signal (testdata/script/apply_interrupted_write.txtar sends real ones):
// the lock cannot be saved (a full disk), and the run is cancelled while
// the node's hook runs. The next plan must see kirofile's own write as
// unfinished work to retry, not as a hand edit.
func TestApplyInterruptedWrite(t *testing.T) {
	const file = "svc/main.go"
	for _, how := range []string{"full disk", "interrupted hook"} {
		t.Run(how, func(t *testing.T) {
			version := "v1"
			host := &fakeHost{reply: projectReply(func(string) string { return fileReply(file, "package svc // "+version+"\n") })}
			h := newApplyHarness(t, "auto", host)
			res, saved := h.apply(context.Background())
			if h.status(res, "feature.a.codegen.svc") != plan.Generated {
				t.Fatalf("first apply: %+v", res.Nodes)
			}

			version = "v2"
			cfg, _ := lang.Load(h.dir, lang.LoadOptions{})
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			saveErr := error(nil)
			if how == "full disk" {
				saveErr = errors.New("no space left on device")
			} else {
				host.check = func(string, []string) (bool, string) {
					cancel()
					return false, "killed"
				}
			}
			onDisk := saved
			res, diags := Apply(ctx, cfg, h.lock, Options{
				Options: plan.Options{Replace: []lang.Address{mustAddr(t, "feature.a.codegen.svc")}},
				Host:    host,
				SaveLock: func(b []byte) error {
					if saveErr != nil {
						return saveErr
					}
					onDisk = b
					return nil
				},
			})
			if how == "full disk" && !diags.HasErrors() {
				t.Fatalf("a failed lock write is not reported: %v", res.Nodes)
			}
			if b, _ := os.ReadFile(filepath.Join(h.dir, file)); !strings.Contains(string(b), "v2") {
				t.Fatalf("the update was not written: %q", b)
			}

			// The next run starts from the lock file on disk.
			lock, _, ldiags := lockfile.Parse(onDisk, "Kirofile.lock.hcl")
			if ldiags.HasErrors() {
				t.Fatal(ldiags)
			}
			p, _ := plan.Build(cfg, lock, plan.Options{})
			ch := p.Change("feature.a.codegen.svc")
			if ch.State != plan.Retry || !strings.Contains(plan.Join(ch.Reasons, " "), "did not record it") || ch.Reasons[0].Code != plan.CodeInterrupted {
				t.Fatalf("plan after the interrupted update: %s %q, want retry", ch.State, ch.Reasons)
			}

			// A plain apply finishes it, and the record goes.
			host.check = nil
			h2 := &applyHarness{t: t, dir: h.dir, lock: lock, host: host}
			host.check = func(string, []string) (bool, string) { return true, "" }
			res, _ = h2.apply(context.Background())
			if h2.status(res, "feature.a.codegen.svc") != plan.Generated {
				t.Fatalf("retry: %+v", res.Nodes["feature.a.codegen.svc"])
			}
			if recs := journal.Load(h.dir); len(recs) != 0 {
				t.Errorf("write-ahead records are still there: %v", recs)
			}
			if entries, _ := os.ReadDir(filepath.Join(h.dir, filepath.FromSlash(journal.Dir))); len(entries) != 0 {
				t.Errorf("files left under %s: %v", journal.Dir, entries)
			}
		})
	}
}

func mustAddr(t *testing.T, s string) lang.Address {
	t.Helper()
	a, err := lang.ParseAddress(s)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// TestSummary checks the error text the lock keeps: one line, and when
// long, its start and its end, where a wrapped error states its cause.
func TestSummary(t *testing.T) {
	short := "hook \"test\" failed:\n--- FAIL: TestX\n\nFAIL ./..."
	if got, want := summary(short), `hook "test" failed: | --- FAIL: TestX | FAIL ./...`; got != want {
		t.Errorf("summary = %q, want %q", got, want)
	}
	long := "provider.openai.main: openai: feature.a.codegen.c: " + strings.Repeat("context é ", 300) + "the cause: HTTP 400 invalid header"
	got := summary(long)
	if len(got) > summaryMax || !strings.HasPrefix(got, "provider.openai.main: openai: feature.a.codegen.c: ") ||
		!strings.HasSuffix(got, "the cause: HTTP 400 invalid header") || !strings.Contains(got, " [...] ") || !utf8.ValidString(got) {
		t.Errorf("summary of %d bytes = %q (%d bytes)", len(long), got, len(got))
	}
}

// With Hold, requests go out at once, but nothing of the project changes
// on disk (no document, no write-ahead record, no lock, no hook) until it
// is closed; then the run goes on as without it.
// watchedProject is the project of applyKirofile, loaded, whose endpoint
// tells seen of each prompt before it answers.
func watchedProject(t *testing.T, seen func(prompt string)) (*fakeHost, *applyHarness, *lang.Config) {
	t.Helper()
	reply := projectReply(answer(fileReply("svc/main.go", "package svc\n")))
	host := &fakeHost{reply: func(prompt string) string {
		seen(prompt)
		return reply(prompt)
	}}
	h := newApplyHarness(t, "auto", host)
	cfg, diags := lang.Load(h.dir, lang.LoadOptions{})
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	return host, h, cfg
}

func TestApplyHold(t *testing.T) {
	requested := make(chan string, 16)
	host, h, cfg := watchedProject(t, func(prompt string) { requested <- prompt })
	hold := make(chan struct{})
	var saves atomic.Int32
	type outcome struct {
		res   *Result
		diags hcl.Diagnostics
	}
	done := make(chan outcome, 1)
	go func() {
		res, diags := Apply(context.Background(), cfg, h.lock, Options{
			Parallelism: 4, Host: host, Hold: hold,
			SaveLock: func([]byte) error { saves.Add(1); return nil },
		})
		done <- outcome{res, diags}
	}()
	// Both features' requirements are asked for; nothing is written.
	for range 2 {
		select {
		case <-requested:
		case <-time.After(10 * time.Second):
			t.Fatal("no request went out while the run was held")
		}
	}
	select {
	case o := <-done:
		t.Fatalf("the run ended while held: %+v %v", o.res, o.diags)
	case <-requested:
		t.Fatal("a node went past its first request while held")
	case <-time.After(100 * time.Millisecond):
	}
	for _, p := range []string{".kiro", filepath.FromSlash(journal.Dir), "svc"} {
		if _, err := os.Stat(filepath.Join(h.dir, p)); !os.IsNotExist(err) {
			t.Errorf("%s exists while the run is held (%v)", p, err)
		}
	}
	if n := saves.Load(); n != 0 {
		t.Errorf("the lock was saved %d times while the run was held", n)
	}
	close(hold)
	o := <-done
	if o.diags.HasErrors() {
		t.Fatal(o.diags)
	}
	for _, addr := range []string{"feature.a.spec.requirements", "feature.a.codegen.svc", "feature.b.codegen.svc"} {
		if got := h.status(o.res, addr); got != plan.Generated {
			t.Errorf("%s: %s, want generated", addr, got)
		}
	}
}

// TestApplyUnderway: Options.Underway is called once, when the first
// request goes out, before any reply is read; work it starts may hold the
// run (Hold), which then goes on.
func TestApplyUnderway(t *testing.T) {
	var sent atomic.Int32
	host, h, cfg := watchedProject(t, func(string) { sent.Add(1) })
	hold := make(chan struct{})
	var calls, sentThen, walked, sentWalked atomic.Int32
	res, diags := Apply(context.Background(), cfg, h.lock, Options{
		Parallelism: 4, Host: host, Hold: hold,
		Underway: func() {
			calls.Add(1)
			sentThen.Store(sent.Load())
			close(hold) // the caller's work beside the run, done
		},
		Walked: func() {
			walked.Add(1)
			sentWalked.Store(sent.Load())
		},
	})
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	if n := calls.Load(); n != 1 {
		t.Errorf("Underway called %d times, want 1", n)
	}
	if n := sentThen.Load(); n != 0 {
		t.Errorf("Underway called after %d replies, want before the first", n)
	}
	if got := h.status(res, "feature.b.codegen.svc"); got != plan.Generated {
		t.Errorf("feature.b.codegen.svc: %s, want generated", got)
	}
	// Walked: once, after the last request.
	if n := walked.Load(); n != 1 {
		t.Errorf("Walked called %d times, want 1", n)
	}
	if n, all := sentWalked.Load(), sent.Load(); n != all || all == 0 {
		t.Errorf("Walked called after %d of %d requests", n, all)
	}
}

// TestApplyUnderwayWithoutRequests: a run that sends nothing is underway
// when it ends, at the latest; it does not wait for a request that never
// comes.
func TestApplyUnderwayWithoutRequests(t *testing.T) {
	h := newApplyHarness(t, "auto", &fakeHost{reply: projectReply(answer(fileReply("svc/main.go", "package svc\n")))})
	cfg, diags := lang.Load(h.dir, lang.LoadOptions{})
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	if _, diags := Apply(context.Background(), cfg, h.lock, Options{Parallelism: 4, Host: h.host}); diags.HasErrors() {
		t.Fatal(diags)
	}
	// A second run, with nothing to generate.
	hold := make(chan struct{})
	var calls atomic.Int32
	done := make(chan struct{})
	go func() {
		defer close(done)
		_, _ = Apply(context.Background(), cfg, h.lock, Options{Parallelism: 4, Host: h.host, Hold: hold,
			Underway: func() { calls.Add(1); close(hold) }})
	}()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("the run waited for Hold without calling Underway")
	}
	if n := calls.Load(); n != 1 {
		t.Errorf("Underway called %d times, want 1 (at the end of the run)", n)
	}
}

// TestSerial: what is queued runs one at a time, in order, and Wait
// waits for all of it.
func TestSerial(t *testing.T) {
	var s serial
	var mu sync.Mutex
	var got []int
	var running, most atomic.Int32
	for i := range serialBacklog {
		s.Go(func() {
			n := running.Add(1)
			if n > most.Load() {
				most.Store(n)
			}
			time.Sleep(time.Microsecond)
			mu.Lock()
			got = append(got, i)
			mu.Unlock()
			running.Add(-1)
		})
	}
	s.Wait()
	if len(got) != serialBacklog || !slices.IsSorted(got) {
		t.Errorf("ran %d, in order %v", len(got), slices.IsSorted(got))
	}
	if m := most.Load(); m != 1 {
		t.Errorf("%d ran at once, want 1", m)
	}
}

// TestSerialBacklog: beyond serialBacklog waiting, the caller runs what
// it hands over, and Wait still waits for everything.
func TestSerialBacklog(t *testing.T) {
	var s serial
	release := make(chan struct{})
	var done atomic.Int32
	s.Go(func() { <-release; done.Add(1) }) // holds the queue
	for range serialBacklog {
		s.Go(func() { done.Add(1) })
	}
	ranInline := false
	s.Go(func() { ranInline = true; done.Add(1) })
	if !ranInline {
		t.Error("the function beyond the backlog was queued, not run by its caller")
	}
	close(release)
	s.Wait()
	if n := done.Load(); n != serialBacklog+2 {
		t.Errorf("%d ran, want %d", n, serialBacklog+2)
	}
}

// TestApplySpecOutputsAsHooksLeft checks that a spec document is recorded,
// and approved automatically, as its spec.generated hooks left it on disk
// (a formatter rewrites it), and as written when no hook ran; either way
// the next plan has nothing to do.
func TestApplySpecOutputsAsHooksLeft(t *testing.T) {
	const kirofile = oneSpecKirofile + `
hook "fmt" {
  on = ["%s"]
  action "exec" {
    command = ["fmt"]
  }
}
`
	const reqs = "feature.a.spec.requirements"
	const path = ".kiro/specs/a/requirements.md"
	const formatted = "\n<!-- formatted -->\n"
	for _, tt := range []struct {
		name, event, want string
	}{
		{name: "a hook rewrote the document", event: "spec.generated", want: goodRequirements + formatted},
		{name: "no hook ran", event: "codegen.completed", want: goodRequirements},
	} {
		t.Run(tt.name, func(t *testing.T) {
			host := &fakeHost{reply: func(prompt string) string {
				if strings.Contains(prompt, "Write the requirements document") {
					return goodRequirements
				}
				return fileReply("svc/main.go", "package svc\n")
			}}
			h := newApplyHarnessWith(t, fmt.Sprintf(kirofile, tt.event), host)
			host.check = func(dir string, files []string) (bool, string) {
				for _, f := range files {
					if f != path {
						continue
					}
					p := filepath.Join(dir, filepath.FromSlash(f))
					data, err := os.ReadFile(p)
					if err == nil {
						err = os.WriteFile(p, append(data, formatted...), 0o644)
					}
					if err != nil {
						return false, err.Error()
					}
				}
				return true, ""
			}
			res, _ := h.apply(context.Background())
			if got := h.status(res, reqs); got != plan.Generated {
				t.Fatalf("%s: %s (%s)", reqs, got, res.Nodes[reqs].Message)
			}
			data, err := os.ReadFile(filepath.Join(h.dir, filepath.FromSlash(path)))
			if err != nil || string(data) != tt.want {
				t.Fatalf("the document holds %q (%v), want %q", data, err, tt.want)
			}
			want := digest.Bytes([]byte(tt.want))
			rec := h.lock.Node(reqs)
			if got := rec.Outputs[path]; got != want {
				t.Errorf("the lock records the document as %s, want %s", got, want)
			}
			if rec.Approval == nil || rec.Approval.SHA256 != want {
				t.Errorf("approved as %+v, want %s", rec.Approval, want)
			}
			cfg, diags := lang.Load(h.dir, lang.LoadOptions{RequireVariables: true})
			if diags.HasErrors() {
				t.Fatal(diags)
			}
			p, diags := plan.Build(cfg, h.lock, plan.Options{})
			if diags.HasErrors() {
				t.Fatal(diags)
			}
			for _, c := range p.Changes {
				if c.State != plan.NoOp {
					t.Errorf("after the run, %s: %s (%v)", c.Address, c.State, c.Reasons)
				}
			}
		})
	}
}
