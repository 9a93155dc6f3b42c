package specdoc

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/hashicorp/hcl/v2"
)

// describe renders a diagnostic as "E 3:5-3:9 Summary" (W for warnings),
// the form the tables below expect: exact lines and columns, compact.
func describe(d *hcl.Diagnostic) string {
	sev := "E"
	if d.Severity == hcl.DiagWarning {
		sev = "W"
	}
	if d.Subject == nil {
		return sev + " - " + d.Summary
	}
	s := d.Subject
	return fmt.Sprintf("%s %d:%d-%d:%d %s", sev, s.Start.Line, s.Start.Column, s.End.Line, s.End.Column, d.Summary)
}

// assertDiags compares diagnostics with their descriptions, in order, and
// checks that every range is exact for src.
func assertDiags(t *testing.T, filename string, src []byte, diags hcl.Diagnostics, want []string) {
	t.Helper()
	var got []string
	for _, d := range diags {
		got = append(got, describe(d))
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("diagnostics:\n got: %s\nwant: %s\ndetails:\n%s",
			strings.Join(got, "\n      "), strings.Join(want, "\n      "), details(diags))
	}
	if err := checkRanges(filename, src, diags); err != nil {
		t.Error(err)
	}
}

func details(diags hcl.Diagnostics) string {
	var b strings.Builder
	for _, d := range diags {
		fmt.Fprintf(&b, "  %s: %s\n", describe(d), d.Detail)
	}
	return b.String()
}

// checkRanges verifies that every diagnostic has a subject in filename
// that lies within src, and that each position's line and column agree
// with its byte offset: the line counts "\n" before it, the column counts
// characters (invalid UTF-8 bytes one each) from the line start, and the
// offset falls on a character boundary.
func checkRanges(filename string, src []byte, diags hcl.Diagnostics) error {
	for _, d := range diags {
		if d.Subject == nil {
			return fmt.Errorf("%q has no subject", d.Summary)
		}
		r := d.Subject
		if r.Filename != filename {
			return fmt.Errorf("%q: filename %q, want %q", d.Summary, r.Filename, filename)
		}
		if r.Start.Byte > r.End.Byte {
			return fmt.Errorf("%q: range ends before it starts: %+v", d.Summary, *r)
		}
		for _, p := range []hcl.Pos{r.Start, r.End} {
			if err := checkPos(src, p); err != nil {
				return fmt.Errorf("%q: %v", d.Summary, err)
			}
		}
	}
	return nil
}

func checkPos(src []byte, p hcl.Pos) error {
	if p.Byte < 0 || p.Byte > len(src) {
		return fmt.Errorf("byte %d outside the document (%d bytes)", p.Byte, len(src))
	}
	lineStart := bytes.LastIndexByte(src[:p.Byte], '\n') + 1
	if line := 1 + bytes.Count(src[:p.Byte], []byte{'\n'}); p.Line != line {
		return fmt.Errorf("byte %d is on line %d, not %d", p.Byte, line, p.Line)
	}
	col := 1
	for i := lineStart; i < p.Byte; col++ {
		_, n := utf8.DecodeRune(src[i:])
		i += n
		if i > p.Byte {
			return fmt.Errorf("byte %d is inside a character", p.Byte)
		}
	}
	if p.Column != col {
		return fmt.Errorf("byte %d is at column %d, not %d", p.Byte, col, p.Column)
	}
	return nil
}

// lines joins its arguments with "\n" and ends the result with one, so
// that a table's documents read line by line.
func lines(ls ...string) []byte {
	return []byte(strings.Join(ls, "\n") + "\n")
}

// readTestdata reads a file under testdata.
func readTestdata(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// goodRequirements is the id set of testdata/good/requirements.md.
func goodRequirements(t testing.TB) *Requirements {
	t.Helper()
	reqs, diags := CheckRequirements("requirements.md", readTestdata(t, "good/requirements.md"))
	if len(diags) > 0 {
		t.Fatalf("good requirements: %s", details(diags))
	}
	return reqs
}
