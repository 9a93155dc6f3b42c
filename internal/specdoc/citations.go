package specdoc

import (
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"
)

// labelMatch is a label that introduces cited ids, with any emphasis
// around the word or the colon: "_Requirements: 1.1_", "**Requirements:**
// 1.1", "_Requisitos_: 3", "**Validates: Requirements 1.1**".
type labelMatch struct {
	start, end int // the label word
	colon      int // just past the colon; ids follow it
	validates  bool
}

// findLabels finds the labels of s in one pass: at each colon, it reads
// the word before it (past emphasis marks and spaces) and keeps it when it
// is a citation or validates label. A regular expression with Unicode
// word boundaries did the same at many times the cost.
func findLabels(s string) []labelMatch {
	var out []labelMatch
	for k := 0; k < len(s); {
		i := strings.IndexAny(s[k:], ":：")
		if i < 0 {
			break
		}
		colon := k + i
		width := 1
		if s[colon] != ':' {
			width = len("：")
		}
		k = colon + width
		j := colon
		for j > 0 && (s[j-1] == ' ' || s[j-1] == '\t') {
			j--
		}
		for j > 0 && (s[j-1] == '*' || s[j-1] == '_') {
			j--
		}
		end := j
		for j > 0 {
			r, n := utf8.DecodeLastRuneInString(s[:j])
			if !isWordRune(r) {
				break
			}
			j -= n
		}
		if j == end {
			continue
		}
		word := strings.ToLower(s[j:end])
		switch {
		case slices.Contains(validatesLabels, word):
			out = append(out, labelMatch{j, end, colon + width, true})
		case slices.Contains(citationLabels, word):
			out = append(out, labelMatch{j, end, colon + width, false})
		default:
			// A label in a script written without spaces ends a longer
			// run of letters ("関連要件:").
			for _, l := range citationLabels {
				if r, _ := utf8.DecodeRuneInString(l); isCJK(r) && strings.HasSuffix(word, l) {
					out = append(out, labelMatch{end - len(l), end, colon + width, false})
					break
				}
			}
		}
	}
	return out
}

// citedID is one id in a citation.
type citedID struct {
	id       string // normalised ("1.2", "FR-1.1")
	raw      string // as written
	from, to int    // source byte offsets
}

// citeKind says what a citation cites.
type citeKind int

const (
	citeIDs   citeKind = iota // a list of ids
	citeAll                   // every requirement ("All", "Todos", "すべて")
	citeNone                  // none, on purpose ("N/A")
	citeProse                 // something named in words ("Testing strategy of the design")
	citeEmpty                 // nothing, or a placeholder ("TBD")
)

// citation is one "Requirements: ..." or "Validates: ..." list.
type citation struct {
	kind citeKind
	ids  []citedID
	// spans are the ids a range stands for ("1.2-1.4" is 1.2, 1.3 and
	// 1.4), for readers that need every id cited.
	spans []string
	// deliberate is true when the label opens the line (after list marker
	// and emphasis) or is itself emphasised: then it is meant as a
	// citation, and one without ids is a mistake rather than prose that
	// happens to say "requirements:".
	deliberate bool
	from, to   int // source byte offsets of the label, for a citation without ids
}

// findCitations returns the citations on t from byte from on. A citation
// that is not deliberate counts only when it lists ids.
func findCitations(t text, from int) []citation {
	s := t.s
	var out []citation
	lead := len(s) - len(strings.TrimLeft(s, " \t-+*_`"))
	matches := findLabels(s[from:])
	for k, m := range matches {
		label, colon := from+m.start, from+m.colon
		// What a citation cites ends where the next label starts.
		limit := len(s)
		if k+1 < len(matches) {
			limit = from + matches[k+1].start
		}
		if len(out) > 0 && label < out[len(out)-1].to {
			continue
		}
		emphasised := label > 0 && (s[label-1] == '_' || s[label-1] == '*')
		c := citation{from: t.at(label), to: t.at(colon), deliberate: label <= lead || emphasised}
		i := colon
		if m.validates {
			// "Validates: Requirements 1.1": the word after the colon
			// names what is validated.
			j := i + len(s[i:]) - len(strings.TrimLeft(s[i:], " \t*_"))
			if _, n, ok := matchPrefix(s[j:], citationLabels); ok {
				i = j + n
				if i < len(s) && (s[i] == ':' || strings.HasPrefix(s[i:], "：")) {
					i += utf8.RuneLen(rune(s[i]))
				}
			} else if j >= len(s) || s[j] < '0' || s[j] > '9' {
				continue
			}
		}
		c.kind, c.ids, c.spans = parseCited(t, i, limit)
		if c.kind == citeIDs || c.deliberate {
			out = append(out, c)
		}
	}
	return out
}

