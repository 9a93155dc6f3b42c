package main

import (
	"bytes"
	"sort"
	"sync"

	"github.com/hashicorp/hcl/v2"
)

// The JSON form of a diagnostic. Field names follow the shape tools
// already parse for HCL diagnostics (Terraform's): a range with
// line/column/byte positions and a snippet whose highlight offsets are byte
// offsets into its code.

type jsonDiagnostic struct {
	Severity string       `json:"severity"`
	Summary  string       `json:"summary"`
	Detail   string       `json:"detail"`
	Address  string       `json:"address,omitempty"`
	Range    *jsonRange   `json:"range,omitempty"`
	Snippet  *jsonSnippet `json:"snippet,omitempty"`
}

type jsonRange struct {
	Filename string  `json:"filename"`
	Start    jsonPos `json:"start"`
	End      jsonPos `json:"end"`
}

type jsonPos struct {
	Line   int `json:"line"`
	Column int `json:"column"`
	Byte   int `json:"byte"`
}

type jsonSnippet struct {
	// Context names the block the snippet is in, e.g. `feature "a"`; empty
	// at the top level.
	Context string `json:"context"`
	// Code is the source lines that hold the subject and its context.
	Code      string `json:"code"`
	StartLine int    `json:"start_line"`
	// The subject's bytes within Code.
	HighlightStartOffset int `json:"highlight_start_offset"`
	HighlightEndOffset   int `json:"highlight_end_offset"`
}

// addressedDiagnostic is implemented by a diagnostic's Extra when the
// diagnostic is about one node; lang sets it so that -json readers can
// attach a diagnostic to a node without parsing its summary.
type addressedDiagnostic interface {
	DiagnosticAddress() string
}

func newJSONDiagnostic(files map[string]*hcl.File, d *hcl.Diagnostic) jsonDiagnostic {
	out := jsonDiagnostic{
		Severity: "error",
		Summary:  d.Summary,
		Detail:   d.Detail,
	}
	if d.Severity == hcl.DiagWarning {
		out.Severity = "warning"
	}
	if a, ok := hcl.DiagnosticExtra[addressedDiagnostic](d); ok {
		out.Address = a.DiagnosticAddress()
	}
	if d.Subject == nil {
		return out
	}
	subject := *d.Subject
	out.Range = &jsonRange{
		Filename: subject.Filename,
		Start:    jsonPos{subject.Start.Line, subject.Start.Column, subject.Start.Byte},
		End:      jsonPos{subject.End.Line, subject.End.Column, subject.End.Byte},
	}
	if f := files[subject.Filename]; f != nil && f.Bytes != nil {
		out.Snippet = newJSONSnippet(f, subject, d.Context)
	}
	return out
}

// newJSONSnippet cuts the whole source lines that hold subject and context
// out of f. It returns nil when the range does not fit the file (a stale or
// synthetic range), rather than an empty or misleading snippet.
func newJSONSnippet(f *hcl.File, subject hcl.Range, context *hcl.Range) *jsonSnippet {
	snip := subject
	if context != nil {
		snip = hcl.RangeOver(snip, *context)
	}
	// An empty range still points at a place: widen it to one byte so
	// that the line holding it overlaps.
	if snip.Empty() {
		snip.End.Byte++
		snip.End.Column++
	}

	src := f.Bytes
	start, end, startLine := -1, -1, 0
	lines := lineIndex(f)
	// Lines are in order, so the candidates begin at the first line that
	// ends at or after the snippet's start, and stop at the first that
	// begins after its end: a lookup, not a scan of the file for each
	// diagnostic of a document with hundreds.
	first := sort.Search(len(lines), func(i int) bool { return lines[i].end >= snip.Start.Byte })
	for i := first; i < len(lines) && lines[i].start <= snip.End.Byte; i++ {
		l := lines[i]
		line := hcl.Range{Filename: snip.Filename, Start: hcl.Pos{Byte: l.start}, End: hcl.Pos{Byte: l.end}}
		if !line.Overlaps(snip) {
			continue
		}
		if start < 0 {
			start, startLine = l.start, i+1
		}
		end = l.end
	}
	if start < 0 || end > len(src) || subject.Start.Byte > subject.End.Byte {
		return nil
	}
	if subject.Start.Line > 0 {
		// Number the lines as the diagnostic does: its producer may count
		// lines differently (a lone "\r"), and the snippet must agree
		// with the place the diagnostic names.
		at := sort.Search(len(lines), func(i int) bool { return lines[i].start > subject.Start.Byte }) - 1
		startLine = subject.Start.Line - (at - (startLine - 1))
	}
	clamp := func(off int) int { return min(max(off-start, 0), end-start) }

	s := &jsonSnippet{
		Code:                 string(src[start:end]),
		StartLine:            startLine,
		HighlightStartOffset: clamp(subject.Start.Byte),
		HighlightEndOffset:   clamp(subject.End.Byte),
	}
	if nav, ok := f.Nav.(interface{ ContextString(offset int) string }); ok {
		s.Context = nav.ContextString(subject.Start.Byte)
	}
	return s
}

// lineSpan is one line of a file: its bytes, without the line ending.
type lineSpan struct{ start, end int }

// lineIndexes caches the lines of each file diagnostics point into, built
// once per file: a file with hundreds of findings is split into lines
// once, not once per finding.
var lineIndexes sync.Map // *hcl.File -> []lineSpan

// lineIndex returns the lines of f, split as bufio.ScanLines splits them
// (on "\n", with a "\r" before it dropped).
func lineIndex(f *hcl.File) []lineSpan {
	if v, ok := lineIndexes.Load(f); ok {
		return v.([]lineSpan)
	}
	src := f.Bytes
	var lines []lineSpan
	for start := 0; start < len(src); {
		nl := bytes.IndexByte(src[start:], '\n')
		next, end := len(src), len(src)
		if nl >= 0 {
			end, next = start+nl, start+nl+1
		}
		if end > start && src[end-1] == '\r' {
			end--
		}
		lines = append(lines, lineSpan{start, end})
		start = next
	}
	lineIndexes.Store(f, lines)
	return lines
}
