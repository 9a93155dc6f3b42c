package plan_test

import (
	"testing"

	"github.com/kirofile/kirofile/bench"
	"github.com/kirofile/kirofile/internal/cache"
	"github.com/kirofile/kirofile/internal/plan"
	"github.com/kirofile/kirofile/internal/plan/plantest"
	kfproject "github.com/kirofile/kirofile/internal/project"
	"github.com/kirofile/kirofile/lang"
)

// The fingerprints Build computes ahead of planning, on every core, are
// those each node gets when it is planned in order: every input, the
// fingerprint, and whether it is known.
func TestFingerprintsAhead(t *testing.T) {
	tests := []struct {
		name string
		// write makes the project in dir (a harness's, when h is set).
		write func(t *testing.T, h *plantest.Harness, dir string)
		// min is how many fingerprints must have been computed ahead.
		min int
	}{
		{"nothing generated", func(*testing.T, *plantest.Harness, string) {}, 3},
		{"all done", func(_ *testing.T, h *plantest.Harness, _ string) { h.AllDone() }, 6},
		{"edits and ticks", func(_ *testing.T, h *plantest.Harness, _ string) {
			h.AllDone()
			h.Write("svc/main.go", "package main // edited\n")
			h.Write(plantest.SpecPath(plantest.ATasks), "# Tasks\n\n- [x] 1. One\n")
			h.Write("shared/log.go", "package shared // edited\n")
		}, 6},
		{"a reference in the design", func(_ *testing.T, h *plantest.Harness, _ string) {
			h.AllDone()
			h.Write(plantest.SpecPath(plantest.ADesign), "# Design\n\nSee #[[file:shared/log.go]].\n")
		}, 1},
		{"generated project of 30 features", func(t *testing.T, _ *plantest.Harness, dir string) {
			if err := bench.WriteGeneratedProject(dir, 30, 2, 100); err != nil {
				t.Fatal(err)
			}
		}, 150},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := plantest.New(t)
			dir := h.Dir
			if tt.name == "generated project of 30 features" {
				dir = t.TempDir()
			}
			tt.write(t, h, dir)
			p, diags := kfproject.Load(dir, lang.LoadOptions{RequireVariables: true})
			if diags.HasErrors() {
				t.Fatal(diags)
			}
			lock := p.Lock
			if dir == h.Dir {
				lock = h.Lock
			}
			opts := plan.Options{Hashes: cache.LoadHashes(t.TempDir())}
			pl, diags := plan.NewPlanner(p.Config, lock, opts)
			if diags.HasErrors() {
				t.Fatal(diags)
			}
			if _, diags := pl.Build(opts); diags.HasErrors() {
				t.Fatal(diags)
			}
			n, differ := plan.AheadChecked(pl)
			if n < tt.min {
				t.Errorf("%d fingerprints computed ahead, want at least %d", n, tt.min)
			}
			if len(differ) > 0 {
				t.Errorf("computed ahead, different from planning: %v", differ)
			}
		})
	}
}