// parseCited reads what follows a citation's colon at byte i of t, up to
// byte limit.
func parseCited(t text, i, limit int) (citeKind, []citedID, []string) {
	s := t.s[:limit]
	i = min(i, limit)
	j := i + len(s[i:]) - len(strings.TrimLeft(s[i:], " \t*_`"))
	if j >= len(s) {
		return citeEmpty, nil, nil
	}
	// The words that say "all", "none" or "to be done" are short: look at
	// the start only, so that a long line costs no more than its length.
	rest := strings.ToLower(strings.TrimRight(s[j:min(len(s), j+40)], " \t*_`"))
	switch {
	case strings.HasPrefix(rest, "n/a"):
		return citeNone, nil, nil
	case startsWithWord(rest, placeholderWords):
		return citeEmpty, nil, nil
	case startsWithWord(rest, noneWords):
		return citeNone, nil, nil
	case startsWithWord(rest, allWords):
		return citeAll, nil, nil
	}
	if ids, spans := parseIDs(t, j, limit); len(ids) > 0 {
		return citeIDs, ids, spans
	}
	// Words first: a reference by name, perhaps with ids in parentheses
	// after it ("Core validation (1.1, 1.2-1.5)").
	if k := strings.IndexByte(s[j:], '('); k >= 0 {
		if ids, spans := parseIDs(t, j+k+1, limit); len(ids) > 0 {
			return citeIDs, ids, spans
		}
	}
	return citeProse, nil, nil
}

// startsWithWord reports whether s starts with one of words as a whole
// word (or, for words that end in punctuation, as a prefix).
func startsWithWord(s string, words []string) bool {
	for _, w := range words {
		if !strings.HasPrefix(s, w) {
			continue
		}
		if len(s) == len(w) {
			return true
		}
		last, _ := utf8.DecodeLastRuneInString(w)
		next, _ := utf8.DecodeRuneInString(s[len(w):])
		if !isWordRune(last) || !isWordRune(next) || isCJK(last) {
			return true
		}
	}
	return false
}

// idPrefixes are written before an id and dropped: they all mean
// "requirement" ("R1.1", "Req 2", "REQ-04", "Requirement 3.1").
var idPrefixes = []string{"requirements", "requirement", "requisitos", "requisito", "req-", "req_", "req.", "req", "r-", "r"}

// namespacePrefixes are kept as part of the id: a document may number its
// functional and non-functional requirements apart ("FR-1.1", "NFR-2").
var namespacePrefixes = []string{"nfr-", "fr-", "nfr", "fr"}

// parseIDs reads the ids at byte i of t: numbers such as "1", "2.3" or
// "1a.2", optionally prefixed ("R1.1", "FR-1.2"), and ranges of them
// ("1.2-1.5"), separated by commas, semicolons, spaces, emphasis marks or
// "and". It stops at anything else, so a note in parentheses after the
// list is not read as an id. It returns the ids as written (both ends of a
// range) and, for ranges, the ids they stand for.
func parseIDs(t text, i, limit int) ([]citedID, []string) {
	s := t.s[:limit]
	var ids []citedID
	var spans []string
	for i < len(s) {
		c := s[i]
		switch {
		case c < 0x80 && strings.IndexByte(" \t,;*_`&[]", c) >= 0:
			i++
			continue
		case strings.HasPrefix(s[i:], "、") || strings.HasPrefix(s[i:], "，") || strings.HasPrefix(s[i:], "；"):
			i += len("、")
			continue
		}
		if w := strings.ToLower(wordAt(s, i)); w == "and" || w == "y" || w == "et" || w == "und" || w == "e" {
			i += len(w)
			continue
		}
		id, end, ok := readID(t, i, len(s))
		if !ok {
			break
		}
		ids = append(ids, id)
		i = end
		// A range: "1.2-1.5", "1.2 – 1.5", "1.2 to 1.5".
		j := i + len(s[i:]) - len(strings.TrimLeft(s[i:], " \t"))
		sep := 0
		ahead := strings.ToLower(s[j:min(len(s), j+8)])
		for _, d := range []string{"-", "–", "—", "~", "〜", "to ", "through "} {
			if strings.HasPrefix(ahead, d) {
				sep = len(d)
				break
			}
		}
		if sep == 0 {
			continue
		}
		k := j + sep
		k += len(s[k:]) - len(strings.TrimLeft(s[k:], " \t"))
		if to, end, ok := readID(t, k, len(s)); ok {
			ids = append(ids, to)
			spans = append(spans, expandRange(id.id, to.id)...)
			i = end
		}
	}
	return ids, spans
}

