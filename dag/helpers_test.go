package dag

import (
	"math/rand/v2"
	"slices"
	"testing"
)

// newRand returns a deterministic generator so failures are reproducible
// from the seed printed in the test name or message.
func newRand(seed uint64) *rand.Rand {
	return rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
}

// randomDAG builds an acyclic graph on vertices 0..n-1. Edges follow a random
// permutation rather than key order, so an algorithm that accidentally relies
// on "smaller key comes first" is caught.
func randomDAG(r *rand.Rand, n int, p float64) *Graph[int] {
	g := New[int]()
	perm := r.Perm(n)
	for _, v := range perm {
		g.Add(v)
	}
	for i := range n {
		for j := i + 1; j < n; j++ {
			if r.Float64() < p {
				g.Connect(perm[i], perm[j])
			}
		}
	}
	return g
}

// randomDigraph builds a graph that may contain cycles and self loops.
func randomDigraph(r *rand.Rand, n int, p float64) *Graph[int] {
	g := New[int]()
	for v := range n {
		g.Add(v)
	}
	for i := range n {
		for j := range n {
			if r.Float64() < p {
				g.Connect(i, j)
			}
		}
	}
	return g
}

// layeredDAG builds the benchmark shape: vertices split into layers, each
// vertex outside the first layer depending on `deps` random vertices of the
// few layers before it. It resembles a real project (features -> specs ->
// code) more than a uniform random graph does.
func layeredDAG(r *rand.Rand, n, layers, deps int) *Graph[int] {
	g := New[int]()
	per := n / layers
	for v := range n {
		g.Add(v)
	}
	for v := per; v < n; v++ {
		layer := v / per
		lo := max(0, (layer-3)*per)
		hi := layer * per
		for range deps {
			g.Connect(lo+r.IntN(hi-lo), v)
		}
	}
	return g
}

// closure returns brute-force reachability: reach[u][v] is true when a path
// of at least one edge leads from u to v.
func closure(g *Graph[int]) map[int]map[int]bool {
	reach := make(map[int]map[int]bool)
	for _, u := range g.Vertices() {
		seen := make(map[int]bool)
		stack := g.Downstream(u)
		for len(stack) > 0 {
			v := stack[len(stack)-1]
			stack = stack[:len(stack)-1]
			if seen[v] {
				continue
			}
			seen[v] = true
			stack = append(stack, g.Downstream(v)...)
		}
		reach[u] = seen
	}
	return reach
}

// sameClosure compares two reachability relations.
func sameClosure(a, b map[int]map[int]bool) bool {
	if len(a) != len(b) {
		return false
	}
	for u, ra := range a {
		rb := b[u]
		if len(ra) != len(rb) {
			return false
		}
		for v := range ra {
			if !rb[v] {
				return false
			}
		}
	}
	return true
}

// reachableWithout reports whether to is reachable from from without using
// the edge skipFrom -> skipTo.
func reachableWithout(g *Graph[int], from, to, skipFrom, skipTo int) bool {
	seen := map[int]bool{}
	stack := []int{from}
	for len(stack) > 0 {
		u := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		for _, w := range g.Downstream(u) {
			if u == skipFrom && w == skipTo {
				continue
			}
			if w == to {
				return true
			}
			if !seen[w] {
				seen[w] = true
				stack = append(stack, w)
			}
		}
	}
	return false
}

// graphOf builds a string graph from "a->b" style edges and lone vertices.
func graphOf(edges [][2]string, lone ...string) *Graph[string] {
	g := New[string]()
	for _, v := range lone {
		g.Add(v)
	}
	for _, e := range edges {
		g.Connect(e[0], e[1])
	}
	return g
}

// assertCycleIsReal checks that c is a closed walk of real edges with
// distinct vertices.
func assertCycleIsReal[K interface{ ~int | ~string }](t *testing.T, g *Graph[K], c []K) {
	t.Helper()
	if len(c) == 0 {
		t.Fatalf("empty cycle")
	}
	seen := map[K]bool{}
	for i, v := range c {
		if seen[v] {
			t.Fatalf("cycle %v repeats %v", c, v)
		}
		seen[v] = true
		next := c[(i+1)%len(c)]
		if !g.HasEdge(v, next) {
			t.Fatalf("cycle %v uses missing edge %v -> %v", c, v, next)
		}
	}
}

// equalSlices compares slices treating nil and empty as equal.
func equalSlices[K comparable](a, b []K) bool {
	return len(a) == len(b) && (len(a) == 0 || slices.Equal(a, b))
}
