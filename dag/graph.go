// Package dag is a small, generic directed-graph toolkit used to order and run
// the steps of a kirofile project (features, specs, code generation, ...).
//
// The package deliberately knows nothing about those steps: vertices are plain
// ordered keys (typically strings such as addresses), and an edge from -> to
// means "to depends on from", so from has to finish first. Keeping the graph
// generic lets the loader, the planner and the renderer share one
// implementation and lets every algorithm be tested in isolation.
//
// Determinism is a design goal throughout: every method that returns several
// vertices returns them sorted, cycles are reported starting from their
// smallest vertex, topological orders break ties by choosing the smallest
// ready vertex, and renderers emit vertices, clusters and edges in sorted
// order. Users see the same plan, the same error message and the same diagram
// for the same input on every run, which keeps golden files and reviews stable.
//
// Algorithms that can meet large inputs (Tarjan's strongly connected
// components, cycle extraction, reachability) are iterative, so deep chains of
// hundreds of thousands of vertices cannot overflow the goroutine stack.
//
// A Graph is not safe for concurrent mutation. Read-only methods may be called
// concurrently as long as nobody mutates the graph at the same time. Walk takes
// a snapshot of the graph before it starts, so the graph may be modified once
// Walk has returned.
package dag

import (
	"cmp"
	"slices"
)

// Graph is a directed graph over ordered keys. Use New to create one.
//
// Edges are stored in both directions so that upstream and downstream queries
// are equally cheap; both are needed all the time (scheduling walks forward,
// impact analysis walks backward).
type Graph[K cmp.Ordered] struct {
	vertices map[K]struct{}
	out      map[K]map[K]struct{} // from -> set of to
	in       map[K]map[K]struct{} // to -> set of from
	edges    int
}

// Edge is a directed edge. From must run before To.
type Edge[K cmp.Ordered] struct{ From, To K }

// New returns an empty graph.
func New[K cmp.Ordered]() *Graph[K] {
	return &Graph[K]{
		vertices: make(map[K]struct{}),
		out:      make(map[K]map[K]struct{}),
		in:       make(map[K]map[K]struct{}),
	}
}

// init lazily allocates the maps so that a zero Graph does not panic on
// mutation; New remains the documented constructor.
func (g *Graph[K]) init() {
	if g.vertices == nil {
		g.vertices = make(map[K]struct{})
		g.out = make(map[K]map[K]struct{})
		g.in = make(map[K]map[K]struct{})
	}
}

// Add adds the vertex v. Adding an existing vertex does nothing, so callers
// can register vertices without checking first.
func (g *Graph[K]) Add(v K) {
	g.init()
	g.vertices[v] = struct{}{}
}

// Connect adds the edge from -> to, meaning to depends on from. Missing
// vertices are added. Connecting an existing edge does nothing. A self edge
// (from == to) is accepted and is reported as a cycle by Cycles and
// TopoOrder; rejecting it here would hide the mistake from the user, who is
// better served by the cycle error naming it.
func (g *Graph[K]) Connect(from, to K) {
	g.init()
	g.vertices[from] = struct{}{}
	g.vertices[to] = struct{}{}
	succ := g.out[from]
	if succ == nil {
		succ = make(map[K]struct{})
		g.out[from] = succ
	}
	if _, ok := succ[to]; ok {
		return
	}
	succ[to] = struct{}{}
	pred := g.in[to]
	if pred == nil {
		pred = make(map[K]struct{})
		g.in[to] = pred
	}
	pred[from] = struct{}{}
	g.edges++
}

// Has reports whether v is a vertex of the graph.
func (g *Graph[K]) Has(v K) bool {
	_, ok := g.vertices[v]
	return ok
}

// HasEdge reports whether the edge from -> to exists.
func (g *Graph[K]) HasEdge(from, to K) bool {
	_, ok := g.out[from][to]
	return ok
}

// Len returns the number of vertices.
func (g *Graph[K]) Len() int { return len(g.vertices) }

// EdgeCount returns the number of edges.
func (g *Graph[K]) EdgeCount() int { return g.edges }

// Vertices returns all vertices in ascending order.
func (g *Graph[K]) Vertices() []K {
	return sortedKeys(g.vertices)
}

// Edges returns all edges sorted by (From, To).
func (g *Graph[K]) Edges() []Edge[K] {
	edges := make([]Edge[K], 0, g.edges)
	for _, from := range g.Vertices() {
		for _, to := range sortedKeys(g.out[from]) {
			edges = append(edges, Edge[K]{From: from, To: to})
		}
	}
	return edges
}

// Upstream returns the direct predecessors of v (the vertices v depends on),
// sorted. It returns an empty slice for unknown vertices.
func (g *Graph[K]) Upstream(v K) []K { return sortedKeys(g.in[v]) }