// readID reads one id at byte i of t, before byte limit.
func readID(t text, i, limit int) (citedID, int, bool) {
	s := t.s[:limit]
	start := i
	ns := ""
	lower := strings.ToLower(s[i:min(len(s), i+16)])
	for _, p := range namespacePrefixes {
		if strings.HasPrefix(lower, p) && i+len(p) < len(s) && isDigit(s[i+len(p)]) {
			ns = strings.ToUpper(strings.TrimSuffix(p, "-")) + "-"
			i += len(p)
			break
		}
	}
	if ns == "" {
		for _, p := range idPrefixes {
			if !strings.HasPrefix(lower, p) {
				continue
			}
			k := i + len(p)
			if p != "r" && p != "r-" && p != "req-" && p != "req_" {
				k += len(s[k:]) - len(strings.TrimLeft(s[k:], " \t"))
			}
			if k < len(s) && isDigit(s[k]) {
				i = k
				break
			}
		}
	}
	if i >= len(s) || !isDigit(s[i]) {
		return citedID{}, start, false
	}
	j := i
	for j < len(s) && isDigit(s[j]) {
		j++
	}
	// One letter may follow a requirement number: "1a.2".
	if j < len(s) && isASCIILetter(s[j]) && (j+1 == len(s) || !isASCIILetter(s[j+1]) && s[j+1] < 0x80) {
		j++
	}
	for j+1 < len(s) && s[j] == '.' && isDigit(s[j+1]) {
		j++
		for j < len(s) && isDigit(s[j]) {
			j++
		}
	}
	raw := s[i:j]
	if j < len(s) && s[j] == '.' {
		j++ // a full stop after the id
	}
	return citedID{id: ns + normalizeNumber(strings.ToLower(raw)), raw: s[start:i] + raw, from: t.at(start), to: t.at(i + len(raw))}, j, true
}

func isASCIILetter(c byte) bool { return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' }

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

// expandRange lists the ids from a to b when both are in the same
// requirement ("1.2", "1.4" -> 1.2, 1.3, 1.4) or both are requirements
// ("1", "3"); other ranges stand for their ends only. A range of more than
// 1000 ids is not expanded.
func expandRange(a, b string) []string {
	pa, la, oka := strings.Cut(a, ".")
	pb, lb, okb := strings.Cut(b, ".")
	prefix := ""
	if oka != okb || oka && pa != pb {
		return []string{a, b}
	}
	from, to := pa, pb
	if oka {
		prefix, from, to = pa+".", la, lb
	}
	x, err1 := strconv.Atoi(from)
	y, err2 := strconv.Atoi(to)
	if err1 != nil || err2 != nil || y < x || y-x > 1000 {
		return []string{a, b}
	}
	var out []string
	for n := x; n <= y; n++ {
		out = append(out, prefix+strconv.Itoa(n))
	}
	return out
}

// nearestIDs lists up to five valid ids closest to a cited one, in order:
// the criteria of the same requirement when it exists, else the
// requirements themselves. They are the likely meant ids, named in the
// finding so the fix needs no trip to requirements.md.
func nearestIDs(ids map[string]bool, cited string) []string {
	req, _, _ := strings.Cut(cited, ".")
	var pool []string
	for id := range ids {
		if r, _, isCrit := strings.Cut(id, "."); isCrit && r == req {
			pool = append(pool, id)
		}
	}
	if len(pool) == 0 {
		for id := range ids {
			if !strings.Contains(id, ".") {
				pool = append(pool, id)
			}
		}
	}
	target := idKey(cited)
	sort.Slice(pool, func(i, j int) bool {
		di, dj := keyDistance(idKey(pool[i]), target), keyDistance(idKey(pool[j]), target)
		if di != dj {
			return di < dj
		}
		return idLess(pool[i], pool[j])
	})
	if len(pool) > 5 {
		pool = pool[:5]
	}
	sort.Slice(pool, func(i, j int) bool { return idLess(pool[i], pool[j]) })
	return pool
}

// idKey is the numeric parts of an id ("2.10" -> [2 10]); the digits of a
// part count ("1a" is 1), and a part without digits counts as 0.
func idKey(id string) []int {
	var k []int
	for _, p := range strings.Split(id, ".") {
		p = strings.TrimLeft(p, "ABCDEFGHIJKLMNOPQRSTUVWXYZ-")
		n, _ := strconv.Atoi(strings.TrimRight(p, "abcdefghijklmnopqrstuvwxyz"))
		k = append(k, n)
	}
	return k
}

// keyDistance compares ids part by part: the first differing part decides,
// weighted so that a different requirement is always farther than a
// different criterion of the same requirement.
func keyDistance(a, b []int) int {
	for i := 0; i < len(a) || i < len(b); i++ {
		var x, y int
		if i < len(a) {
			x = a[i]
		}
		if i < len(b) {
			y = b[i]
		}
		if x != y {
			d := x - y
			if d < 0 {
				d = -d
			}
			return min(d, 1<<20) + (4-min(i, 3))<<22
		}
	}
	return 0
}

// idLess orders ids numerically ("1.2" before "1.10").
func idLess(a, b string) bool {
	ka, kb := idKey(a), idKey(b)
	for i := 0; i < len(ka) && i < len(kb); i++ {
		if ka[i] != kb[i] {
			return ka[i] < kb[i]
		}
	}
	if len(ka) != len(kb) {
		return len(ka) < len(kb)
	}
	return a < b
}

// describeIDs is the detail of an unknown-id finding.
func describeIDs(ids map[string]bool, cited string) string {
	near := nearestIDs(ids, cited)
	if len(near) == 0 {
		return fmt.Sprintf("No requirement or acceptance criterion has the id %s, and the requirements document defines no ids to cite.", cited)
	}
	return fmt.Sprintf("No requirement or acceptance criterion has the id %s. The nearest valid ids are: %s. Requirement N is cited as N, its acceptance criterion M as N.M.",
		cited, strings.Join(near, ", "))
}
