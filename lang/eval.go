package lang

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/agext/levenshtein"
	"github.com/hashicorp/hcl/v2"
	"github.com/zclconf/go-cty/cty"
	"github.com/zclconf/go-cty/cty/convert"
)

const nameRule = "names start with a letter or underscore and hold only letters, digits, underscores and dashes"

// validName reports whether s follows nameRule (ASCII only). It is asked
// of every part of every address a plan parses: a loop, not a regexp.
func validName(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c == '_':
		case i > 0 && (c >= '0' && c <= '9' || c == '-'):
		default:
			return false
		}
	}
	return true
}

func (l *loader) errorf(rng hcl.Range, summary, detail string, args ...any) {
	r := rng
	l.diags = append(l.diags, &hcl.Diagnostic{
		Severity: hcl.DiagError,
		Summary:  summary,
		Detail:   fmt.Sprintf(detail, args...),
		Subject:  &r,
	})
}

func (l *loader) warnf(rng hcl.Range, summary, detail string, args ...any) {
	r := rng
	l.diags = append(l.diags, &hcl.Diagnostic{
		Severity: hcl.DiagWarning,
		Summary:  summary,
		Detail:   fmt.Sprintf(detail, args...),
		Subject:  &r,
	})
}

func (l *loader) duplicate(kind, name string, rng, prev hcl.Range) {
	l.errorf(rng, fmt.Sprintf("Duplicate %s %q", kind, name),
		"A %s named %q is already declared at %s. Names must be unique; rename or remove one of them.",
		kind, name, rangeText(prev))
}

// convert evaluates attr in ctx and converts the result to want. It returns
// cty.NilVal after reporting a diagnostic; an unknown result (from a
// variable without a value) is returned as is.
func (l *loader) convert(attr *hcl.Attribute, ctx *hcl.EvalContext, want cty.Type) cty.Value {
	val, diags := attr.Expr.Value(ctx)
	l.diags = append(l.diags, diags...)
	if diags.HasErrors() {
		return cty.NilVal
	}
	out, err := convert.Convert(val, want)
	if err != nil {
		l.errorf(attr.Expr.Range(), "Incorrect attribute value type",
			"Inappropriate value for attribute %q: %s.", attr.Name, err)
		return cty.NilVal
	}
	return out
}

// scope says which references an expression may use, and which feature
// `spec.X` and `codegen.X` refer to.
type scope struct {
	// what names the place for messages, e.g. "a provider block".
	what string
	// roots are the reference roots allowed here.
	roots map[string]bool
	// feature is the enclosing feature, or nil.
	feature *featureDecl
}

var (
	baseRoots = map[string]bool{"var": true, "local": true}
	allRoots  = map[string]bool{"var": true, "local": true, "provider": true, "steering": true,
		"hook": true, "feature": true, "spec": true, "codegen": true}
)

// checkRefs resolves every reference of expr, reports those that name
// nothing or are not allowed here, and returns the graph nodes referred to.
// ok is false when any reference failed, so that the caller skips
// evaluation instead of reporting the same problem twice.
func (l *loader) checkRefs(expr hcl.Expression, sc *scope) (deps []Dependency, ok bool) {
	ok = true
	for _, trav := range expr.Variables() {
		d, good := l.resolveRef(trav, sc)
		deps = append(deps, d...)
		ok = ok && good
	}
	return deps, ok
}

// traversalNames returns the names of the leading attribute (or string
// index) steps of a traversal, root included.
func traversalNames(trav hcl.Traversal) []string {
	var names []string
	for _, step := range trav {
		switch st := step.(type) {
		case hcl.TraverseRoot:
			names = append(names, st.Name)
		case hcl.TraverseAttr:
			names = append(names, st.Name)
		case hcl.TraverseIndex:
			if st.Key.Type() == cty.String && st.Key.IsKnown() && !st.Key.IsNull() {
				names = append(names, st.Key.AsString())
				continue
			}
			return names
		default:
			return names
		}
	}
	return names
}

