package main

import (
	"github.com/hashicorp/hcl/v2"
	"github.com/kirofile/kirofile/internal/engine"
	"github.com/kirofile/kirofile/lang"
)

// loadProject loads the configuration, requiring every variable to have a
// value, and the lock file (see engine.LoadProject).
func (l *loadFlags) loadProject(m *meta) (*engine.Project, hcl.Diagnostics) {
	return l.loadProjectWith(m, l.vars)
}

func (l *loadFlags) loadProjectWith(m *meta, vars []lang.VarArg) (*engine.Project, hcl.Diagnostics) {
	return engine.LoadProject(m.dir, lang.LoadOptions{Vars: vars, Version: version(), RequireVariables: true})
}

// parseAddresses parses command-line node addresses, reporting each bad one.
func parseAddresses(args []string) ([]lang.Address, hcl.Diagnostics) {
	var out []lang.Address
	var diags hcl.Diagnostics
	for _, a := range args {
		addr, err := lang.ParseAddress(a)
		if err != nil {
			diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Invalid address", Detail: err.Error() + "."})
			continue
		}
		out = append(out, addr)
	}
	return out, diags
}
