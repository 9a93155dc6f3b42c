package project

import (
	"bytes"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/hcl/v2"
	"github.com/kirofile/kirofile/internal/specdoc"
	"github.com/kirofile/kirofile/lang"
)

const cacheKirofile = `provider "openai" "m" {
  model = "x"
}
feature "a" {
  spec "requirements" {}
  spec "design" {}
  spec "tasks" {}
}
feature "b" {
  spec "requirements" {}
  spec "notes" {
    kind   = "document"
    prompt = "x"
    path   = "docs/b/notes.md"
  }
}
`

var cacheDocs = map[string]string{
	".kiro/specs/a/requirements.md": "# Requirements\n\n## Requirements\n\n### Requirement 1\n\n**User Story:** As a user, I want it, so that it works.\n\n#### Acceptance Criteria\n\n1. WHEN it is used THEN the system SHALL work.\n2. The système does it.\n",
	".kiro/specs/a/design.md":       "# Design\n\n## Overview\n\nSee #[[file:api.yaml]] and #[[file:../out.txt]].\r\n\n**Validates: Requirements 1.3**\n",
	".kiro/specs/a/tasks.md":        "# Implementation Plan\n\n- [ ] 1. Build it\n  - _Requirements: 1.2, 4_\n",
	".kiro/specs/b/requirements.md": "# Requirements\n\n## Requirements\n\n### Requirement 1\n\n#### Acceptance Criteria\n\n1. WHEN x THEN the system SHALL y.\n",
	"docs/b/notes.md":               "Notes, see #[[file:docs/b/extra.md]].\n",
}

// cacheProject writes the project of these tests.
func cacheProject(t *testing.T) string {
	t.Helper()
	t.Setenv("XDG_CACHE_HOME", t.TempDir())
	dir := t.TempDir()
	writeFile(t, dir, "Kirofile", cacheKirofile)
	for p, s := range cacheDocs {
		writeFile(t, dir, p, s)
	}
	return dir
}