func (l *loader) resolveRef(trav hcl.Traversal, sc *scope) ([]Dependency, bool) {
	rng := trav.SourceRange()
	names := traversalNames(trav)
	root := names[0]
	if !allRoots[root] {
		l.errorf(rng, "Unknown reference",
			"%q is not something a Kirofile can refer to. References start with var, local, provider, steering, hook or feature (and spec or codegen inside a feature).%s",
			root, suggest(root, sortedKeys(allRoots)))
		return nil, false
	}
	if !sc.roots[root] {
		allowed := sortedKeys(sc.roots)
		l.errorf(rng, "Reference not allowed here",
			"%s cannot refer to %s; only %s can be used here.", capitalize(sc.what), root, strings.Join(allowed, " and "))
		return nil, false
	}
	need := func(n int, form string) bool {
		if len(names) < n {
			l.errorf(rng, "Incomplete reference", "A reference to %s must name one, like %s.", root, form)
			return false
		}
		return true
	}
	switch root {
	case "var":
		if !need(2, "var.NAME") {
			return nil, false
		}
		if _, ok := l.cfg.Variables[names[1]]; !ok {
			l.errorf(rng, "Reference to undeclared variable",
				"There is no variable named %q. Declare it with a variable %q block.%s", names[1], names[1],
				suggest(names[1], sortedKeys(l.cfg.Variables)))
			return nil, false
		}
	case "local":
		if !need(2, "local.NAME") {
			return nil, false
		}
		if _, ok := l.cfg.Locals[names[1]]; !ok {
			l.errorf(rng, "Reference to undeclared local value",
				"There is no local value named %q in any locals block.%s", names[1], suggest(names[1], sortedKeys(l.cfg.Locals)))
			return nil, false
		}
	case "provider":
		if !need(3, "provider.TYPE.NAME") {
			return nil, false
		}
		key := names[1] + "." + names[2]
		if _, ok := l.cfg.Providers[key]; !ok {
			l.errorf(rng, "Reference to undeclared provider",
				"There is no provider %q %q. Declare it with a provider %q %q block.%s", names[1], names[2], names[1], names[2],
				suggest(key, sortedKeys(l.cfg.Providers)))
			return nil, false
		}
	case "steering":
		if !need(2, "steering.NAME") {
			return nil, false
		}
		if _, ok := l.cfg.Steering[names[1]]; !ok {
			l.errorf(rng, "Reference to undeclared steering", "There is no steering block named %q.%s",
				names[1], suggest(names[1], sortedKeys(l.cfg.Steering)))
			return nil, false
		}
	case "hook":
		if !need(2, "hook.NAME") {
			return nil, false
		}
		if _, ok := l.cfg.Hooks[names[1]]; !ok {
			l.errorf(rng, "Reference to undeclared hook", "There is no hook named %q. Declare it with a hook %q block.%s",
				names[1], names[1], suggest(names[1], sortedKeys(l.cfg.Hooks)))
			return nil, false
		}
	case "spec", "codegen":
		if sc.feature == nil {
			l.errorf(rng, "Reference outside a feature",
				"%s.NAME only works inside a feature block; elsewhere write feature.FEATURE.%s.NAME.", root, root)
			return nil, false
		}
		if !need(2, root+".NAME") {
			return nil, false
		}
		return l.nodeRef(sc.feature, root, names[1], rng)
	case "feature":
		if !need(2, "feature.NAME") {
			return nil, false
		}
		fd := l.featureByName(names[1])
		if fd == nil {
			l.errorf(rng, "Reference to undeclared feature", "There is no feature named %q.%s",
				names[1], suggest(names[1], l.featureNames()))
			return nil, false
		}
		if len(names) == 2 {
			return l.featureDeps(fd, "", rng), true
		}
		switch names[2] {
		case NodeSpec, NodeCodegen:
			if len(names) == 3 {
				return l.featureDeps(fd, names[2], rng), true
			}
			return l.nodeRef(fd, names[2], names[3], rng)
		case "name", "description":
			return nil, true
		default:
			l.errorf(rng, "Unsupported feature attribute",
				"A feature reference continues with .spec.NAME, .codegen.NAME, .name or .description, not .%s.", names[2])
			return nil, false
		}
	}
	return nil, true
}

func (l *loader) nodeRef(fd *featureDecl, kind, name string, rng hcl.Range) ([]Dependency, bool) {
	var addr Address
	found := false
	var candidates []string
	if kind == NodeSpec {
		for _, sd := range fd.specs {
			candidates = append(candidates, sd.spec.Addr.Name)
			if sd.spec.Addr.Name == name {
				addr, found = sd.spec.Addr, true
			}
		}
	} else {
		for _, cd := range fd.codegens {
			candidates = append(candidates, cd.codegen.Addr.Name)
			if cd.codegen.Addr.Name == name {
				addr, found = cd.codegen.Addr, true
			}
		}
	}
	if !found {
		l.errorf(rng, "Reference to undeclared "+kind,
			"Feature %q has no %s named %q.%s", fd.feature.Name, kind, name, suggest(name, candidates))
		return nil, false
	}
	return []Dependency{{Addr: addr, Range: rng}}, true
}

