package plan_test

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/kirofile/kirofile/internal/cache"
	"github.com/kirofile/kirofile/internal/lockfile"
	"github.com/kirofile/kirofile/internal/plan"
	"github.com/kirofile/kirofile/internal/plan/plantest"
	"github.com/kirofile/kirofile/lang"
)

const stampKirofile = `
variable "tone" {
  type    = string
  default = "plain"
}

provider "openai" "main" {
  model = env("STAMP_TEST_MODEL", "gpt-4o-mini")
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
    prompt  = "Tone: ${var.tone}."
  }
}
`

// stamped brings a project up to date, writes its lock and makes the
// stamp a plan of it would keep; it returns the harness and the key.
func stamped(t *testing.T, kirofile string) (*plantest.Harness, bool) {
	t.Helper()
	h := plantest.New(t)
	h.Write("Kirofile", kirofile)
	h.Write("t.tmpl", "x")
	h.Write("plain", "x")
	// As after a first plan: the work directory exists.
	if err := cache.EnsureWorkDir(h.Dir); err != nil {
		t.Fatal(err)
	}
	h.ReadyForCode()
	h.Generate(plantest.ASvc, map[string]string{"svc/main.go": "package main\n"})
	if err := lockfile.Write(filepath.Join(h.Dir, lockfile.FileName), h.Lock); err != nil {
		t.Fatal(err)
	}
	cfg, diags := lang.Load(h.Dir, lang.LoadOptions{RequireVariables: true})
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	opts := plan.Options{Hashes: cache.LoadHashes(h.Dir)}
	pl, diags := plan.NewPlanner(cfg, h.Lock, opts)
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	p, diags := pl.Build(opts)
	if diags.HasErrors() || p.HasChanges() {
		t.Fatalf("setup: %v %v", diags, p.Counts())
	}
	s, ok := pl.Stamp("key", os.LookupEnv, nil, time.Now().Add(time.Hour))
	if !ok {
		return h, false
	}
	// Tests run right after writing the files: a clock an hour ahead puts
	// them out of the racy window.
	if !cache.SaveStamp(h.Dir, "plan", s, time.Now().Add(time.Hour)) {
		t.Fatal("stamp not kept")
	}
	return h, true
}

// Every input of a plan, changed, breaks its stamp; untouched, it holds.
func TestStampSeesEveryInput(t *testing.T) {
	tests := []struct {
		name   string
		change func(t *testing.T, h *plantest.Harness)
	}{
		{"nothing", nil},
		{"a spec document", func(t *testing.T, h *plantest.Harness) {
			h.Write(plantest.SpecPath(plantest.ADesign), "# Design, edited\n")
		}},
		{"a generated file", func(t *testing.T, h *plantest.Harness) { h.Write("svc/main.go", "package main // edited\n") }},
		{"a generated file deleted", func(t *testing.T, h *plantest.Harness) { h.Remove("svc/main.go") }},
		{"the Kirofile", func(t *testing.T, h *plantest.Harness) { h.Write("Kirofile", stampKirofile+"\n# a comment\n") }},
		{"a new configuration file", func(t *testing.T, h *plantest.Harness) { h.Write("extra.kiro.hcl", "") }},
		{"a file() argument", func(t *testing.T, h *plantest.Harness) { h.Write("features/a.md", "Feature a sends SMS.") }},
		{"the steering file", func(t *testing.T, h *plantest.Harness) { h.Write("steering/tech.md", "Rust.") }},
		{"a new context file", func(t *testing.T, h *plantest.Harness) { h.Write("shared/new.go", "package shared\n") }},
		{"a context file", func(t *testing.T, h *plantest.Harness) { h.Write("shared/log.go", "package shared // v2\n") }},
		{"the lock", func(t *testing.T, h *plantest.Harness) {
			h.Lock.RemoveNode(plantest.ASvc)
			if err := lockfile.Write(filepath.Join(h.Dir, lockfile.FileName), h.Lock); err != nil {
				t.Fatal(err)
			}
		}},
		{"an env() variable", func(t *testing.T, h *plantest.Harness) { t.Setenv("STAMP_TEST_MODEL", "gpt-5") }},
		{"a variable's environment", func(t *testing.T, h *plantest.Harness) { t.Setenv(lang.VarEnvPrefix+"tone", "warm") }},
		{"a new file next to a document", func(t *testing.T, h *plantest.Harness) {
			// Plan lists the directories of the files it hashes, for what
			// interrupted writes leave: their listings are inputs too.
			h.Write(".kiro/specs/a/notes.md", "x")
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h, ok := stamped(t, stampKirofile)
			if !ok {
				t.Fatal("no stamp")
			}
			if tt.change != nil {
				tt.change(t, h)
			}
			holds := cache.StampHolds(h.Dir, "plan", "key", os.LookupEnv)
			want := tt.change == nil
			if holds != want {
				t.Errorf("stamp holds = %v, want %v", holds, want)
			}
			if cache.StampHolds(h.Dir, "plan", "another key", os.LookupEnv) {
				t.Error("the stamp holds for another key")
			}
		})
	}
}

