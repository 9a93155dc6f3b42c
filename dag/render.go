package dag

import (
	"cmp"
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// RenderOptions controls DOT and Mermaid output.
type RenderOptions[K cmp.Ordered] struct {
	// Name is the graph name or title; empty means "kirofile".
	Name string
	// Label returns the text shown for a vertex; nil means fmt.Sprint(v).
	Label func(K) string
	// Cluster returns the group a vertex is drawn in. Vertices with the
	// same non-empty cluster are drawn together (a DOT "cluster_" subgraph
	// or a Mermaid subgraph); nil or "" means no group.
	Cluster func(K) string
}

// layout is what both renderers need, computed once in a deterministic
// order: unclustered vertices, clusters sorted by name each with sorted
// members, and sorted edges.
type layout[K cmp.Ordered] struct {
	name     string
	vertices []K
	id       map[K]int // position in sorted vertex order
	loose    []K
	clusters []string
	members  map[string][]K
	edges    []Edge[K]
	label    func(K) string
}

func (g *Graph[K]) layout(opts RenderOptions[K]) *layout[K] {
	l := &layout[K]{
		name:     cmp.Or(opts.Name, "kirofile"),
		vertices: g.Vertices(),
		id:       make(map[K]int),
		members:  make(map[string][]K),
		edges:    g.Edges(),
		label:    opts.Label,
	}
	if l.label == nil {
		l.label = func(v K) string { return fmt.Sprint(v) }
	}
	for i, v := range l.vertices {
		l.id[v] = i
		c := ""
		if opts.Cluster != nil {
			c = opts.Cluster(v)
		}
		if c == "" {
			l.loose = append(l.loose, v)
			continue
		}
		if _, ok := l.members[c]; !ok {
			l.clusters = append(l.clusters, c)
		}
		l.members[c] = append(l.members[c], v)
	}
	slices.Sort(l.clusters)
	return l
}

// DOT renders the graph in Graphviz DOT syntax, edges pointing from upstream
// to downstream and laid out left to right. Vertex identifiers are the
// quoted fmt.Sprint form of the key, so the output stays readable and
// diffable; labels come from opts.Label. The output is byte-for-byte
// deterministic.
func (g *Graph[K]) DOT(opts RenderOptions[K]) string {
	l := g.layout(opts)
	var b strings.Builder
	fmt.Fprintf(&b, "digraph %s {\n", dotQuote(l.name))
	b.WriteString("\trankdir=LR;\n")
	b.WriteString("\tnode [shape=box];\n")
	node := func(indent string, v K) {
		fmt.Fprintf(&b, "%s%s [label=%s];\n", indent, dotQuote(fmt.Sprint(v)), dotQuote(l.label(v)))
	}
	for _, v := range l.loose {
		node("\t", v)
	}
	for _, c := range l.clusters {
		fmt.Fprintf(&b, "\tsubgraph %s {\n", dotQuote("cluster_"+c))
		fmt.Fprintf(&b, "\t\tlabel=%s;\n", dotQuote(c))
		for _, v := range l.members[c] {
			node("\t\t", v)
		}
		b.WriteString("\t}\n")
	}
	for _, e := range l.edges {
		fmt.Fprintf(&b, "\t%s -> %s;\n", dotQuote(fmt.Sprint(e.From)), dotQuote(fmt.Sprint(e.To)))
	}
	b.WriteString("}\n")
	return b.String()
}

// dotQuote returns s as a DOT double-quoted string. Backslashes are doubled
// as well as quotes escaped: in labels a lone backslash starts escapes such
// as \N or \G, and a trailing one would swallow the closing quote. Line
// breaks become \n, which DOT renders as a centred line break.
func dotQuote(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for _, r := range s {
		switch r {
		case '"':
			b.WriteString(`\"`)
		case '\\':
			b.WriteString(`\\`)
		case '\n':
			b.WriteString(`\n`)
		case '\r':
		default:
			b.WriteRune(r)
		}
	}
	b.WriteByte('"')
	return b.String()
}

// Mermaid renders the graph as a Mermaid flowchart laid out left to right,
// with the name as front-matter title. Vertex keys may contain characters
// Mermaid cannot take in identifiers, so nodes get synthetic ids n0, n1, ...
// in sorted vertex order (clusters get c0, c1, ... in sorted cluster order)
// and the text is carried by quoted labels. The output is deterministic.
func (g *Graph[K]) Mermaid(opts RenderOptions[K]) string {
	l := g.layout(opts)
	var b strings.Builder
	b.WriteString("---\n")
	fmt.Fprintf(&b, "title: %s\n", strconv.Quote(l.name))
	b.WriteString("---\n")
	b.WriteString("flowchart LR\n")
	node := func(indent string, v K) {
		fmt.Fprintf(&b, "%sn%d[%s]\n", indent, l.id[v], mermaidQuote(l.label(v)))
	}
	for _, v := range l.loose {
		node("\t", v)
	}
	for i, c := range l.clusters {
		fmt.Fprintf(&b, "\tsubgraph c%d [%s]\n", i, mermaidQuote(c))
		for _, v := range l.members[c] {
			node("\t\t", v)
		}
		b.WriteString("\tend\n")
	}
	for _, e := range l.edges {
		fmt.Fprintf(&b, "\tn%d --> n%d\n", l.id[e.From], l.id[e.To])
	}
	return b.String()
}

// mermaidQuote returns s as a quoted Mermaid label. Mermaid has no backslash
// escapes; characters that would end the label or be read as markup are
// written as Mermaid entity codes instead (#quot; and friends, with # itself
// encoded so that user text cannot form an entity by accident). A leading
// backtick would switch the label to Markdown, so backticks are encoded too.
// Line breaks become <br>.
func mermaidQuote(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for _, r := range s {
		switch r {
		case '"':
			b.WriteString("#quot;")
		case '#':
			b.WriteString("#35;")
		case '<':
			b.WriteString("#lt;")
		case '>':
			b.WriteString("#gt;")
		case '&':
			b.WriteString("#amp;")
		case '`':
			b.WriteString("#96;")
		case '\n':
			b.WriteString("<br>")
		case '\r':
		default:
			b.WriteRune(r)
		}
	}
	b.WriteByte('"')
	return b.String()
}
