package plan_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/kirofile/kirofile/internal/cache"
	"github.com/kirofile/kirofile/internal/lockfile"
	"github.com/kirofile/kirofile/internal/plan"
	"github.com/kirofile/kirofile/internal/plan/plantest"
	"github.com/kirofile/kirofile/lang"
)

func TestPlanActions(t *testing.T) {
	tests := []struct {
		name  string
		steps func(h *plantest.Harness)
		opts  plan.Options
		// want maps addresses to "action" or "action: reason substring".
		want map[string]string
	}{
		{
			name:  "fresh project",
			steps: func(h *plantest.Harness) {},
			want: map[string]string{
				plantest.AReq:    "create: never generated",
				plantest.ADesign: "blocked: waits for " + plantest.AReq + " (not generated yet)",
				plantest.ATasks:  "blocked: waits for " + plantest.AReq + " (not generated yet), through " + plantest.ADesign,
				plantest.ASvc:    "blocked",
				plantest.BReq:    "blocked: waits for " + plantest.AReq + " (not generated yet), through " + plantest.ADesign,
				plantest.BNotes:  "create",
			},
		},
		{
			name:  "generated spec awaits approval",
			steps: func(h *plantest.Harness) { h.GenSpec(plantest.AReq, "# R\n") },
			want: map[string]string{
				plantest.AReq:    "approve: generated, awaiting approval",
				plantest.ADesign: "blocked: waits for " + plantest.AReq + " (awaiting approval)",
			},
		},
		{
			name:  "approval unblocks the next spec",
			steps: func(h *plantest.Harness) { h.GenSpec(plantest.AReq, "# R\n"); h.Approve(plantest.AReq) },
			want:  map[string]string{plantest.AReq: "no-op", plantest.ADesign: "create", plantest.ATasks: "blocked: waits for " + plantest.ADesign},
		},
		{
			name: "human edit voids the approval and blocks downstream",
			steps: func(h *plantest.Harness) {
				h.GenSpec(plantest.AReq, "# R\n")
				h.Approve(plantest.AReq)
				h.Write(plantest.SpecPath(plantest.AReq), "# R, edited by a person\n")
			},
			want: map[string]string{
				plantest.AReq:    "approve: edited by hand since it was generated; its approval is void",
				plantest.ADesign: "blocked: waits for " + plantest.AReq,
			},
		},
		{
			name: "approving the edit makes it current again",
			steps: func(h *plantest.Harness) {
				h.GenSpec(plantest.AReq, "# R\n")
				h.Approve(plantest.AReq)
				h.Write(plantest.SpecPath(plantest.AReq), "# R, edited\n")
				h.Approve(plantest.AReq)
			},
			want: map[string]string{plantest.AReq: "no-op", plantest.ADesign: "create"},
		},
		{
			name:  "everything up to date",
			steps: func(h *plantest.Harness) { h.AllDone() },
			want: map[string]string{
				plantest.AReq: "no-op", plantest.ADesign: "no-op", plantest.ATasks: "no-op", plantest.ASvc: "no-op", plantest.BReq: "no-op", plantest.BNotes: "no-op",
			},
		},
		{
			name: "auto approval needs no person",
			steps: func(h *plantest.Harness) {
				h.GenSpec(plantest.BNotes, "# Notes\n")
			},
			want: map[string]string{plantest.BNotes: "no-op"},
		},
		{
			name: "feature description change regenerates that feature's chain only",
			steps: func(h *plantest.Harness) {
				h.AllDone()
				h.Write("features/a.md", "Feature a sends email and SMS.")
			},
			want: map[string]string{
				plantest.AReq:    "update: the feature description changed",
				plantest.ADesign: "blocked: waits for " + plantest.AReq + " (to be regenerated)",
				plantest.ASvc:    "blocked",
				plantest.BReq:    "blocked",
				plantest.BNotes:  "no-op",
			},
		},
		{
			name: "edited generated code is drift, never overwritten",
			steps: func(h *plantest.Harness) {
				h.AllDone()
				h.Write("svc/main.go", "package main // edited\n")
			},
			want: map[string]string{plantest.ASvc: "drift: edited outside kirofile: svc/main.go"},
		},
		{
			name: "deleted generated code is drift",
			steps: func(h *plantest.Harness) {
				h.AllDone()
				h.Remove("svc/main_test.go")
			},
			want: map[string]string{plantest.ASvc: "drift: deleted outside kirofile: svc/main_test.go"},
		},
		{
			name: "replace overwrites drift",
			steps: func(h *plantest.Harness) {
				h.AllDone()
				h.Write("svc/main.go", "package main // edited\n")
			},
			opts: plan.Options{Replace: []lang.Address{lang.CodegenAddr("a", "svc")}},
			want: map[string]string{plantest.ASvc: "update: forced by -replace"},
		},
		{
			name: "failed feedback hooks mean retry",
			steps: func(h *plantest.Harness) {
				h.ReadyForCode()
				h.Fail(plantest.ASvc, "go test failed")
			},
			want: map[string]string{plantest.ASvc: "retry: the last generation failed after 3 attempt(s): go test failed"},
		},
		{
			name: "context file change updates the codegen",
			steps: func(h *plantest.Harness) {
				h.AllDone()
				h.Write("shared/log.go", "package shared // v2\n")
			},
			want: map[string]string{plantest.ASvc: "update: context files changed", plantest.ATasks: "no-op"},
		},
		{
			name: "new context file updates the codegen",
			steps: func(h *plantest.Harness) {
				h.AllDone()
				h.Write("shared/util.go", "package shared\n")
			},
			want: map[string]string{plantest.ASvc: "update: context files changed"},
		},
		{
			name: "steering change updates every node it applies to",
			steps: func(h *plantest.Harness) {
				h.AllDone()
				h.Write("steering/tech.md", "Go, and no dependencies.")
			},
			want: map[string]string{plantest.AReq: "update: steering changed", plantest.BNotes: "update: steering changed"},
		},
		{
			name: "re-approved upstream edit updates downstream",
			steps: func(h *plantest.Harness) {
				h.AllDone()
				h.Write(plantest.SpecPath(plantest.ATasks), "# Tasks, edited\n")
				h.Approve(plantest.ATasks)
			},
			want: map[string]string{plantest.ATasks: "no-op", plantest.ASvc: "update: upstream " + plantest.ATasks + " changed"},
		},
		{
			name: "a hand-written spec needs approval",
			steps: func(h *plantest.Harness) {
				h.Write(plantest.SpecPath(plantest.AReq), "# Written by a person\n")
			},
			want: map[string]string{plantest.AReq: "approve: written by hand and is not approved", plantest.ADesign: "blocked"},
		},
		{
			name: "a hand-written spec waiting for its upstream approval says both",
			steps: func(h *plantest.Harness) {
				h.Write(plantest.SpecPath(plantest.AReq), "# Written by a person\n")
				h.Write(plantest.SpecPath(plantest.ADesign), "# Also written by a person\n")
			},
			want: map[string]string{
				plantest.AReq:    "approve: written by hand and is not approved",
				plantest.ADesign: "blocked: .kiro/specs/a/design.md was written by hand; it waits for " + plantest.AReq + " (awaiting approval)",
			},
		},
		{
			name: "a hand-written approved spec is up to date",
			steps: func(h *plantest.Harness) {
				h.Write(plantest.SpecPath(plantest.AReq), "# Written by a person\n")
				h.Approve(plantest.AReq)
			},
			want: map[string]string{plantest.AReq: "no-op", plantest.ADesign: "create"},
		},
		{
			name: "edited spec whose inputs also changed is drift",
			steps: func(h *plantest.Harness) {
				h.AllDone()
				h.Write(plantest.SpecPath(plantest.AReq), "# R, edited\n")
				h.Write("features/a.md", "Feature a, new description.")
			},
			want: map[string]string{plantest.AReq: "drift: edited by hand, and the feature description changed"},
		},
		{
			name: "approving a drifted spec adopts it",
			steps: func(h *plantest.Harness) {
				h.AllDone()
				h.Write(plantest.SpecPath(plantest.AReq), "# R, edited\n")
				h.Write("features/a.md", "Feature a, new description.")
				h.Approve(plantest.AReq)
			},
			want: map[string]string{plantest.AReq: "no-op", plantest.ADesign: "update: upstream " + plantest.AReq + " changed"},
		},
		{
			name: "deleted spec document is created again",
			steps: func(h *plantest.Harness) {
				h.GenSpec(plantest.AReq, "# R\n")
				h.Remove(plantest.SpecPath(plantest.AReq))
			},
			want: map[string]string{plantest.AReq: "create: is missing"},
		},
		{
			name:  "target keeps the node and its upstream only",
			steps: func(h *plantest.Harness) {},
			opts:  plan.Options{Targets: []lang.Address{lang.SpecAddr("a", "design")}},
			want:  map[string]string{plantest.AReq: "create", plantest.ADesign: "blocked"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := plantest.New(t)
			tt.steps(h)
			pln := h.Plan(tt.opts)
			for addr, want := range tt.want {
				ch := pln.Change(addr)
				if ch == nil {
					t.Errorf("%s: not in the plan", addr)
					continue
				}
				action, reason, _ := strings.Cut(want, ": ")
				got := string(ch.State) + ": " + plan.Join(ch.Reasons, "; ")
				if string(ch.State) != action || !strings.Contains(plan.Join(ch.Reasons, "; "), reason) {
					t.Errorf("%s = %q, want %q", addr, got, want)
				}
			}
			if len(tt.opts.Targets) > 0 && len(pln.Changes) != len(tt.want) {
				t.Errorf("targeted plan has %d changes, want %d", len(pln.Changes), len(tt.want))
			}
		})
	}
}