// A configuration whose reads cannot be listed from its text is never
// stamped.
func TestStampRefused(t *testing.T) {
	for name, extra := range map[string]string{
		"fileset":            "locals {\n  x = fileset(\".\", \"*.md\")\n}\n",
		"templatefile":       "locals {\n  x = templatefile(\"t.tmpl\", {})\n}\n",
		"file of a variable": "locals {\n  x = file(var.tone)\n}\n",
		"env of a local":     "locals {\n  n = \"X\"\n  x = env(local.n, \"\")\n}\n",
	} {
		t.Run(name, func(t *testing.T) {
			if _, ok := stamped(t, stampKirofile+extra); ok {
				t.Error("stamped")
			}
		})
	}
}

// A path changed within the racy window of the command's start is not
// trusted: no stamp is kept.
func TestStampRacy(t *testing.T) {
	h, ok := stamped(t, stampKirofile)
	if !ok {
		t.Fatal("no stamp")
	}
	s := &cache.Stamp{Key: "k", Paths: map[string]cache.PathStat{}}
	st, err := cache.StatPath(filepath.Join(h.Dir, "svc/main.go"))
	if err != nil {
		t.Fatal(err)
	}
	s.Paths["svc/main.go"] = st
	if cache.SaveStamp(h.Dir, "racy", s, time.Now()) {
		t.Error("a stamp of a file written a moment ago was kept")
	}
	if !cache.SaveStamp(h.Dir, "racy", s, time.Now().Add(time.Minute)) {
		t.Error("a stamp of settled files was refused")
	}
}

// A file a spec document references with #[[file:]] is an input, and so is
// the absence of the one that would take its place.
func TestStampSeesFileReferences(t *testing.T) {
	h, ok := stamped(t, stampKirofile)
	if !ok {
		t.Fatal("no stamp")
	}
	// Re-stamp with a design that references a file beside it.
	h.Write("docs/readme.md", "x")
	h.Write(".kiro/specs/a/docs/api.yaml", "openapi: 3.0.0\n")
	h.GenSpec(plantest.ADesign, "# Design\n\nSee #[[file:docs/api.yaml]].\n")
	h.Approve(plantest.ADesign)
	h.GenSpec(plantest.ATasks, "# Tasks\n")
	h.Approve(plantest.ATasks)
	h.Generate(plantest.ASvc, map[string]string{"svc/main.go": "package main\n"})
	if err := lockfile.Write(filepath.Join(h.Dir, lockfile.FileName), h.Lock); err != nil {
		t.Fatal(err)
	}
	restamp := func() {
		t.Helper()
		cfg, diags := lang.Load(h.Dir, lang.LoadOptions{RequireVariables: true})
		if diags.HasErrors() {
			t.Fatal(diags)
		}
		opts := plan.Options{Hashes: cache.LoadHashes(h.Dir)}
		pl, _ := plan.NewPlanner(cfg, h.Lock, opts)
		if p, _ := pl.Build(opts); p.HasChanges() {
			t.Fatalf("setup: %v", p.Counts())
		}
		s, ok := pl.Stamp("key", os.LookupEnv, nil, time.Now().Add(time.Hour))
		if !ok || !cache.SaveStamp(h.Dir, "plan", s, time.Now().Add(time.Hour)) {
			t.Fatal("not stamped")
		}
	}
	restamp()
	h.Write(".kiro/specs/a/docs/api.yaml", "openapi: 3.1.0\n")
	if cache.StampHolds(h.Dir, "plan", "key", os.LookupEnv) {
		t.Error("the stamp holds after the referenced file changed")
	}
	h.Write(".kiro/specs/a/docs/api.yaml", "openapi: 3.0.0\n")
	restamp()
	// A file of that name under the project's root would be the one named.
	h.Write("docs/api.yaml", "other\n")
	if cache.StampHolds(h.Dir, "plan", "key", os.LookupEnv) {
		t.Error("the stamp holds after a file that takes the reference's place appeared")
	}
}
