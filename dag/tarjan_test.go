package dag

import (
	"fmt"
	"reflect"
	"testing"
)

func TestStronglyConnected(t *testing.T) {
	tests := []struct {
		name string
		g    *Graph[string]
		want [][]string
	}{
		{"single", graphOf(nil, "a"), [][]string{{"a"}}},
		{"self loop", graphOf([][2]string{{"a", "a"}}), [][]string{{"a"}}},
		{"diamond", diamond(), [][]string{{"a"}, {"b"}, {"c"}, {"d"}, {"x"}}},
		{"two cycles joined", graphOf([][2]string{
			{"d", "c"}, {"c", "d"}, {"b", "a"}, {"a", "b"}, {"b", "c"}, {"e", "e"},
		}), [][]string{{"a", "b"}, {"c", "d"}, {"e"}}},
		{"ordered by smallest member", graphOf([][2]string{
			{"z", "b"}, {"b", "z"}, {"c", "y"}, {"y", "c"}, {"a", "z"},
		}), [][]string{{"a"}, {"b", "z"}, {"c", "y"}}},
		{"big cycle with tail", graphOf([][2]string{
			{"q", "w"}, {"w", "e"}, {"e", "r"}, {"r", "q"}, {"r", "t"},
		}), [][]string{{"e", "q", "r", "w"}, {"t"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.g.StronglyConnected(); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("StronglyConnected = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestCycles(t *testing.T) {
	tests := []struct {
		name string
		g    *Graph[string]
		want [][]string
	}{
		{"empty", New[string](), nil},
		{"diamond is acyclic", diamond(), nil},
		{"self loop", graphOf([][2]string{{"a", "b"}, {"b", "b"}}), [][]string{{"b"}}},
		{"two cycle", graphOf([][2]string{{"b", "a"}, {"a", "b"}}), [][]string{{"a", "b"}}},
		{"starts at smallest", graphOf([][2]string{{"c", "a"}, {"b", "c"}, {"a", "b"}}), [][]string{{"a", "b", "c"}}},
		{"shortest through smallest", graphOf([][2]string{
			// a -> b -> c -> d -> a is long; a -> e -> a is short.
			{"a", "b"}, {"b", "c"}, {"c", "d"}, {"d", "a"}, {"a", "e"}, {"e", "a"}, {"e", "c"},
		}), [][]string{{"a", "e"}}},
		{"prefers smaller next vertex on ties", graphOf([][2]string{
			{"a", "c"}, {"c", "a"}, {"a", "b"}, {"b", "a"},
		}), [][]string{{"a", "b"}}},
		{"self loop on smallest wins", graphOf([][2]string{{"a", "b"}, {"b", "a"}, {"a", "a"}}), [][]string{{"a"}}},
		{"self loop elsewhere in component", graphOf([][2]string{{"a", "b"}, {"b", "a"}, {"b", "b"}}), [][]string{{"a", "b"}}},
		{"one per component ordered by first vertex", graphOf([][2]string{
			{"x", "y"}, {"y", "x"}, {"m", "m"}, {"c", "d"}, {"d", "c"}, {"d", "m"},
		}), [][]string{{"c", "d"}, {"m"}, {"x", "y"}}},
		{"path stays inside the component", graphOf([][2]string{
			// a -> o -> b is shorter but o is outside the component.
			{"a", "o"}, {"o", "p"}, {"a", "b"}, {"b", "c"}, {"c", "a"},
		}), [][]string{{"a", "b", "c"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := tt.g.Cycles()
			if !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("Cycles = %v, want %v", got, tt.want)
			}
			for _, c := range got {
				assertCycleIsReal(t, tt.g, c)
			}
		})
	}
}

// TestDeepGraphsNoRecursion builds a chain long enough to overflow a
// recursive implementation's stack budget in spirit (and makes sure the
// iterative ones handle it quickly).
func TestDeepGraphsNoRecursion(t *testing.T) {
	const n = 100_000
	g := New[int]()
	for i := 0; i+1 < n; i++ {
		g.Connect(i, i+1)
	}
	order, err := g.TopoOrder()
	if err != nil || len(order) != n || order[0] != 0 || order[n-1] != n-1 {
		t.Fatalf("TopoOrder on chain: len %d err %v", len(order), err)
	}
	if got := len(g.Descendants(0)); got != n-1 {
		t.Fatalf("Descendants(0) has %d vertices", got)
	}
	if r := g.TransitiveReduction(); r.EdgeCount() != n-1 {
		t.Fatalf("TransitiveReduction of chain has %d edges", r.EdgeCount())
	}
	g.Connect(n-1, 0)
	sccs := g.StronglyConnected()
	if len(sccs) != 1 || len(sccs[0]) != n {
		t.Fatalf("StronglyConnected of ring: %d components", len(sccs))
	}
	cycles := g.Cycles()
	if len(cycles) != 1 || len(cycles[0]) != n || cycles[0][0] != 0 || cycles[0][n-1] != n-1 {
		t.Fatalf("Cycles of ring: %d cycles", len(cycles))
	}
}

func ExampleGraph_Cycles() {
	g := New[string]()
	g.Connect("spec", "code")
	g.Connect("code", "tests")
	g.Connect("tests", "spec")
	g.Connect("docs", "docs")
	fmt.Println(g.Cycles())
	// Output: [[code tests spec] [docs]]
}
