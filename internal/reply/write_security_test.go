package reply

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
)

// swapForLink replaces the directory dir by a symbolic link to dest,
// keeping the directory under another name, as a concurrent process
// could between the check of a path and the write.
func swapForLink(t *testing.T, dir, dest string) {
	t.Helper()
	if err := os.Rename(dir, dir+".moved"); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(dest, dir); err != nil {
		t.Skip(err)
	}
}

// TestWriteSymlinkSwappedAfterPlan swaps a directory Plan checked for a
// link between Plan and Write: to a directory outside the project, and to
// the directory of a spec document inside it. Write must refuse, and
// write nothing anywhere.
func TestWriteSymlinkSwappedAfterPlan(t *testing.T) {
	for _, tc := range []struct{ name, dest string }{
		{"out of the project", "outside"},
		{"onto a spec document", "specs"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			base := t.TempDir()
			project := filepath.Join(base, "project")
			outside := filepath.Join(base, "outside")
			specs := filepath.Join(project, ".kiro", "specs", "g")
			mustWrite(t, filepath.Join(specs, "f0.txt"), "approved\n", 0o644)
			mustWrite(t, filepath.Join(project, "out", "sub", "keep.txt"), "keep\n", 0o644)
			if err := os.MkdirAll(outside, 0o755); err != nil {
				t.Fatal(err)
			}
			var edits []Edit
			for i := 0; i < 200; i++ {
				edits = append(edits, Edit{Path: fmt.Sprintf("out/sub/f%d.txt", i), Whole: whole("generated\n")})
			}
			c, err := Plan(context.Background(), project, Scope{Outputs: []string{"**"}}, edits)
			if err != nil {
				t.Fatal(err)
			}
			dest := outside
			if tc.dest == "specs" {
				dest = specs
			}
			old := beforeWrite
			beforeWrite = func() { swapForLink(t, filepath.Join(project, "out", "sub"), dest) }
			t.Cleanup(func() { beforeWrite = old })

			_, err = c.Write(project)
			var se *SecurityError
			if !errors.As(err, &se) || !strings.Contains(err.Error(), "symbolic link") {
				t.Fatalf("Write = %v, want a *SecurityError about the link", err)
			}
			if entries, _ := os.ReadDir(outside); len(entries) > 0 {
				t.Errorf("Write wrote %d entries outside the project", len(entries))
			}
			if b, _ := os.ReadFile(filepath.Join(specs, "f0.txt")); string(b) != "approved\n" {
				t.Errorf("the spec document is now %q", b)
			}
			if entries, _ := os.ReadDir(specs); len(entries) != 1 {
				t.Errorf("the spec directory holds %d entries", len(entries))
			}
		})
	}
}

