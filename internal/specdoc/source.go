package specdoc

import (
	"sort"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/hashicorp/hcl/v2"
)

// document is a Markdown file read into blocks (see markdown.go), with what
// it takes to turn a byte offset into an exact hcl.Pos, whatever the line
// endings or the characters before it.
type document struct {
	filename string
	src      []byte
	// lineStarts holds the byte offset at which each line starts; line n
	// (1-based) starts at lineStarts[n-1].
	lineStarts []int
	nodes      []*node
	// diags are findings about the Markdown itself (a code block left
	// open), which every checker reports along with its own.
	diags hcl.Diagnostics
	last  hcl.Pos // the last position computed, a cache for pos
}

// newDocument splits src into lines and parses its block structure.
func newDocument(filename string, src []byte) *document {
	d := &document{filename: filename, src: src, lineStarts: []int{0}}
	for i, c := range src {
		if c == '\n' {
			d.lineStarts = append(d.lineStarts, i+1)
		}
	}
	d.parse()
	return d
}

// lineIndex is the 0-based index of the line holding byte off.
func (d *document) lineIndex(off int) int {
	i := sort.Search(len(d.lineStarts), func(i int) bool { return d.lineStarts[i] > off }) - 1
	return max(i, 0)
}

// lineBounds returns the byte offsets of the start and the end of the line
// with 0-based index i, without its line ending ("\n" or "\r\n").
func (d *document) lineBounds(i int) (start, end int) {
	start = d.lineStarts[i]
	end = len(d.src)
	if i+1 < len(d.lineStarts) {
		end = d.lineStarts[i+1] - 1
	}
	if end > start && d.src[end-1] == '\r' {
		end--
	}
	return start, end
}

// pos converts an absolute byte offset into a position. Offsets past the
// end of the source are clamped so that a range can never point outside
// the document.
func (d *document) pos(off int) hcl.Pos {
	off = max(0, min(off, len(d.src)))
	i := d.lineIndex(off)
	start := d.lineStarts[i]
	// Findings on one line come mostly left to right: count on from the
	// last position asked for, so that many findings on a long line do
	// not each count its characters from the start.
	from, col := start, 1
	if c := d.last; c.Line == i+1 && c.Byte <= off && c.Byte >= start {
		from, col = c.Byte, c.Column
	}
	d.last = hcl.Pos{Line: i + 1, Column: col + utf8.RuneCount(d.src[from:off]), Byte: off}
	return d.last
}

// rng is the range between two absolute byte offsets.
func (d *document) rng(from, to int) *hcl.Range {
	if to < from {
		to = from
	}
	return &hcl.Range{Filename: d.filename, Start: d.pos(from), End: d.pos(to)}
}

// lineRangeAt is the range of the text of the line holding byte off, from
// its first character that is not white space to its last.
func (d *document) lineRangeAt(off int) *hcl.Range {
	start, end := d.lineBounds(d.lineIndex(off))
	line := string(d.src[start:end])
	from := start + indentBytes(line)
	to := start + len(strings.TrimRightFunc(line, unicode.IsSpace))
	return d.rng(from, max(to, from))
}

// startRange is where findings about the whole document point: its first
// line with text, or the empty range at its start when there is none.
func (d *document) startRange() *hcl.Range {
	for _, n := range d.nodes {
		if n.skipped() {
			continue
		}
		if off, ok := n.start(); ok {
			return d.lineRangeAt(off)
		}
	}
	return d.rng(0, 0)
}

// blank reports whether s holds only white space.
func blank(s string) bool { return strings.TrimSpace(s) == "" }
