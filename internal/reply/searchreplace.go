package reply

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"strings"
)

// A SEARCH/REPLACE block edits part of an existing file:
//
//	<<<<<<< SEARCH
//	lines as they are now
//	=======
//	lines as they should be
//	>>>>>>> REPLACE
//
// The markers are recognised with 5 to 9 marker characters, any case, and
// surrounding spaces, since models miscount them. A "=======" line in the
// REPLACE part is content: only the first one after SEARCH divides.

type marker int

const (
	markNone marker = iota
	markSearch
	markDivider
	markReplace
)

// markerOf classifies a line as a SEARCH/REPLACE marker or content.
func markerOf(line string) marker {
	s := strings.TrimSpace(line)
	if s == "" {
		return markNone
	}
	c := s[0]
	n := 0
	for n < len(s) && s[n] == c {
		n++
	}
	if n < 5 || n > 9 {
		return markNone
	}
	word := strings.TrimSpace(s[n:])
	switch {
	case c == '<' && strings.EqualFold(word, "SEARCH"):
		return markSearch
	case c == '=' && word == "":
		return markDivider
	case c == '>' && strings.EqualFold(word, "REPLACE"):
		return markReplace
	}
	return markNone
}

func hasSearchMarker(lines []string) bool {
	for _, l := range lines {
		if markerOf(l) == markSearch {
			return true
		}
	}
	return false
}

// parseBlocks reads SEARCH/REPLACE blocks from lines, the first of which
// is reply line first. Blank lines between blocks are skipped. A single
// line of other text before the first block is returned as pre, since
// some models name the file there; any other text outside the blocks is an
// error, because the reply then mixes whole-file content with edits and
// either reading could be wrong. With stopAtText, text after a block ends
// the run instead (blocks written outside a fence, followed by prose);
// consumed is the number of lines used.
func parseBlocks(lines []string, first int, stopAtText bool) (pre *header, blocks []SearchReplace, consumed int, err *FormatError) {
	const (
		outside = iota
		inSearch
		inReplace
	)
	state := outside
	var search, replace []string
	start := 0
	for i, l := range lines {
		ln := first + i
		m := markerOf(l)
		switch state {
		case outside:
			switch {
			case m == markSearch:
				state, start, search, replace = inSearch, ln, nil, nil
			case strings.TrimSpace(l) == "":
			case m != markNone:
				return nil, nil, i + 1, &FormatError{Line: ln, Msg: fmt.Sprintf(
					"line %d has a %s marker outside a SEARCH/REPLACE block; each block starts with <<<<<<< SEARCH", ln, markerName(m))}
			case stopAtText:
				return pre, blocks, i, nil
			case pre == nil && len(blocks) == 0:
				pre = &header{l, ln}
			default:
				return nil, nil, i + 1, &FormatError{Line: ln, Msg: fmt.Sprintf(
					"line %d is outside any SEARCH/REPLACE block; a code block holds either the whole file or only SEARCH/REPLACE blocks, not both", ln)}
			}
		case inSearch:
			switch m {
			case markDivider:
				state = inReplace
			case markSearch, markReplace:
				return nil, nil, i + 1, &FormatError{Line: ln, Msg: fmt.Sprintf(
					"the SEARCH block at line %d has no ======= line before the %s marker at line %d; write <<<<<<< SEARCH, the old lines, =======, the new lines, >>>>>>> REPLACE", start, markerName(m), ln)}
			default:
				search = append(search, l)
			}
		case inReplace:
			switch m {
			case markReplace:
				blocks = append(blocks, SearchReplace{Search: joinLines(search), Replace: joinLines(replace), Line: start})
				state = outside
			case markSearch:
				return nil, nil, i + 1, &FormatError{Line: ln, Msg: fmt.Sprintf(
					"the SEARCH/REPLACE block at line %d is not closed with >>>>>>> REPLACE before the next <<<<<<< SEARCH at line %d", start, ln)}
			default:
				replace = append(replace, l)
			}
		}
	}
	if state != outside {
		return nil, nil, len(lines), &FormatError{Line: start, Msg: fmt.Sprintf(
			"the SEARCH/REPLACE block at line %d is not closed with >>>>>>> REPLACE", start)}
	}
	return pre, blocks, len(lines), nil
}

