package approval_test

import (
	"strings"
	"testing"
	"time"

	"github.com/kirofile/kirofile/internal/approval"
	"github.com/kirofile/kirofile/internal/lockfile"
	"github.com/kirofile/kirofile/internal/plan"
	"github.com/kirofile/kirofile/internal/plan/plantest"
)

func TestApproveRules(t *testing.T) {
	t.Run("downstream before upstream is refused", func(t *testing.T) {
		h := plantest.New(t)
		h.GenSpec(plantest.AReq, "# R\n")
		h.Write(plantest.SpecPath(plantest.ADesign), "# D\n")
		_, diags := approval.Approve(h.Config(), h.Lock, plantest.Addrs(t, []string{plantest.ADesign}), approval.Options{By: "x", Now: time.Now()})
		if !diags.HasErrors() || !strings.Contains(diags[0].Detail, "approve that first (kirofile approve "+plantest.AReq+")") {
			t.Fatalf("diags = %v", diags)
		}
	})
	t.Run("a feature approves its pending specs in order", func(t *testing.T) {
		h := plantest.New(t)
		h.GenSpec(plantest.AReq, "# R\n")
		h.Approve(plantest.AReq)
		h.GenSpec(plantest.ADesign, "# D\n")
		h.Approve(plantest.ADesign)
		h.GenSpec(plantest.ATasks, "# T\n")
		h.Write(plantest.SpecPath(plantest.AReq), "# R, edited\n")
		got, diags := approval.Approve(h.Config(), h.Lock, plantest.Addrs(t, []string{"feature.a"}), approval.Options{By: "x", Now: time.Now()})
		if diags.HasErrors() {
			t.Fatal(diags)
		}
		var addrs []string
		for _, a := range got {
			if a.Approved {
				addrs = append(addrs, a.Address)
			}
		}
		// The edited requirements are approved; the design was generated
		// from the old ones, so it is out of date, not pending: it is
		// skipped, and plan says it will be regenerated.
		if strings.Join(addrs, " ") != plantest.AReq {
			t.Errorf("approved %v", addrs)
		}
		if a := h.Plan(plan.Options{}).Change(plantest.ADesign).State; a != plan.Update {
			t.Errorf("design after approval: %s", a)
		}
	})
	t.Run("a feature of hand-written specs is approved top down", func(t *testing.T) {
		h := plantest.New(t)
		h.Write(plantest.SpecPath(plantest.ATasks), "# T\n")
		h.Write(plantest.SpecPath(plantest.ADesign), "# D\n")
		h.Write(plantest.SpecPath(plantest.AReq), "# R\n")
		got, diags := approval.Approve(h.Config(), h.Lock, plantest.Addrs(t, []string{"feature.a"}), approval.Options{By: "x", Now: time.Now()})
		if diags.HasErrors() {
			t.Fatal(diags)
		}
		var addrs []string
		for _, a := range got {
			if a.Approved {
				addrs = append(addrs, a.Address)
			}
		}
		if strings.Join(addrs, " ") != plantest.AReq+" "+plantest.ADesign+" "+plantest.ATasks {
			t.Errorf("approved %v", addrs)
		}
		if p := h.Plan(plan.Options{}); p.Change(plantest.ASvc).State != plan.Create {
			t.Errorf("codegen after approval: %s", p.Change(plantest.ASvc).State)
		}
	})
	t.Run("nothing to approve without a document", func(t *testing.T) {
		h := plantest.New(t)
		_, diags := approval.Approve(h.Config(), h.Lock, plantest.Addrs(t, []string{plantest.AReq}), approval.Options{By: "x", Now: time.Now()})
		if !diags.HasErrors() || diags[0].Summary != "Nothing to approve" {
			t.Fatalf("diags = %v", diags)
		}
	})
	t.Run("codegen cannot be approved", func(t *testing.T) {
		h := plantest.New(t)
		_, diags := approval.Approve(h.Config(), h.Lock, plantest.Addrs(t, []string{plantest.ASvc}), approval.Options{By: "x", Now: time.Now()})
		if !diags.HasErrors() || diags[0].Summary != "Only specs are approved" {
			t.Fatalf("diags = %v", diags)
		}
	})
	t.Run("revoke blocks downstream again", func(t *testing.T) {
		h := plantest.New(t)
		h.AllDone()
		revoked, diags := approval.Revoke(h.Config(), h.Lock, plantest.Addrs(t, []string{plantest.ADesign}))
		if diags.HasErrors() || len(revoked) != 1 {
			t.Fatalf("revoked %v, %v", revoked, diags)
		}
		p := h.Plan(plan.Options{})
		if p.Change(plantest.ADesign).State != plan.Approve || p.Change(plantest.ATasks).State != plan.Blocked || p.Change(plantest.ASvc).State != plan.Blocked {
			t.Errorf("after revoke: design %s, tasks %s, svc %s", p.Change(plantest.ADesign).State, p.Change(plantest.ATasks).State, p.Change(plantest.ASvc).State)
		}
	})
	t.Run("approval records hash, approver and time", func(t *testing.T) {
		h := plantest.New(t)
		h.GenSpec(plantest.AReq, "# R\n")
		h.Approve(plantest.AReq)
		a := h.Lock.Node(plantest.AReq).Approval
		if a == nil || a.SHA256 != lockfile.HashBytes([]byte("# R\n")) || a.By != "ana@example.com" || !a.At.Equal(time.Unix(0, 0)) {
			t.Errorf("approval = %+v", a)
		}
	})
}

func TestApproveNeedsKnownInputs(t *testing.T) {
	h := plantest.New(t)
	h.Write("Kirofile", `
provider "openai" "main" {
  model = "m"
}
feature "a" {
  description = "a"
  spec "requirements" {
    approval = "auto"
  }
  spec "design" {}
}
`)
	h.Write(".kiro/specs/a/design.md", "# Design\n")
	_, diags := approval.Approve(h.Config(), h.Lock, plantest.Addrs(t, []string{"feature.a.spec.design"}), approval.Options{By: "x", Now: time.Now()})
	if !diags.HasErrors() || diags[0].Summary != "Upstream not generated yet" {
		t.Fatalf("diags = %v", diags)
	}
	if len(h.Lock.Nodes) != 0 {
		t.Errorf("recorded: %v", h.Lock.Nodes)
	}
}
