package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"sync"
	"time"

	"github.com/hashicorp/hcl/v2"
)

// Commands never print directly: they tell a view what happened, and the
// view renders it for people (humanView) or as JSON lines (jsonView). A
// command's own view interface (validateView, ...) lists the events it
// reports, so that both renderings cover the same events.

// diagnosticsView reports configuration problems. files maps the file
// names that diagnostics carry to their parsed form, for source snippets.
type diagnosticsView interface {
	Diagnostics(files map[string]*hcl.File, diags hcl.Diagnostics)
}

// humanView writes text for people: results on stdout, diagnostics on
// stderr.
type humanView struct {
	stdout, stderr     io.Writer
	colorOut, colorErr bool
	width              uint
}

func newHumanView(m *meta) *humanView {
	return &humanView{
		stdout:   m.stdout,
		stderr:   m.stderr,
		colorOut: m.colorOut,
		colorErr: m.colorErr,
		width:    m.width,
	}
}

// Diagnostics prints each diagnostic with its place and source snippet.
func (v *humanView) Diagnostics(files map[string]*hcl.File, diags hcl.Diagnostics) {
	if len(diags) == 0 {
		return
	}
	for _, d := range diags {
		writeHumanDiagnostic(v.stderr, files, d, v.colorErr)
	}
}

// jsonView writes one JSON object per line on stdout (messages.go); the
// first line is always the version message.
type jsonView struct {
	mu  sync.Mutex
	w   io.Writer
	now func() time.Time
}

func newJSONView(m *meta) *jsonView {
	v := &jsonView{w: m.stdout, now: time.Now}
	v.emit("version", newVersionMessage())
	return v
}

// emit writes one message of type typ, stamped with the time. It is safe
// for concurrent use. Messages are plain structs of strings and numbers, so
// encoding cannot fail; a failing stdout cannot be reported on stdout, and
// the exit code already carries the result.
func (v *jsonView) emit(typ string, msg message) {
	v.mu.Lock()
	defer v.mu.Unlock()
	msg.head().Type = typ
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false) // summaries quote code: keep "<" and "&" readable
	_ = enc.Encode(msg)
	line := bytes.TrimRight(b.Bytes(), "\n")
	line = append(line[:len(line)-1], `,"timestamp":"`+timestamp(v.now())+`"}`+"\n"...)
	_, _ = v.w.Write(line)
}

func (v *jsonView) Diagnostics(files map[string]*hcl.File, diags hcl.Diagnostics) {
	for _, d := range diags {
		v.emit("diagnostic", &diagnosticMessage{Diagnostic: newJSONDiagnostic(files, d)})
	}
}

// version is Version without a leading "v", whichever way a release build
// spelled it.
func version() string {
	return strings.TrimPrefix(Version, "v")
}

// countDiagnostics returns the number of errors and warnings in diags.
func countDiagnostics(diags hcl.Diagnostics) (errs, warnings int) {
	for _, d := range diags {
		switch d.Severity {
		case hcl.DiagError:
			errs++
		case hcl.DiagWarning:
			warnings++
		}
	}
	return errs, warnings
}

// plural returns "1 warning", "2 warnings".
func plural(n int, noun string) string {
	if n == 1 {
		return fmt.Sprintf("%d %s", n, noun)
	}
	return fmt.Sprintf("%d %ss", n, noun)
}