func markerName(m marker) string {
	switch m {
	case markSearch:
		return "<<<<<<< SEARCH"
	case markDivider:
		return "======="
	}
	return ">>>>>>> REPLACE"
}

// joinLines turns block lines back into text: one newline per line.
func joinLines(lines []string) string {
	if len(lines) == 0 {
		return ""
	}
	return strings.Join(lines, "\n") + "\n"
}

// isBlank reports whether a SEARCH text has no content. Models write a
// SEARCH of blank lines where they mean "nothing", so it counts as empty:
// the REPLACE text is appended.
func isBlank(s string) bool { return strings.TrimSpace(s) == "" }

// apply performs one block on content, as an editor does (see editor).
// ok is false when the SEARCH text is not found.
func apply(content string, b SearchReplace) (string, bool) {
	ed := newEditor(content)
	ok, _ := ed.apply(context.Background(), b)
	return ed.String(), ok
}

// editor holds a file being edited by one SEARCH/REPLACE block after
// another. It keeps the file as lines, with the keys the matching passes
// compare computed once per line, so that each block costs time in
// proportion to the file and the block, never their product: a reply of
// thousands of blocks, or one SEARCH of thousands of lines that almost
// matches everywhere, takes linear time per block (see find).
type editor struct {
	lines []edLine
	// ids numbers distinct strings, so that lines compare as integers.
	ids map[string]int
	// work counts line comparisons, for the tests that check the bound.
	work int
}

// edLine is one line of the file and its keys.
type edLine struct {
	raw    string // the line with its line ending, if any
	exact  int    // id of the line without its line ending
	trim   int    // id of the line without trailing blanks
	text   int    // id of the line without indentation and trailing blanks
	indent string // its leading spaces and tabs
	blank  bool   // nothing but blanks
}

func newEditor(content string) *editor {
	ed := &editor{ids: map[string]int{}}
	ed.lines = ed.makeLines(splitKeepEOL(content))
	return ed
}

// splitKeepEOL splits content into lines that keep their newline.
func splitKeepEOL(content string) []string {
	lines := strings.SplitAfter(content, "\n")
	if lines[len(lines)-1] == "" {
		lines = lines[:len(lines)-1]
	}
	return lines
}

func (ed *editor) id(s string) int {
	if n, ok := ed.ids[s]; ok {
		return n
	}
	n := len(ed.ids) + 1
	ed.ids[s] = n
	return n
}

func (ed *editor) makeLines(raw []string) []edLine {
	out := make([]edLine, len(raw))
	for i, r := range raw {
		out[i] = ed.makeLine(r)
	}
	return out
}

func (ed *editor) makeLine(raw string) edLine {
	bare := strings.TrimSuffix(strings.TrimSuffix(raw, "\n"), "\r")
	trim := strings.TrimRight(bare, " \t\r")
	ind := indentOf(trim)
	return edLine{raw: raw, exact: ed.id(bare), trim: ed.id(trim), text: ed.id(trim[len(ind):]), indent: ind, blank: trim == ""}
}

// String returns the file as it is now.
func (ed *editor) String() string {
	n := 0
	for _, l := range ed.lines {
		n += len(l.raw)
	}
	var b strings.Builder
	b.Grow(n)
	for _, l := range ed.lines {
		b.WriteString(l.raw)
	}
	return b.String()
}

// empty reports whether the file has no content.
func (ed *editor) empty() bool { return len(ed.lines) == 0 }

