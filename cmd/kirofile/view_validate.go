package main

import (
	"fmt"

	"github.com/hashicorp/hcl/v2"
)

// validateView reports the outcome of "kirofile validate".
type validateView interface {
	diagnosticsView
	// Result reports whether the configuration is valid, given every
	// diagnostic that was found.
	Result(diags hcl.Diagnostics)
}

func newValidateView(m *meta, jsonOutput bool) validateView {
	if jsonOutput {
		return validateJSON{newJSONView(m)}
	}
	return validateHuman{newHumanView(m)}
}

type validateHuman struct{ *humanView }

func (v validateHuman) Result(diags hcl.Diagnostics) {
	errs, warnings := countDiagnostics(diags)
	if errs > 0 {
		// The diagnostics above say it all; a summary line would only
		// repeat that there were errors.
		return
	}
	msg := "The configuration is valid."
	if warnings > 0 {
		msg = fmt.Sprintf("The configuration is valid, with %s.", plural(warnings, "warning"))
	}
	fmt.Fprintf(v.stdout, "%s %s\n", colorize(v.colorOut, ansiBold+ansiGreen, "Success!"), msg)
}

type validateJSON struct{ *jsonView }

func (v validateJSON) Result(diags hcl.Diagnostics) {
	errs, warnings := countDiagnostics(diags)
	v.emit("validate", &validateMessage{Valid: errs == 0, ErrorCount: errs, WarningCount: warnings})
}
