package bench

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/hcl/v2"
	"github.com/kirofile/kirofile/internal/cache"
	"github.com/kirofile/kirofile/internal/plan"
	"github.com/kirofile/kirofile/internal/project"
	"github.com/kirofile/kirofile/lang"
)

// TestCacheBitFlips flips every bit of every file under .kirofile/cache,
// one at a time, and concludes what "kirofile plan" concludes with the
// damaged cache (no change when the stamp holds, else the plan made with
// the hash cache), on real projects with real files: a cache may cost
// time, never change a result. Each conclusion must equal the plan made
// without any cache, for a project left as it was when its caches were
// made, and for one edited since, in a way only the inode's change time
// shows (same size, same modification time), which a damaged entry could
// hide. KIROFILE_FLIPS=all flips every bit (bench/run.sh reports that
// figure); by default every 61st, to keep the test quick.
func TestCacheBitFlips(t *testing.T) {
	stride := 61
	if os.Getenv("KIROFILE_FLIPS") == "all" {
		stride = 1
	}
	trials, wrong, files := 0, 0, 0
	for _, edited := range []bool{false, true} {
		dir, conclude, truth := flipProject(t, edited)
		paths, err := filepath.Glob(filepath.Join(dir, cache.Dir, "*"))
		if err != nil {
			t.Fatal(err)
		}
		var names []string
		for _, f := range paths {
			if filepath.Base(f) == "cache.key" {
				continue // the key itself is in the user's cache directory
			}
			names = append(names, filepath.Base(f))
			files++
			trials += flipBits(t, f, stride, func(bit int) {
				if got := conclude(); !sameConclusion(got, truth) {
					wrong++
					if wrong <= 3 {
						t.Errorf("%s, bit %d flipped, edited %v: wrong plan", filepath.Base(f), bit, edited)
					}
				}
			})
		}
		if len(names) < 2 {
			t.Fatalf("cache files: %v, want the hash cache and the stamp", names)
		}
		// The intact caches give the truth too.
		if got := conclude(); !sameConclusion(got, truth) {
			t.Errorf("edited %v: the intact caches give a wrong plan", edited)
		}
	}
	// The check cache of validate: what it concludes is the findings of
	// the spec documents, as validate shows them.
	for _, edited := range []bool{false, true} {
		dir, conclude, truth := flipValidateProject(t, edited)
		f := filepath.Join(dir, cache.Dir, "checks")
		files++
		trials += flipBits(t, f, stride, func(bit int) {
			if got := conclude(); got != truth {
				wrong++
				if wrong <= 3 {
					t.Errorf("checks, bit %d flipped, edited %v: wrong findings:\n%s\nwant:\n%s", bit, edited, got, truth)
				}
			}
		})
		if got := conclude(); got != truth {
			t.Errorf("edited %v: the intact check cache gives wrong findings:\n%s\nwant:\n%s", edited, got, truth)
		}
	}
	// The figure docs/performance.md quotes.
	fmt.Printf("cache bit flips: %d conclusions of plan and validate with one flipped bit in %d cache files of 4 projects, %d wrong\n", trials, files, wrong)
	if wrong > 0 {
		t.Fatalf("%d of %d plans wrong", wrong, trials)
	}
}

// flipBits flips every stride-th bit of the file f in turn, calling
// judge with each flipped, and puts the file back; it returns how many
// bits it flipped.
func flipBits(t *testing.T, f string, stride int, judge func(bit int)) int {
	t.Helper()
	good, err := os.ReadFile(f)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for bit := 0; bit < len(good)*8; bit += stride {
		bad := bytes.Clone(good)
		bad[bit/8] ^= 1 << (bit % 8)
		if err := os.WriteFile(f, bad, 0o600); err != nil {
			t.Fatal(err)
		}
		n++
		judge(bit)
	}
	if err := os.WriteFile(f, good, 0o600); err != nil {
		t.Fatal(err)
	}
	return n
}

