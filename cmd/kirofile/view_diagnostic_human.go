package main

import (
	"fmt"
	"io"
	"strings"
	"unicode/utf8"

	"github.com/hashicorp/hcl/v2"
)

// writeHumanDiagnostic renders one diagnostic for people:
//
//	Error: Unsupported argument
//
//	  on Kirofile:8:5, in spec "requirements":
//	     8:     colour = "red"
//	            ^^^^^^
//
//	An argument named "colour" is not expected here.
//
// The FILE:LINE:COLUMN form is the one editors and terminals turn into a
// link to the place; the caret line shows exactly what is wrong on it.
func writeHumanDiagnostic(w io.Writer, files map[string]*hcl.File, d *hcl.Diagnostic, color bool) {
	label, escape := "Error", ansiRed
	if d.Severity == hcl.DiagWarning {
		label, escape = "Warning", ansiYellow
	}
	fmt.Fprintf(w, "%s %s\n", colorize(color, ansiBold+escape, label+":"), colorize(color, ansiBold, d.Summary))
	if d.Subject != nil {
		r := d.Subject
		var snip *jsonSnippet
		if f := files[r.Filename]; f != nil && f.Bytes != nil {
			snip = newJSONSnippet(f, *r, nil)
		}
		where := fmt.Sprintf("%s:%d:%d", r.Filename, r.Start.Line, r.Start.Column)
		if snip != nil && snip.Context != "" {
			where += ", in " + snip.Context
		}
		fmt.Fprintf(w, "\n  on %s:\n", where)
		if snip != nil {
			writeSnippet(w, snip, color)
		}
	}
	if d.Detail != "" {
		fmt.Fprintf(w, "\n%s\n", d.Detail)
	}
	fmt.Fprintln(w)
}

// writeSnippet prints the snippet's lines, numbered, and a caret line under
// the highlighted part of the line it starts on.
func writeSnippet(w io.Writer, s *jsonSnippet, color bool) {
	lines := strings.Split(strings.TrimSuffix(s.Code, "\n"), "\n")
	offset := 0
	for i, line := range lines {
		n := s.StartLine + i
		fmt.Fprintf(w, "  %4d: %s\n", n, line)
		lineStart, lineEnd := offset, offset+len(line)
		offset = lineEnd + 1
		if s.HighlightStartOffset < lineStart || s.HighlightStartOffset > lineEnd {
			continue
		}
		from := s.HighlightStartOffset - lineStart
		to := min(s.HighlightEndOffset, lineEnd) - lineStart
		width := utf8.RuneCountInString(line[from:max(to, from)])
		if width == 0 {
			width = 1
		}
		// Keep tabs in the padding so the carets line up under tabbed code.
		pad := strings.Map(func(r rune) rune {
			if r == '\t' {
				return '\t'
			}
			return ' '
		}, line[:from])
		fmt.Fprintf(w, "        %s%s\n", pad, colorize(color, ansiRed, strings.Repeat("^", width)))
	}
}