// apply performs one block. Matching is tried in four passes, each more
// lenient, and the first line-aligned match of the first pass that finds
// one wins (a SEARCH that occurs more than once edits its first
// occurrence, as a reader of the file top to bottom would expect):
//
//  1. the lines exactly;
//  2. ignoring trailing whitespace on every line (and so CRLF files);
//  3. also ignoring a consistent difference in indentation, in which case
//     the replacement is re-indented by the same amount, since models
//     often drop or add the indentation of the enclosing block;
//  4. ignoring indentation altogether as long as each indentation of the
//     SEARCH text stands for one indentation of the file, in which case
//     each replacement line takes the file's indentation for its own
//     (models often turn tabs into spaces).
//
// The replacement takes the line ending of the lines it replaces, so an
// edit keeps a CRLF file CRLF. The error is ctx's, when it ends first.
func (ed *editor) apply(ctx context.Context, b SearchReplace) (bool, error) {
	if isBlank(b.Search) {
		eol := "\n"
		if ed.crlf() {
			eol = "\r\n"
		}
		if n := len(ed.lines); n > 0 && !strings.HasSuffix(ed.lines[n-1].raw, "\n") {
			ed.lines[n-1] = ed.makeLine(ed.lines[n-1].raw + eol)
		}
		ed.lines = append(ed.lines, ed.makeLines(splitKeepEOL(strings.ReplaceAll(b.Replace, "\n", eol)))...)
		return true, nil
	}
	search := ed.makeLines(strings.Split(strings.TrimSuffix(b.Search, "\n"), "\n"))
	replace := []string{}
	if b.Replace != "" {
		replace = strings.Split(strings.TrimSuffix(b.Replace, "\n"), "\n")
	}
	at, reindent, err := ed.find(ctx, search)
	if at < 0 || err != nil {
		return false, err
	}
	if reindent != nil {
		for i, l := range replace {
			if strings.TrimSpace(l) != "" {
				replace[i] = reindent(l)
			}
		}
	}
	eol := "\n"
	if strings.HasSuffix(ed.lines[at].raw, "\r\n") {
		eol = "\r\n"
	}
	end := at + len(search)
	raws := make([]string, len(replace))
	for i, l := range replace {
		raws[i] = l
		// A match of the file's unterminated last line keeps it unterminated.
		if i < len(replace)-1 || end < len(ed.lines) || strings.HasSuffix(ed.lines[end-1].raw, "\n") {
			raws[i] += eol
		}
	}
	ed.lines = slices.Replace(ed.lines, at, end, ed.makeLines(raws)...)
	return true, nil
}

// crlf reports whether the file uses CRLF line endings.
func (ed *editor) crlf() bool {
	for _, l := range ed.lines {
		if strings.HasSuffix(l.raw, "\r\n") {
			return true
		}
	}
	return false
}

// checkEvery is how many steps of a search run between looks at ctx.
const checkEvery = 1 << 14

// find returns the first line where search matches the file, trying the
// passes described at apply, and how to re-indent the replacement (nil
// when it is used as it is); -1 when no pass matches.
//
// Each pass is one left-to-right scan with the Knuth-Morris-Pratt
// algorithm over per-line keys, so it costs O(file + search) whatever the
// text: comparing the SEARCH at every position, as a plain scan does, is
// quadratic, and a SEARCH of thousands of nearly matching lines made that
// minutes. Passes 3 and 4 compare keys that hold each line's indentation
// relative to the line before; the one line the keys cannot check (the
// first non-blank one, whose predecessor lies outside the match) is
// checked for each candidate, in constant time for pass 3. Pass 4's
// candidates are checked in full within a work budget linear in the sizes,
// beyond which the SEARCH counts as not found.
func (ed *editor) find(ctx context.Context, search []edLine) (int, func(string) string, error) {
	if len(search) > len(ed.lines) {
		return -1, nil, nil
	}
	for _, key := range []func(l edLine) int{
		func(l edLine) int { return l.exact },
		func(l edLine) int { return l.trim },
	} {
		pat := make([]int, len(search))
		for i, l := range search {
			pat[i] = key(l)
		}
		at := -1
		err := ed.scan(ctx, pat, func(i int) int { return key(ed.lines[i]) }, func(start int) bool {
			at = start
			return true
		})
		if at >= 0 || err != nil {
			return at, nil, err
		}
	}
	// The first non-blank SEARCH line: its indentation against the file's
	// decides the shift of pass 3.
	j0 := 0
	for search[j0].blank {
		j0++
	}
	at, reindent, err := ed.findShifted(ctx, search, j0)
	if at >= 0 || err != nil {
		return at, reindent, err
	}
	return ed.findMapped(ctx, search, j0)
}

