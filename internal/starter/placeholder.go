package starter

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/hashicorp/hcl/v2"

	"github.com/kirofile/kirofile/lang"
)

// PlaceholderMark opens the description every starter template writes for
// its feature. Everything generated starts from the description, so one
// still carrying the mark is reported (PlaceholderWarnings) until a person
// replaces it.
const PlaceholderMark = "TODO(kirofile):"

// PlaceholderWarnings warns about each feature whose description is still
// a starter's placeholder: a model given it would invent the feature.
func PlaceholderWarnings(cfg *lang.Config) hcl.Diagnostics {
	var diags hcl.Diagnostics
	for _, name := range slices.Sorted(maps.Keys(cfg.Features)) {
		f := cfg.Features[name]
		if !strings.Contains(f.Description, PlaceholderMark) {
			continue
		}
		rng := f.DeclRange
		diags = append(diags, &hcl.Diagnostic{
			Severity: hcl.DiagWarning,
			Summary:  "Placeholder description",
			Detail: fmt.Sprintf("The description of feature %q is still the starter's placeholder (it holds %q). Everything generated for the feature starts from it: "+
				"say what the feature does, who uses it and what is out of scope, then plan.", name, PlaceholderMark),
			Subject: &rng,
		})
	}
	return diags
}
