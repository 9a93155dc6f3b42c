package bench

import (
	"fmt"
	"testing"

	"github.com/kirofile/kirofile/dag"
	"github.com/kirofile/kirofile/internal/project"
	"github.com/kirofile/kirofile/lang"
)

// TestGeneratedProjectIsValid keeps the benchmark honest: a generated
// project must load without a single diagnostic, with five nodes a feature.
func TestGeneratedProjectIsValid(t *testing.T) {
	dir := t.TempDir()
	if err := WriteProject(dir, 50); err != nil {
		t.Fatal(err)
	}
	cfg, diags := lang.Load(dir, lang.LoadOptions{})
	if len(diags) > 0 {
		t.Fatal(diags)
	}
	if len(cfg.Nodes) != 250 {
		t.Fatalf("nodes = %d, want 250", len(cfg.Nodes))
	}
	if !cfg.Graph().HasEdge("feature.f12.spec.design", "feature.f25.spec.requirements") {
		t.Error("missing cross-feature edge")
	}
}

// BenchmarkValidateGraph measures what `kirofile validate` followed by
// `kirofile graph` costs: load and check the configuration, build the graph,
// order it and render it as DOT.
func BenchmarkValidateGraph(b *testing.B) {
	for _, n := range []int{100, 1000, 5000} {
		b.Run(fmt.Sprintf("features=%d", n), func(b *testing.B) {
			dir := b.TempDir()
			if err := WriteProject(dir, n); err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			for b.Loop() {
				cfg, diags := lang.Load(dir, lang.LoadOptions{})
				if diags.HasErrors() {
					b.Fatal(diags)
				}
				g := cfg.Graph()
				if _, err := g.TopoOrder(); err != nil {
					b.Fatal(err)
				}
				_ = g.DOT(dag.RenderOptions[string]{})
			}
		})
	}
}

// TestDocumentsPassValidate keeps the validate benchmark's fixture valid.
func TestDocumentsPassValidate(t *testing.T) {
	dir := t.TempDir()
	if err := WriteDocuments(dir, 20); err != nil {
		t.Fatal(err)
	}
	cfg, diags := lang.Load(dir, lang.LoadOptions{})
	if len(diags) > 0 {
		t.Fatal(diags)
	}
	files, diags := project.CheckDocuments(cfg)
	if len(diags) > 0 || len(files) != 80 {
		t.Fatalf("%d documents, %v", len(files), diags)
	}
}