// relKey is a line's key for passes 3 and 4: its text, and how its
// indentation relates to that of the nearest non-blank line above it.
type relKey struct {
	text  int
	blank bool
	// For pass 3, the step from the line above's indentation to this
	// one's: drop the last cut bytes, then add the string add. A shift of
	// every line by the same prefix leaves every step as it is.
	cut int
	add string
	// For pass 4, whether the indentation is the line above's.
	same bool
}

// relKeys computes the keys of lines; pass3 selects which relation.
func relKeys(lines []edLine, i int, prev string, pass3 bool) relKey {
	l := lines[i]
	if l.blank {
		return relKey{blank: true, text: l.text}
	}
	k := relKey{text: l.text}
	if pass3 {
		c := commonPrefix(prev, l.indent)
		k.cut, k.add = len(prev)-c, l.indent[c:]
	} else {
		k.same = prev == l.indent
	}
	return k
}

func commonPrefix(a, b string) int {
	n := min(len(a), len(b))
	for i := 0; i < n; i++ {
		if a[i] != b[i] {
			return i
		}
	}
	return n
}

// findShifted is pass 3: the lines up to one indentation difference
// shared by all non-blank lines.
func (ed *editor) findShifted(ctx context.Context, search []edLine, j0 int) (int, func(string) string, error) {
	at, reindent := -1, (func(string) string)(nil)
	err := ed.scanRelative(ctx, search, j0, true, func(start int) bool {
		f, s := ed.lines[start+j0], search[j0]
		var shift string
		var add bool
		switch {
		case strings.HasSuffix(f.indent, s.indent):
			shift, add = f.indent[:len(f.indent)-len(s.indent)], true
		case strings.HasSuffix(s.indent, f.indent):
			shift = s.indent[:len(s.indent)-len(f.indent)]
		default:
			return false
		}
		at = start
		if shift != "" {
			reindent = func(l string) string {
				if add {
					return shift + l
				}
				return strings.TrimPrefix(l, shift)
			}
		}
		return true
	})
	return at, reindent, err
}

// mappedWork is the budget of pass 4's full checks, in line comparisons,
// on top of a multiple of the sizes.
const mappedWork = 1 << 16

// findMapped is pass 4: the lines, each indentation of the SEARCH text
// standing for one indentation of the file.
func (ed *editor) findMapped(ctx context.Context, search []edLine, j0 int) (int, func(string) string, error) {
	at, reindent := -1, (func(string) string)(nil)
	budget := mappedWork + 4*(len(ed.lines)+len(search))
	err := ed.scanRelative(ctx, search, j0, false, func(start int) bool {
		if budget <= 0 {
			return true // give up: not found
		}
		budget -= len(search)
		ed.work += len(search)
		m, ok := indentMap(ed.lines[start:start+len(search)], search)
		if !ok {
			return false
		}
		at = start
		reindent = func(l string) string { return mapIndent(l, m) }
		return true
	})
	return at, reindent, err
}

// scanRelative runs the KMP scan of passes 3 and 4: the keys of the
// SEARCH lines after j0 against the file's, then check for the lines up
// to j0 (blank lines, and j0 with the same text) and the pass's own
// condition on the window starting at start.
func (ed *editor) scanRelative(ctx context.Context, search []edLine, j0 int, pass3 bool, check func(start int) bool) error {
	pat := make([]relKey, 0, len(search)-j0-1)
	prev := search[j0].indent
	for j := j0 + 1; j < len(search); j++ {
		pat = append(pat, relKeys(search, j, prev, pass3))
		if !search[j].blank {
			prev = search[j].indent
		}
	}
	// blankRun[i] is the number of blank lines ending at line i.
	blankRun := make([]int, len(ed.lines))
	for i, l := range ed.lines {
		if l.blank {
			blankRun[i] = 1
			if i > 0 {
				blankRun[i] += blankRun[i-1]
			}
		}
	}
	// The key of file line i needs the nearest non-blank line above it;
	// the scan asks for every line in order, so it is tracked as it goes.
	prevIndent, next := "", 0
	keyAt := func(i int) relKey {
		for ; next < i; next++ {
			if !ed.lines[next].blank {
				prevIndent = ed.lines[next].indent
			}
		}
		return relKeys(ed.lines, i, prevIndent, pass3)
	}
	candidate := func(start int) bool {
		if start < 0 || start+len(search) > len(ed.lines) {
			return false
		}
		f := ed.lines[start+j0]
		if f.blank || f.text != search[j0].text || j0 > 0 && blankRun[start+j0-1] < j0 {
			return false
		}
		return check(start)
	}
	if len(pat) == 0 {
		for i := j0; i < len(ed.lines); i++ {
			if i%checkEvery == 0 && ctx.Err() != nil {
				return ctx.Err()
			}
			ed.work++
			if candidate(i - j0) {
				return nil
			}
		}
		return nil
	}
	return kmp(ctx, &ed.work, pat, len(ed.lines), keyAt, func(end int) bool {
		// end is the index of the line matching pat[0]: j0 + 1 into the
		// window.
		return candidate(end - j0 - 1)
	}, j0+1)
}

