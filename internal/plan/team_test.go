package plan_test

import (
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/kirofile/kirofile/internal/digest"
	"github.com/kirofile/kirofile/internal/lockfile"
	"github.com/kirofile/kirofile/internal/plan"
	"github.com/kirofile/kirofile/internal/plan/plantest"
	"github.com/kirofile/kirofile/lang"
)

func states(p *plan.Plan, addrs ...string) map[string]plan.State {
	out := map[string]plan.State{}
	for _, a := range addrs {
		if ch := p.Change(a); ch != nil {
			out[a] = ch.State
		}
	}
	return out
}

func codes(ch *plan.Change) []string { return plan.Codes(ch.Reasons) }

// A one-character fix to a feature's description: accepted, the documents
// and code stay as they are, the specs need approval again, and no model
// is called.
func TestRefreshAcceptsChangedInputs(t *testing.T) {
	h := plantest.New(t)
	h.AllDone()
	h.Write("features/a.md", "Feature a sends e-mail.")
	p := h.Plan(plan.Options{RefreshOnly: true})
	var accepted []string
	for _, ch := range p.Changes {
		if ch.State != plan.Accept {
			t.Errorf("%s: %s in a refresh-only plan", ch.Address, ch.State)
		}
		accepted = append(accepted, ch.Address)
	}
	want := []string{plantest.AReq, plantest.ADesign, plantest.ATasks, plantest.ASvc}
	if !slices.Equal(accepted, want) {
		t.Fatalf("accepted %v, want %v", accepted, want)
	}
	if c := codes(p.Change(plantest.AReq)); !slices.Equal(c, []string{plan.CodeAcceptInputs}) {
		t.Errorf("codes %v", c)
	}
	// Planning touched nothing.
	if got := h.Plan(plan.Options{}).Change(plantest.AReq).State; got != plan.Update {
		t.Fatalf("after plan -refresh-only: %s", got)
	}
	if _, diags := plan.Refresh(h.Config(), h.Lock, plan.Options{}, p.Acting()); diags.HasErrors() {
		t.Fatal(diags)
	}
	after := h.Plan(plan.Options{})
	if got := after.Change(plantest.AReq); got.State != plan.Approve || !slices.Contains(codes(got), plan.CodeApprovalStale) {
		t.Fatalf("requirements after accept: %s %v", got.State, got.Reasons)
	}
	h.Approve(plantest.AReq, plantest.ADesign, plantest.ATasks)
	if p := h.Plan(plan.Options{}); p.HasChanges() {
		t.Errorf("after approving again: %+v", states(p, plantest.AReq, plantest.ADesign, plantest.ATasks, plantest.ASvc))
	}
}

func TestRefreshAcceptsHandEdits(t *testing.T) {
	h := plantest.New(t)
	h.AllDone()
	h.Write("svc/main.go", "package main // kept by hand\n")
	h.Remove("svc/main_test.go")
	p := h.Plan(plan.Options{RefreshOnly: true})
	ch := p.Change(plantest.ASvc)
	if ch == nil || ch.State != plan.Accept || !slices.Equal(ch.Files, []string{"svc/main.go"}) {
		t.Fatalf("plan: %+v", ch)
	}
	plan.Refresh(h.Config(), h.Lock, plan.Options{}, p.Acting())
	if p := h.Plan(plan.Options{}); p.HasChanges() {
		t.Errorf("after accepting: %s", p.Change(plantest.ASvc).State)
	}
	if _, ok := h.Lock.Node(plantest.ASvc).Outputs["svc/main_test.go"]; ok {
		t.Errorf("a deleted file is still recorded")
	}
	// Only the nodes confirmed are accepted.
	h.Write("svc/main.go", "package main // again\n")
	plan.Refresh(h.Config(), h.Lock, plan.Options{}, map[string]bool{})
	if got := h.Plan(plan.Options{}).Change(plantest.ASvc).State; got != plan.Drift {
		t.Errorf("accepted without being confirmed: %s", got)
	}
}

