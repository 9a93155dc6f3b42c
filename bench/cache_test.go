package bench

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/kirofile/kirofile/internal/cache"
	"github.com/kirofile/kirofile/internal/plan"
	"github.com/kirofile/kirofile/internal/project"
	"github.com/kirofile/kirofile/lang"
)

// TestCacheBitFlips flips every bit of every file under .kirofile/cache,
// one at a time, and plans with the damaged cache, on a real project with
// real files: a cache may cost time, never change a result. Each plan must
// equal the plan made without any cache: of the untouched project, and of
// the project after an edit that the stale cache entry would hide if it
// were believed. KIROFILE_FLIPS=all flips every bit (bench/run.sh reports
// that figure); by default every 61st bit, to keep the test quick.
func TestCacheBitFlips(t *testing.T) {
	dir := t.TempDir()
	if err := WriteGeneratedProject(dir, 3, 2, 64); err != nil {
		t.Fatal(err)
	}
	if err := ageFiles(dir); err != nil {
		t.Fatal(err)
	}
	p, diags := project.Load(dir, lang.LoadOptions{RequireVariables: true})
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	planWith := func(h *cache.Hashes) []plan.Change {
		t.Helper()
		pln, diags := plan.Build(p.Config, p.Lock, plan.Options{Hashes: h})
		if diags.HasErrors() {
			t.Fatal(diags)
		}
		out := make([]plan.Change, len(pln.Changes))
		for i, c := range pln.Changes {
			out[i] = *c
		}
		return out
	}
	// Fill the cache, and take the truth from plans without one.
	h := cache.LoadHashes(dir)
	planWith(h)
	h.Save()
	files, err := filepath.Glob(filepath.Join(dir, cache.Dir, "*"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no cache files: %v", err)
	}
	clean := planWith(nil)
	edited := filepath.Join(dir, "services/f1/file01.go")
	original, err := os.ReadFile(edited)
	if err != nil {
		t.Fatal(err)
	}
	// An edit that keeps the size and the modification time: only the
	// inode's change time shows it, and a damaged entry could hide it.
	st, _ := os.Stat(edited)
	edit := bytes.Clone(original)
	edit[0] ^= 1
	if err := os.WriteFile(edited, edit, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Chtimes(edited, st.ModTime(), st.ModTime()); err != nil {
		t.Fatal(err)
	}
	drifted := planWith(nil)
	if reflect.DeepEqual(clean, drifted) {
		t.Fatal("setup: the edit does not change the plan")
	}
	restore := func() {
		if err := os.WriteFile(edited, original, 0o644); err != nil {
			t.Fatal(err)
		}
		if err := os.Chtimes(edited, st.ModTime(), st.ModTime()); err != nil {
			t.Fatal(err)
		}
	}

	stride := 61
	if os.Getenv("KIROFILE_FLIPS") == "all" {
		stride = 1
	}
	trials, wrong := 0, 0
	for _, f := range files {
		good, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for bit := 0; bit < len(good)*8; bit += stride {
			bad := bytes.Clone(good)
			bad[bit/8] ^= 1 << (bit % 8)
			for _, c := range []struct {
				name string
				want []plan.Change
			}{{"untouched", clean}, {"edited", drifted}} {
				if c.name == "untouched" {
					restore()
				} else if err := os.WriteFile(edited, edit, 0o644); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(f, bad, 0o644); err != nil {
					t.Fatal(err)
				}
				trials++
				if got := planWith(cache.LoadHashes(dir)); !reflect.DeepEqual(got, c.want) {
					wrong++
					if wrong <= 3 {
						t.Errorf("%s, bit %d flipped, project %s: wrong plan", filepath.Base(f), bit, c.name)
					}
				}
			}
		}
		if err := os.WriteFile(f, good, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	restore()
	// The figure docs/performance.md quotes.
	fmt.Printf("cache bit flips: %d plans with a flipped bit in %d cache file(s), %d wrong\n", trials, len(files), wrong)
	if wrong > 0 {
		t.Fatalf("%d of %d plans wrong", wrong, trials)
	}
	// And the intact cache is still used: a plan with it equals the truth.
	if got := planWith(cache.LoadHashes(dir)); !reflect.DeepEqual(got, clean) {
		t.Fatal("the intact cache gives a wrong plan")
	}
}
