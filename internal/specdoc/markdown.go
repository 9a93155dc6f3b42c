package specdoc

import (
	"bytes"
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/hashicorp/hcl/v2"
	"github.com/yuin/goldmark/ast"
	"github.com/yuin/goldmark/parser"
	gmtext "github.com/yuin/goldmark/text"
)

// The block structure of a document (headings, paragraphs, list items,
// code blocks, block quotes, HTML) comes from goldmark, a CommonMark
// parser, so that the checks read a document the way GitHub and Kiro
// render it: an indented block is code, a quoted line is a quotation, a
// paragraph after a blank line is not part of the list above it. Inline
// structure (emphasis, code spans) is read here, on the text of each line,
// because a finding must point at the exact column of a word inside an
// emphasised citation.

// mdParser parses block structure only: inline parsers would cost time and
// nothing here uses their result. goldmark parsers are safe for concurrent
// use.
var mdParser = parser.NewParser(
	parser.WithBlockParsers(parser.DefaultBlockParsers()...),
	parser.WithInlineParsers(),
)

// nodeKind is the kind of a block.
type nodeKind uint8

const (
	nodeHeading nodeKind = iota + 1
	nodePara             // a paragraph, or the text of a tight list item
	nodeItem             // the start of a list item; its blocks follow it
	nodeCode             // a fenced or indented code block
	nodeHTML             // an HTML block, comments included
	nodeBreak            // a thematic break
)

// node is one block of the document, in document order. The blocks of a
// list item follow its nodeItem and point back at it through item.
type node struct {
	kind  nodeKind
	level int    // heading level
	lines []text // the block's lines, without container prefixes or line endings
	// item is the innermost list item holding the block; for a nodeItem,
	// the item itself.
	item *item
	// quoted marks blocks inside a block quote: a quotation, not part of
	// the document's own structure.
	quoted bool
	// recovered marks a heading found inside a code block that was left
	// open by mistake (see fenced): only the design check reads them.
	recovered bool
	pos       int // byte offset where the block starts
}

// skipped reports whether the block carries no prose.
func (n *node) skipped() bool {
	return n.kind == nodeCode || n.kind == nodeHTML || n.kind == nodeBreak || n.recovered
}

// start is the byte offset where the block's text starts.
func (n *node) start() (int, bool) {
	if n.kind == nodeItem {
		return n.item.marker, true
	}
	if len(n.lines) > 0 {
		return n.lines[0].start(), true
	}
	return n.pos, n.pos >= 0
}

// item is a list item.
type item struct {
	parent    *item
	depth     int // 1 for an item of a top-level list
	ordered   bool
	number    string // the digits of an ordered marker
	marker    int    // byte offset of the marker
	markerEnd int    // byte offset just past the marker
	// first is the item's first block when it is text starting on the
	// marker's line ("- [ ] 1. Title"), else nil.
	first *node
}

// within reports whether it is anc or nested in anc.
func (it *item) within(anc *item) bool {
	for ; it != nil; it = it.parent {
		if it == anc {
			return true
		}
	}
	return false
}

// parse reads the block structure of d.src into d.nodes.
func (d *document) parse() {
	src := d.src
	copied := false
	own := func() {
		if !copied {
			src = append([]byte(nil), src...)
			copied = true
		}
	}
	if end := frontMatterEnd(src); end > 0 {
		// Front matter is not Markdown: blank it out, keeping the line
		// breaks so that every offset stays the same.
		own()
		for i := 0; i < end; i++ {
			if src[i] != '\n' && src[i] != '\r' {
				src[i] = ' '
			}
		}
	}
	// goldmark does not take "\r\n" for a line ending everywhere ("1.\r\n"
	// is not an empty list item to it): read the "\r" as a space, which
	// keeps every offset.
	for i := bytes.IndexByte(src, '\r'); i >= 0 && i+1 < len(src); {
		if src[i+1] == '\n' {
			own()
			src[i] = ' '
		}
		k := bytes.IndexByte(src[i+1:], '\r')
		if k < 0 {
			break
		}
		i += k + 1
	}
	if i := nestingLimit(src); i >= 0 {
		own()
		boundNesting(src, i)
	}
	root := mdParser.Parse(gmtext.NewReader(src))
	d.walk(root, nil, false)
}

