package specdoc

import (
	"sort"

	"github.com/hashicorp/hcl/v2"
)

// Check runs the checker for a spec document of the given kind. Documents
// of kind "document" (free-form spec labels) and of kinds it does not know
// have no rules, so they yield no diagnostics. reqs is passed to
// CheckTasks; the requirements found by "requirements" are dropped here,
// so callers that need them call CheckRequirements directly.
func Check(kind, filename string, src []byte, reqs *Requirements) hcl.Diagnostics {
	switch kind {
	case "requirements":
		_, diags := CheckRequirements(filename, src)
		return diags
	case "design":
		return CheckDesign(filename, src)
	case "tasks":
		return CheckTasks(filename, src, reqs)
	}
	return nil
}

// sortDiagnostics orders diagnostics by position, so a report reads top to
// bottom whatever order the checks found them in.
func sortDiagnostics(diags hcl.Diagnostics) hcl.Diagnostics {
	sort.SliceStable(diags, func(i, j int) bool {
		return diags[i].Subject.Start.Byte < diags[j].Subject.Start.Byte
	})
	return diags
}