func writeFile(t *testing.T, dir, name, content string) {
	t.Helper()
	p := filepath.Join(dir, filepath.FromSlash(name))
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

// later is the clock of the racy rule in these tests: every file is old
// enough to be kept.
func later() time.Time { return time.Now().Add(time.Hour) }

// run checks the documents of dir as validate does, with the check cache
// when salt is not empty; it returns the findings, rendered as validate
// shows them, and the counts of documents replayed and checked.
func run(t *testing.T, dir, salt string) (hcl.Diagnostics, string, [2]int) {
	t.Helper()
	var ahead *Documents
	if salt == "" {
		ahead = ReadDocuments(dir)
	} else {
		ahead = ReadDocumentsCached(dir, CacheOptions{Salt: salt, Now: later})
	}
	cfg, diags := lang.Load(dir, lang.LoadOptions{})
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	files, diags := CheckDocumentsRead(cfg, ahead)
	var b bytes.Buffer
	if err := hcl.NewDiagnosticTextWriter(&b, files, 100, false).WriteDiagnostics(diags); err != nil {
		t.Fatal(err)
	}
	return diags, b.String(), [2]int{ahead.Replayed, ahead.Checked}
}

// The findings replayed from the cache are the fresh ones, to the byte
// (file, line, column, text, snippet); a change to anything the checks of
// a document read checks it again, and only its feature.
func TestCheckCache(t *testing.T) {
	cases := []struct {
		name   string
		change func(t *testing.T, dir string)
		salt   string
		// checked is how many documents are checked again: those of
		// the feature changed.
		checked int
	}{
		{"nothing changed", func(*testing.T, string) {}, "v1", 0},
		{"a document edited", func(t *testing.T, dir string) {
			writeFile(t, dir, ".kiro/specs/a/tasks.md", "# Implementation Plan\n\n- [ ] 1. Build it\n  - _Requirements: 1.1_\n")
		}, "v1", 3},
		{"a document edited, same size and modification time", func(t *testing.T, dir string) {
			p := filepath.Join(dir, ".kiro/specs/a/tasks.md")
			st, err := os.Stat(p)
			if err != nil {
				t.Fatal(err)
			}
			writeFile(t, dir, ".kiro/specs/a/tasks.md", strings.Replace(cacheDocs[".kiro/specs/a/tasks.md"], "1.2", "1.1", 1))
			if err := os.Chtimes(p, st.ModTime(), st.ModTime()); err != nil {
				t.Fatal(err)
			}
		}, "v1", 3},
		{"a cited document edited", func(t *testing.T, dir string) {
			writeFile(t, dir, ".kiro/specs/a/requirements.md", strings.Replace(cacheDocs[".kiro/specs/a/requirements.md"], "2. The système does it.", "2. WHEN it fails THEN the system SHALL say so.\n3. IF x THEN the system SHALL z.", 1))
		}, "v1", 3},
		{"a cited document removed", func(t *testing.T, dir string) {
			if err := os.Remove(filepath.Join(dir, ".kiro/specs/a/requirements.md")); err != nil {
				t.Fatal(err)
			}
		}, "v1", 2},
		{"a referenced file created", func(t *testing.T, dir string) {
			writeFile(t, dir, "api.yaml", "openapi: 3.1.0\n")
		}, "v1", 3},
		{"a referenced file created beside its document", func(t *testing.T, dir string) {
			writeFile(t, dir, "docs/b/docs/b/extra.md", "x\n")
		}, "v1", 2},
		{"a referenced path turned into a directory", func(t *testing.T, dir string) {
			if err := os.MkdirAll(filepath.Join(dir, "api.yaml"), 0o755); err != nil {
				t.Fatal(err)
			}
		}, "v1", 3},
		{"the spec's kind changed", func(t *testing.T, dir string) {
			writeFile(t, dir, "Kirofile", strings.Replace(cacheKirofile, `spec "design" {}`, "spec \"design\" {\n    kind   = \"document\"\n    prompt = \"x\"\n  }", 1))
		}, "v1", 3},
		{"another kirofile", func(*testing.T, string) {}, "v2", 5},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			dir := cacheProject(t)
			if _, _, n := run(t, dir, "v1"); n != [2]int{0, 5} {
				t.Fatalf("first run: replayed, checked = %v", n)
			}
			tc.change(t, dir)
			fresh, freshText, _ := run(t, dir, "")
			got, gotText, n := run(t, dir, tc.salt)
			if n != [2]int{5 - tc.checked - (5 - countDocs(t, dir)), tc.checked} {
				t.Errorf("replayed, checked = %v, want %d checked", n, tc.checked)
			}
			if gotText != freshText {
				t.Errorf("with the cache:\n%s\nfresh:\n%s", gotText, freshText)
			}
			if !reflect.DeepEqual(got, fresh) {
				t.Errorf("the findings differ from fresh ones:\n%v\n%v", got, fresh)
			}
			// And the run after replays everything, to the same result.
			again, againText, n := run(t, dir, tc.salt)
			if n[1] != 0 || againText != freshText || !reflect.DeepEqual(again, fresh) {
				t.Errorf("third run: replayed, checked = %v\n%s", n, againText)
			}
		})
	}
}

// countDocs counts the documents of the test project that exist.
func countDocs(t *testing.T, dir string) int {
	n := 0
	for p := range cacheDocs {
		if _, err := os.Stat(filepath.Join(dir, filepath.FromSlash(p))); err == nil {
			n++
		}
	}
	return n
}

// A document changed within the racy window is not kept: an edit in the
// same clock tick could go unseen.
func TestCheckCacheRacy(t *testing.T) {
	dir := cacheProject(t)
	written := time.Now() // the clock as the documents were written
	cfg, diags := lang.Load(dir, lang.LoadOptions{})
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	ahead := ReadDocumentsCached(dir, CacheOptions{Salt: "v1", Now: func() time.Time { return written }})
	CheckDocumentsRead(cfg, ahead)
	if _, _, n := run(t, dir, "v1"); n[0] != 0 {
		t.Errorf("documents written a moment ago were replayed: %v", n)
	}
}

