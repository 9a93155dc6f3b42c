package main

import (
	"errors"
	"time"

	"github.com/hashicorp/hcl/v2"

	"github.com/kirofile/kirofile/internal/project"
	"github.com/kirofile/kirofile/internal/runlock"
	"github.com/kirofile/kirofile/lang"
)

// loadProject loads the configuration, requiring every variable to have a
// value, and the lock file (see project.Load).
func (l *loadFlags) loadProject(m *meta) (*project.Project, hcl.Diagnostics) {
	return l.loadProjectWith(m, l.vars, requireVariables)
}

// Whether a command needs a value for every variable: plan and apply do;
// approve, revoke and show need none, as validate: a variable without a
// value is unknown, and only what it feeds (a fingerprint an approval
// would bind) asks for it.
const (
	requireVariables = true
	unknownVariables = false
)

func (l *loadFlags) loadProjectWith(m *meta, vars []lang.VarArg, require bool) (*project.Project, hcl.Diagnostics) {
	return project.Load(m.dir, lang.LoadOptions{Vars: vars, Version: version(), RequireVariables: require})
}

// lockProject takes the project's run lock for a command that writes the
// lock file, and must be called before that file is read: a command that
// read it first would write back a copy without what another one recorded
// meanwhile (an approval given during an apply, or the nodes an apply
// finished while a second one waited for its confirmation). A directory
// without configuration is not locked; loading it says what is missing.
func lockProject(m *meta, command string, wait time.Duration) (*runlock.RunLock, hcl.Diagnostics) {
	if names, err := lang.ConfigFiles(m.dir); err != nil || len(names) == 0 {
		return nil, nil
	}
	l, err := runlock.Acquire(m.dir, command, wait)
	switch {
	case errors.Is(err, runlock.ErrLocked):
		detail := err.Error() + "."
		if wait == 0 {
			detail += " To wait for it instead, add -lock-timeout=DURATION (for example -lock-timeout=5m)."
		}
		return nil, hcl.Diagnostics{{Severity: hcl.DiagError, Summary: "Another kirofile command is changing this project", Detail: detail}}
	case err != nil:
		return nil, hcl.Diagnostics{{Severity: hcl.DiagError, Summary: "Cannot take the project's run lock", Detail: err.Error() + "."}}
	}
	return l, nil
}

// loadLockedProject takes the run lock (see lockProject) and then loads
// the project as loadProjectWith does. The lock is nil when it was not
// taken; Release is safe on nil.
func (l *loadFlags) loadLockedProject(m *meta, command string, wait time.Duration, vars []lang.VarArg, require bool) (*runlock.RunLock, *project.Project, hcl.Diagnostics) {
	runLock, diags := lockProject(m, command, wait)
	if diags.HasErrors() {
		return nil, &project.Project{}, diags
	}
	p, pdiags := l.loadProjectWith(m, vars, require)
	return runLock, p, append(diags, pdiags...)
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
