package lang

import (
	"fmt"
	"sort"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/hashicorp/hcl/v2/hclwrite"
	"github.com/zclconf/go-cty/cty"
)

// ConsoleFilename is the file name of expressions given to Evaluate, as
// diagnostics show it.
const ConsoleFilename = "<console>"

// consoleRoots are the references an expression at the console may start
// with: everything a top-level block can see.
var consoleRoots = []string{"var", "local", "provider", "steering", "hook", "feature"}

// Evaluate evaluates one expression against the configuration: its
// variables, locals and functions, and references to every declared object
// (feature.F.spec.S.path, provider.openai.main, ...). This is what
// "kirofile console" runs for each line.
//
// The result keeps the "sensitive" mark of values derived from sensitive
// variables, and a variable without a value evaluates to an unknown value.
// spec.NAME and codegen.NAME only mean something inside a feature block, so
// here they are reported with the feature.F.spec.NAME form to use instead.
// On errors the value is cty.DynamicVal.
func (c *Config) Evaluate(src string) (cty.Value, hcl.Diagnostics) {
	if c == nil || c.evalCtx == nil {
		return cty.DynamicVal, hcl.Diagnostics{{
			Severity: hcl.DiagError,
			Summary:  "No configuration to evaluate against",
			Detail:   "The configuration did not load far enough for its variables, locals and objects to be known. Fix the errors reported when loading it, then try again.",
		}}
	}
	expr, diags := hclsyntax.ParseExpression([]byte(src), ConsoleFilename, hcl.InitialPos)
	if diags.HasErrors() {
		return cty.DynamicVal, diags
	}
	// References are checked first: the evaluator's own messages for a
	// missing name ("Unsupported attribute; This object does not have an
	// attribute named ...") say nothing about what could be meant.
	if rdiags := c.checkConsoleRefs(expr); rdiags.HasErrors() {
		return cty.DynamicVal, append(diags, rdiags...)
	}
	v, vdiags := expr.Value(c.evalCtx)
	diags = append(diags, vdiags...)
	if diags.HasErrors() {
		return cty.DynamicVal, diags
	}
	return v, diags
}

// checkConsoleRefs reports references that name nothing, or that only make
// sense inside a block. Deeper steps (feature.F.spec.NAME) are left to the
// evaluator, whose errors already name the missing attribute.
func (c *Config) checkConsoleRefs(expr hcl.Expression) hcl.Diagnostics {
	var diags hcl.Diagnostics
	for _, trav := range expr.Variables() {
		rng := trav.SourceRange()
		names := traversalNames(trav)
		root := names[0]
		errorf := func(summary, detail string, args ...any) {
			diags = append(diags, &hcl.Diagnostic{
				Severity: hcl.DiagError,
				Summary:  summary,
				Detail:   fmt.Sprintf(detail, args...),
				Subject:  rng.Ptr(),
			})
		}
		switch root {
		case "spec", "codegen":
			detail := "%s.NAME refers to a node of the enclosing feature, and the console is in no feature. Write feature.FEATURE.%s.NAME."
			args := []any{root, root}
			if len(names) > 1 {
				if full := c.nodeRefsNamed(root, names[1]); len(full) > 0 {
					detail += " Did you mean %s?"
					args = append(args, strings.Join(full, " or "))
				}
			}
			errorf("Reference outside a feature", detail, args...)
		case "var":
			if len(names) < 2 {
				errorf("Incomplete reference", "A reference to var must name a variable, like var.NAME.")
			} else if _, ok := c.Variables[names[1]]; !ok {
				errorf("Reference to undeclared variable", "There is no variable named %q.%s",
					names[1], suggest(names[1], sortedKeys(c.Variables)))
			}
		case "local":
			if len(names) < 2 {
				errorf("Incomplete reference", "A reference to local must name a local value, like local.NAME.")
			} else if _, ok := c.Locals[names[1]]; !ok {
				errorf("Reference to undeclared local value", "There is no local value named %q in any locals block.%s",
					names[1], suggest(names[1], sortedKeys(c.Locals)))
			}
		case "feature":
			if len(names) >= 2 {
				if _, ok := c.Features[names[1]]; !ok {
					errorf("Reference to undeclared feature", "There is no feature named %q.%s",
						names[1], suggest(names[1], sortedKeys(c.Features)))
				}
			}
		default:
			if !contains(consoleRoots, root) {
				errorf("Unknown reference",
					"%q is not something the console can refer to. References start with %s.%s",
					root, strings.Join(consoleRoots, ", "), suggest(root, consoleRoots))
			}
		}
	}
	return diags
}

// nodeRefsNamed returns the full addresses of the nodes of kind named
// name, in every feature, sorted.
func (c *Config) nodeRefsNamed(kind, name string) []string {
	var out []string
	for _, n := range c.Nodes {
		if a := n.Address(); a.Kind == kind && a.Name == name {
			out = append(out, a.String())
		}
	}
	sort.Strings(out)
	return out
}

// FormatValue renders a value in HCL syntax, as the console prints it.
// A sensitive value, or a sensitive part of a collection, is shown as
// (sensitive value) and an unknown one (from a variable without a value)
// as (not set), so that neither a secret nor a made-up placeholder can be
// mistaken for real content.
func FormatValue(v cty.Value) string {
	return strings.TrimSpace(string(hclwrite.Format(valueTokens(v).Bytes())))
}

// placeholder is a token that stands for a value that cannot be shown.
func placeholder(text string) hclwrite.Tokens {
	return hclwrite.Tokens{{Type: hclsyntax.TokenIdent, Bytes: []byte(text)}}
}

// valueTokens is hclwrite.TokensForValue made safe for marked and unknown
// values, which it would panic on: such values are taken apart here, and
// every wholly known, unmarked part is handed to TokensForValue.
func valueTokens(v cty.Value) hclwrite.Tokens {
	if v.HasMark(sensitiveMark) {
		return placeholder("(sensitive value)")
	}
	v, _ = v.Unmark()
	switch {
	case !v.IsKnown():
		return placeholder("(not set)")
	case v.IsNull():
		return hclwrite.TokensForValue(v)
	case v.IsWhollyKnown() && !v.ContainsMarked():
		return hclwrite.TokensForValue(v)
	}
	ty := v.Type()
	switch {
	case ty.IsObjectType() || ty.IsMapType():
		var attrs []hclwrite.ObjectAttrTokens
		for it := v.ElementIterator(); it.Next(); {
			k, ev := it.Element()
			key := k.AsString()
			name := hclwrite.TokensForValue(k)
			if hclsyntax.ValidIdentifier(key) {
				name = hclwrite.TokensForIdentifier(key)
			}
			attrs = append(attrs, hclwrite.ObjectAttrTokens{Name: name, Value: valueTokens(ev)})
		}
		return hclwrite.TokensForObject(attrs)
	case ty.IsListType() || ty.IsSetType() || ty.IsTupleType():
		var elems []hclwrite.Tokens
		for it := v.ElementIterator(); it.Next(); {
			_, ev := it.Element()
			elems = append(elems, valueTokens(ev))
		}
		return hclwrite.TokensForTuple(elems)
	}
	// A primitive is either wholly known and unmarked, handled above, or
	// unknown or marked at its top level, also handled above; capsule
	// types are never produced by a Kirofile.
	return placeholder("(unprintable value)")
}