// The findings of a document read back from their encoding are the
// findings encoded; an encoding damaged in any way, or of findings the
// cache does not hold, is refused.
func TestCheckedEncoding(t *testing.T) {
	dir := cacheProject(t)
	var docs []specdoc.Document
	for _, p := range []string{".kiro/specs/a/requirements.md", ".kiro/specs/a/design.md", ".kiro/specs/a/tasks.md"} {
		kind := strings.TrimSuffix(filepath.Base(p), ".md")
		docs = append(docs, specdoc.Document{Kind: kind, Path: p, Src: []byte(cacheDocs[p])})
	}
	total := 0
	for i, c := range specdoc.CheckFeatureDocs(dir, docs) {
		total += len(c.Diags)
		p, size := docs[i].Path, int64(len(docs[i].Src))
		b, ok := encodeChecked(p, c)
		if !ok {
			t.Fatalf("%s: not encoded", p)
		}
		got, ok := decodeChecked(p, size, b)
		if !ok || !reflect.DeepEqual(got.Diags, c.Diags) || !reflect.DeepEqual(got.Looked, c.Looked) {
			t.Errorf("%s: read back %v, %v\nwant %v, %v", p, got.Diags, got.Looked, c.Diags, c.Looked)
		}
		for n := range len(b) {
			if _, ok := decodeChecked(p, size, b[:n]); ok {
				t.Errorf("%s: cut to %d bytes, accepted", p, n)
			}
		}
		if _, ok := decodeChecked(p, size, append(bytes.Clone(b), 0)); ok {
			t.Errorf("%s: a trailing byte accepted", p)
		}
		if len(c.Diags) > 0 {
			if _, ok := decodeChecked(p, 0, b); ok {
				t.Errorf("%s: ranges beyond the document accepted", p)
			}
		}
	}
	if total < 4 {
		t.Fatalf("only %d findings: the test project is meant to have several", total)
	}
	rng := &hcl.Range{Filename: "a.md", Start: hcl.Pos{Line: 1, Column: 1}, End: hcl.Pos{Line: 1, Column: 1}}
	refused := []struct {
		name string
		c    specdoc.Checked
	}{
		{"a lookup that failed", specdoc.Checked{Looked: []specdoc.Lookup{{Path: "x", Found: specdoc.FoundError}}}},
		{"a finding in another file", specdoc.Checked{Diags: hcl.Diagnostics{{Severity: hcl.DiagError, Subject: &hcl.Range{Filename: "b.md"}, Extra: specdoc.RuleEARS}}}},
		{"a finding without a rule", specdoc.Checked{Diags: hcl.Diagnostics{{Severity: hcl.DiagError, Subject: rng}}}},
		{"a finding without a subject", specdoc.Checked{Diags: hcl.Diagnostics{{Severity: hcl.DiagError, Extra: specdoc.RuleEARS}}}},
	}
	for _, tc := range refused {
		if _, ok := encodeChecked("a.md", tc.c); ok {
			t.Errorf("%s: encoded", tc.name)
		}
	}
	// Values no encoder writes.
	good, _ := encodeChecked("a.md", specdoc.Checked{Diags: hcl.Diagnostics{{Severity: hcl.DiagWarning, Summary: "s", Subject: rng, Extra: specdoc.RuleEARS}}})
	if _, ok := decodeChecked("a.md", 10, good); !ok {
		t.Fatal("a good value refused")
	}
	for _, bad := range []struct {
		name string
		at   int
		b    byte
	}{
		{"severity", 8, 7},
		{"rule", 8 + 1 + 4 + 1 + 4 + 4, 'X'},
	} {
		b := bytes.Clone(good)
		b[bad.at] = bad.b
		if _, ok := decodeChecked("a.md", 10, b); ok {
			t.Errorf("a bad %s accepted", bad.name)
		}
	}
}
