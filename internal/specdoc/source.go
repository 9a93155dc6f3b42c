package specdoc

import (
	"sort"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/hashicorp/hcl/v2"
)

// document is a Markdown file split into lines. Every check works on lines
// and absolute byte offsets into src, so that a finding can be turned into
// an exact hcl.Range whatever the line endings or the characters before it.
type document struct {
	filename string
	src      []byte
	lines    []line
	last     hcl.Pos // the last position computed, a cache for pos
}

// line is one line of the source without its line ending ("\n" or "\r\n").
type line struct {
	num   int    // 1-based line number
	start int    // byte offset of text in the source
	text  string // the line, without "\n" and without a final "\r"

	// skip marks lines that carry no prose: fenced code blocks, their
	// fences, and HTML comments. A code sample that shows a heading or a
	// checkbox must not be read as one.
	skip bool
}

// newDocument splits src into lines and marks the ones to skip.
func newDocument(filename string, src []byte) *document {
	d := &document{filename: filename, src: src}
	start := 0
	for num := 1; ; num++ {
		end := start
		for end < len(src) && src[end] != '\n' {
			end++
		}
		text := string(src[start:end])
		text = strings.TrimSuffix(text, "\r")
		d.lines = append(d.lines, line{num: num, start: start, text: text})
		if end >= len(src) {
			break
		}
		start = end + 1
	}
	d.markSkipped()
	return d
}

// markSkipped marks fenced code blocks and HTML comments. A fence opens
// with three or more backticks or tildes after any indentation (fences are
// often indented inside list items) and closes with a line of at least as
// many of the same character; an unclosed fence runs to the end of the
// document, as in CommonMark.
func (d *document) markSkipped() {
	var fence string // the opening fence while inside a code block
	inComment := false
	for i := range d.lines {
		l := &d.lines[i]
		t := strings.TrimSpace(l.text)
		switch {
		case fence != "":
			l.skip = true
			if c := fenceOf(t); c != "" && c[0] == fence[0] && len(c) >= len(fence) && strings.TrimSpace(t[len(c):]) == "" {
				fence = ""
			}
		case inComment:
			l.skip = true
			if strings.Contains(t, "-->") {
				inComment = false
			}
		case fenceOf(t) != "":
			l.skip = true
			fence = fenceOf(t)
		case strings.HasPrefix(t, "<!--"):
			l.skip = true
			inComment = !strings.Contains(t[4:], "-->")
		}
	}
}

// fenceOf returns the run of backticks or tildes that opens t when it is
// at least three long, or "".
func fenceOf(t string) string {
	if t == "" || (t[0] != '`' && t[0] != '~') {
		return ""
	}
	n := 0
	for n < len(t) && t[n] == t[0] {
		n++
	}
	if n < 3 {
		return ""
	}
	return t[:n]
}

// pos converts an absolute byte offset into a position. Offsets past the
// end of the source are clamped so that a range can never point outside
// the document.
func (d *document) pos(off int) hcl.Pos {
	off = max(0, min(off, len(d.src)))
	i := sort.Search(len(d.lines), func(i int) bool { return d.lines[i].start > off }) - 1
	i = max(i, 0)
	l := d.lines[i]
	// Findings on one line come mostly left to right: count on from the
	// last position asked for, so that many findings on a long line do
	// not each count its characters from the start.
	from, col := l.start, 1
	if c := d.last; c.Line == l.num && c.Byte <= off && c.Byte >= l.start {
		from, col = c.Byte, c.Column
	}
	d.last = hcl.Pos{Line: l.num, Column: col + utf8.RuneCount(d.src[from:off]), Byte: off}
	return d.last
}

// rng is the range between two absolute byte offsets.
func (d *document) rng(from, to int) *hcl.Range {
	if to < from {
		to = from
	}
	return &hcl.Range{Filename: d.filename, Start: d.pos(from), End: d.pos(to)}
}

// lineRange is the range of the text of l from byte from (relative to the
// line) to its end, without trailing white space.
func (d *document) lineRange(l *line, from int) *hcl.Range {
	end := len(strings.TrimRightFunc(l.text, unicode.IsSpace))
	return d.rng(l.start+from, l.start+max(end, from))
}

// startRange is where findings about the whole document point: its first
// line with text, or the empty range at its start when there is none.
func (d *document) startRange() *hcl.Range {
	for i := range d.lines {
		l := &d.lines[i]
		if !l.skip && strings.TrimSpace(l.text) != "" {
			return d.lineRange(l, indentBytes(l.text))
		}
	}
	return d.rng(0, 0)
}

// blank reports whether s holds only white space.
func blank(s string) bool { return strings.TrimSpace(s) == "" }
