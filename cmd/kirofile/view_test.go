package main

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
)

const viewSrc = `feature "a" {
  spec "design" {
    prompt = nope
  }
}
`

// parseForView parses viewSrc and returns its files map and a diagnostic
// whose subject is the word "nope".
func parseForView(t *testing.T) (map[string]*hcl.File, *hcl.Diagnostic) {
	t.Helper()
	f, diags := hclsyntax.ParseConfig([]byte(viewSrc), "Kirofile", hcl.InitialPos)
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	start := strings.Index(viewSrc, "nope")
	subject := hcl.Range{
		Filename: "Kirofile",
		Start:    hcl.Pos{Line: 3, Column: 14, Byte: start},
		End:      hcl.Pos{Line: 3, Column: 18, Byte: start + 4},
	}
	return map[string]*hcl.File{"Kirofile": f}, &hcl.Diagnostic{
		Severity: hcl.DiagError,
		Summary:  "Unknown reference",
		Detail:   `There is no "nope" here.`,
		Subject:  &subject,
		Extra:    testAddress("feature.a.spec.design"),
	}
}

type testAddress string

func (a testAddress) DiagnosticAddress() string { return string(a) }

func TestJSONDiagnostic(t *testing.T) {
	files, diag := parseForView(t)
	got := newJSONDiagnostic(files, diag)

	if got.Severity != "error" || got.Summary != diag.Summary || got.Detail != diag.Detail {
		t.Errorf("severity/summary/detail = %q/%q/%q", got.Severity, got.Summary, got.Detail)
	}
	if got.Address != "feature.a.spec.design" {
		t.Errorf("address = %q", got.Address)
	}
	wantRange := jsonRange{"Kirofile", jsonPos{3, 14, diag.Subject.Start.Byte}, jsonPos{3, 18, diag.Subject.End.Byte}}
	if got.Range == nil || *got.Range != wantRange {
		t.Errorf("range = %+v, want %+v", got.Range, wantRange)
	}
	s := got.Snippet
	if s == nil {
		t.Fatal("no snippet")
	}
	if s.Code != "    prompt = nope" || s.StartLine != 3 {
		t.Errorf("code = %q at line %d", s.Code, s.StartLine)
	}
	if hl := s.Code[s.HighlightStartOffset:s.HighlightEndOffset]; hl != "nope" {
		t.Errorf("highlight = %q, want %q", hl, "nope")
	}
	if s.Context != `feature "a"` && !strings.HasPrefix(s.Context, `feature "a"`) {
		t.Errorf("context = %q", s.Context)
	}
}

func TestJSONDiagnosticWithoutSource(t *testing.T) {
	_, diag := parseForView(t)
	diag.Severity = hcl.DiagWarning
	diag.Extra = nil

	// No file: a range but no snippet.
	got := newJSONDiagnostic(nil, diag)
	if got.Severity != "warning" || got.Range == nil || got.Snippet != nil || got.Address != "" {
		t.Errorf("got %+v", got)
	}

	// No subject: neither.
	diag.Subject = nil
	got = newJSONDiagnostic(nil, diag)
	if got.Range != nil || got.Snippet != nil {
		t.Errorf("got %+v", got)
	}

	// A range past the end of the file: no snippet rather than a wrong one.
	files, diag := parseForView(t)
	diag.Subject.Start.Byte, diag.Subject.End.Byte = 1000, 1004
	diag.Subject.Start.Line, diag.Subject.End.Line = 90, 90
	if got := newJSONDiagnostic(files, diag); got.Snippet != nil {
		t.Errorf("snippet = %+v, want none", got.Snippet)
	}
}

// TestJSONDiagnosticContextRange checks that a context range widens the
// snippet to whole lines while the highlight stays on the subject.
func TestJSONDiagnosticContextRange(t *testing.T) {
	files, diag := parseForView(t)
	context := hcl.Range{
		Filename: "Kirofile",
		Start:    hcl.Pos{Line: 2, Column: 3, Byte: strings.Index(viewSrc, "spec")},
		End:      diag.Subject.End,
	}
	diag.Context = &context
	s := newJSONDiagnostic(files, diag).Snippet
	if s == nil || s.StartLine != 2 || s.Code != "  spec \"design\" {\n    prompt = nope" {
		t.Fatalf("snippet = %+v", s)
	}
	if hl := s.Code[s.HighlightStartOffset:s.HighlightEndOffset]; hl != "nope" {
		t.Errorf("highlight = %q", hl)
	}
}

