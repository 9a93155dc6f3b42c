package planfile_test

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/kirofile/kirofile/internal/plan"
	"github.com/kirofile/kirofile/internal/plan/plantest"
	"github.com/kirofile/kirofile/internal/planfile"
)

func TestSavedPlanStale(t *testing.T) {
	h := plantest.New(t)
	h.GenSpec(plantest.AReq, "# R\n")
	save := func() *planfile.SavedPlan {
		cfg := h.Config()
		p, _ := plan.Build(cfg, h.Lock, plan.Options{})
		return planfile.New(cfg, h.Lock.Bytes(), p, "0.1.0")
	}
	saved := save()
	path := filepath.Join(h.Dir, "plan.out")
	if err := planfile.Write(path, saved); err != nil {
		t.Fatal(err)
	}
	read, err := planfile.Read(path)
	if err != nil {
		t.Fatal(err)
	}
	if why := read.Stale(save()); why != nil {
		t.Fatalf("fresh plan is stale: %v", why)
	}
	h.Write(plantest.SpecPath(plantest.AReq), "# R, edited\n")
	if why := read.Stale(save()); len(why) == 0 {
		t.Error("an edited document did not make the plan stale")
	}
	h.Write(plantest.SpecPath(plantest.AReq), "# R\n")
	h.Approve(plantest.AReq)
	why := read.Stale(save())
	if len(why) == 0 || !strings.Contains(strings.Join(why, "; "), "Kirofile.lock.hcl changed") {
		t.Errorf("a changed lock did not make the plan stale: %v", why)
	}
}
