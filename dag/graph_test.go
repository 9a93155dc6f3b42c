package dag

import (
	"slices"
	"testing"
)

func TestEmptyGraph(t *testing.T) {
	g := New[string]()
	if g.Len() != 0 || g.EdgeCount() != 0 {
		t.Fatalf("Len=%d EdgeCount=%d, want 0 0", g.Len(), g.EdgeCount())
	}
	if v := g.Vertices(); v == nil || len(v) != 0 {
		t.Fatalf("Vertices = %#v, want empty non-nil", v)
	}
	if e := g.Edges(); len(e) != 0 {
		t.Fatalf("Edges = %v", e)
	}
	if g.Has("a") || g.HasEdge("a", "b") {
		t.Fatal("empty graph reports a vertex or edge")
	}
	for name, got := range map[string][]string{
		"Upstream":    g.Upstream("a"),
		"Downstream":  g.Downstream("a"),
		"Ancestors":   g.Ancestors("a"),
		"Descendants": g.Descendants("a"),
	} {
		if got == nil || len(got) != 0 {
			t.Errorf("%s of unknown vertex = %#v, want empty non-nil", name, got)
		}
	}
	if s := g.StronglyConnected(); len(s) != 0 {
		t.Errorf("StronglyConnected = %v", s)
	}
	if c := g.Cycles(); c != nil {
		t.Errorf("Cycles = %v", c)
	}
	order, err := g.TopoOrder()
	if err != nil || len(order) != 0 {
		t.Errorf("TopoOrder = %v, %v", order, err)
	}
	if r := g.TransitiveReduction(); r.Len() != 0 || r.EdgeCount() != 0 {
		t.Errorf("TransitiveReduction not empty")
	}
	if r := g.Reverse(); r.Len() != 0 {
		t.Errorf("Reverse not empty")
	}
}

func TestZeroValueGraphIsUsable(t *testing.T) {
	var g Graph[int]
	if g.Has(1) || g.Len() != 0 || len(g.Vertices()) != 0 {
		t.Fatal("zero graph not empty")
	}
	g.Connect(1, 2)
	g.Add(3)
	if !g.HasEdge(1, 2) || g.Len() != 3 {
		t.Fatalf("zero graph after mutation: len %d", g.Len())
	}
}

func TestAddAndConnect(t *testing.T) {
	tests := []struct {
		name      string
		build     func(g *Graph[string])
		vertices  []string
		edges     []Edge[string]
		edgeCount int
	}{
		{
			name:     "add is idempotent",
			build:    func(g *Graph[string]) { g.Add("a"); g.Add("a"); g.Add("b") },
			vertices: []string{"a", "b"},
		},
		{
			name:      "connect adds missing vertices",
			build:     func(g *Graph[string]) { g.Connect("x", "y") },
			vertices:  []string{"x", "y"},
			edges:     []Edge[string]{{"x", "y"}},
			edgeCount: 1,
		},
		{
			name: "duplicate edges counted once",
			build: func(g *Graph[string]) {
				g.Connect("a", "b")
				g.Connect("a", "b")
				g.Add("a")
			},
			vertices:  []string{"a", "b"},
			edges:     []Edge[string]{{"a", "b"}},
			edgeCount: 1,
		},
		{
			name:      "self edge",
			build:     func(g *Graph[string]) { g.Connect("s", "s"); g.Connect("s", "s") },
			vertices:  []string{"s"},
			edges:     []Edge[string]{{"s", "s"}},
			edgeCount: 1,
		},
		{
			name: "opposite edges are distinct",
			build: func(g *Graph[string]) {
				g.Connect("b", "a")
				g.Connect("a", "b")
			},
			vertices:  []string{"a", "b"},
			edges:     []Edge[string]{{"a", "b"}, {"b", "a"}},
			edgeCount: 2,
		},
		{
			name: "edges sorted by from then to",
			build: func(g *Graph[string]) {
				g.Connect("c", "a")
				g.Connect("a", "c")
				g.Connect("b", "a")
				g.Connect("a", "b")
			},
			vertices:  []string{"a", "b", "c"},
			edges:     []Edge[string]{{"a", "b"}, {"a", "c"}, {"b", "a"}, {"c", "a"}},
			edgeCount: 4,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g := New[string]()
			tt.build(g)
			if got := g.Vertices(); !slices.Equal(got, tt.vertices) {
				t.Errorf("Vertices = %v, want %v", got, tt.vertices)
			}
			if got := g.Len(); got != len(tt.vertices) {
				t.Errorf("Len = %d, want %d", got, len(tt.vertices))
			}
			if got := g.Edges(); !equalSlices(got, tt.edges) {
				t.Errorf("Edges = %v, want %v", got, tt.edges)
			}
			if got := g.EdgeCount(); got != tt.edgeCount {
				t.Errorf("EdgeCount = %d, want %d", got, tt.edgeCount)
			}
			for _, v := range tt.vertices {
				if !g.Has(v) {
					t.Errorf("Has(%q) = false", v)
				}
			}
			for _, e := range tt.edges {
				if !g.HasEdge(e.From, e.To) {
					t.Errorf("HasEdge(%q, %q) = false", e.From, e.To)
				}
			}
		})
	}
}

