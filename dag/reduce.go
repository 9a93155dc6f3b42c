package dag

import (
	"cmp"
	"slices"
)

// reduceMemory bounds the reachability bitsets kept by TransitiveReduction.
// Graphs whose full bitset matrix would exceed it are processed in several
// passes over slices of the target columns, trading time for memory.
const reduceMemory = 64 << 20

// TransitiveReduction returns a new graph with the same vertices and the
// fewest edges that preserve reachability: an edge u -> w is dropped when w
// is still reachable from u through another path. Diagrams of the result show
// only the dependencies that matter, and the planner gets fewer edges to
// schedule.
//
// The algorithm works on the condensation (strongly connected components
// collapsed to single vertices), visited in reverse topological order. Each
// component keeps a bitset of the components it reaches. Successors are
// examined in topological order, and a successor already present in the
// union of the earlier successors' bitsets is redundant. This costs
// O(E * C / 64) word operations for C components instead of a search per
// edge, which keeps a 5,000 vertex graph far below a second.
//
// Cyclic input is not an error, because callers may want to draw a cyclic
// graph before reporting the cycle. Edges inside a strongly connected
// component, self edges included, are kept unchanged; between two components
// at most one edge is kept (the smallest by (From, To)) and only if the
// condensation needs it. Reachability is therefore always preserved, and for
// an acyclic graph the result is the unique minimal transitive reduction.
func (g *Graph[K]) TransitiveReduction() *Graph[K] {
	return g.transitiveReduction(reduceMemory)
}

// transitiveReduction is TransitiveReduction with an explicit memory budget
// in bytes so tests can force the multi-pass path on small graphs.
func (g *Graph[K]) transitiveReduction(memory int) *Graph[K] {
	ix := g.index()
	comps, compOf := ix.scc()
	m := len(comps)

	res := New[K]()
	for _, k := range ix.keys {
		res.Add(k)
	}

	// Condensation edges, each with the smallest original edge as its
	// representative. Vertices and their successors are visited in
	// ascending order, so the first edge seen for a component pair is the
	// smallest one.
	type link struct{ comp, from, to int }
	succ := make([][]link, m)
	keep := make([][]bool, m)
	last := make([]int, m) // last[d] == c+1 when c -> d is already recorded
	for c, comp := range comps {
		for _, u := range comp {
			for _, w := range ix.out[u] {
				d := compOf[w]
				if d == c {
					res.Connect(ix.keys[u], ix.keys[w])
					continue
				}
				if last[d] == c+1 {
					continue
				}
				last[d] = c + 1
				succ[c] = append(succ[c], link{comp: d, from: u, to: w})
			}
		}
		// Tarjan emits components in reverse topological order, so a
		// larger component id comes earlier in topological order.
		slices.SortFunc(succ[c], func(a, b link) int { return cmp.Compare(b.comp, a.comp) })
		keep[c] = make([]bool, len(succ[c]))
	}

	words := (m + 63) / 64
	chunk := max(1, min(words, memory/8/max(m, 1)))
	reach := make([]uint64, m*chunk)
	for lo := 0; lo < words; lo += chunk {
		cw := min(chunk, words-lo)
		clear(reach)
		// Components in emission order: every successor is finished
		// before its predecessors.
		for c := range m {
			row := reach[c*chunk : c*chunk+cw]
			for i, s := range succ[c] {
				word, bit := s.comp/64-lo, uint64(1)<<(s.comp%64)
				if word >= 0 && word < cw {
					// row holds what the earlier successors
					// reach; being in it makes this edge redundant.
					keep[c][i] = row[word]&bit == 0
				}
				srow := reach[s.comp*chunk : s.comp*chunk+cw]
				for k, x := range srow {
					row[k] |= x
				}
			}
			for _, s := range succ[c] {
				word := s.comp/64 - lo
				if word >= 0 && word < cw {
					row[word] |= uint64(1) << (s.comp % 64)
				}
			}
		}
	}

	for c := range m {
		for i, s := range succ[c] {
			if keep[c][i] {
				res.Connect(ix.keys[s.from], ix.keys[s.to])
			}
		}
	}
	return res
}