// TestWriteSymlinkRace swaps a directory back and forth with a link out of
// the project while Write writes 200 files under it, ten times: no file
// may land outside, whatever the timing.
func TestWriteSymlinkRace(t *testing.T) {
	for run := 0; run < 10; run++ {
		base := t.TempDir()
		project := filepath.Join(base, "project")
		outside := filepath.Join(base, "outside")
		sub := filepath.Join(project, "out", "sub")
		mustWrite(t, filepath.Join(sub, "keep.txt"), "keep\n", 0o644)
		if err := os.MkdirAll(outside, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.Symlink(outside, filepath.Join(project, "out", "link")); err != nil {
			t.Skip(err)
		}
		var edits []Edit
		for i := 0; i < 200; i++ {
			edits = append(edits, Edit{Path: fmt.Sprintf("out/sub/f%d.txt", i), Whole: whole("generated\n")})
		}
		c, err := Plan(context.Background(), project, Scope{Outputs: []string{"out/**"}}, edits)
		if err != nil {
			t.Fatal(err)
		}
		var stop atomic.Bool
		var wg sync.WaitGroup
		wg.Add(1)
		go func() {
			defer wg.Done()
			for !stop.Load() {
				// sub becomes the link, then the directory again.
				_ = os.Rename(sub, sub+".real")
				_ = os.Rename(filepath.Join(project, "out", "link"), sub)
				_ = os.Rename(sub, filepath.Join(project, "out", "link"))
				_ = os.Rename(sub+".real", sub)
			}
		}()
		_, _ = c.Write(project) // it may succeed or refuse; it may not escape
		stop.Store(true)
		wg.Wait()
		if entries, _ := os.ReadDir(outside); len(entries) > 0 {
			t.Fatalf("run %d: Write put %d files outside the project", run, len(entries))
		}
	}
}

// TestPlanProtectedDocuments checks that the documents a scope protects
// cannot be written whatever the outputs say: by their path, in another
// case, or through a link inside the project.
func TestPlanProtectedDocuments(t *testing.T) {
	project := t.TempDir()
	mustWrite(t, filepath.Join(project, "docs", "steering.md"), "steer\n", 0o644)
	mustWrite(t, filepath.Join(project, "specs", "g", "design.md"), "design\n", 0o644)
	if err := os.MkdirAll(filepath.Join(project, "out"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("../specs/g", filepath.Join(project, "out", "docs")); err != nil {
		t.Skip(err)
	}
	if err := os.Symlink("../docs/steering.md", filepath.Join(project, "out", "steer.md")); err != nil {
		t.Skip(err)
	}
	scope := Scope{Outputs: []string{"**"}, Protected: map[string]string{
		"docs/steering.md":  "the steering file of steering.tech",
		"specs/g/design.md": "the spec document of feature.g.spec.design",
	}}
	for _, tc := range []struct{ path, msg string }{
		{"docs/steering.md", "is the steering file of steering.tech"},
		{"DOCS/Steering.MD", "is the steering file of steering.tech"},
		{"out/docs/design.md", "leads through a symbolic link to specs/g/design.md, which is the spec document of feature.g.spec.design"},
		{"out/steer.md", "which is the steering file of steering.tech"},
		{".kiro/steering/x.md", "is inside .kiro/"},
		{".kiro/settings/mcp.json", "is inside .kiro/"},
	} {
		t.Run(tc.path, func(t *testing.T) {
			_, err := Plan(context.Background(), project, scope, []Edit{{Path: tc.path, Whole: whole("x\n")}})
			var se *SecurityError
			if !errors.As(err, &se) || !strings.Contains(err.Error(), tc.msg) {
				t.Fatalf("Plan = %v, want a *SecurityError saying %q", err, tc.msg)
			}
		})
	}
	// Write checks again, for a change built by hand.
	c := &Change{Files: map[string][]byte{"docs/steering.md": []byte("x\n")}, scope: scope}
	if _, err := c.Write(project); err == nil {
		t.Fatal("Write wrote a protected document")
	}
}

// TestPlanNames checks the names that are dangerous or unusable on some
// system: Windows aliases of protected names are security errors, names
// Windows cannot hold are format errors for the model to fix.
func TestPlanNames(t *testing.T) {
	project := t.TempDir()
	security := []struct{ path, msg string }{
		{".git::$INDEX_ALLOCATION/config", "is inside .git/"},
		{"GIT~1/config", "short (8.3) name"},
		{"KIROFI~1.HCL", "short (8.3) name"},
		{".g\u200cit/config", "is inside .git/"},
		{"Kirofile. ", "kirofile's configuration"},
		{"\u202ekirofile", "kirofile's configuration"},
	}
	for _, tc := range security {
		_, err := Plan(context.Background(), project, Scope{Outputs: []string{"**"}}, []Edit{{Path: tc.path, Whole: whole("x\n")}})
		var se *SecurityError
		if !errors.As(err, &se) || !strings.Contains(err.Error(), tc.msg) {
			t.Errorf("Plan(%q) = %v, want a *SecurityError saying %q", tc.path, err, tc.msg)
		}
	}
	format := []struct{ path, msg string }{
		{"out/aux.go", "device name on Windows"},
		{"out/COM1", "device name on Windows"},
		{"out/nul.txt", "device name on Windows"},
		{"out/a:b.txt", "characters"},
		{"out/what?.txt", "characters"},
		{"out/trailing.", "ends with a dot or a space"},
		{"out/" + strings.Repeat("n", 256), "256 bytes long"},
	}
	for _, tc := range format {
		_, err := Plan(context.Background(), project, Scope{Outputs: []string{"**"}}, []Edit{{Path: tc.path, Whole: whole("x\n")}})
		var fe *FormatError
		if !errors.As(err, &fe) || !strings.Contains(err.Error(), tc.msg) {
			t.Errorf("Plan(%q) = %v, want a *FormatError saying %q", tc.path, err, tc.msg)
		}
	}
}

// TestWriteLongNames writes files whose names take 231 to 255 bytes: the
// temporary names next to them must fit too.
func TestWriteLongNames(t *testing.T) {
	project := t.TempDir()
	var edits []Edit
	for _, n := range []int{231, 240, 254, 255} {
		name := strings.Repeat("a", n-3) + ".go"
		edits = append(edits, Edit{Path: "out/" + name, Whole: whole("package out\n")})
	}
	// A multi-byte character across the cut of the temporary name.
	edits = append(edits, Edit{Path: "out/" + strings.Repeat("é", 127), Whole: whole("x\n")})
	c, err := Plan(context.Background(), project, Scope{Outputs: []string{"out/**"}}, edits)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Write(project); err != nil {
		t.Fatal(err)
	}
	for _, e := range edits {
		if _, err := os.Stat(filepath.Join(project, filepath.FromSlash(e.Path))); err != nil {
			t.Error(err)
		}
	}
	entries, _ := os.ReadDir(filepath.Join(project, "out"))
	if len(entries) != len(edits) {
		t.Errorf("out holds %d entries, want %d (leftovers?)", len(entries), len(edits))
	}
}

// TestWriteThroughLinkInside checks that a path through a link inside the
// project is written where the link leads, which Plan checked, and not by
// following the link at write time.
func TestWriteThroughLinkInside(t *testing.T) {
	project, _ := newProject(t)
	c, err := Plan(context.Background(), project, Scope{Outputs: []string{"services/**"}}, []Edit{{Path: "services/email/inner/b.go", Whole: whole("package sub\n")}})
	if err != nil {
		t.Fatal(err)
	}
	sums, err := c.Write(project)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := sums["services/email/inner/b.go"]; !ok {
		t.Errorf("sums are not keyed by the path the reply named: %v", sums)
	}
	fi, err := os.Lstat(filepath.Join(project, "services/email/sub/b.go"))
	if err != nil || !fi.Mode().IsRegular() {
		t.Fatalf("the file is not where the link leads: %v", err)
	}
	if fi, err := os.Lstat(filepath.Join(project, "services/email/inner")); err != nil || fi.Mode()&os.ModeSymlink == 0 {
		t.Errorf("the link was replaced: %v", err)
	}
}
