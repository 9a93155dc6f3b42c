package main

import (
	"fmt"
	"path/filepath"

	"github.com/rogpeppe/go-internal/diff"
)

// fmtView reports "kirofile fmt".
type fmtView interface {
	diagnosticsView
	// Changed names a file whose formatting changed (or, with -check,
	// would change).
	Changed(name string)
	// Diff shows the change of one file as a unified diff.
	Diff(name string, old, new []byte)
	// Formatted prints standard input formatted.
	Formatted(out []byte)
}

func newFmtView(m *meta) fmtView {
	return fmtHuman{newHumanView(m)}
}

type fmtHuman struct{ *humanView }

func (v fmtHuman) Changed(name string) {
	fmt.Fprintln(v.stdout, name)
}

func (v fmtHuman) Diff(name string, old, new []byte) {
	slash := filepath.ToSlash(name)
	_, _ = v.stdout.Write(diff.Diff("old/"+slash, old, "new/"+slash, new))
}

func (v fmtHuman) Formatted(out []byte) {
	_, _ = v.stdout.Write(out)
}