func TestValidateViews(t *testing.T) {
	files, errDiag := parseForView(t)
	warn := &hcl.Diagnostic{Severity: hcl.DiagWarning, Summary: "No file matches", Detail: "Nothing."}

	tests := []struct {
		name       string
		json       bool
		diags      hcl.Diagnostics
		wantStdout []string // lines, in order
		wantStderr string   // substring; "" means empty
	}{
		{
			name:       "human valid",
			wantStdout: []string{"Success! The configuration is valid."},
		},
		{
			name:       "human warnings",
			diags:      hcl.Diagnostics{warn, warn},
			wantStdout: []string{"Success! The configuration is valid, with 2 warnings."},
			wantStderr: "Warning: No file matches",
		},
		{
			name:       "human errors",
			diags:      hcl.Diagnostics{errDiag},
			wantStderr: "   3:     prompt = nope",
		},
		{
			name: "json valid",
			json: true,
			wantStdout: []string{
				`{"type":"version",`,
				`{"type":"validate","valid":true,"error_count":0,"warning_count":0,"timestamp":"`,
			},
		},
		{
			name:  "json errors",
			json:  true,
			diags: hcl.Diagnostics{warn, errDiag},
			wantStdout: []string{
				`{"type":"version",`,
				`{"type":"diagnostic","diagnostic":{"severity":"warning","summary":"No file matches","detail":"Nothing."},"timestamp":"`,
				`{"type":"diagnostic","diagnostic":{"severity":"error","summary":"Unknown reference","detail":"There is no \"nope\" here.","address":"feature.a.spec.design","range":{"filename":"Kirofile","start":{"line":3,"column":14,"byte":45},"end":{"line":3,"column":18,"byte":49}},"snippet":{"context":"feature \"a\"","code":"    prompt = nope","start_line":3,"highlight_start_offset":13,"highlight_end_offset":17}},"timestamp":"`,
				`{"type":"validate","valid":false,"error_count":1,"warning_count":1,"timestamp":"`,
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			m := &meta{stdout: &stdout, stderr: &stderr}
			v := newValidateView(m, tt.json)
			v.Diagnostics(files, tt.diags)
			v.Result(tt.diags)

			var lines []string
			if stdout.Len() > 0 {
				lines = strings.Split(strings.TrimSuffix(stdout.String(), "\n"), "\n")
			}
			if len(lines) != len(tt.wantStdout) {
				t.Fatalf("stdout has %d lines, want %d:\n%s", len(lines), len(tt.wantStdout), stdout.String())
			}
			for i, want := range tt.wantStdout {
				if !strings.HasPrefix(lines[i], want) {
					t.Errorf("line %d:\n got %s\nwant %s", i+1, lines[i], want)
				}
				if tt.json && !json.Valid([]byte(lines[i])) {
					t.Errorf("line %d is not JSON: %s", i+1, lines[i])
				}
			}
			if tt.wantStderr == "" && stderr.Len() > 0 {
				t.Errorf("stderr = %q, want it empty", stderr.String())
			}
			if !strings.Contains(stderr.String(), tt.wantStderr) {
				t.Errorf("stderr = %q, want it to contain %q", stderr.String(), tt.wantStderr)
			}
		})
	}
}

func TestHumanViewColor(t *testing.T) {
	var stdout, stderr bytes.Buffer
	files, diag := parseForView(t)
	m := &meta{stdout: &stdout, stderr: &stderr, colorOut: true, colorErr: true}
	v := newValidateView(m, false)
	v.Diagnostics(files, hcl.Diagnostics{diag})
	v.Result(nil)
	if !strings.Contains(stdout.String(), ansiGreen) || !strings.Contains(stderr.String(), "\x1b[31m") {
		t.Errorf("no colour in\nstdout %q\nstderr %q", stdout.String(), stderr.String())
	}
}