func (d *document) walk(n ast.Node, it *item, quoted bool) {
	for c := n.FirstChild(); c != nil; c = c.NextSibling() {
		switch c := c.(type) {
		case *ast.Heading:
			d.nodes = append(d.nodes, &node{kind: nodeHeading, level: c.Level, lines: d.segLines(c), item: it, quoted: quoted, pos: min(c.Pos(), len(d.src))})
		case *ast.Paragraph, *ast.TextBlock:
			d.nodes = append(d.nodes, &node{kind: nodePara, lines: d.segLines(c), item: it, quoted: quoted})
		case *ast.FencedCodeBlock:
			d.fenced(c, it, quoted)
		case *ast.CodeBlock:
			d.nodes = append(d.nodes, &node{kind: nodeCode, lines: d.segLines(c), item: it, quoted: quoted})
		case *ast.HTMLBlock:
			d.nodes = append(d.nodes, &node{kind: nodeHTML, item: it, quoted: quoted})
		case *ast.ThematicBreak:
			d.nodes = append(d.nodes, &node{kind: nodeBreak, item: it, quoted: quoted})
		case *ast.Blockquote:
			d.walk(c, it, true)
		case *ast.List:
			for li := c.FirstChild(); li != nil; li = li.NextSibling() {
				d.listItem(c, li, it, quoted)
			}
		default:
			d.walk(c, it, quoted)
		}
	}
}

// listItem adds a list item and its blocks.
func (d *document) listItem(list *ast.List, li ast.Node, parent *item, quoted bool) {
	mk := min(max(li.Pos(), 0), len(d.src))
	it := &item{parent: parent, depth: 1, ordered: list.IsOrdered(), marker: mk, markerEnd: min(mk+1, len(d.src))}
	if parent != nil {
		it.depth = parent.depth + 1
	}
	if it.ordered {
		j := mk
		for j < len(d.src) && d.src[j] >= '0' && d.src[j] <= '9' {
			j++
		}
		it.number = string(d.src[mk:j])
		it.markerEnd = min(j+1, len(d.src))
	}
	d.nodes = append(d.nodes, &node{kind: nodeItem, item: it, quoted: quoted})
	first := len(d.nodes)
	d.walk(li, it, quoted)
	if first < len(d.nodes) {
		f := d.nodes[first]
		if (f.kind == nodePara || f.kind == nodeHeading) && f.item == it && len(f.lines) > 0 &&
			d.lineIndex(f.lines[0].start()) == d.lineIndex(mk) {
			it.first = f
		}
	}
}

// fenced adds a fenced code block. A fence line with an info string inside
// a block of the same fence ("```python" inside "```python") cannot open a
// block there: the writer forgot the closing fence of the block above, and
// everything up to the next bare fence, headings included, renders as
// code. That is reported once per block; the headings in it (up to its
// last such fence) are kept as recovered nodes, so that the design check
// does not report every section after the mistake as missing.
func (d *document) fenced(c *ast.FencedCodeBlock, it *item, quoted bool) {
	lines := d.segLines(c)
	d.nodes = append(d.nodes, &node{kind: nodeCode, lines: lines, item: it, quoted: quoted})
	open := min(max(c.Pos(), 0), len(d.src))
	if open >= len(d.src) {
		return
	}
	ch := d.src[open]
	width := 0
	for open+width < len(d.src) && d.src[open+width] == ch {
		width++
	}
	reopen, last := -1, -1
	for i, l := range lines {
		t := strings.TrimLeft(l.s, " ")
		if len(l.s)-len(t) > 3 {
			continue
		}
		run := 0
		for run < len(t) && t[run] == ch {
			run++
		}
		if run >= 3 && run >= width && strings.TrimSpace(t[run:]) != "" {
			if reopen < 0 {
				reopen = i
			}
			last = i
		}
	}
	if reopen < 0 {
		return
	}
	// Only the first: a block left open shifts every fence after it, so
	// that the blocks after it look left open too until it is fixed.
	if len(d.diags) == 0 {
		d.reportOpenBlock(open, ch, width, lines[reopen])
	}
	// Up to the last fence that opens nothing, the writer meant prose and
	// code in turns; after it, the block is code until its closing fence.
	for _, l := range lines[:last] {
		if level, title, ok := atxHeading(l); ok && level >= 2 {
			d.nodes = append(d.nodes, &node{kind: nodeHeading, level: level, lines: []text{title}, item: it, quoted: quoted, recovered: true})
		}
	}
}

// reportOpenBlock reports the code block opened at byte open and still
// open at the fence line at.
func (d *document) reportOpenBlock(open int, ch byte, width int, at text) {
	openLine := d.lineIndex(open) + 1
	d.diags = append(d.diags, &hcl.Diagnostic{
		Severity: hcl.DiagWarning,
		Summary:  "Code block not closed",
		Detail: fmt.Sprintf("The code block opened on line %d is still open on line %d, where %q starts another one: a closing %s line is missing before it. Until the next bare %s line, everything renders as code, headings included, and the code blocks after it are misread until it is closed.",
			openLine, d.lineIndex(at.start())+1, strings.TrimSpace(at.s), strings.Repeat(string(ch), width), strings.Repeat(string(ch), width)),
		Subject: d.lineRangeAt(open),
		Extra:   RuleUnclosedCode,
	})
}