func TestDetailedExitCodeGate(t *testing.T) {
	h := plantest.New(t)
	h.AllDone()
	if p := h.Plan(plan.Options{}); p.HasChanges() {
		t.Fatalf("up-to-date project has changes: %+v", p.Counts())
	}
	h.Write("svc/main.go", "package main // edited\n")
	if p := h.Plan(plan.Options{}); !p.HasChanges() {
		t.Fatal("drift does not count as a change")
	}
}

func TestSecretsNeverInFingerprint(t *testing.T) {
	h := plantest.New(t)
	h.Write("Kirofile", plantest.Kirofile+`
variable "token" {
  type      = string
  default   = "first-secret"
  sensitive = true
}
feature "c" {
  spec "requirements" {
    prompt = "Use token ${var.token}"
  }
}
`)
	before := h.Plan(plan.Options{}).Change("feature.c.spec.requirements").Fingerprint
	h.Write("Kirofile", strings.Replace(string(must(os.ReadFile(filepath.Join(h.Dir, "Kirofile")))), "first-secret", "second-secret", 1))
	after := h.Plan(plan.Options{}).Change("feature.c.spec.requirements").Fingerprint
	if before != after {
		t.Error("a sensitive value reached the fingerprint")
	}
}

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

func TestHashCacheAndFullRefresh(t *testing.T) {
	h := plantest.New(t)
	h.AllDone()
	later := func() time.Time { return time.Now().Add(time.Hour) }
	planWith := func(rehash bool) *plan.Plan {
		hashes := cache.LoadHashes(h.Dir)
		hashes.Now = later
		p, diags := plan.Build(h.Config(), h.Lock, plan.Options{Hashes: hashes, Rehash: rehash})
		if diags.HasErrors() {
			t.Fatal(diags)
		}
		hashes.Save()
		return p
	}
	if p := planWith(false); p.HasChanges() {
		t.Fatalf("warming the cache: %v", p.Counts())
	}

	// An ordinary edit changes the file's stat: caught with the cache.
	h.Write("svc/main.go", "package main // edited\n")
	if a := planWith(false).Change(plantest.ASvc).State; a != plan.Drift {
		t.Fatalf("edit with the cache: %s, want drift", a)
	}
	h.Write("svc/main.go", "package main\n")
	if p := planWith(false); p.HasChanges() {
		t.Fatalf("after restoring: %v", p.Counts())
	}

	// An edit that leaves size, times and inode as they were (here: the
	// cache is told so) is invisible to the stat; -rehash catches it.
	h.Write("svc/main.go", "package xxxx\n")
	st, err := cache.Stat(filepath.Join(h.Dir, "svc", "main.go"))
	if err != nil {
		t.Fatal(err)
	}
	hashes := cache.LoadHashes(h.Dir)
	hashes.Now = later
	hashes.Put("svc/main.go", st, lockfile.HashBytes([]byte("package main\n")))
	hashes.Save()
	if a := planWith(false).Change(plantest.ASvc).State; a != plan.NoOp {
		t.Fatalf("invisible edit with the cache: %s; the test no longer simulates one", a)
	}
	if a := planWith(true).Change(plantest.ASvc).State; a != plan.Drift {
		t.Errorf("invisible edit with -rehash: %s, want drift", a)
	}
	// The full refresh also repaired the cache.
	if a := planWith(false).Change(plantest.ASvc).State; a != plan.Drift {
		t.Errorf("after -rehash, with the cache: %s, want drift", a)
	}
}
