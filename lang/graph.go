package lang

import (
	"fmt"
	"sort"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/kirofile/kirofile/dag"
)

// Graph returns the dependency graph of the configuration's nodes: one
// vertex per node address, an edge from each dependency to its dependent.
// The graph is shared; callers must not modify it.
func (c *Config) Graph() *dag.Graph[string] {
	if c.graph == nil {
		g := dag.New[string]()
		for _, n := range c.Nodes {
			g.Add(n.Address().String())
		}
		for _, n := range c.Nodes {
			for _, d := range n.Dependencies() {
				g.Connect(d.Addr.String(), n.Address().String())
			}
		}
		c.graph = g
	}
	return c.graph
}

// Node returns the node at an address, or nil.
func (c *Config) Node(addr Address) Node {
	f, ok := c.Features[addr.Feature]
	if !ok {
		return nil
	}
	switch addr.Kind {
	case NodeSpec:
		if s, ok := f.Specs[addr.Name]; ok {
			return s
		}
	case NodeCodegen:
		if cg, ok := f.Codegens[addr.Name]; ok {
			return cg
		}
	}
	return nil
}

// SuggestAddress returns " Did you mean "X"?" when a node or feature of
// the configuration has an address close to addr (a typo on the command
// line), or "".
func (c *Config) SuggestAddress(addr Address) string {
	var candidates []string
	if addr.IsFeature() {
		for name := range c.Features {
			candidates = append(candidates, "feature."+name)
		}
	} else {
		for _, n := range c.Nodes {
			candidates = append(candidates, n.Address().String())
		}
	}
	sort.Strings(candidates) // the first of two as close wins, every time
	return suggest(addr.String(), candidates)
}

func (l *loader) collectNodes() {
	for _, fd := range l.featureDecls {
		for _, sd := range fd.specs {
			l.cfg.Nodes = append(l.cfg.Nodes, sd.spec)
		}
		for _, cd := range fd.codegens {
			l.cfg.Nodes = append(l.cfg.Nodes, cd.codegen)
		}
	}
	sort.Slice(l.cfg.Nodes, func(i, j int) bool {
		return l.cfg.Nodes[i].Address().Less(l.cfg.Nodes[j].Address())
	})
}

// checkCycles reports every dependency cycle, naming each node of the loop
// and where each of its references is written.
func (l *loader) checkCycles() {
	g := l.cfg.Graph()
	for _, cycle := range g.Cycles() {
		// The cycle's edges run v0 -> v1 -> ... -> v0, each meaning "the
		// next depends on this one". Readers think in "depends on", so the
		// report walks the loop backwards from v0.
		// The subject is the first explicit reference of the loop: that is
		// what the user wrote and can remove; a default order is not.
		var lines []string
		var subject *hcl.Range
		n := len(cycle)
		for i := 0; i < n; i++ {
			node := cycle[(n-i)%n]
			upstream := cycle[(n-i-1+n)%n]
			dep := l.dependency(node, upstream)
			how := rangeText(dep.Range)
			if dep.Implicit {
				how = "by default, " + how
			} else if subject == nil {
				r := dep.Range
				subject = &r
			}
			lines = append(lines, fmt.Sprintf("  %s depends on %s (%s)", node, upstream, how))
		}
		if subject == nil {
			r := l.dependency(cycle[0], cycle[n-1]).Range
			subject = &r
		}
		l.errorf(*subject, "Dependency cycle",
			"These nodes depend on each other in a loop, so none of them can run first:\n%s\nRemove one of these dependencies (an explicit depends_on replaces the default order).",
			strings.Join(lines, "\n"))
	}
}

// dependency returns node's dependency on upstream.
func (l *loader) dependency(node, upstream string) Dependency {
	na, _ := ParseAddress(node)
	ua, _ := ParseAddress(upstream)
	n := l.cfg.Node(na)
	if n == nil {
		return Dependency{}
	}
	for _, d := range n.Dependencies() {
		if d.Addr == ua {
			return d
		}
	}
	return Dependency{Addr: ua, Range: n.DeclRng()}
}
