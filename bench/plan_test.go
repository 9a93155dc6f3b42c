package bench

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/kirofile/kirofile/internal/cache"
	"github.com/kirofile/kirofile/internal/lockfile"
	"github.com/kirofile/kirofile/internal/plan"
	"github.com/kirofile/kirofile/internal/project"
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
	if p := planOnce(t, dir); p.Change("feature.f7.codegen.service").State != plan.Drift {
		t.Fatalf("edit not caught: %v", p.Counts())
	}
}

// planOnce plans the way "kirofile plan" does: the lock's files hashed
// while the configuration loads. With caches, the files' hashes come from
// .kirofile/cache when still valid.
func planOnce(tb testing.TB, dir string, caches ...bool) *plan.Plan {
	tb.Helper()
	opts := plan.Options{}
	if len(caches) > 0 && caches[0] {
		opts.Hashes = cache.LoadHashes(dir)
	}
	p, diags := project.LoadWith(dir, lang.LoadOptions{RequireVariables: true}, func(l *lockfile.Lock) {
		opts.Prefetch = plan.StartPrefetch(dir, l, opts.Hashes, false)
	})
	if diags.HasErrors() {
		tb.Fatal(diags)
	}
	pln, diags := plan.Build(p.Config, p.Lock, opts)
	if diags.HasErrors() {
		tb.Fatal(diags)
	}
	if opts.Hashes != nil {
		opts.Hashes.Save()
	}
	return pln
}

// BenchmarkPlanNoChange measures a plan with nothing to do: load the
// configuration and the lock, hash every spec document and generated file,
// and decide every node. 1,000 features, 10,000 generated files of 10 KB
// (100 MB), a full lock. "cold" parses the lock and hashes every file;
// "cached" is what a second "kirofile plan" does, with the lock's parse and
// the files' hashes taken from .kirofile/cache after checking them.
func BenchmarkPlanNoChange(b *testing.B) {
	for _, n := range []int{100, 1000} {
		dir := b.TempDir()
		if err := WriteGeneratedProject(dir, n, 10, 10_000); err != nil {
			b.Fatal(err)
		}
		// Age the files past the cache's racy window, as they are in a
		// project that was not written a second ago.
		if err := ageFiles(dir); err != nil {
			b.Fatal(err)
		}
		for _, mode := range []string{"cold", "cached"} {
			b.Run(fmt.Sprintf("features=%d/%s", n, mode), func(b *testing.B) {
				cached := mode == "cached"
				if cached {
					planOnce(b, dir, true) // fill the caches
				} else {
					_ = os.RemoveAll(filepath.Join(dir, ".kirofile"))
				}
				b.ReportAllocs()
				b.ResetTimer()
				for b.Loop() {
					if !cached {
						_ = os.RemoveAll(filepath.Join(dir, ".kirofile"))
					}
					if p := planOnce(b, dir, cached); p.HasChanges() {
						b.Fatal("changes")
					}
				}
			})
		}
	}
}

// ageFiles moves every file's modification time an hour back. The change
// time cannot be moved, so the cache's clock is what the racy window is
// measured against; an hour-old mtime and a ctime of now are both outside
// it only after two seconds, which ageFiles waits.
func ageFiles(dir string) error {
	old := time.Now().Add(-time.Hour)
	err := filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		return os.Chtimes(p, old, old)
	})
	time.Sleep(2100 * time.Millisecond)
	return err
}

// TestGeneratedProjectPassesValidate keeps the fixture of the plan
// benchmark valid: its configuration and every document pass validate.
func TestGeneratedProjectPassesValidate(t *testing.T) {
	dir := t.TempDir()
	if err := WriteGeneratedProject(dir, 10, 2, 100); err != nil {
		t.Fatal(err)
	}
	cfg, diags := lang.Load(dir, lang.LoadOptions{})
	if len(diags) > 0 {
		t.Fatal(diags)
	}
	if _, diags := project.CheckDocuments(cfg); len(diags) > 0 {
		t.Fatal(diags)
	}
}
