package dag

import (
	"fmt"
	"slices"
	"testing"
)

func TestTransitiveReduction(t *testing.T) {
	tests := []struct {
		name string
		g    *Graph[string]
		want []Edge[string]
	}{
		{"isolated vertices", graphOf(nil, "a", "b"), nil},
		{"diamond keeps all", diamond(), []Edge[string]{{"a", "b"}, {"a", "c"}, {"b", "d"}, {"c", "d"}}},
		{"diamond shortcut removed", graphOf([][2]string{
			{"a", "b"}, {"a", "c"}, {"b", "d"}, {"c", "d"}, {"a", "d"},
		}), []Edge[string]{{"a", "b"}, {"a", "c"}, {"b", "d"}, {"c", "d"}}},
		{"complete order becomes chain", graphOf([][2]string{
			{"a", "b"}, {"a", "c"}, {"a", "d"}, {"b", "c"}, {"b", "d"}, {"c", "d"},
		}), []Edge[string]{{"a", "b"}, {"b", "c"}, {"c", "d"}}},
		{"key order differs from topological order", graphOf([][2]string{
			{"z", "y"}, {"y", "x"}, {"z", "x"}, {"z", "a"}, {"x", "a"},
		}), []Edge[string]{{"x", "a"}, {"y", "x"}, {"z", "y"}}},
		// Cyclic input: edges inside a component are kept, one edge per
		// needed component pair (the smallest) is kept.
		{"cycle edges kept", graphOf([][2]string{{"a", "b"}, {"b", "a"}}), []Edge[string]{{"a", "b"}, {"b", "a"}}},
		{"self loop kept", graphOf([][2]string{{"a", "a"}, {"a", "b"}}), []Edge[string]{{"a", "a"}, {"a", "b"}}},
		{"one representative between components", graphOf([][2]string{
			{"a", "b"}, {"b", "a"}, {"b", "c"}, {"a", "c"},
		}), []Edge[string]{{"a", "b"}, {"a", "c"}, {"b", "a"}}},
		{"shortcut around a component removed", graphOf([][2]string{
			{"s", "a"}, {"a", "b"}, {"b", "a"}, {"b", "t"}, {"s", "t"},
		}), []Edge[string]{{"a", "b"}, {"b", "a"}, {"b", "t"}, {"s", "a"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := tt.g.TransitiveReduction()
			if !slices.Equal(r.Vertices(), tt.g.Vertices()) {
				t.Errorf("Vertices = %v, want %v", r.Vertices(), tt.g.Vertices())
			}
			if got := r.Edges(); !equalSlices(got, tt.want) {
				t.Errorf("Edges = %v, want %v", got, tt.want)
			}
			// Tiny memory budgets force one bitset word per pass.
			if got := tt.g.transitiveReduction(1).Edges(); !equalSlices(got, tt.want) {
				t.Errorf("multi-pass Edges = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestTransitiveReductionDoesNotModifyInput(t *testing.T) {
	g := graphOf([][2]string{{"a", "b"}, {"b", "c"}, {"a", "c"}})
	_ = g.TransitiveReduction()
	if !g.HasEdge("a", "c") || g.EdgeCount() != 3 {
		t.Fatal("input graph was modified")
	}
}

// TestTransitiveReductionMultiPass checks that splitting the bitsets into
// column slices (used for very large graphs) gives the same answer as a
// single pass, on graphs wider than one 64-bit word.
func TestTransitiveReductionMultiPass(t *testing.T) {
	for seed := range uint64(20) {
		r := newRand(seed)
		var g *Graph[int]
		if seed%2 == 0 {
			g = randomDAG(r, 150+r.IntN(150), 0.03)
		} else {
			g = randomDigraph(r, 150+r.IntN(150), 0.01)
		}
		want := g.TransitiveReduction().Edges()
		for _, memory := range []int{1, 8 * g.Len(), 8 * 3 * g.Len()} {
			if got := g.transitiveReduction(memory).Edges(); !slices.Equal(got, want) {
				t.Fatalf("seed %d memory %d: %d edges, single pass %d", seed, memory, len(got), len(want))
			}
		}
	}
}

func ExampleGraph_TransitiveReduction() {
	g := New[string]()
	g.Connect("feature", "spec")
	g.Connect("spec", "code")
	g.Connect("feature", "code") // implied by feature -> spec -> code
	fmt.Println(g.TransitiveReduction().Edges())
	// Output: [{feature spec} {spec code}]
}
