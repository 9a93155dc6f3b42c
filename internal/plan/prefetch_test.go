package plan_test

import (
	"reflect"
	"testing"
	"time"

	"github.com/kirofile/kirofile/internal/cache"
	"github.com/kirofile/kirofile/internal/fsutil"
	"github.com/kirofile/kirofile/internal/plan"
	"github.com/kirofile/kirofile/internal/plan/plantest"
)

// A plan whose lock's files were hashed and listed in advance
// (StartPrefetch) is the plan made without it, and the plan made from a
// warm hash cache (whose documents are read again for their references
// and checkboxes, not learnt from the read that hashed them): every
// change, fingerprint, reason and leftover.
func TestPrefetchPlansTheSame(t *testing.T) {
	tests := []struct {
		name      string
		steps     func(h *plantest.Harness)
		leftovers int
	}{
		{"nothing generated", func(h *plantest.Harness) {}, 0},
		{"all done", func(h *plantest.Harness) { h.AllDone() }, 0},
		{"generated file edited", func(h *plantest.Harness) {
			h.AllDone()
			h.Write("svc/main.go", "package main // edited\n")
		}, 0},
		{"generated file removed, a leftover next to it", func(h *plantest.Harness) {
			h.AllDone()
			h.Remove("svc/main_test.go")
			h.Write("svc/"+fsutil.TempName("main.go"), "partial")
		}, 1},
		{"a reference in the design, tasks ticked", func(h *plantest.Harness) {
			h.GenSpec(plantest.AReq, "# Requirements\n")
			h.Approve(plantest.AReq)
			h.GenSpec(plantest.ADesign, "# Design\n\nSee #[[file:shared/log.go]].\n")
			h.Approve(plantest.ADesign)
			h.GenSpec(plantest.ATasks, "# Tasks\n\n- [ ] 1. One\n")
			h.Approve(plantest.ATasks)
			h.GenSpec(plantest.BReq, "# B requirements\n")
			h.Approve(plantest.BReq)
			h.Write(plantest.SpecPath(plantest.ATasks), "# Tasks\n\n- [x] 1. One\n")
			h.Write("shared/log.go", "package shared // edited\n")
		}, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := plantest.New(t)
			tt.steps(h)
			later := func() time.Time { return time.Now().Add(time.Hour) }
			cold := cache.LoadHashes(h.Dir)
			cold.Now = later
			want, diags := plan.Build(h.Config(), h.Lock, plan.Options{Hashes: cold})
			if diags.HasErrors() {
				t.Fatal(diags)
			}
			cold.Save()
			if len(want.Leftovers) != tt.leftovers {
				t.Fatalf("leftovers %v, want %d", want.Leftovers, tt.leftovers)
			}
			plans := map[string]func() plan.Options{
				"with a prefetch": func() plan.Options {
					hashes := cache.LoadHashes(t.TempDir()) // cold
					return plan.Options{Hashes: hashes, Prefetch: plan.StartPrefetch(h.Dir, h.Lock, hashes, false)}
				},
				"with a warm cache": func() plan.Options { return plan.Options{Hashes: cache.LoadHashes(h.Dir)} },
			}
			for how, opts := range plans {
				got, diags := plan.Build(h.Config(), h.Lock, opts())
				if diags.HasErrors() {
					t.Fatal(diags)
				}
				if !reflect.DeepEqual(got.Changes, want.Changes) {
					t.Errorf("%s:\n%+v\ncold:\n%+v", how, got.Changes, want.Changes)
				}
				if !reflect.DeepEqual(got.Leftovers, want.Leftovers) {
					t.Errorf("leftovers %s %v, cold %v", how, got.Leftovers, want.Leftovers)
				}
			}
		})
	}
}