// A CommonMark parser checks every open container (list item, block
// quote) on every line, so a document nested thousands of levels deep costs
// time in the square of its size. No spec document nests deeper than a few
// levels: past maxLeadColumns of indentation or maxLeadMarkers container
// markers at the start of a line, the rest of the line is read as text.
const (
	maxLeadColumns = 96
	maxLeadMarkers = 32
)

// nestingLimit returns the offset of the first line that nests too deep
// (see boundNesting), or -1 when none does.
func nestingLimit(src []byte) int {
	for start := 0; start < len(src); {
		end := bytes.IndexByte(src[start:], '\n')
		if end < 0 {
			end = len(src)
		} else {
			end += start
		}
		if leadLimit(src[start:end]) >= 0 {
			return start
		}
		start = end + 1
	}
	return -1
}

// boundNesting makes every line from offset from on nest no deeper than
// the limits: the byte where a line goes past them becomes a NUL, which
// ends its run of indentation and markers without moving any offset.
func boundNesting(src []byte, from int) {
	for start := from; start < len(src); {
		end := bytes.IndexByte(src[start:], '\n')
		if end < 0 {
			end = len(src)
		} else {
			end += start
		}
		if i := leadLimit(src[start:end]); i >= 0 {
			src[start+i] = 0
		}
		start = end + 1
	}
}

// leadLimit returns the offset in line of the byte at which its leading
// indentation and container markers go past the limits, or -1.
func leadLimit(line []byte) int {
	col, markers := 0, 0
	for i := 0; i < len(line); i++ {
		c := line[i]
		switch {
		case c == ' ':
			col++
		case c == '\t':
			col += 4 - col%4
		case c == '>':
			markers++
		case (c == '-' || c == '*' || c == '+') && i+1 < len(line) && (line[i+1] == ' ' || line[i+1] == '\t'):
			markers++
		case c >= '0' && c <= '9':
			j := i
			for j < len(line) && line[j] >= '0' && line[j] <= '9' {
				j++
			}
			if j >= len(line) || line[j] != '.' && line[j] != ')' {
				return -1
			}
			markers++
			i = j
		default:
			return -1
		}
		if col > maxLeadColumns || markers > maxLeadMarkers {
			return i
		}
	}
	return -1
}

// atxHeading reads a line of a code block as an ATX heading of level two or
// more ("## Title"); a single "#" is far more often a comment in code.
func atxHeading(l text) (level int, title text, ok bool) {
	s := l.s
	i := 0
	for i < len(s) && i < 3 && s[i] == ' ' {
		i++
	}
	n := 0
	for i+n < len(s) && s[i+n] == '#' {
		n++
	}
	if n < 2 || n > 6 || i+n >= len(s) || (s[i+n] != ' ' && s[i+n] != '\t') {
		return 0, text{}, false
	}
	t := l.sub(i+n, len(s)).trim()
	if t.s == "" {
		return 0, text{}, false
	}
	return n, t, true
}

// segLines returns the lines of a leaf block, without line endings.
func (d *document) segLines(n ast.Node) []text {
	segs := n.Lines()
	out := make([]text, 0, segs.Len())
	for i := 0; i < segs.Len(); i++ {
		s := segs.At(i)
		start, stop := min(max(s.Start, 0), len(d.src)), min(max(s.Stop, 0), len(d.src))
		for stop > start && (d.src[stop-1] == '\n' || d.src[stop-1] == '\r') {
			stop--
		}
		out = append(out, d.textAt(start, max(stop, start)))
	}
	return out
}

// frontMatterEnd returns the offset just past YAML front matter ("---"
// lines around "key: value" lines) at the start of src, or 0 when there is
// none. Spec documents rarely carry front matter, but a document that does
// must not have it read as a heading (a "---" under a line makes one).
func frontMatterEnd(src []byte) int {
	s := string(src)
	s = strings.TrimPrefix(s, "\ufeff")
	skip := len(src) - len(s)
	if !strings.HasPrefix(s, "---\n") && !strings.HasPrefix(s, "---\r\n") {
		return 0
	}
	i := strings.IndexByte(s, '\n') + 1
	keys := false
	for n := 0; i < len(s) && n < 100; n++ {
		end := strings.IndexByte(s[i:], '\n')
		if end < 0 {
			end = len(s) - i
		}
		line := strings.TrimRight(s[i:i+end], "\r")
		if line == "---" || line == "..." {
			if !keys {
				return 0
			}
			return skip + i + end
		}
		if k, _, ok := strings.Cut(line, ":"); ok && k != "" && !strings.ContainsAny(k, " \t#") {
			keys = true
		}
		i += end + 1
	}
	return 0
}

