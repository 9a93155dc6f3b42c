package lang

import (
	"fmt"
	"strings"
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
// Addresses are dotted names, so no expression parser is needed: plain
// string splitting keeps this cheap enough for the hot paths of plan and
// apply, which parse addresses by the thousand.
func ParseAddress(s string) (Address, error) {
	bad := func(why string) (Address, error) {
		return Address{}, fmt.Errorf("invalid address %q: %s", s, why)
	}
	const want = "want feature.NAME, feature.NAME.spec.NAME or feature.NAME.codegen.NAME"
	parts := strings.Split(s, ".")
	for _, p := range parts {
		if !validName(p) {
			if strings.ContainsAny(p, "[]") {
				return bad("index steps are not allowed; " + want)
			}
			return bad(want)
		}
	}
	switch {
	case len(parts) == 2 && parts[0] == "feature":
		return Address{Feature: parts[1]}, nil
	case len(parts) == 4 && parts[0] == "feature" && (parts[2] == NodeSpec || parts[2] == NodeCodegen):
		return Address{Feature: parts[1], Kind: parts[2], Name: parts[3]}, nil
	}
	return bad(want)
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