// scan runs a KMP scan of pat over the file with the given key and calls
// found with each start of a match, in order, until it returns true.
func (ed *editor) scan(ctx context.Context, pat []int, key func(i int) int, found func(start int) bool) error {
	return kmp(ctx, &ed.work, pat, len(ed.lines), key, found, 0)
}

// kmp finds every occurrence of pat in the sequence of n keys given by
// key, from position from on, in O(n + len(pat)) comparisons, calling
// found with the index of each occurrence's first element until it
// returns true. work counts the comparisons.
func kmp[K comparable](ctx context.Context, work *int, pat []K, n int, key func(i int) K, found func(start int) bool, from int) error {
	fail := make([]int, len(pat))
	for i, k := 1, 0; i < len(pat); i++ {
		for k > 0 && pat[i] != pat[k] {
			k = fail[k-1]
			*work++
		}
		*work++
		if pat[i] == pat[k] {
			k++
		}
		fail[i] = k
	}
	k := 0
	for i := from; i < n; i++ {
		if i%checkEvery == 0 && ctx.Err() != nil {
			return ctx.Err()
		}
		c := key(i)
		for k > 0 && c != pat[k] {
			k = fail[k-1]
			*work++
		}
		*work++
		if c == pat[k] {
			k++
		}
		if k == len(pat) {
			if found(i - len(pat) + 1) {
				return nil
			}
			k = fail[k-1]
		}
	}
	return nil
}

// indentMap reports whether file and search hold the same lines when
// each indentation used in search is read as one indentation of the file,
// and returns that correspondence.
func indentMap(file, search []edLine) (map[string]string, bool) {
	m := map[string]string{}
	for j := range search {
		f, s := file[j], search[j]
		if f.blank || s.blank {
			if f.blank != s.blank {
				return nil, false
			}
			continue
		}
		if f.text != s.text {
			return nil, false
		}
		if prev, seen := m[s.indent]; seen && prev != f.indent {
			return nil, false
		}
		m[s.indent] = f.indent
	}
	// Nesting must survive: a deeper SEARCH line is a deeper file line.
	keys := make([]string, 0, len(m))
	for si := range m {
		keys = append(keys, si)
	}
	sort.Slice(keys, func(a, b int) bool {
		if len(keys[a]) != len(keys[b]) {
			return len(keys[a]) < len(keys[b])
		}
		return keys[a] < keys[b]
	})
	for k := 1; k < len(keys); k++ {
		if len(m[keys[k]]) <= len(m[keys[k-1]]) {
			return nil, false
		}
	}
	return m, len(m) > 0
}

// mapIndent gives a replacement line the file's indentation for its own;
// an indentation SEARCH did not use is translated through the longest
// one it starts with (a new, deeper level keeps its extra part).
func mapIndent(l string, m map[string]string) string {
	r := indentOf(l)
	best, found := "", false
	for s := range m {
		if strings.HasPrefix(r, s) && (!found || len(s) > len(best)) {
			best, found = s, true
		}
	}
	if !found {
		return l
	}
	return m[best] + l[len(best):]
}

func indentOf(s string) string {
	return s[:len(s)-len(strings.TrimLeft(s, " \t"))]
}
