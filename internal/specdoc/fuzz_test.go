package specdoc

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/hcl/v2"
)

// The fuzz tests hold the checkers to two promises that validate relies on
// for any file a user or a model may write: they never panic, and every
// finding has a range inside the document whose line and column agree
// with its byte offsets (otherwise hcl's snippet writer would print the
// wrong text, or slice out of bounds).

// fuzzSeeds adds the good documents and a few awkward ones to f.
func fuzzSeeds(f *testing.F) {
	paths, _ := filepath.Glob(filepath.Join("testdata", "good", "*.md"))
	for _, p := range paths {
		b, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	for _, s := range []string{
		"",
		"\n",
		"\r\n\r\n",
		"### Requirement 1\r\n#### Acceptance Criteria\r\n1. **\r\n   ✓ SHALL\r\n",
		"### Requirement 99999999999\n### Requirement 1.2.\n**Requirement 3: x**\n",
		"### Requirement 1\n#### Acceptance Criteria\n-\n1.\n2)\tx\n\t* [ ] 1. _Requirements: 1..2, 3._\n",
		"- [ ]* 1. x _Requirements:_\n  - [x] 1.1\n\n\tRequirements: 1, 2 and 3 & 4\n",
		"```\n- [ ] 1. x\n~~~\n```\n<!-- ### Requirement 1\n",
		"# \xff\xfe\n## Requirement \xc3\n1. \xe2\x9c",
		"#### **Requirement 1**\n**Acceptance Criteria:**\n1. WHEN\n",
		"### Requisito 1a\n#### Criterios de Aceptación\n1.1. ✅ **OK** - CUANDO x DEBERÁ\n- 1.2 FOR ALL x\n",
		"- [ ] 1.1 x _Requirements: R1.1-1.9, FR-2, All, N/A, (1.1)_\n**Validates: Requirements 1a.1 – 2**\n",
		"### Current Behavior\n1.1 WHEN\n### Expected Behavior\n2.1 x\n    SHALL\n### Unchanged Behavior\n1. y\n",
		"```python\n## A\n```python\n## B\n```\n#[[file:a]] `#[[file:b]]` #[[file:../c]]\n",
		"---\ninclusion: x\n---\n> - [ ] 1. q\n\n    - [ ] 2. c\n",
	} {
		f.Add([]byte(s))
	}
}

func FuzzCheckRequirements(f *testing.F) {
	fuzzSeeds(f)
	f.Fuzz(func(t *testing.T, src []byte) {
		reqs, diags := CheckRequirements("requirements.md", src)
		if reqs == nil || reqs.IDs == nil {
			t.Fatal("no ids")
		}
		if err := checkRanges("requirements.md", src, diags); err != nil {
			t.Fatal(err)
		}
		// The ids feed the tasks checker; the same text as a tasks
		// document must hold up too.
		if err := checkRanges("tasks.md", src, CheckTasks("tasks.md", src, reqs)); err != nil {
			t.Fatal(err)
		}
	})
}

func FuzzCheckTasks(f *testing.F) {
	fuzzSeeds(f)
	reqs := goodRequirements(f)
	f.Fuzz(func(t *testing.T, src []byte) {
		for _, r := range []*Requirements{reqs, nil} {
			if err := checkRanges("tasks.md", src, CheckTasks("tasks.md", src, r)); err != nil {
				t.Fatal(err)
			}
		}
	})
}

func FuzzCheckBugfix(f *testing.F) {
	fuzzSeeds(f)
	f.Fuzz(func(t *testing.T, src []byte) {
		reqs, diags := CheckBugfix("bugfix.md", src)
		if reqs == nil || reqs.IDs == nil {
			t.Fatal("no ids")
		}
		if err := checkRanges("bugfix.md", src, diags); err != nil {
			t.Fatal(err)
		}
		if err := checkRanges("tasks.md", src, CheckTasks("tasks.md", src, reqs)); err != nil {
			t.Fatal(err)
		}
	})
}

func FuzzFileRefs(f *testing.F) {
	fuzzSeeds(f)
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, src []byte) {
		var diags hcl.Diagnostics
		for _, r := range FileRefs("doc.md", src) {
			rng := r.Range
			diags = append(diags, &hcl.Diagnostic{Summary: "ref", Subject: &rng})
		}
		if err := checkRanges("doc.md", src, diags); err != nil {
			t.Fatal(err)
		}
		if err := checkRanges("doc.md", src, CheckFileRefs(dir, "doc.md", src)); err != nil {
			t.Fatal(err)
		}
	})
}

func FuzzCheckDesign(f *testing.F) {
	fuzzSeeds(f)
	f.Fuzz(func(t *testing.T, src []byte) {
		if err := checkRanges("design.md", src, CheckDesign("design.md", src)); err != nil {
			t.Fatal(err)
		}
	})
}

// TestLargeInput makes sure that big and adversarial documents are checked
// in about linear time: validate runs on every spec of every feature, and
// a quadratic step turns a model's runaway reply into a hang. The first
// two shapes below took over a minute each before their fixes.
func TestLargeInput(t *testing.T) {
	good := readTestdata(t, "good/requirements.md")
	tests := map[string]string{
		"criterion wrapped over many lines": "### Requirement 1\n#### Acceptance Criteria\n1. WHEN\n" + strings.Repeat("   x\n", 50000),
		"many citations on one line":        "- [ ] 1. x " + strings.Repeat("requirements: 7.1 ", 50000) + "\n",
		"many requirements":                 strings.Repeat(string(good), 500),
		"one long line":                     "### Requirement 1\n#### Acceptance Criteria\n1. WHEN " + strings.Repeat("x ", 200000) + "\n",
		"many tasks":                        strings.Repeat("- [ ] 1. x\n  ", 20000),
		"deep nesting":                      nested(1500),
		"deep markers":                      strings.Repeat("- ", 50000) + "x\n" + strings.Repeat("  y\n", 50000),
		"deep quotes":                       strings.Repeat(strings.Repeat("> ", 200)+"- [ ] 1. x\n", 2000),
	}
	for name, s := range tests {
		t.Run(name, func(t *testing.T) {
			src := []byte(s)
			start := time.Now()
			reqs, diags := CheckRequirements("requirements.md", src)
			tasks := CheckTasks("tasks.md", src, reqs)
			design := CheckDesign("design.md", src)
			if d := time.Since(start); d > 10*time.Second {
				t.Errorf("checking %d bytes took %v", len(src), d)
			}
			if testing.Short() {
				return
			}
			for file, diags := range map[string]hcl.Diagnostics{"requirements.md": diags[:min(len(diags), 100)], "tasks.md": tasks[:min(len(tasks), 100)], "design.md": design} {
				if err := checkRanges(file, src, diags); err != nil {
					t.Error(err)
				}
			}
		})
	}
}

// nested is a list of n checkbox tasks, each indented one more space.
func nested(n int) string {
	var b strings.Builder
	for i := range n {
		b.WriteString(strings.Repeat(" ", i) + "- [ ] x\n")
	}
	return b.String()
}
