package specdoc

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// The Markdown read here is the subset spec documents use: ATX headings,
// bullet and ordered list items, checkboxes and inline emphasis. A full
// CommonMark parser would be more faithful, but it could not report the
// exact column of a requirement id inside an emphasised citation, which is
// the point of these checks.

// tabWidth is the tab stop used to compare indentation, as in CommonMark.
const tabWidth = 4

// indentBytes is the number of leading space and tab bytes of s.
func indentBytes(s string) int {
	return len(s) - len(strings.TrimLeft(s, " \t"))
}

// visualWidth is the width of s on screen with tabs expanded to the next
// tab stop and every other character one column wide.
func visualWidth(s string) int {
	w := 0
	for _, r := range s {
		if r == '\t' {
			w += tabWidth - w%tabWidth
		} else {
			w++
		}
	}
	return w
}

// indentWidth is the visual width of the leading white space of s, with
// tabs expanded to the next tab stop, so that a tab and four spaces nest a
// list item equally deep.
func indentWidth(s string) int {
	return visualWidth(s[:indentBytes(s)])
}

// heading is an ATX heading ("## Title").
type heading struct {
	level int
	title text // the title without the #s, surrounding space and closing #s
}

// parseHeading reads l as an ATX heading: up to three spaces, one to six
// #s, then white space or the end of the line.
func parseHeading(l *line) (heading, bool) {
	s := l.text
	i := 0
	for i < len(s) && i < 3 && s[i] == ' ' {
		i++
	}
	n := 0
	for i+n < len(s) && s[i+n] == '#' {
		n++
	}
	if n == 0 || n > 6 {
		return heading{}, false
	}
	i += n
	if i < len(s) && s[i] != ' ' && s[i] != '\t' {
		return heading{}, false
	}
	from := i + indentBytes(s[i:])
	to := max(len(strings.TrimRightFunc(s, unicode.IsSpace)), from)
	if closing := strings.TrimRight(s[from:to], "#"); closing != s[from:to] {
		// A closing sequence counts only after white space: "# C#" keeps its #.
		if closing == "" || strings.HasSuffix(closing, " ") || strings.HasSuffix(closing, "\t") {
			to = from + len(strings.TrimRight(closing, " \t"))
		}
	}
	return heading{level: n, title: lineText(l, from, to)}, true
}

// listItem is one line that opens a list item.
type listItem struct {
	indent  int    // visual width before the marker
	ordered bool   // "1." or "1)" rather than "-", "*" or "+"
	number  string // the digits of an ordered marker
	marker  int    // byte offset of the marker in the line
	content int    // byte offset of the item's text in the line
	column  int    // visual column of the item's text; deeper lines continue it
}

// parseListItem reads l as the first line of a list item. Ordered markers
// have one to nine digits, as in CommonMark; longer numbers are prose.
func parseListItem(l *line) (listItem, bool) {
	s := l.text
	i := indentBytes(s)
	it := listItem{indent: indentWidth(s), marker: i}
	switch {
	case i < len(s) && (s[i] == '-' || s[i] == '*' || s[i] == '+'):
		i++
	case i < len(s) && s[i] >= '0' && s[i] <= '9':
		j := i
		for j < len(s) && s[j] >= '0' && s[j] <= '9' {
			j++
		}
		if j-i > 9 || j >= len(s) || (s[j] != '.' && s[j] != ')') {
			return listItem{}, false
		}
		it.ordered, it.number = true, s[i:j]
		i = j + 1
	default:
		return listItem{}, false
	}
	if i < len(s) && s[i] != ' ' && s[i] != '\t' {
		return listItem{}, false
	}
	it.content = i + indentBytes(s[i:])
	if it.content == len(s) {
		it.column = visualWidth(s[:i]) + 1
	} else {
		it.column = visualWidth(s[:it.content])
	}
	return it, true
}

// text is a piece of prose together with the source offset of each of its
// bytes, so that words found after joining lines or dropping emphasis can
// still be pointed at exactly. off has one entry more than s: the offset
// just past the end.
type text struct {
	s   string
	off []int
}

// lineText is the text of l between two byte offsets of the line.
func lineText(l *line, from, to int) text {
	t := text{s: l.text[from:to], off: make([]int, 0, to-from+1)}
	for i := from; i <= to; i++ {
		t.off = append(t.off, l.start+i)
	}
	return t
}

// joinTexts joins the non-empty parts with a single space; each space
// points at the end of the part before it. With no text at all it returns
// the first part, which still has a position. It builds the result once,
// so that a criterion wrapped over many lines costs linear time.
func joinTexts(parts []text) text {
	var b strings.Builder
	var off []int
	for _, p := range parts {
		if p.s == "" {
			continue
		}
		if b.Len() > 0 {
			// off already ends with the end of the previous part: that
			// entry is the space's.
			b.WriteByte(' ')
		}
		b.WriteString(p.s)
		off = append(off, p.off...)
	}
	if b.Len() == 0 {
		return parts[0]
	}
	return text{s: b.String(), off: off}
}

// start and end are the source offsets of the first byte and just past the
// last byte of t.
func (t text) start() int { return t.off[0] }
func (t text) end() int   { return t.off[len(t.off)-1] }

// endOf is the source offset just past the first i bytes of t. Unlike
// off[i] it stops right after byte i-1, before any emphasis marks that
// plain dropped there.
func (t text) endOf(i int) int {
	if i == 0 {
		return t.off[0]
	}
	return t.off[i-1] + 1
}

// sub is the part of t between two of its byte offsets.
func (t text) sub(from, to int) text {
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
	var b strings.Builder
	off := make([]int, 0, len(t.off))
	for i := 0; i < len(t.s); i++ {
		switch t.s[i] {
		case '*', '_', '`':
			continue
		}
		b.WriteByte(t.s[i])
		off = append(off, t.off[i])
	}
	off = append(off, t.off[len(t.s)])
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

func isWordRune(r rune) bool { return unicode.IsLetter(r) || unicode.IsDigit(r) }

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
