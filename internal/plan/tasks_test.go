package plan_test

import (
	"testing"

	"github.com/kirofile/kirofile/internal/digest"
	"github.com/kirofile/kirofile/internal/plan"
	"github.com/kirofile/kirofile/internal/plan/plantest"
)

// The hash of a tasks document ignores the state of its checkboxes, and
// only that: ticking a task keeps the approval and what was generated from
// the document up to date; any other edit voids it.
func TestTasksDocumentTicks(t *testing.T) {
	const doc = "# Implementation Plan\n\n- [ ] 1. Send\n  - _Requirements: 1.1_\n- [ ] 2. Retry\n"
	h := plantest.New(t)
	h.AllDone()
	h.GenSpec(plantest.ATasks, doc)
	h.Approve(plantest.ATasks)
	h.Generate(plantest.ASvc, map[string]string{"svc/main.go": "package main\n"})
	if p := h.Plan(plan.Options{}); p.HasChanges() {
		t.Fatalf("not settled: %+v", p.Changes)
	}
	path := plantest.SpecPath(plantest.ATasks)
	h.Write(path, "# Implementation Plan\n\n- [x] 1. Send\n  - _Requirements: 1.1_\n- [~] 2. Retry\n")
	if p := h.Plan(plan.Options{}); p.HasChanges() {
		for _, c := range p.Changes {
			if c.State != plan.NoOp {
				t.Errorf("after a tick: %s %s %v", c.Address, c.State, c.Reasons)
			}
		}
	}
	h.Write(path, "# Implementation Plan\n\n- [x] 1. Send now\n  - _Requirements: 1.1_\n- [ ] 2. Retry\n")
	if c := h.Plan(plan.Options{}).Change(plantest.ATasks); c.State != plan.Approve {
		t.Errorf("an edit beyond the boxes: %s, want approve", c.State)
	}
}

// An approval recorded with the plain hash of a tasks document whose boxes
// were ticked, before checkboxes were cleared for hashing, still stands.
func TestTasksDocumentLegacyApproval(t *testing.T) {
	const ticked = "# Implementation Plan\n\n- [x] 1. Send\n"
	h := plantest.New(t)
	h.ReadyForCode()
	h.GenSpec(plantest.ATasks, ticked)
	h.Approve(plantest.ATasks)
	rec := h.Lock.Node(plantest.ATasks).Clone()
	rec.Outputs[plantest.SpecPath(plantest.ATasks)] = digest.String(ticked)
	rec.Approval.SHA256 = digest.String(ticked)
	h.Lock.SetNode(rec)
	if c := h.Plan(plan.Options{}).Change(plantest.ATasks); c.State != plan.NoOp {
		t.Errorf("legacy approval: %s %v", c.State, c.Reasons)
	}
}
