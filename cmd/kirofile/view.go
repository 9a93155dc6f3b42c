package main

import (
	"encoding/json"
	"fmt"
	"io"
	"runtime"
	"strings"

	"github.com/hashicorp/hcl/v2"
)

// Commands never print directly: they tell a view what happened, and the
// view renders it for people (humanView) or as JSON lines (jsonView). A
// command's own view interface (validateView, ...) lists the events it
// reports, so that both renderings cover the same events.

// uiVersion is the version of the -json output format: a minor bump adds
// fields or message types, a major bump breaks readers.
const uiVersion = "1.0"

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

// jsonView writes one JSON object per line on stdout, each with a "type";
// the first line is always the version message.
type jsonView struct {
	enc *json.Encoder
}

func newJSONView(m *meta) *jsonView {
	v := &jsonView{enc: json.NewEncoder(m.stdout)}
	v.enc.SetEscapeHTML(false) // summaries quote code: keep "<" and "&" readable
	v.emit(newVersionMessage())
	return v
}

// emit writes one message. Messages are plain structs and maps of strings
// and numbers, so encoding cannot fail; a failing stdout cannot be
// reported on stdout, and the exit code already carries the result.
func (v *jsonView) emit(msg any) {
	_ = v.enc.Encode(msg)
}

func (v *jsonView) Diagnostics(files map[string]*hcl.File, diags hcl.Diagnostics) {
	for _, d := range diags {
		v.emit(diagnosticMessage{Type: "diagnostic", Diagnostic: newJSONDiagnostic(files, d)})
	}
}

// versionMessage is the first line of every -json output and the whole of
// "version -json".
type versionMessage struct {
	Type           string `json:"type"`
	Kirofile       string `json:"kirofile"`
	UI             string `json:"ui"`
	PluginProtocol int    `json:"plugin_protocol"`
	Go             string `json:"go"`
	Platform       string `json:"platform"`
}

func newVersionMessage() versionMessage {
	return versionMessage{
		Type:           "version",
		Kirofile:       version(),
		UI:             uiVersion,
		PluginProtocol: PluginProtocolVersion,
		Go:             runtime.Version(),
		Platform:       runtime.GOOS + "_" + runtime.GOARCH,
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
