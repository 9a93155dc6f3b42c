package specdoc

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"testing"
)

// CheckFeatureDocs finds what CheckFeature finds, document by document,
// and names every path the file references looked up with what was found
// there: all a cache of the findings must look at again.
func TestCheckFeatureDocsLookups(t *testing.T) {
	dir := t.TempDir()
	for _, p := range []string{"api.yaml", ".kiro/specs/a/beside.md", "adir/x"} {
		full := filepath.Join(dir, filepath.FromSlash(p))
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(full, []byte("x"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	cases := []struct {
		name string
		src  string
		want []Lookup
	}{
		{"no reference", "# Notes\n", nil},
		{"a file of the project", "See #[[file:api.yaml]].\n", []Lookup{{"api.yaml", FoundFile}}},
		{"beside the document", "See #[[file:beside.md]].\n", []Lookup{{"beside.md", FoundNothing}, {".kiro/specs/a/beside.md", FoundFile}}},
		{"nowhere", "See #[[file:gone.txt]].\n", []Lookup{{"gone.txt", FoundNothing}, {".kiro/specs/a/gone.txt", FoundNothing}}},
		{"a directory", "See #[[file:adir]].\n", []Lookup{{"adir", FoundOther}, {".kiro/specs/a/adir", FoundNothing}}},
		{"out of the project: nothing looked up", "See #[[file:/etc/passwd]].\n", nil},
		{"in code: not a reference", "See `#[[file:api.yaml]]`.\n", nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			docs := []Document{
				{Kind: KindRequirements, Path: ".kiro/specs/a/requirements.md", Src: []byte("# Requirements\n\n## Requirements\n\n### Requirement 1\n\n#### Acceptance Criteria\n\n1. WHEN x THEN the system SHALL y.\n")},
				{Kind: "document", Path: ".kiro/specs/a/notes.md", Src: []byte(tc.src)},
				{Kind: KindTasks, Path: ".kiro/specs/a/tasks.md", Src: []byte("# Implementation Plan\n\n- [ ] 1. Do\n  - _Requirements: 1.2_\n")},
			}
			out := CheckFeatureDocs(dir, docs)
			if len(out) != len(docs) {
				t.Fatalf("%d results for %d documents", len(out), len(docs))
			}
			if !reflect.DeepEqual(out[1].Looked, tc.want) {
				t.Errorf("looked up %v, want %v", out[1].Looked, tc.want)
			}
			var all []string
			for _, c := range out {
				for _, d := range c.Diags {
					all = append(all, describe(d))
				}
			}
			var want []string
			for _, d := range CheckFeature(dir, docs) {
				want = append(want, describe(d))
			}
			if !reflect.DeepEqual(all, want) {
				t.Errorf("findings by document %v, CheckFeature %v", all, want)
			}
			if len(out[2].Diags) != 1 || out[2].Diags[0].Summary != "Unknown requirement 1.2" {
				t.Errorf("tasks: %s", details(out[2].Diags))
			}
			// Looking the same paths up again finds the same.
			root, err := os.OpenRoot(dir)
			if err != nil {
				t.Fatal(err)
			}
			defer root.Close()
			for _, l := range out[1].Looked {
				if got := LookUp(root, l.Path); got != l.Found {
					t.Errorf("LookUp(%s) = %v, want %v", l.Path, got, l.Found)
				}
			}
		})
	}
}

// Every Rule constant of check.go is known to KnownRule, and nothing else.
func TestKnownRule(t *testing.T) {
	f, err := parser.ParseFile(token.NewFileSet(), "check.go", nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	ast.Inspect(f, func(node ast.Node) bool {
		vs, ok := node.(*ast.ValueSpec)
		if !ok || vs.Type == nil || len(vs.Values) != 1 {
			return true
		}
		if id, ok := vs.Type.(*ast.Ident); !ok || id.Name != "Rule" {
			return true
		}
		lit, ok := vs.Values[0].(*ast.BasicLit)
		if !ok {
			return true
		}
		v, err := strconv.Unquote(lit.Value)
		if err != nil {
			t.Fatal(err)
		}
		n++
		if !KnownRule(Rule(v)) {
			t.Errorf("rule %s (%s) is not known", vs.Names[0].Name, v)
		}
		return true
	})
	if n == 0 || n != len(rules) {
		t.Errorf("%d rules declared, %d known", n, len(rules))
	}
	if KnownRule("requirements/none-such") || KnownRule("") {
		t.Error("an unknown rule is known")
	}
}
