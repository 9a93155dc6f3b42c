package main

import (
	"io"
	"strings"
)

// graphView reports "kirofile graph".
type graphView interface {
	diagnosticsView
	// Graph prints the rendered graph.
	Graph(text string)
}

func newGraphView(m *meta) graphView {
	return graphHuman{newHumanView(m)}
}

type graphHuman struct{ *humanView }

func (v graphHuman) Graph(text string) {
	if !strings.HasSuffix(text, "\n") {
		text += "\n"
	}
	_, _ = io.WriteString(v.stdout, text)
}
