package lang

import (
	"fmt"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
)

// Node kinds, as they appear in addresses.
const (
	NodeSpec    = "spec"
	NodeCodegen = "codegen"
)

// Address names a node, "feature.F.spec.S" or "feature.F.codegen.C", or a
// whole feature, "feature.F", when Kind and Name are empty.
type Address struct {
	Feature string
	Kind    string // NodeSpec, NodeCodegen, or "" for a feature address
	Name    string
}

// SpecAddr returns the address of spec S of feature F.
func SpecAddr(feature, name string) Address { return Address{feature, NodeSpec, name} }

// CodegenAddr returns the address of codegen C of feature F.
func CodegenAddr(feature, name string) Address { return Address{feature, NodeCodegen, name} }

// IsFeature reports whether the address names a whole feature.
func (a Address) IsFeature() bool { return a.Kind == "" }

func (a Address) String() string {
	if a.IsFeature() {
		return "feature." + a.Feature
	}
	return "feature." + a.Feature + "." + a.Kind + "." + a.Name
}

// ParseAddress parses a node or feature address as given on a command line.
func ParseAddress(s string) (Address, error) {
	trav, diags := hclsyntax.ParseTraversalAbs([]byte(s), "", hcl.InitialPos)
	if diags.HasErrors() {
		return Address{}, fmt.Errorf("invalid address %q: want feature.NAME, feature.NAME.spec.NAME or feature.NAME.codegen.NAME", s)
	}
	parts := make([]string, 0, len(trav))
	for _, step := range trav {
		switch st := step.(type) {
		case hcl.TraverseRoot:
			parts = append(parts, st.Name)
		case hcl.TraverseAttr:
			parts = append(parts, st.Name)
		default:
			return Address{}, fmt.Errorf("invalid address %q: index steps are not allowed", s)
		}
	}
	switch {
	case len(parts) == 2 && parts[0] == "feature":
		return Address{Feature: parts[1]}, nil
	case len(parts) == 4 && parts[0] == "feature" && (parts[2] == NodeSpec || parts[2] == NodeCodegen):
		return Address{Feature: parts[1], Kind: parts[2], Name: parts[3]}, nil
	}
	return Address{}, fmt.Errorf("invalid address %q: want feature.NAME, feature.NAME.spec.NAME or feature.NAME.codegen.NAME", s)
}

// Less orders addresses by feature, then kind (specs first), then name.
func (a Address) Less(b Address) bool {
	if a.Feature != b.Feature {
		return a.Feature < b.Feature
	}
	if a.Kind != b.Kind {
		return a.Kind > b.Kind // "spec" before "codegen"
	}
	return a.Name < b.Name
}

// shortName is the address as written inside its own feature: spec.S.
func (a Address) shortName() string {
	return strings.TrimPrefix(a.String(), "feature."+a.Feature+".")
}
