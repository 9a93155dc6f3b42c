package lang

import (
	"slices"
	"sort"
	"strings"
	"unicode/utf8"

	"github.com/hashicorp/hcl/v2"
)

// checkOutputs reports every two codegens whose outputs can name the same
// file while neither depends on the other: apply runs them in parallel,
// and which one's file is left would depend on timing. One that depends
// on the other, directly or not, runs after it, which is an order.
//
// The check is exact for the globs outputs may use (*, ?, [...], {a,b},
// **): two globs overlap when some path matches both, which is decided
// from the automata of the two globs, and the report names such a path.
// Names are compared ignoring case, as macOS and Windows do.
func (l *loader) checkOutputs() {
	type codegen struct {
		c    *Codegen
		attr *hcl.Attribute
	}
	// One entry per glob, sorted by its literal prefix: two globs can only
	// name a common file when one's prefix starts the other's, and those
	// follow each other in this order. Only such pairs are compared, so
	// the check costs in proportion to the outputs, not to their pairs.
	type entry struct {
		prefix, glob string
		cg           int
	}
	var cgs []codegen
	var entries []entry
	for _, fd := range l.featureDecls {
		for _, cd := range fd.codegens {
			attr, ok := cd.content.Attributes["outputs"]
			if !ok || len(cd.codegen.Outputs) == 0 {
				continue
			}
			for _, g := range cd.codegen.Outputs {
				entries = append(entries, entry{literalPrefix(strings.ToLower(g)), g, len(cgs)})
			}
			cgs = append(cgs, codegen{cd.codegen, attr})
		}
	}
	if len(cgs) < 2 {
		return
	}
	sort.SliceStable(entries, func(i, j int) bool { return entries[i].prefix < entries[j].prefix })
	g := l.cfg.Graph()
	upstream := map[int]map[string]bool{}
	ordered := func(i, j int) bool {
		for _, k := range []int{i, j} {
			if upstream[k] == nil {
				upstream[k] = map[string]bool{}
				for _, a := range g.Ancestors(cgs[k].c.Addr.String()) {
					upstream[k][a] = true
				}
			}
		}
		return upstream[i][cgs[j].c.Addr.String()] || upstream[j][cgs[i].c.Addr.String()]
	}
	reported := map[[2]int]bool{}
	for i, a := range entries {
		for _, b := range entries[i+1:] {
			if !strings.HasPrefix(b.prefix, a.prefix) {
				break
			}
			x, y := min(a.cg, b.cg), max(a.cg, b.cg)
			if x == y || reported[[2]int{x, y}] || ordered(x, y) {
				continue
			}
			example, ok := GlobsIntersect(a.glob, b.glob)
			if !ok {
				continue
			}
			reported[[2]int{x, y}] = true
			ga, gb := a.glob, b.glob
			if a.cg != x {
				ga, gb = gb, ga
			}
			first, second := cgs[x], cgs[y]
			l.errorf(second.attr.Expr.Range(), "Overlapping outputs",
				"%s and %s may both write %s (their outputs %q and %q, at %s), and neither depends on the other, so which file is left would depend on timing. "+
					"Make their outputs disjoint, or order them with depends_on.",
				first.c.Addr, second.c.Addr, example, ga, gb, rangeText(first.attr.Expr.Range()))
		}
	}
}