func TestAutoApprovedSpecDoesNotBlock(t *testing.T) {
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
  spec "design" {
    approval = "auto"
  }
  codegen "svc" {
    outputs = ["svc/**"]
  }
}
`)
	p := h.Plan(plan.Options{})
	for _, a := range []string{"feature.a.spec.requirements", "feature.a.spec.design", "feature.a.codegen.svc"} {
		if ch := p.Change(a); ch.State != plan.Create {
			t.Errorf("%s: %s %v", a, ch.State, ch.Reasons)
		}
	}
	// Generated once, a change upstream plans what follows it too.
	h.GenSpec("feature.a.spec.requirements", "# R\n")
	h.GenSpec("feature.a.spec.design", "# D\n")
	h.Generate("feature.a.codegen.svc", map[string]string{"svc/a.go": "package svc\n"})
	h.Lock.Node("feature.a.spec.requirements").Status = lockfile.StatusFailed
	p = h.Plan(plan.Options{})
	want := map[string]plan.State{"feature.a.spec.requirements": plan.Retry, "feature.a.spec.design": plan.Update, "feature.a.codegen.svc": plan.Update}
	for a, s := range want {
		ch := p.Change(a)
		if ch.State != s {
			t.Errorf("%s: %s, want %s", a, ch.State, s)
		}
		if s == plan.Update && (!slices.Contains(codes(ch), plan.CodeUpstreamWillRun) || ch.Fingerprint != "") {
			t.Errorf("%s: %v, fingerprint %q", a, ch.Reasons, ch.Fingerprint)
		}
	}
}

func TestRemovedBlocksAreForgotten(t *testing.T) {
	h := plantest.New(t)
	h.AllDone()
	h.Lock.SetNode(&lockfile.Node{Address: "feature.gone.codegen.svc", Fingerprint: digest.String("x"), Status: lockfile.StatusGenerated,
		Outputs: map[string]string{"gone/a.go": digest.String("a")}})
	h.Lock.SetNode(&lockfile.Node{Address: "not an address", Approval: &lockfile.Approval{SHA256: digest.String("d"), By: "x"}})
	p := h.Plan(plan.Options{})
	if !p.HasChanges() {
		t.Fatal("a plan with records to forget has no changes")
	}
	last := p.Changes[len(p.Changes)-2:]
	if last[0].Address != "feature.gone.codegen.svc" || last[0].State != plan.Forget || !slices.Equal(last[0].Files, []string{"gone/a.go"}) ||
		!slices.Equal(codes(last[0]), []string{plan.CodeRemoved}) || last[1].State != plan.Forget {
		t.Errorf("forget changes: %+v %+v", last[0], last[1])
	}
	// A targeted plan looks at its targets only.
	if ch := h.Plan(plan.Options{Targets: plantest.Addrs(t, []string{plantest.AReq})}).Change("feature.gone.codegen.svc"); ch != nil {
		t.Errorf("targeted plan forgets: %+v", ch)
	}
}

func TestReplace(t *testing.T) {
	t.Run("over hand edits it says what is lost", func(t *testing.T) {
		h := plantest.New(t)
		h.AllDone()
		h.Write("svc/main.go", "package main // edited\n")
		ch := h.Plan(plan.Options{Replace: plantest.Addrs(t, []string{plantest.ASvc})}).Change(plantest.ASvc)
		if ch.State != plan.Update || !slices.Equal(codes(ch), []string{plan.CodeReplace, plan.CodeReplaceDiscards}) || !slices.Equal(ch.Files, []string{"svc/main.go"}) {
			t.Errorf("%s %v %v", ch.State, ch.Reasons, ch.Files)
		}
	})
	t.Run("an identical document keeps its approval", func(t *testing.T) {
		h := plantest.New(t)
		h.ReadyForCode()
		replace := plantest.Addrs(t, []string{plantest.AReq})
		ch := h.Plan(plan.Options{Replace: replace}).Change(plantest.AReq)
		path := plantest.SpecPath(plantest.AReq)
		plan.Record(h.Lock, ch, plan.Generation{Outputs: map[string]string{path: digest.String("# Requirements\n")}, Attempts: 1})
		if got := h.Plan(plan.Options{}).Change(plantest.AReq).State; got != plan.NoOp {
			t.Errorf("byte-identical regeneration: %s", got)
		}
		ch = h.Plan(plan.Options{Replace: replace}).Change(plantest.AReq)
		h.Write(path, "# Requirements, worded otherwise\n")
		plan.Record(h.Lock, ch, plan.Generation{Outputs: map[string]string{path: digest.String("# Requirements, worded otherwise\n")}, Attempts: 1})
		if got := h.Plan(plan.Options{}).Change(plantest.AReq).State; got != plan.Approve {
			t.Errorf("a different document: %s", got)
		}
	})
}

func TestUnknownInputs(t *testing.T) {
	h := plantest.New(t)
	h.Write("Kirofile", `
variable "region" {
  type = string
}
variable "base_url" {
  type = string
}
provider "openai" "main" {
  model    = "m"
  base_url = var.base_url
}
feature "a" {
  description = "Send email in ${var.region}."
  spec "requirements" {}
}
feature "b" {
  description = "Send SMS."
  spec "requirements" {}
}
`)
	cfg, diags := lang.Load(h.Dir, lang.LoadOptions{})
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	p, _ := plan.Build(cfg, h.Lock, plan.Options{})
	a, b := p.Change("feature.a.spec.requirements"), p.Change("feature.b.spec.requirements")
	if !a.InputsUnknown || a.Fingerprint != "" || !slices.Contains(codes(a), plan.CodeInputsUnknown) {
		t.Errorf("a: %+v", a)
	}
	// An endpoint feeds no fingerprint: b's inputs are known.
	if b.InputsUnknown || b.Fingerprint == "" {
		t.Errorf("b: %+v", b)
	}
}

// TestDeleteOutputsStaysInTheProject: a recorded path leading through a
// symlink out of the project deletes nothing there, whatever the lock says.
func TestDeleteOutputsStaysInTheProject(t *testing.T) {
	project, outside := t.TempDir(), t.TempDir()
	victim := filepath.Join(outside, "a.go")
	if err := os.WriteFile(victim, []byte("package a\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(outside, filepath.Join(project, "link")); err != nil {
		t.Skip("no symlinks here:", err)
	}
	if err := os.WriteFile(filepath.Join(project, "own.go"), []byte("package own\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	rec := &lockfile.Node{Outputs: map[string]string{"link/a.go": digest.String("package a\n"), "own.go": digest.String("package own\n")}}
	d := plan.DeleteOutputs(project, rec)
	if _, err := os.Stat(victim); err != nil {
		t.Fatalf("a file outside the project was deleted: %v", err)
	}
	if !slices.Equal(d.Deleted, []string{"own.go"}) || d.Kept["link/a.go"] == "" {
		t.Errorf("deleted %v, kept %v", d.Deleted, d.Kept)
	}
}
