package engine

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/kirofile/kirofile/internal/cache"
	"github.com/kirofile/kirofile/internal/lockfile"
	"github.com/kirofile/kirofile/lang"
)

const testKirofile = `
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

const (
	aReq    = "feature.a.spec.requirements"
	aDesign = "feature.a.spec.design"
	aTasks  = "feature.a.spec.tasks"
	aSvc    = "feature.a.codegen.svc"
	bReq    = "feature.b.spec.requirements"
	bNotes  = "feature.b.spec.notes"
)

// harness is a project on disk with a lock in memory, driven the way
// apply and approve drive the engine.
type harness struct {
	t    *testing.T
	dir  string
	lock *lockfile.Lock
}

func newHarness(t *testing.T) *harness {
	h := &harness{t: t, dir: t.TempDir(), lock: lockfile.New()}
	h.write("Kirofile", testKirofile)
	h.write("features/a.md", "Feature a sends email.")
	h.write("steering/tech.md", "Go, standard library.")
	h.write("shared/log.go", "package shared\n")
	return h
}

func (h *harness) write(name, content string) {
	h.t.Helper()
	p := filepath.Join(h.dir, filepath.FromSlash(name))
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		h.t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		h.t.Fatal(err)
	}
}

func (h *harness) remove(name string) {
	h.t.Helper()
	if err := os.Remove(filepath.Join(h.dir, filepath.FromSlash(name))); err != nil {
		h.t.Fatal(err)
	}
}

func (h *harness) config() *lang.Config {
	h.t.Helper()
	cfg, diags := lang.Load(h.dir, lang.LoadOptions{RequireVariables: true})
	if diags.HasErrors() {
		h.t.Fatal(diags)
	}
	return cfg
}

func (h *harness) plan(opts Options) *Plan {
	h.t.Helper()
	p, diags := BuildPlan(h.config(), h.lock, opts)
	if diags.HasErrors() {
		h.t.Fatal(diags)
	}
	return p
}

// generate does what apply does for one node: writes its files and records
// them under the fingerprint the plan computed.
func (h *harness) generate(addr string, files map[string]string) {
	h.t.Helper()
	ch := h.plan(Options{}).Change(addr)
	if ch == nil || ch.Fingerprint == "" {
		h.t.Fatalf("generate %s: plan has no fingerprint for it: %+v", addr, ch)
	}
	outputs := map[string]string{}
	for name, content := range files {
		h.write(name, content)
		outputs[name] = lockfile.HashBytes([]byte(content))
	}
	Record(h.lock, ch, Generation{Outputs: outputs, Attempts: 1})
}

func (h *harness) fail(addr, why string) {
	h.t.Helper()
	ch := h.plan(Options{}).Change(addr)
	Record(h.lock, ch, Generation{Attempts: 3, Err: why})
}

func (h *harness) approve(addrs ...string) {
	h.t.Helper()
	if _, diags := ApproveSpecs(h.config(), h.lock, parseAddrs(h.t, addrs), "ana@example.com", time.Unix(0, 0)); diags.HasErrors() {
		h.t.Fatal(diags)
	}
}

func parseAddrs(t *testing.T, addrs []string) []lang.Address {
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

func specPath(addr string) string {
	a, _ := lang.ParseAddress(addr)
	return ".kiro/specs/" + a.Feature + "/" + a.Name + ".md"
}

// genSpec generates a spec document with the given content.
func (h *harness) genSpec(addr, content string) {
	h.generate(addr, map[string]string{specPath(addr): content})
}

// readyForCode generates and approves feature a's three specs.
func (h *harness) readyForCode() {
	h.genSpec(aReq, "# Requirements\n")
	h.approve(aReq)
	h.genSpec(aDesign, "# Design\n")
	h.approve(aDesign)
	h.genSpec(aTasks, "# Tasks\n")
	h.approve(aTasks)
}

// allDone brings every node up to date.
func (h *harness) allDone() {
	h.readyForCode()
	h.generate(aSvc, map[string]string{"svc/main.go": "package main\n", "svc/main_test.go": "package main\n"})
	h.genSpec(bReq, "# B requirements\n")
	h.approve(bReq)
	h.genSpec(bNotes, "# Notes\n")
}

func TestPlanActions(t *testing.T) {
	tests := []struct {
		name  string
		steps func(h *harness)
		opts  Options
		// want maps addresses to "action" or "action: reason substring".
		want map[string]string
	}{
		{
			name:  "fresh project",
			steps: func(h *harness) {},
			want: map[string]string{
				aReq:    "create: never generated",
				aDesign: "blocked: waits for " + aReq + " (not generated yet)",
				aTasks:  "blocked: waits for " + aReq + " (not generated yet), through " + aDesign,
				aSvc:    "blocked",
				bReq:    "blocked: waits for " + aReq + " (not generated yet), through " + aDesign,
				bNotes:  "create",
			},
		},
		{
			name:  "generated spec awaits approval",
			steps: func(h *harness) { h.genSpec(aReq, "# R\n") },
			want: map[string]string{
				aReq:    "approve: generated, awaiting approval",
				aDesign: "blocked: waits for " + aReq + " (awaiting approval)",
			},
		},
		{
			name:  "approval unblocks the next spec",
			steps: func(h *harness) { h.genSpec(aReq, "# R\n"); h.approve(aReq) },
			want:  map[string]string{aReq: "no-op", aDesign: "create", aTasks: "blocked: waits for " + aDesign},
		},
		{
			name: "human edit voids the approval and blocks downstream",
			steps: func(h *harness) {
				h.genSpec(aReq, "# R\n")
				h.approve(aReq)
				h.write(specPath(aReq), "# R, edited by a person\n")
			},
			want: map[string]string{
				aReq:    "approve: edited by hand since it was generated; its approval is void",
				aDesign: "blocked: waits for " + aReq,
			},
		},
		{
			name: "approving the edit makes it current again",
			steps: func(h *harness) {
				h.genSpec(aReq, "# R\n")
				h.approve(aReq)
				h.write(specPath(aReq), "# R, edited\n")
				h.approve(aReq)
			},
			want: map[string]string{aReq: "no-op", aDesign: "create"},
		},
		{
			name:  "everything up to date",
			steps: func(h *harness) { h.allDone() },
			want: map[string]string{
				aReq: "no-op", aDesign: "no-op", aTasks: "no-op", aSvc: "no-op", bReq: "no-op", bNotes: "no-op",
			},
		},
		{
			name: "auto approval needs no person",
			steps: func(h *harness) {
				h.genSpec(bNotes, "# Notes\n")
			},
			want: map[string]string{bNotes: "no-op"},
		},
		{
			name: "feature description change regenerates that feature's chain only",
			steps: func(h *harness) {
				h.allDone()
				h.write("features/a.md", "Feature a sends email and SMS.")
			},
			want: map[string]string{
				aReq:    "update: the feature description changed",
				aDesign: "blocked: waits for " + aReq + " (to be regenerated)",
				aSvc:    "blocked",
				bReq:    "blocked",
				bNotes:  "no-op",
			},
		},
		{
			name: "edited generated code is drift, never overwritten",
			steps: func(h *harness) {
				h.allDone()
				h.write("svc/main.go", "package main // edited\n")
			},
			want: map[string]string{aSvc: "drift: edited outside kirofile: svc/main.go"},
		},
		{
			name: "deleted generated code is drift",
			steps: func(h *harness) {
				h.allDone()
				h.remove("svc/main_test.go")
			},
			want: map[string]string{aSvc: "drift: deleted outside kirofile: svc/main_test.go"},
		},
		{
			name: "replace overwrites drift",
			steps: func(h *harness) {
				h.allDone()
				h.write("svc/main.go", "package main // edited\n")
			},
			opts: Options{Replace: []lang.Address{lang.CodegenAddr("a", "svc")}},
			want: map[string]string{aSvc: "update: forced by -replace"},
		},
		{
			name: "failed feedback hooks mean retry",
			steps: func(h *harness) {
				h.readyForCode()
				h.fail(aSvc, "go test failed")
			},
			want: map[string]string{aSvc: "retry: the last generation failed after 3 attempt(s): go test failed"},
		},
		{
			name: "context file change updates the codegen",
			steps: func(h *harness) {
				h.allDone()
				h.write("shared/log.go", "package shared // v2\n")
			},
			want: map[string]string{aSvc: "update: context files changed", aTasks: "no-op"},
		},
		{
			name: "new context file updates the codegen",
			steps: func(h *harness) {
				h.allDone()
				h.write("shared/util.go", "package shared\n")
			},
			want: map[string]string{aSvc: "update: context files changed"},
		},
		{
			name: "steering change updates every node it applies to",
			steps: func(h *harness) {
				h.allDone()
				h.write("steering/tech.md", "Go, and no dependencies.")
			},
			want: map[string]string{aReq: "update: steering changed", bNotes: "update: steering changed"},
		},
		{
			name: "re-approved upstream edit updates downstream",
			steps: func(h *harness) {
				h.allDone()
				h.write(specPath(aTasks), "# Tasks, edited\n")
				h.approve(aTasks)
			},
			want: map[string]string{aTasks: "no-op", aSvc: "update: upstream " + aTasks + " changed"},
		},
		{
			name: "a hand-written spec needs approval",
			steps: func(h *harness) {
				h.write(specPath(aReq), "# Written by a person\n")
			},
			want: map[string]string{aReq: "approve: written by hand and is not approved", aDesign: "blocked"},
		},
		{
			name: "a hand-written approved spec is up to date",
			steps: func(h *harness) {
				h.write(specPath(aReq), "# Written by a person\n")
				h.approve(aReq)
			},
			want: map[string]string{aReq: "no-op", aDesign: "create"},
		},
		{
			name: "edited spec whose inputs also changed is drift",
			steps: func(h *harness) {
				h.allDone()
				h.write(specPath(aReq), "# R, edited\n")
				h.write("features/a.md", "Feature a, new description.")
			},
			want: map[string]string{aReq: "drift: edited by hand, and the feature description changed"},
		},
		{
			name: "approving a drifted spec adopts it",
			steps: func(h *harness) {
				h.allDone()
				h.write(specPath(aReq), "# R, edited\n")
				h.write("features/a.md", "Feature a, new description.")
				h.approve(aReq)
			},
			want: map[string]string{aReq: "no-op", aDesign: "update: upstream " + aReq + " changed"},
		},
		{
			name: "deleted spec document is created again",
			steps: func(h *harness) {
				h.genSpec(aReq, "# R\n")
				h.remove(specPath(aReq))
			},
			want: map[string]string{aReq: "create: is missing"},
		},
		{
			name:  "target keeps the node and its upstream only",
			steps: func(h *harness) {},
			opts:  Options{Targets: []lang.Address{lang.SpecAddr("a", "design")}},
			want:  map[string]string{aReq: "create", aDesign: "blocked"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t)
			tt.steps(h)
			plan := h.plan(tt.opts)
			for addr, want := range tt.want {
				ch := plan.Change(addr)
				if ch == nil {
					t.Errorf("%s: not in the plan", addr)
					continue
				}
				action, reason, _ := strings.Cut(want, ": ")
				got := string(ch.Action) + ": " + strings.Join(ch.Reasons, "; ")
				if string(ch.Action) != action || !strings.Contains(strings.Join(ch.Reasons, "; "), reason) {
					t.Errorf("%s = %q, want %q", addr, got, want)
				}
			}
			if len(tt.opts.Targets) > 0 && len(plan.Changes) != len(tt.want) {
				t.Errorf("targeted plan has %d changes, want %d", len(plan.Changes), len(tt.want))
			}
		})
	}
}

func TestApproveRules(t *testing.T) {
	t.Run("downstream before upstream is refused", func(t *testing.T) {
		h := newHarness(t)
		h.genSpec(aReq, "# R\n")
		h.write(specPath(aDesign), "# D\n")
		_, diags := ApproveSpecs(h.config(), h.lock, parseAddrs(t, []string{aDesign}), "x", time.Now())
		if !diags.HasErrors() || !strings.Contains(diags[0].Detail, "approve that first (kirofile approve "+aReq+")") {
			t.Fatalf("diags = %v", diags)
		}
	})
	t.Run("a feature approves its pending specs in order", func(t *testing.T) {
		h := newHarness(t)
		h.genSpec(aReq, "# R\n")
		h.approve(aReq)
		h.genSpec(aDesign, "# D\n")
		h.approve(aDesign)
		h.genSpec(aTasks, "# T\n")
		h.write(specPath(aReq), "# R, edited\n")
		got, diags := ApproveSpecs(h.config(), h.lock, parseAddrs(t, []string{"feature.a"}), "x", time.Now())
		if diags.HasErrors() {
			t.Fatal(diags)
		}
		var addrs []string
		for _, a := range got {
			addrs = append(addrs, a.Address)
		}
		// The edited requirements are approved; the design was generated
		// from the old ones, so it is out of date, not pending: it is
		// skipped, and plan says it will be regenerated.
		if strings.Join(addrs, " ") != aReq {
			t.Errorf("approved %v", addrs)
		}
		if a := h.plan(Options{}).Change(aDesign).Action; a != Update {
			t.Errorf("design after approval: %s", a)
		}
	})
	t.Run("a feature of hand-written specs is approved top down", func(t *testing.T) {
		h := newHarness(t)
		h.write(specPath(aTasks), "# T\n")
		h.write(specPath(aDesign), "# D\n")
		h.write(specPath(aReq), "# R\n")
		got, diags := ApproveSpecs(h.config(), h.lock, parseAddrs(t, []string{"feature.a"}), "x", time.Now())
		if diags.HasErrors() {
			t.Fatal(diags)
		}
		var addrs []string
		for _, a := range got {
			addrs = append(addrs, a.Address)
		}
		if strings.Join(addrs, " ") != aReq+" "+aDesign+" "+aTasks {
			t.Errorf("approved %v", addrs)
		}
		if p := h.plan(Options{}); p.Change(aSvc).Action != Create {
			t.Errorf("codegen after approval: %s", p.Change(aSvc).Action)
		}
	})
	t.Run("nothing to approve without a document", func(t *testing.T) {
		h := newHarness(t)
		_, diags := ApproveSpecs(h.config(), h.lock, parseAddrs(t, []string{aReq}), "x", time.Now())
		if !diags.HasErrors() || diags[0].Summary != "Nothing to approve" {
			t.Fatalf("diags = %v", diags)
		}
	})
	t.Run("codegen cannot be approved", func(t *testing.T) {
		h := newHarness(t)
		_, diags := ApproveSpecs(h.config(), h.lock, parseAddrs(t, []string{aSvc}), "x", time.Now())
		if !diags.HasErrors() || diags[0].Summary != "Only specs are approved" {
			t.Fatalf("diags = %v", diags)
		}
	})
	t.Run("revoke blocks downstream again", func(t *testing.T) {
		h := newHarness(t)
		h.allDone()
		revoked, diags := RevokeSpecs(h.config(), h.lock, parseAddrs(t, []string{aDesign}))
		if diags.HasErrors() || len(revoked) != 1 {
			t.Fatalf("revoked %v, %v", revoked, diags)
		}
		p := h.plan(Options{})
		if p.Change(aDesign).Action != Approve || p.Change(aTasks).Action != Blocked || p.Change(aSvc).Action != Blocked {
			t.Errorf("after revoke: design %s, tasks %s, svc %s", p.Change(aDesign).Action, p.Change(aTasks).Action, p.Change(aSvc).Action)
		}
	})
	t.Run("approval records hash, approver and time", func(t *testing.T) {
		h := newHarness(t)
		h.genSpec(aReq, "# R\n")
		h.approve(aReq)
		a := h.lock.Node(aReq).Approval
		if a == nil || a.SHA256 != lockfile.HashBytes([]byte("# R\n")) || a.By != "ana@example.com" || !a.At.Equal(time.Unix(0, 0)) {
			t.Errorf("approval = %+v", a)
		}
	})
}

func TestDetailedExitCodeGate(t *testing.T) {
	h := newHarness(t)
	h.allDone()
	if p := h.plan(Options{}); p.HasChanges() {
		t.Fatalf("up-to-date project has changes: %+v", p.Counts())
	}
	h.write("svc/main.go", "package main // edited\n")
	if p := h.plan(Options{}); !p.HasChanges() {
		t.Fatal("drift does not count as a change")
	}
}

func TestSecretsNeverInFingerprint(t *testing.T) {
	h := newHarness(t)
	h.write("Kirofile", testKirofile+`
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
	before := h.plan(Options{}).Change("feature.c.spec.requirements").Fingerprint
	h.write("Kirofile", strings.Replace(string(must(os.ReadFile(filepath.Join(h.dir, "Kirofile")))), "first-secret", "second-secret", 1))
	after := h.plan(Options{}).Change("feature.c.spec.requirements").Fingerprint
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