// featureDeps returns a dependency on every node of a feature, or on every
// node of one kind.
func (l *loader) featureDeps(fd *featureDecl, kind string, rng hcl.Range) []Dependency {
	var deps []Dependency
	if kind == "" || kind == NodeSpec {
		for _, sd := range fd.specs {
			deps = append(deps, Dependency{Addr: sd.spec.Addr, Range: rng})
		}
	}
	if kind == "" || kind == NodeCodegen {
		for _, cd := range fd.codegens {
			deps = append(deps, Dependency{Addr: cd.codegen.Addr, Range: rng})
		}
	}
	return deps
}

// suggest returns " Did you mean "X"?" when a candidate is close to name.
func suggest(name string, candidates []string) string {
	best, bestDist := "", 3
	for _, c := range candidates {
		if d := levenshtein.Distance(name, c, nil); d < bestDist {
			best, bestDist = c, d
		}
	}
	if best == "" {
		return ""
	}
	return fmt.Sprintf(" Did you mean %q?", best)
}

func sortedKeys[V any](m map[string]V) []string { return slices.Sorted(maps.Keys(m)) }

func capitalize(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

// evalAttr checks the references of attr against sc, then evaluates and
// converts it. It returns the nodes referred to, and cty.NilVal when
// anything failed.
func (l *loader) evalAttr(attr *hcl.Attribute, ctx *hcl.EvalContext, sc *scope, want cty.Type) (cty.Value, []Dependency) {
	deps, ok := l.checkRefs(attr.Expr, sc)
	if !ok {
		return cty.NilVal, deps
	}
	return l.convert(attr, ctx, want), deps
}

// stringOf returns a known, non-null string value; ok is false otherwise.
func stringOf(v cty.Value) (string, bool) {
	if v == cty.NilVal || v.IsNull() || !v.IsWhollyKnown() {
		return "", false
	}
	v, _ = v.Unmark()
	return v.AsString(), true
}

// stringsOf returns a known list of strings; ok is false when any part is
// unknown or null.
func stringsOf(v cty.Value) ([]string, bool) {
	if v == cty.NilVal || v.IsNull() || !v.IsWhollyKnown() {
		return nil, false
	}
	v, _ = v.UnmarkDeep()
	var out []string
	for it := v.ElementIterator(); it.Next(); {
		_, e := it.Element()
		if e.IsNull() {
			return nil, false
		}
		out = append(out, e.AsString())
	}
	return out, true
}

// elementRanges returns the source range of each element of a list
// expression, or the whole expression's range n times when the elements
// cannot be told apart (a function call, a variable).
func elementRanges(expr hcl.Expression, n int) []hcl.Range {
	out := make([]hcl.Range, n)
	elems, diags := hcl.ExprList(expr)
	for i := range out {
		if !diags.HasErrors() && len(elems) == n {
			out[i] = elems[i].Range()
		} else {
			out[i] = expr.Range()
		}
	}
	return out
}

// staticRefs reads an attribute whose value is a list of references, such
// as depends_on or hooks, without evaluating it.
func (l *loader) staticRefs(attr *hcl.Attribute, form string) []hcl.Traversal {
	elems, diags := hcl.ExprList(attr.Expr)
	if diags.HasErrors() {
		l.errorf(attr.Expr.Range(), "Invalid "+attr.Name,
			"%s must be a list of references, like [%s].", attr.Name, form)
		return nil
	}
	var out []hcl.Traversal
	for _, e := range elems {
		if trav, ok := refTraversal(e); ok {
			out = append(out, trav)
			continue
		}
		l.errorf(e.Range(), "Invalid "+attr.Name+" entry",
			"Each entry of %s must be a reference, like %s, not an expression or a string.", attr.Name, form)
	}
	return out
}

// refTraversal reads an expression that must be a bare reference. JSON
// files write references as strings, either "provider.openai.main" or
// "${provider.openai.main}"; both are accepted.
func refTraversal(expr hcl.Expression) (hcl.Traversal, bool) {
	if trav, diags := hcl.AbsTraversalForExpr(expr); !diags.HasErrors() {
		return trav, true
	}
	if vars := expr.Variables(); len(vars) == 1 {
		return vars[0], true
	}
	return nil, false
}
