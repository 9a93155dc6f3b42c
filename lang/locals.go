package lang

import (
	"sort"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/kirofile/kirofile/dag"
	"github.com/zclconf/go-cty/cty"
)

func sortedAttributes(attrs hcl.Attributes) []*hcl.Attribute {
	out := make([]*hcl.Attribute, 0, len(attrs))
	for _, a := range attrs {
		out = append(out, a)
	}
	sort.Slice(out, func(i, j int) bool { return posLess(out[i].Range, out[j].Range) })
	return out
}

func (l *loader) collectLocals(blocks []*hcl.Block) {
	for _, b := range blocks {
		attrs, diags := b.Body.JustAttributes()
		l.diags = append(l.diags, diags...)
		for _, attr := range sortedAttributes(attrs) {
			if prev, ok := l.cfg.Locals[attr.Name]; ok {
				l.duplicate("local value", attr.Name, attr.NameRange, prev.DeclRange)
				continue
			}
			l.cfg.Locals[attr.Name] = &Local{Name: attr.Name, Expr: attr.Expr, DeclRange: attr.NameRange}
			l.localAttrs = append(l.localAttrs, attr)
		}
	}
}

// evaluateLocals evaluates locals in dependency order. A local that cannot
// be evaluated (a bad reference, a cycle) becomes unknown, so that the
// expressions using it are still checked without cascading errors.
func (l *loader) evaluateLocals() {
	sc := &scope{what: "a local value", roots: baseRoots}
	g := dag.New[string]()
	bad := map[string]bool{}
	for _, attr := range l.localAttrs {
		g.Add(attr.Name)
		if _, ok := l.checkRefs(attr.Expr, sc); !ok {
			bad[attr.Name] = true
		}
		for _, trav := range attr.Expr.Variables() {
			names := traversalNames(trav)
			if names[0] == "local" && len(names) > 1 {
				if _, ok := l.cfg.Locals[names[1]]; ok {
					g.Connect(names[1], attr.Name)
				}
			}
		}
	}
	for _, cycle := range g.Cycles() {
		hops := make([]string, 0, len(cycle)+1)
		for _, name := range cycle {
			hops = append(hops, "local."+name)
			bad[name] = true
		}
		hops = append(hops, "local."+cycle[0])
		first := l.cfg.Locals[cycle[0]]
		l.errorf(first.DeclRange, "Cycle in local values",
			"Local values refer to each other in a loop: %s. Break the loop by removing one of these references.",
			strings.Join(hops, " -> "))
	}
	// With the cycles marked bad, the rest is acyclic once bad locals'
	// edges are dropped.
	order, err := g.Subgraph(func(name string) bool { return !bad[name] }).TopoOrder()
	if err != nil {
		order = nil
	}
	vals := map[string]cty.Value{}
	for name := range bad {
		vals[name] = cty.DynamicVal
		l.cfg.Locals[name].Value = cty.DynamicVal
	}
	varObj := l.variableObject()
	for _, name := range order {
		ctx := &hcl.EvalContext{
			Variables: map[string]cty.Value{"var": varObj, "local": cty.ObjectVal(vals)},
			Functions: l.funcs,
		}
		loc := l.cfg.Locals[name]
		v, diags := loc.Expr.Value(ctx)
		l.diags = append(l.diags, diags...)
		if diags.HasErrors() {
			v = cty.DynamicVal
		}
		loc.Value = v
		vals[name] = v
	}
}

func (l *loader) localObject() cty.Value {
	vals := make(map[string]cty.Value, len(l.cfg.Locals))
	for name, loc := range l.cfg.Locals {
		if loc.Value == cty.NilVal {
			loc.Value = cty.DynamicVal
		}
		vals[name] = loc.Value
	}
	return cty.ObjectVal(vals)
}