// flipProject writes a generated project, makes its caches as "kirofile
// plan" does, edits it if asked, and returns how plan concludes with the
// caches as they are then, and the truth: the plan made without caches.
func flipProject(t *testing.T, edit bool) (string, func() []plan.Change, []plan.Change) {
	t.Helper()
	dir := t.TempDir()
	if err := WriteGeneratedProject(dir, 3, 2, 64); err != nil {
		t.Fatal(err)
	}
	if err := cache.EnsureWorkDir(dir); err != nil {
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
	h := cache.LoadHashes(dir)
	opts := plan.Options{Hashes: h}
	pl, diags := plan.NewPlanner(p.Config, p.Lock, opts)
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	if pln, _ := pl.Build(opts); pln.HasChanges() {
		t.Fatal("setup: changes")
	}
	h.Save()
	stamp, ok := pl.Stamp("key", os.LookupEnv, nil, time.Now().Add(time.Hour))
	if !ok || !cache.SaveStamp(dir, "plan", stamp, time.Now().Add(time.Hour)) {
		t.Fatal("setup: no stamp")
	}
	if edit {
		name := filepath.Join(dir, "services/f1/file01.go")
		data, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		st, _ := os.Stat(name)
		data[0] ^= 1
		if err := os.WriteFile(name, data, 0o644); err != nil {
			t.Fatal(err)
		}
		if err := os.Chtimes(name, st.ModTime(), st.ModTime()); err != nil {
			t.Fatal(err)
		}
	}
	truth := planWith(nil)
	if edit == !changed(truth) {
		t.Fatalf("setup: edited %v, but the plan's changes say %v", edit, changed(truth))
	}
	conclude := func() []plan.Change {
		if cache.StampHolds(dir, "plan", "key", os.LookupEnv) {
			return nil // "No changes."
		}
		return planWith(cache.LoadHashes(dir))
	}
	return dir, conclude, truth
}

func changed(cs []plan.Change) bool {
	for _, c := range cs {
		if c.State != plan.NoOp {
			return true
		}
	}
	return false
}

// sameConclusion compares a conclusion with the truth; nil is the stamp's
// "no changes".
func sameConclusion(got, truth []plan.Change) bool {
	if got == nil {
		return !changed(truth)
	}
	return reflect.DeepEqual(got, truth)
}

// flipValidateProject writes a project whose spec documents have findings
// (an unknown id, a reference to a missing file) and others without, makes
// its check cache as "kirofile validate" does, edits a document if asked
// (in a way only the inode's change time shows), and returns how validate
// concludes with the cache as it is then, and the truth: the findings made
// without a cache, rendered as validate shows them.
func flipValidateProject(t *testing.T, edit bool) (string, func() string, string) {
	t.Helper()
	dir := t.TempDir()
	if err := WriteProject(dir, 4); err != nil {
		t.Fatal(err)
	}
	if err := WriteDocuments(dir, 4); err != nil {
		t.Fatal(err)
	}
	tasks := filepath.Join(dir, ".kiro/specs/f1/tasks.md")
	for name, content := range map[string]string{
		tasks: "# Implementation Plan\n\n- [ ] 1. Build it\n  - _Requirements: 1.7_\n",
		filepath.Join(dir, ".kiro/specs/f2/runbook.md"): "# Runbook\n\nSee #[[file:ops/alerts.yaml]] and #[[file:runbook.md]].\n",
	} {
		if err := os.WriteFile(name, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := ageFiles(dir); err != nil {
		t.Fatal(err)
	}
	cfg, diags := lang.Load(dir, lang.LoadOptions{})
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	check := func(ahead *project.Documents) string {
		t.Helper()
		files, diags := project.CheckDocumentsRead(cfg, ahead)
		var b bytes.Buffer
		if err := hcl.NewDiagnosticTextWriter(&b, files, 100, false).WriteDiagnostics(diags); err != nil {
			t.Fatal(err)
		}
		return b.String()
	}
	cached := func() *project.Documents {
		return project.ReadDocumentsCached(dir, project.CacheOptions{Salt: "flips", Now: func() time.Time { return time.Now().Add(time.Hour) }})
	}
	check(cached())
	if edit {
		data, err := os.ReadFile(tasks)
		if err != nil {
			t.Fatal(err)
		}
		st, _ := os.Stat(tasks)
		data = bytes.Replace(data, []byte("1.7"), []byte("1.1"), 1)
		if err := os.WriteFile(tasks, data, 0o644); err != nil {
			t.Fatal(err)
		}
		if err := os.Chtimes(tasks, st.ModTime(), st.ModTime()); err != nil {
			t.Fatal(err)
		}
	}
	truth := check(project.ReadDocuments(dir))
	if strings.Contains(truth, "1.7") == edit || !strings.Contains(truth, "ops/alerts.yaml") {
		t.Fatalf("setup: edited %v, findings:\n%s", edit, truth)
	}
	return dir, func() string { return check(cached()) }, truth
}
