package lang

import (
	"sort"

	"github.com/hashicorp/hcl/v2"
)

// sortDiagnostics orders diagnostics by file, line and column, so that a
// run's report reads top to bottom; those without a position come last,
// in the order they were found.
func sortDiagnostics(diags hcl.Diagnostics) hcl.Diagnostics {
	sort.SliceStable(diags, func(i, j int) bool {
		a, b := diags[i].Subject, diags[j].Subject
		switch {
		case a == nil || b == nil:
			return a != nil && b == nil
		case a.Filename != b.Filename:
			return a.Filename < b.Filename
		}
		return posLess(*a, *b)
	})
	return diags
}

// posLess orders two ranges of the same file by their start.
func posLess(a, b hcl.Range) bool {
	if a.Start.Line != b.Start.Line {
		return a.Start.Line < b.Start.Line
	}
	return a.Start.Column < b.Start.Column
}