// indentBytes is the number of leading space and tab bytes of s.
func indentBytes(s string) int {
	return len(s) - len(strings.TrimLeft(s, " \t"))
}

// text is a piece of prose together with the source offset of each of its
// bytes, so that words found after joining lines or dropping emphasis can
// still be pointed at exactly. A text cut from one place of the source
// (most are) keeps only the offset of its first byte; one that was joined
// or had marks dropped keeps an offset per byte, plus one for the end.
type text struct {
	s    string
	off  []int // nil: the bytes are contiguous in the source from base
	base int
}

// at is the source offset of byte i of t; i may be len(t.s), the end.
func (t text) at(i int) int {
	if t.off == nil {
		return t.base + i
	}
	return t.off[i]
}

// offsets returns the offset of every byte of t and of its end.
func (t text) offsets() []int {
	if t.off != nil {
		return t.off
	}
	off := make([]int, len(t.s)+1)
	for i := range off {
		off[i] = t.base + i
	}
	return off
}

// textAt is the text between two byte offsets of the source.
func (d *document) textAt(from, to int) text {
	return text{s: string(d.src[from:to]), base: from}
}

// joinTexts joins the non-empty parts with a single space; each space
// points at the end of the part before it. With no text at all it returns
// the first part, which still has a position. It builds the result once,
// so that a criterion wrapped over many lines costs linear time.
func joinTexts(parts []text) text {
	if len(parts) == 0 {
		return text{}
	}
	var nonEmpty []text
	for _, p := range parts {
		if p.s != "" {
			nonEmpty = append(nonEmpty, p)
		}
	}
	switch len(nonEmpty) {
	case 0:
		return parts[0]
	case 1:
		return nonEmpty[0]
	}
	var b strings.Builder
	var off []int
	for _, p := range nonEmpty {
		if b.Len() > 0 {
			// off already ends with the end of the previous part: that
			// entry is the space's.
			b.WriteByte(' ')
		}
		b.WriteString(p.s)
		off = append(off, p.offsets()...)
	}
	return text{s: b.String(), off: off}
}

// start and end are the source offsets of the first byte and just past the
// last byte of t.
func (t text) start() int { return t.at(0) }
func (t text) end() int   { return t.at(len(t.s)) }

// endOf is the source offset just past the first i bytes of t. Unlike
// at(i) it stops right after byte i-1, before any emphasis marks that
// plain dropped there.
func (t text) endOf(i int) int {
	if i == 0 {
		return t.at(0)
	}
	return t.at(i-1) + 1
}

// sub is the part of t between two of its byte offsets.
func (t text) sub(from, to int) text {
	if t.off == nil {
		return text{s: t.s[from:to], base: t.base + from}
	}
	return text{s: t.s[from:to], off: t.off[from : to+1]}
}

// trim drops surrounding white space.
func (t text) trim() text {
	from := len(t.s) - len(strings.TrimLeftFunc(t.s, unicode.IsSpace))
	to := len(strings.TrimRightFunc(t.s, unicode.IsSpace))
	if to < from {
		to = from
	}
	return t.sub(from, to)
}

// plain drops the Markdown emphasis and code marks (*, _ and `) that
// writers and models sprinkle over keywords ("**WHEN**", "`SHALL`"), so
// that the checks see the words. The marks are ASCII, so removing them
// keeps the rest valid UTF-8.
func (t text) plain() text {
	if !strings.ContainsAny(t.s, "*_`") {
		return t
	}
	var b strings.Builder
	off := make([]int, 0, len(t.s)+1)
	for i := 0; i < len(t.s); i++ {
		switch t.s[i] {
		case '*', '_', '`':
			continue
		}
		b.WriteByte(t.s[i])
		off = append(off, t.at(i))
	}
	off = append(off, t.at(len(t.s)))
	return text{s: b.String(), off: off}
}

// word is the run of letters and digits at byte i of s ("" when there is
// none), the unit in which keywords are compared.
func wordAt(s string, i int) string {
	j := i
	for j < len(s) {
		r, n := utf8.DecodeRuneInString(s[j:])
		if !isWordRune(r) {
			break
		}
		j += n
	}
	return s[i:j]
}

func isWordRune(r rune) bool {
	return unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.Is(unicode.Mn, r)
}

// hasWord reports whether s contains w as a whole word, ignoring case.
func hasWord(s, w string) bool {
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		if !isWordRune(r) {
			i += n
			continue
		}
		word := wordAt(s, i)
		if strings.EqualFold(word, w) {
			return true
		}
		i += len(word)
	}
	return false
}

// words splits s into lower-case words, for matching section titles.
func words(s string) []string {
	return strings.FieldsFunc(strings.ToLower(s), func(r rune) bool { return !isWordRune(r) })
}
