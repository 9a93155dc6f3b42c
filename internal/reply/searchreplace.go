package reply

import (
	"fmt"
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

// apply performs one block on content. ok is false when the SEARCH text is
// not found. Matching is tried in three passes, each more lenient, and the
// first line-aligned match of the first pass that finds one wins (a SEARCH
// that occurs more than once edits its first occurrence, as a reader of
// the file top to bottom would expect):
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
// edit keeps a CRLF file CRLF.
func apply(content string, b SearchReplace) (string, bool) {
	eol := "\n"
	if strings.Contains(content, "\r\n") {
		eol = "\r\n"
	}
	if isBlank(b.Search) {
		if content != "" && !strings.HasSuffix(content, "\n") {
			content += eol
		}
		return content + strings.ReplaceAll(b.Replace, "\n", eol), true
	}
	file := strings.SplitAfter(content, "\n")
	if file[len(file)-1] == "" {
		file = file[:len(file)-1]
	}
	bare := make([]string, len(file))
	for i, l := range file {
		bare[i] = strings.TrimSuffix(strings.TrimSuffix(l, "\n"), "\r")
	}
	search := strings.Split(strings.TrimSuffix(b.Search, "\n"), "\n")
	replace := []string{}
	if b.Replace != "" {
		replace = strings.Split(strings.TrimSuffix(b.Replace, "\n"), "\n")
	}

	at, reindent := find(bare, search)
	if at < 0 {
		return content, false
	}
	if reindent != nil {
		for i, l := range replace {
			if strings.TrimSpace(l) != "" {
				replace[i] = reindent(l)
			}
		}
	}
	eol = "\n"
	if strings.HasSuffix(file[at], "\r\n") {
		eol = "\r\n"
	}
	var out strings.Builder
	for _, l := range file[:at] {
		out.WriteString(l)
	}
	end := at + len(search)
	for i, l := range replace {
		out.WriteString(l)
		// A match of the file's unterminated last line keeps it unterminated.
		if i < len(replace)-1 || end < len(file) || strings.HasSuffix(file[end-1], "\n") {
			out.WriteString(eol)
		}
	}
	for _, l := range file[end:] {
		out.WriteString(l)
	}
	return out.String(), true
}

// indentShift is how the file's indentation differs from the SEARCH text's:
// text is added to (add) or removed from each non-blank line.
type indentShift struct {
	text string
	add  bool
}

// find returns the first line where search matches file, trying the
// passes described at apply, and how to re-indent the replacement (nil
// when it is used as it is).
func find(file, search []string) (int, func(string) string) {
	exact := func(a, b string) bool { return a == b }
	trimmed := func(a, b string) bool { return strings.TrimRight(a, " \t\r") == strings.TrimRight(b, " \t\r") }
	for _, eq := range []func(a, b string) bool{exact, trimmed} {
		for i := 0; i+len(search) <= len(file); i++ {
			if matchAt(file[i:i+len(search)], search, eq) {
				return i, nil
			}
		}
	}
	for i := 0; i+len(search) <= len(file); i++ {
		if s, ok := shiftAt(file[i:i+len(search)], search); ok {
			return i, func(l string) string {
				if s.add {
					return s.text + l
				}
				return strings.TrimPrefix(l, s.text)
			}
		}
	}
	for i := 0; i+len(search) <= len(file); i++ {
		if m, ok := indentMapAt(file[i:i+len(search)], search); ok {
			return i, func(l string) string { return mapIndent(l, m) }
		}
	}
	return -1, nil
}

func matchAt(file, search []string, eq func(a, b string) bool) bool {
	for j := range search {
		if !eq(file[j], search[j]) {
			return false
		}
	}
	return true
}

// sameText compares two lines without their indentation and trailing
// whitespace and returns their indentations.
func sameText(f, s string) (fi, si string, blank, ok bool) {
	f = strings.TrimRight(f, " \t\r")
	s = strings.TrimRight(s, " \t\r")
	if s == "" || f == "" {
		return "", "", true, s == f
	}
	fi, si = indentOf(f), indentOf(s)
	return fi, si, false, f[len(fi):] == s[len(si):]
}

// shiftAt reports whether file and search hold the same lines up to one
// indentation difference shared by all non-blank lines.
func shiftAt(file, search []string) (indentShift, bool) {
	var shift indentShift
	seen := false
	for j := range search {
		fi, si, blank, ok := sameText(file[j], search[j])
		if !ok {
			return shift, false
		}
		if blank {
			continue
		}
		var cur indentShift
		switch {
		case strings.HasSuffix(fi, si):
			cur = indentShift{fi[:len(fi)-len(si)], true}
		case strings.HasSuffix(si, fi):
			cur = indentShift{si[:len(si)-len(fi)], false}
		default:
			return shift, false
		}
		if seen && cur != shift && !(cur.text == "" && shift.text == "") {
			return shift, false
		}
		shift, seen = cur, true
	}
	return shift, seen
}

// indentMapAt reports whether file and search hold the same lines when
// each indentation used in search is read as one indentation of the file,
// and returns that correspondence.
func indentMapAt(file, search []string) (map[string]string, bool) {
	m := map[string]string{}
	for j := range search {
		fi, si, blank, ok := sameText(file[j], search[j])
		if !ok {
			return nil, false
		}
		if blank {
			continue
		}
		if prev, seen := m[si]; seen && prev != fi {
			return nil, false
		}
		m[si] = fi
	}
	// Nesting must survive: a deeper SEARCH line is a deeper file line.
	keys := make([]string, 0, len(m))
	for si := range m {
		keys = append(keys, si)
	}
	sort.Slice(keys, func(a, b int) bool { return len(keys[a]) < len(keys[b]) })
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