func TestSavedPlanStale(t *testing.T) {
	h := newHarness(t)
	h.genSpec(aReq, "# R\n")
	save := func() *SavedPlan {
		cfg := h.config()
		p, _ := BuildPlan(cfg, h.lock, Options{})
		return NewSavedPlan(cfg, h.lock.Bytes(), p, "0.1.0")
	}
	saved := save()
	path := filepath.Join(h.dir, "plan.out")
	if err := WritePlanFile(path, saved); err != nil {
		t.Fatal(err)
	}
	read, err := ReadPlanFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if why := read.Stale(save()); why != nil {
		t.Fatalf("fresh plan is stale: %v", why)
	}
	h.write(specPath(aReq), "# R, edited\n")
	if why := read.Stale(save()); len(why) == 0 {
		t.Error("an edited document did not make the plan stale")
	}
	h.write(specPath(aReq), "# R\n")
	h.approve(aReq)
	why := read.Stale(save())
	if len(why) == 0 || !strings.Contains(strings.Join(why, "; "), "Kirofile.lock.hcl changed") {
		t.Errorf("a changed lock did not make the plan stale: %v", why)
	}
}

func TestHashCacheAndFullRefresh(t *testing.T) {
	h := newHarness(t)
	h.allDone()
	later := func() time.Time { return time.Now().Add(time.Hour) }
	plan := func(rehash bool) *Plan {
		hashes := cache.LoadHashes(h.dir)
		hashes.Now = later
		p, diags := BuildPlan(h.config(), h.lock, Options{Hashes: hashes, Rehash: rehash})
		if diags.HasErrors() {
			t.Fatal(diags)
		}
		hashes.Save()
		return p
	}
	if p := plan(false); p.HasChanges() {
		t.Fatalf("warming the cache: %v", p.Counts())
	}

	// An ordinary edit changes the file's stat: caught with the cache.
	h.write("svc/main.go", "package main // edited\n")
	if a := plan(false).Change(aSvc).Action; a != Drift {
		t.Fatalf("edit with the cache: %s, want drift", a)
	}
	h.write("svc/main.go", "package main\n")
	if p := plan(false); p.HasChanges() {
		t.Fatalf("after restoring: %v", p.Counts())
	}

	// An edit that leaves size, times and inode as they were (here: the
	// cache is told so) is invisible to the stat; -rehash catches it.
	h.write("svc/main.go", "package xxxx\n")
	st, err := cache.Stat(filepath.Join(h.dir, "svc", "main.go"))
	if err != nil {
		t.Fatal(err)
	}
	hashes := cache.LoadHashes(h.dir)
	hashes.Now = later
	hashes.Put("svc/main.go", st, lockfile.HashBytes([]byte("package main\n")))
	hashes.Save()
	if a := plan(false).Change(aSvc).Action; a != NoOp {
		t.Fatalf("invisible edit with the cache: %s; the test no longer simulates one", a)
	}
	if a := plan(true).Change(aSvc).Action; a != Drift {
		t.Errorf("invisible edit with -rehash: %s, want drift", a)
	}
	// The full refresh also repaired the cache.
	if a := plan(false).Change(aSvc).Action; a != Drift {
		t.Errorf("after -rehash, with the cache: %s, want drift", a)
	}
}