// Downstream returns the direct successors of v (the vertices depending on
// v), sorted. It returns an empty slice for unknown vertices.
func (g *Graph[K]) Downstream(v K) []K { return sortedKeys(g.out[v]) }

// Ancestors returns every vertex from which v can be reached, sorted. v itself
// is excluded even when it lies on a cycle, so the result answers "what must
// exist before v" without the caller having to filter.
func (g *Graph[K]) Ancestors(v K) []K { return g.reach(v, g.in) }

// Descendants returns every vertex reachable from v, sorted, excluding v. It
// is the set of vertices affected when v changes or fails.
func (g *Graph[K]) Descendants(v K) []K { return g.reach(v, g.out) }

// reach runs an iterative search from v along adj and returns the visited
// vertices other than v.
func (g *Graph[K]) reach(v K, adj map[K]map[K]struct{}) []K {
	seen := map[K]struct{}{v: {}}
	stack := []K{v}
	var res []K
	for len(stack) > 0 {
		u := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		for w := range adj[u] {
			if _, ok := seen[w]; ok {
				continue
			}
			seen[w] = struct{}{}
			res = append(res, w)
			stack = append(stack, w)
		}
	}
	slices.Sort(res)
	if res == nil {
		res = []K{}
	}
	return res
}

// Subgraph returns the subgraph induced by the vertices for which keep
// returns true: those vertices and every edge between two of them. It is how
// callers narrow a plan to a target and its dependencies.
func (g *Graph[K]) Subgraph(keep func(K) bool) *Graph[K] {
	s := New[K]()
	for v := range g.vertices {
		if keep(v) {
			s.Add(v)
		}
	}
	for from, succ := range g.out {
		if !s.Has(from) {
			continue
		}
		for to := range succ {
			if s.Has(to) {
				s.Connect(from, to)
			}
		}
	}
	return s
}

// Reverse returns a new graph with every edge flipped, which turns
// "dependencies" questions into "dependents" questions and vice versa.
func (g *Graph[K]) Reverse() *Graph[K] {
	r := New[K]()
	for v := range g.vertices {
		r.Add(v)
	}
	for from, succ := range g.out {
		for to := range succ {
			r.Connect(to, from)
		}
	}
	return r
}

// sortedKeys returns the keys of m in ascending order, never nil, so callers
// and JSON encoders see [] rather than null.
func sortedKeys[K cmp.Ordered](m map[K]struct{}) []K {
	keys := make([]K, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// indexed is an immutable snapshot of a graph in which every vertex is
// replaced by its position in sorted order. Because positions follow key
// order, comparing two indices is the same as comparing the keys, which lets
// the algorithms work on dense int slices (fast, allocation friendly) while
// keeping the "smallest key first" tie-breaking rule for free.
type indexed[K cmp.Ordered] struct {
	keys []K       // sorted vertices; keys[i] is vertex i
	out  [][]int   // out[i] lists the successors of i, ascending
	in   [][]int   // in[i] lists the predecessors of i, ascending
	pos  map[K]int // inverse of keys
}

func (g *Graph[K]) index() *indexed[K] {
	keys := g.Vertices()
	n := len(keys)
	ix := &indexed[K]{
		keys: keys,
		out:  make([][]int, n),
		in:   make([][]int, n),
		pos:  make(map[K]int, n),
	}
	for i, k := range keys {
		ix.pos[k] = i
	}
	// One backing array for all adjacency lists keeps the snapshot to a
	// handful of allocations even for large graphs.
	outBuf := make([]int, 0, g.edges)
	inCount := make([]int, n)
	for i, k := range keys {
		start := len(outBuf)
		for w := range g.out[k] {
			j := ix.pos[w]
			outBuf = append(outBuf, j)
			inCount[j]++
		}
		ix.out[i] = outBuf[start:len(outBuf):len(outBuf)]
		slices.Sort(ix.out[i])
	}
	inBuf := make([]int, g.edges)
	off := 0
	for j := range n {
		ix.in[j] = inBuf[off : off : off+inCount[j]]
		off += inCount[j]
	}
	// Visiting sources in ascending order appends predecessors in ascending
	// order, so the in lists need no sorting.
	for i := range n {
		for _, j := range ix.out[i] {
			ix.in[j] = append(ix.in[j], i)
		}
	}
	return ix
}

// keysOf maps vertex indices back to keys.
func (ix *indexed[K]) keysOf(ids []int) []K {
	res := make([]K, len(ids))
	for i, id := range ids {
		res[i] = ix.keys[id]
	}
	return res
}

// hasEdge reports whether i -> j exists, using the sorted adjacency list.
func (ix *indexed[K]) hasEdge(i, j int) bool {
	_, ok := slices.BinarySearch(ix.out[i], j)
	return ok
}
