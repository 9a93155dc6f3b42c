// Package plantest is a project on disk for the tests of plan, approval and
// saved plans: a Kirofile of two features, and the steps apply and approve
// take, done directly.
package plantest

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/kirofile/kirofile/internal/approval"
	"github.com/kirofile/kirofile/internal/digest"
	"github.com/kirofile/kirofile/internal/lockfile"
	"github.com/kirofile/kirofile/internal/plan"
	"github.com/kirofile/kirofile/lang"
)

// Kirofile declares two features: a with requirements, design, tasks and
// a codegen; b with requirements that build on a's design and an
// auto-approved document.
const Kirofile = `
provider "openai" "main" {
  model = "gpt-4o-mini"
}

steering "tech" {
  file = "steering/tech.md"
}

feature "a" {
  description = file("features/a.md")

  spec "requirements" {}
  spec "design" {}
  spec "tasks" {}

  codegen "svc" {
    outputs = ["svc/**"]
    context = ["shared/*.go"]
  }
}

feature "b" {
  description = "Feature b builds on a's design."

  spec "requirements" {
    depends_on = [feature.a.spec.design]
  }
  spec "notes" {
    kind     = "document"
    prompt   = "Write notes."
    approval = "auto"
  }
}
`

// The nodes of Kirofile.
const (
	AReq    = "feature.a.spec.requirements"
	ADesign = "feature.a.spec.design"
	ATasks  = "feature.a.spec.tasks"
	ASvc    = "feature.a.codegen.svc"
	BReq    = "feature.b.spec.requirements"
	BNotes  = "feature.b.spec.notes"
)

// Harness is a project on disk with a lock in memory, driven the way
// apply and approve drive it.
type Harness struct {
	t    *testing.T
	Dir  string
	Lock *lockfile.Lock
}

// New writes Kirofile and its inputs into a temporary directory.
func New(t *testing.T) *Harness {
	h := &Harness{t: t, Dir: t.TempDir(), Lock: lockfile.New()}
	h.Write("Kirofile", Kirofile)
	h.Write("features/a.md", "Feature a sends email.")
	h.Write("steering/tech.md", "Go, standard library.")
	h.Write("shared/log.go", "package shared\n")
	return h
}

// Write writes a project file.
func (h *Harness) Write(name, content string) {
	h.t.Helper()
	p := filepath.Join(h.Dir, filepath.FromSlash(name))
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		h.t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		h.t.Fatal(err)
	}
}

// Remove removes a project file.
func (h *Harness) Remove(name string) {
	h.t.Helper()
	if err := os.Remove(filepath.Join(h.Dir, filepath.FromSlash(name))); err != nil {
		h.t.Fatal(err)
	}
}

// Config loads the configuration.
func (h *Harness) Config() *lang.Config {
	h.t.Helper()
	cfg, diags := lang.Load(h.Dir, lang.LoadOptions{RequireVariables: true})
	if diags.HasErrors() {
		h.t.Fatal(diags)
	}
	return cfg
}

// Plan plans the project.
func (h *Harness) Plan(opts plan.Options) *plan.Plan {
	h.t.Helper()
	p, diags := plan.Build(h.Config(), h.Lock, opts)
	if diags.HasErrors() {
		h.t.Fatal(diags)
	}
	return p
}

// Generate does what apply does for one node: writes its files and records
// them under the fingerprint the plan computed.
func (h *Harness) Generate(addr string, files map[string]string) {
	h.t.Helper()
	ch := h.Plan(plan.Options{}).Change(addr)
	if ch == nil || ch.Fingerprint == "" {
		h.t.Fatalf("generate %s: plan has no fingerprint for it: %+v", addr, ch)
	}
	outputs := map[string]string{}
	for name, content := range files {
		h.Write(name, content)
		outputs[name] = digest.String(content)
	}
	plan.Record(h.Lock, ch, plan.Generation{Outputs: outputs, Attempts: 1})
}

// Fail records a failed generation of addr.
func (h *Harness) Fail(addr, why string) {
	h.t.Helper()
	ch := h.Plan(plan.Options{}).Change(addr)
	plan.Record(h.Lock, ch, plan.Generation{Attempts: 3, Err: why})
}

// Approve approves addresses as ana@example.com at the Unix epoch.
func (h *Harness) Approve(addrs ...string) {
	h.t.Helper()
	if _, diags := approval.Approve(h.Config(), h.Lock, Addrs(h.t, addrs), approval.Options{By: "ana@example.com", Now: time.Unix(0, 0)}); diags.HasErrors() {
		h.t.Fatal(diags)
	}
}

// Addrs parses addresses.
func Addrs(t *testing.T, addrs []string) []lang.Address {
	var out []lang.Address
	for _, a := range addrs {
		pa, err := lang.ParseAddress(a)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, pa)
	}
	return out
}

// SpecPath is the default document path of a spec address.
func SpecPath(addr string) string {
	a, _ := lang.ParseAddress(addr)
	return ".kiro/specs/" + a.Feature + "/" + a.Name + ".md"
}

// GenSpec generates a spec document with the given content.
func (h *Harness) GenSpec(addr, content string) {
	h.Generate(addr, map[string]string{SpecPath(addr): content})
}

// ReadyForCode generates and approves feature a's three specs.
func (h *Harness) ReadyForCode() {
	h.GenSpec(AReq, "# Requirements\n")
	h.Approve(AReq)
	h.GenSpec(ADesign, "# Design\n")
	h.Approve(ADesign)
	h.GenSpec(ATasks, "# Tasks\n")
	h.Approve(ATasks)
}

// AllDone brings every node up to date.
func (h *Harness) AllDone() {
	h.ReadyForCode()
	h.Generate(ASvc, map[string]string{"svc/main.go": "package main\n", "svc/main_test.go": "package main\n"})
	h.GenSpec(BReq, "# B requirements\n")
	h.Approve(BReq)
	h.GenSpec(BNotes, "# Notes\n")
}