// literalPrefix is the part of a glob before its first special character:
// every path it matches starts with it.
func literalPrefix(g string) string {
	if i := strings.IndexAny(g, `*?[{\`); i >= 0 {
		return g[:i]
	}
	return g
}

// maxAlternatives bounds the brace expansion of one glob; a glob with
// more is judged by GlobsOverlap, which is generous.
const maxAlternatives = 256

// GlobsIntersect reports whether some path matches both globs (ignoring
// case), and returns one. Each glob becomes an automaton over characters,
// and their product is searched breadth first, so the path found is a
// shortest one.
func GlobsIntersect(a, b string) (string, bool) {
	as, aok := expandBraces(strings.ToLower(a), maxAlternatives)
	bs, bok := expandBraces(strings.ToLower(b), maxAlternatives)
	if !aok || !bok {
		if GlobsOverlap([]string{a}, []string{b}) {
			return a, true
		}
		return "", false
	}
	// First with names that do not start with a dot where "*" begins
	// them, for an example that reads like a file ("src/x.md", not
	// "src/.md"); then exactly.
	for _, plain := range []bool{true, false} {
		for _, x := range as {
			na := compileGlob(x, plain)
			for _, y := range bs {
				if path, ok := intersect(na, compileGlob(y, plain)); ok {
					return path, true
				}
			}
		}
	}
	return "", false
}

// expandBraces returns the brace-free globs that {a,b} alternatives stand
// for; ok is false when there would be more than limit.
func expandBraces(p string, limit int) ([]string, bool) {
	open := -1
	for i := 0; i < len(p); i++ {
		switch p[i] {
		case '\\':
			i++
		case '[':
			if j := classEnd(p, i); j > 0 {
				i = j
			}
		case '{':
			open = i
		}
		if open >= 0 {
			break
		}
	}
	if open < 0 {
		return []string{p}, true
	}
	// Find the matching close and the top-level commas.
	depth, parts, start := 0, []string{}, open+1
	close := -1
	for i := open; i < len(p) && close < 0; i++ {
		switch p[i] {
		case '\\':
			i++
		case '{':
			depth++
		case '}':
			depth--
			if depth == 0 {
				parts = append(parts, p[start:i])
				close = i
			}
		case ',':
			if depth == 1 {
				parts = append(parts, p[start:i])
				start = i + 1
			}
		}
	}
	if close < 0 {
		return []string{p}, true // unbalanced: lang reported it
	}
	var out []string
	for _, part := range parts {
		more, ok := expandBraces(p[:open]+part+p[close+1:], limit)
		if !ok || len(out)+len(more) > limit {
			return nil, false
		}
		out = append(out, more...)
	}
	return out, true
}

// classEnd returns the index of the ']' closing the class opened at i, or
// -1.
func classEnd(p string, i int) int {
	j := i + 1
	if j < len(p) && (p[j] == '!' || p[j] == '^') {
		j++
	}
	if j < len(p) && p[j] == ']' {
		j++
	}
	for ; j < len(p); j++ {
		switch p[j] {
		case '\\':
			j++
		case ']':
			return j
		}
	}
	return -1
}

// pred is what one step of a glob's automaton accepts.
type pred struct {
	kind   int // predLit, predSegment (any but '/'), predAll, predClass
	lit    rune
	ranges [][2]rune
	neg    bool
}

const (
	predLit = iota
	predSegment
	predAll
	predClass
)

func (p pred) matches(r rune) bool {
	switch p.kind {
	case predLit:
		return r == p.lit
	case predSegment:
		return r != '/'
	case predAll:
		return true
	}
	if r == '/' {
		return false
	}
	in := false
	for _, rg := range p.ranges {
		if r >= rg[0] && r <= rg[1] {
			in = true
			break
		}
	}
	return in != p.neg
}

// candidates are characters that may satisfy p, for finding one that two
// predicates share.
func (p pred) candidates() []rune {
	switch p.kind {
	case predLit:
		return []rune{p.lit}
	case predClass:
		var out []rune
		for _, rg := range p.ranges {
			out = append(out, rg[0], rg[1], rg[0]-1, rg[1]+1)
		}
		return append(out, 'x', 'a', '0', '_', '-', '.')
	}
	return []rune{'x', 'a', '0', '_', '-', '.', '/'}
}

// common returns a character both predicates accept.
func common(p, q pred) (rune, bool) {
	for _, c := range append(p.candidates(), q.candidates()...) {
		if c >= 0 && c != utf8.RuneError && p.matches(c) && q.matches(c) {
			return c, true
		}
	}
	return 0, false
}

type edge struct {
	to int
	p  pred
}

// automaton is a glob's nondeterministic automaton: state 0 starts,
// accept accepts.
type automaton struct {
	edges  [][]edge
	eps    [][]int
	accept int
}

func (n *automaton) state() int {
	n.edges = append(n.edges, nil)
	n.eps = append(n.eps, nil)
	return len(n.edges) - 1
}

func (n *automaton) edge(from, to int, p pred) { n.edges[from] = append(n.edges[from], edge{to, p}) }
func (n *automaton) epsilon(from, to int)      { n.eps[from] = append(n.eps[from], to) }

// compileGlob builds the automaton of a brace-free glob, in doublestar's
// meaning: "*" any run within a name, "?" one character of a name,
// "[...]" a class, "**" as a whole name any number of names (none
// included), a backslash escapes.
//
// With plain, a "*" that begins a name matches at least one character:
// the automaton then accepts fewer paths, for nicer examples.
func compileGlob(p string, plain bool) *automaton {
	n := &automaton{}
	cur := n.state()
	segs := strings.Split(p, "/")
	for i, seg := range segs {
		last := i == len(segs)-1
		if seg == "**" {
			switch {
			case len(segs) == 1:
				n.edge(cur, cur, pred{kind: predAll})
			case !last:
				// Any number of "name/" before the next name.
				if i > 0 && segs[i-1] != "**" {
					next := n.state()
					n.edge(cur, next, pred{kind: predLit, lit: '/'})
					cur = next
				}
				name := n.state()
				n.edge(cur, name, pred{kind: predSegment})
				n.edge(name, name, pred{kind: predSegment})
				n.edge(name, cur, pred{kind: predLit, lit: '/'})
			default:
				// One or more "/name" after the previous name: outputs
				// name files, and "dir/**" the files under dir.
				slash, name, end := n.state(), n.state(), n.state()
				n.edge(cur, slash, pred{kind: predLit, lit: '/'})
				n.edge(slash, name, pred{kind: predSegment})
				n.edge(name, name, pred{kind: predSegment})
				n.epsilon(name, end)
				n.edge(name, slash, pred{kind: predLit, lit: '/'})
				cur = end
			}
			continue
		}
		if i > 0 && segs[i-1] != "**" {
			next := n.state()
			n.edge(cur, next, pred{kind: predLit, lit: '/'})
			cur = next
		}
		for j := 0; j < len(seg); {
			r, size := utf8.DecodeRuneInString(seg[j:])
			switch r {
			case '*':
				loop := n.state()
				if plain && j == 0 {
					n.edge(cur, loop, pred{kind: predSegment})
				} else {
					n.epsilon(cur, loop)
				}
				n.edge(loop, loop, pred{kind: predSegment})
				cur = loop
				j += size
				continue
			case '?':
				next := n.state()
				n.edge(cur, next, pred{kind: predSegment})
				cur = next
				j += size
				continue
			case '[':
				if end := classEnd(seg, j); end > 0 {
					next := n.state()
					n.edge(cur, next, parseClass(seg[j+1:end]))
					cur = next
					j = end + 1
					continue
				}
			case '\\':
				if j+1 < len(seg) {
					j += size
					r, size = utf8.DecodeRuneInString(seg[j:])
				}
			}
			next := n.state()
			n.edge(cur, next, pred{kind: predLit, lit: r})
			cur = next
			j += size
		}
	}
	n.accept = cur
	return n
}

// parseClass reads the inside of [...].
func parseClass(s string) pred {
	p := pred{kind: predClass}
	if strings.HasPrefix(s, "!") || strings.HasPrefix(s, "^") {
		p.neg, s = true, s[1:]
	}
	rs := []rune(strings.ReplaceAll(s, `\`, ""))
	for i := 0; i < len(rs); i++ {
		if i+2 < len(rs) && rs[i+1] == '-' {
			p.ranges = append(p.ranges, [2]rune{rs[i], rs[i+2]})
			i += 2
			continue
		}
		p.ranges = append(p.ranges, [2]rune{rs[i], rs[i]})
	}
	return p
}

// closure adds the states reachable by epsilon moves.
func (n *automaton) closure(s int, into map[int]bool) {
	if into[s] {
		return
	}
	into[s] = true
	for _, t := range n.eps[s] {
		n.closure(t, into)
	}
}

// intersect searches the product of two automata for a path both accept,
// breadth first, and returns a shortest one. The empty path names no file
// and does not count.
func intersect(a, b *automaton) (string, bool) {
	type pair struct{ x, y int }
	type node struct {
		at     pair
		parent int // index in nodes; -1 for the start
		r      rune
	}
	expand := func(p pair) []pair {
		xs, ys := map[int]bool{}, map[int]bool{}
		a.closure(p.x, xs)
		b.closure(p.y, ys)
		var out []pair
		for x := range xs {
			for y := range ys {
				out = append(out, pair{x, y})
			}
		}
		return out
	}
	nodes := []node{{at: pair{0, 0}, parent: -1}}
	seen := map[pair]bool{}
	for i := 0; i < len(nodes); i++ {
		for _, p := range expand(nodes[i].at) {
			if i > 0 && p.x == a.accept && p.y == b.accept {
				var rs []rune
				for at := i; at > 0; at = nodes[at].parent {
					rs = append(rs, nodes[at].r)
				}
				slices.Reverse(rs)
				return string(rs), true
			}
			for _, ea := range a.edges[p.x] {
				for _, eb := range b.edges[p.y] {
					r, ok := common(ea.p, eb.p)
					next := pair{ea.to, eb.to}
					if !ok || seen[next] {
						continue
					}
					seen[next] = true
					nodes = append(nodes, node{at: next, parent: i, r: r})
				}
			}
		}
	}
	return "", false
}
