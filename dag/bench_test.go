package dag

import (
	"context"
	"testing"
)

// benchGraph is a layered random DAG of 5,000 vertices and about 15,000
// edges, the size of a large kirofile project.
func benchGraph(b *testing.B) *Graph[int] {
	b.Helper()
	g := layeredDAG(newRand(42), 5000, 50, 3)
	if _, err := g.TopoOrder(); err != nil {
		b.Fatal(err)
	}
	return g
}

func BenchmarkTopoOrder(b *testing.B) {
	g := benchGraph(b)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := g.TopoOrder(); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkCycles(b *testing.B) {
	g := benchGraph(b)
	b.ReportAllocs()
	for b.Loop() {
		if c := g.Cycles(); c != nil {
			b.Fatal(c)
		}
	}
}

func BenchmarkCyclesCyclic(b *testing.B) {
	g := benchGraph(b)
	// Close a few long cycles through the layers.
	for i := range 10 {
		g.Connect(4999-i*7, i*11)
	}
	b.ReportAllocs()
	for b.Loop() {
		if c := g.Cycles(); c == nil {
			b.Fatal("no cycles")
		}
	}
}

func BenchmarkStronglyConnected(b *testing.B) {
	g := benchGraph(b)
	b.ReportAllocs()
	for b.Loop() {
		g.StronglyConnected()
	}
}

func BenchmarkTransitiveReduction(b *testing.B) {
	g := benchGraph(b)
	b.ReportAllocs()
	for b.Loop() {
		g.TransitiveReduction()
	}
}

func BenchmarkWalk(b *testing.B) {
	g := benchGraph(b)
	fn := func(context.Context, int) Result { return Result{Status: Done} }
	b.ReportAllocs()
	for b.Loop() {
		if _, err := g.Walk(context.Background(), WalkOptions{Parallelism: 10}, fn); err != nil {
			b.Fatal(err)
		}
	}
}
