package main

import (
	"bufio"
	"bytes"
	"math/rand/v2"
	"testing"

	"github.com/hashicorp/hcl/v2"
)

// scannedSnippetLines is how snippets were cut before the line index: a
// scan of the whole file per diagnostic. The index must agree with it.
func scannedSnippetLines(src []byte, snip hcl.Range) (start, end, startLine int) {
	start, end = -1, -1
	sc := hcl.NewRangeScanner(src, snip.Filename, bufio.ScanLines)
	for sc.Scan() {
		line := sc.Range()
		if !line.Overlaps(snip) {
			continue
		}
		if start < 0 {
			start, startLine = line.Start.Byte, line.Start.Line
		}
		end = line.End.Byte
	}
	return start, end, startLine
}

func TestSnippetLinesMatchAScan(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	alphabet := []byte("ab \n\r\n\t")
	for n := 0; n < 5000; n++ {
		src := make([]byte, rng.IntN(40))
		for i := range src {
			src[i] = alphabet[rng.IntN(len(alphabet))]
		}
		f := &hcl.File{Bytes: src}
		a := rng.IntN(len(src) + 1)
		b := a + rng.IntN(len(src)-a+1)
		// The diagnostic's own line: lines end at "\n".
		line := 1 + bytes.Count(src[:a], []byte("\n"))
		subject := hcl.Range{Filename: "f", Start: hcl.Pos{Byte: a, Line: line, Column: 1}, End: hcl.Pos{Byte: b, Line: line, Column: 1}}
		snip := subject
		if snip.Empty() {
			snip.End.Byte++
		}
		wantStart, wantEnd, wantLine := scannedSnippetLines(src, snip)
		got := newJSONSnippet(f, subject, nil)
		if wantStart < 0 || wantEnd > len(src) {
			if got != nil {
				t.Fatalf("%q [%d,%d): got a snippet %+v, a scan finds none", src, a, b, got)
			}
			continue
		}
		// The scan counts a lone "\r" as a line break; the snippet numbers
		// lines as the diagnostic does, by "\n".
		if bytes.Count(src, []byte("\r")) != bytes.Count(src, []byte("\r\n")) {
			wantLine = 1 + bytes.Count(src[:wantStart], []byte("\n"))
		}
		if got == nil || got.Code != string(src[wantStart:wantEnd]) || got.StartLine != wantLine {
			t.Fatalf("%q [%d,%d): got %+v, a scan gives %q from line %d", src, a, b, got, src[wantStart:wantEnd], wantLine)
		}
	}
}