func TestHasEdgeIsDirected(t *testing.T) {
	g := graphOf([][2]string{{"a", "b"}})
	if !g.HasEdge("a", "b") {
		t.Error("HasEdge(a, b) = false")
	}
	if g.HasEdge("b", "a") {
		t.Error("HasEdge(b, a) = true")
	}
	if g.HasEdge("a", "zzz") || g.HasEdge("zzz", "a") {
		t.Error("HasEdge with unknown vertex = true")
	}
	if g.Has("zzz") {
		t.Error("Has(zzz) = true")
	}
}

// diamond: a -> b -> d, a -> c -> d, plus an unrelated vertex x.
func diamond() *Graph[string] {
	return graphOf([][2]string{{"a", "c"}, {"a", "b"}, {"c", "d"}, {"b", "d"}}, "x")
}

func TestNeighbours(t *testing.T) {
	chainCycle := graphOf([][2]string{{"a", "b"}, {"b", "c"}, {"c", "a"}, {"c", "d"}})
	selfLoop := graphOf([][2]string{{"s", "s"}, {"s", "t"}})
	tests := []struct {
		name                string
		g                   *Graph[string]
		v                   string
		up, down, anc, desc []string
	}{
		{"diamond top", diamond(), "a", nil, []string{"b", "c"}, nil, []string{"b", "c", "d"}},
		{"diamond middle", diamond(), "b", []string{"a"}, []string{"d"}, []string{"a"}, []string{"d"}},
		{"diamond bottom", diamond(), "d", []string{"b", "c"}, nil, []string{"a", "b", "c"}, nil},
		{"isolated", diamond(), "x", nil, nil, nil, nil},
		{"unknown", diamond(), "nope", nil, nil, nil, nil},
		{"cycle excludes self", chainCycle, "a", []string{"c"}, []string{"b"}, []string{"b", "c"}, []string{"b", "c", "d"}},
		{"self loop", selfLoop, "s", []string{"s"}, []string{"s", "t"}, nil, []string{"t"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.g.Upstream(tt.v); !equalSlices(got, tt.up) {
				t.Errorf("Upstream = %v, want %v", got, tt.up)
			}
			if got := tt.g.Downstream(tt.v); !equalSlices(got, tt.down) {
				t.Errorf("Downstream = %v, want %v", got, tt.down)
			}
			if got := tt.g.Ancestors(tt.v); !equalSlices(got, tt.anc) {
				t.Errorf("Ancestors = %v, want %v", got, tt.anc)
			}
			if got := tt.g.Descendants(tt.v); !equalSlices(got, tt.desc) {
				t.Errorf("Descendants = %v, want %v", got, tt.desc)
			}
		})
	}
}

func TestNeighbourSlicesAreCopies(t *testing.T) {
	g := diamond()
	down := g.Downstream("a")
	down[0] = "mutated"
	if got := g.Downstream("a"); got[0] != "b" {
		t.Fatalf("mutating a returned slice changed the graph: %v", got)
	}
}

func TestSubgraph(t *testing.T) {
	g := diamond()
	g.Connect("d", "d")
	tests := []struct {
		name     string
		keep     func(string) bool
		vertices []string
		edges    []Edge[string]
	}{
		{"keep all", func(string) bool { return true }, []string{"a", "b", "c", "d", "x"},
			[]Edge[string]{{"a", "b"}, {"a", "c"}, {"b", "d"}, {"c", "d"}, {"d", "d"}}},
		{"keep none", func(string) bool { return false }, nil, nil},
		{"drop b", func(v string) bool { return v != "b" }, []string{"a", "c", "d", "x"},
			[]Edge[string]{{"a", "c"}, {"c", "d"}, {"d", "d"}}},
		{"only isolated", func(v string) bool { return v == "x" }, []string{"x"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := g.Subgraph(tt.keep)
			if got := s.Vertices(); !equalSlices(got, tt.vertices) {
				t.Errorf("Vertices = %v, want %v", got, tt.vertices)
			}
			if got := s.Edges(); !equalSlices(got, tt.edges) {
				t.Errorf("Edges = %v, want %v", got, tt.edges)
			}
			if s.EdgeCount() != len(tt.edges) {
				t.Errorf("EdgeCount = %d, want %d", s.EdgeCount(), len(tt.edges))
			}
		})
	}
	// The subgraph must be independent of the original.
	s := g.Subgraph(func(string) bool { return true })
	s.Connect("x", "a")
	if g.HasEdge("x", "a") {
		t.Error("mutating the subgraph changed the original")
	}
}

func TestReverse(t *testing.T) {
	g := diamond()
	g.Connect("d", "d")
	r := g.Reverse()
	if !slices.Equal(r.Vertices(), g.Vertices()) {
		t.Fatalf("Vertices = %v", r.Vertices())
	}
	want := []Edge[string]{{"b", "a"}, {"c", "a"}, {"d", "b"}, {"d", "c"}, {"d", "d"}}
	if got := r.Edges(); !slices.Equal(got, want) {
		t.Fatalf("Edges = %v, want %v", got, want)
	}
	if r.EdgeCount() != g.EdgeCount() {
		t.Fatalf("EdgeCount = %d, want %d", r.EdgeCount(), g.EdgeCount())
	}
	if !slices.Equal(r.Reverse().Edges(), g.Edges()) {
		t.Fatal("Reverse is not an involution")
	}
}
