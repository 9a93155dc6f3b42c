package bench

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/kirofile/kirofile/internal/engine"
	"github.com/kirofile/kirofile/internal/lockfile"
	"github.com/kirofile/kirofile/lang"
)

// TestGeneratedProjectHasNoChanges keeps the plan benchmark honest: its
// project must plan to nothing.
func TestGeneratedProjectHasNoChanges(t *testing.T) {
	dir := t.TempDir()
	if err := WriteGeneratedProject(dir, 20, 3, 100); err != nil {
		t.Fatal(err)
	}
	if p := planOnce(t, dir); p.HasChanges() {
		t.Fatalf("changes: %v", p.Counts())
	}
	// And the benchmark would notice an edit.
	if err := os.WriteFile(filepath.Join(dir, "services/f7/file01.go"), []byte("edited"), 0o644); err != nil {
		t.Fatal(err)
	}
	if p := planOnce(t, dir); p.Change("feature.f7.codegen.service").Action != engine.Drift {
		t.Fatalf("edit not caught: %v", p.Counts())
	}
}

func planOnce(tb testing.TB, dir string) *engine.Plan {
	cfg, diags := lang.Load(dir, lang.LoadOptions{RequireVariables: true})
	if diags.HasErrors() {
		tb.Fatal(diags)
	}
	lock, _, diags := lockfile.Read(filepath.Join(dir, lockfile.FileName))
	if diags.HasErrors() {
		tb.Fatal(diags)
	}
	p, diags := engine.BuildPlan(cfg, lock, engine.Options{})
	if diags.HasErrors() {
		tb.Fatal(diags)
	}
	return p
}

// BenchmarkPlanNoChange measures a plan with nothing to do: load the
// configuration and the lock, hash every spec document and generated file,
// and decide every node. 1,000 features, 10,000 generated files of 10 KB
// (100 MB), a full lock.
func BenchmarkPlanNoChange(b *testing.B) {
	for _, n := range []int{100, 1000} {
		b.Run(fmt.Sprintf("features=%d", n), func(b *testing.B) {
			dir := b.TempDir()
			if err := WriteGeneratedProject(dir, n, 10, 10_000); err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			b.ResetTimer()
			for b.Loop() {
				if p := planOnce(b, dir); p.HasChanges() {
					b.Fatal("changes")
				}
			}
		})
	}
}
