package specdoc

import (
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
)

// citationRE finds "Requirements:" (or "Requirement:") with any emphasis
// around the word or the colon: "_Requirements: 1.1_",
// "**Requirements:** 1.1", "_Requirements_: 1.1". The colon ends the match;
// ids follow it.
var citationRE = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`(?i)(?:^|[^\p{L}\p{N}])(requirements?)[*_]*[ \t]*:`) })

// citedID is one id in a citation.
type citedID struct {
	id       string // normalised ("1.2")
	raw      string // as written
	from, to int    // source byte offsets
}

// citation is one "Requirements: ..." list.
type citation struct {
	ids []citedID
	// leading is true when the label opens the line (after list marker
	// and emphasis), where a label without ids is a mistake rather than
	// prose that happens to say "requirements:".
	leading  bool
	from, to int // source byte offsets of the label, for a citation without ids
}

// findCitations returns the requirement citations on l from byte from on.
// A match that lists no ids counts only when it opens the line.
func findCitations(l *line, from int) []citation {
	s := l.text
	var out []citation
	lead := len(s) - len(strings.TrimLeft(s, " \t-+*_`"))
	for _, m := range citationRE().FindAllStringSubmatchIndex(s[from:], -1) {
		label, colon := from+m[2], from+m[1]
		c := citation{from: l.start + label, to: l.start + colon, leading: label <= lead}
		c.ids = parseIDs(l, colon)
		if len(c.ids) > 0 || c.leading {
			out = append(out, c)
		}
	}
	return out
}

// parseIDs reads the ids after a citation's colon: numbers such as "1" or
// "2.3" separated by commas, semicolons, spaces, emphasis marks or "and".
// It stops at anything else, so a note in parentheses after the list is
// not read as an id.
func parseIDs(l *line, i int) []citedID {
	s := l.text
	var ids []citedID
	for i < len(s) {
		c := s[i]
		switch {
		case strings.IndexByte(" \t,;*_`", c) >= 0:
			i++
		case c >= '0' && c <= '9':
			j := i
			for j < len(s) && (s[j] >= '0' && s[j] <= '9' || s[j] == '.') {
				j++
			}
			raw := strings.TrimRight(s[i:j], ".")
			ids = append(ids, citedID{id: normalizeNumber(raw), raw: raw, from: l.start + i, to: l.start + i + len(raw)})
			i = j
		case (c == 'a' || c == 'A') && strings.EqualFold(wordAt(s, i), "and"):
			i += 3
		case c == '&':
			i++
		default:
			return ids
		}
	}
	return ids
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

// idKey is the numeric parts of an id ("2.10" -> [2 10]); parts that are
// not numbers count as 0.
func idKey(id string) []int {
	var k []int
	for _, p := range strings.Split(id, ".") {
		n, _ := strconv.Atoi(p)
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
