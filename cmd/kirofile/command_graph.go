package main

import (
	"flag"

	"github.com/kirofile/kirofile/dag"
	"github.com/kirofile/kirofile/lang"
)

var graphCommand = &commandSpec{
	name:     "graph",
	synopsis: "Print the dependency graph of specs and codegen steps",
	help: `
Loads the configuration as validate does and prints the graph of its nodes,
one cluster per feature, with an edge from each node to the nodes that
depend on it. The DOT output renders with Graphviz ("kirofile graph | dot
-Tsvg > graph.svg"); the Mermaid output renders in Markdown on GitHub.`,
	new: func() command { return &graphCmd{format: "dot"} },
}

type graphCmd struct {
	loadFlags
	format string
}

// graphFormats maps each -format value to its renderer.
var graphFormats = map[string]func(*dag.Graph[string], dag.RenderOptions[string]) string{
	"dot":     (*dag.Graph[string]).DOT,
	"mermaid": (*dag.Graph[string]).Mermaid,
}

func (c *graphCmd) flags(fs *flag.FlagSet) {
	fs.Var(choiceFlag{&c.format, []string{"dot", "mermaid"}}, "format", "Write the graph in `dot|mermaid` syntax.")
	c.loadFlags.flags(fs)
}

func (c *graphCmd) run(m *meta, args []string) int {
	if !m.noArgs(args) {
		return exitError
	}
	view := newGraphView(m)
	cfg, diags := c.load(m)
	// Warnings are printed too: the graph is still worth having.
	view.Diagnostics(cfg.Files, diags)
	if diags.HasErrors() {
		return exitError
	}
	view.Graph(graphFormats[c.format](cfg.Graph(), dag.RenderOptions[string]{
		Name:    "kirofile",
		Label:   nodeLabel,
		Cluster: nodeFeature,
	}))
	return exitOK
}

// nodeLabel is a node's address as written inside its feature, spec.S or
// codegen.C: the cluster already names the feature.
func nodeLabel(addr string) string {
	a, err := lang.ParseAddress(addr)
	if err != nil || a.IsFeature() {
		return addr
	}
	return a.Kind + "." + a.Name
}

// nodeFeature is the cluster of a node: its feature's address.
func nodeFeature(addr string) string {
	a, err := lang.ParseAddress(addr)
	if err != nil {
		return ""
	}
	return "feature." + a.Feature
}
