package dag

import (
	"cmp"
	"slices"
)

// scc computes the strongly connected components of ix with Tarjan's
// algorithm, written with an explicit call stack: a recursive version would
// need one goroutine stack frame per vertex on a long dependency chain, and
// kirofile graphs of 100k vertices must not crash the process.
//
// Components are returned in the order Tarjan completes them, which is a
// reverse topological order of the condensation (a component is emitted only
// after every component reachable from it). compOf maps each vertex to the
// position of its component in that slice. Vertices inside a component are in
// ascending order.
func (ix *indexed[K]) scc() (comps [][]int, compOf []int) {
	n := len(ix.keys)
	order := make([]int, n) // discovery number + 1; 0 means unvisited
	low := make([]int, n)
	onStack := make([]bool, n)
	compOf = make([]int, n)
	var stack []int
	type frame struct{ v, next int }
	var calls []frame
	counter := 0

	visit := func(v int) {
		counter++
		order[v] = counter
		low[v] = counter
		stack = append(stack, v)
		onStack[v] = true
		calls = append(calls, frame{v: v})
	}

	for root := range n {
		if order[root] != 0 {
			continue
		}
		visit(root)
		for len(calls) > 0 {
			top := len(calls) - 1
			v := calls[top].v
			if calls[top].next < len(ix.out[v]) {
				w := ix.out[v][calls[top].next]
				calls[top].next++
				if order[w] == 0 {
					visit(w)
				} else if onStack[w] {
					low[v] = min(low[v], order[w])
				}
				continue
			}
			// All successors of v explored: "return" from v.
			calls = calls[:top]
			if low[v] == order[v] {
				id := len(comps)
				var comp []int
				for {
					w := stack[len(stack)-1]
					stack = stack[:len(stack)-1]
					onStack[w] = false
					compOf[w] = id
					comp = append(comp, w)
					if w == v {
						break
					}
				}
				slices.Sort(comp)
				comps = append(comps, comp)
			}
			if top > 0 {
				p := calls[top-1].v
				low[p] = min(low[p], low[v])
			}
		}
	}
	return comps, compOf
}

// StronglyConnected returns the strongly connected components of the graph,
// including single-vertex components, so the result partitions the vertex
// set. Each component is sorted and components are ordered by their smallest
// member, which makes the output independent of map iteration order.
func (g *Graph[K]) StronglyConnected() [][]K {
	ix := g.index()
	comps, _ := ix.scc()
	slices.SortFunc(comps, func(a, b []int) int { return cmp.Compare(a[0], b[0]) })
	res := make([][]K, len(comps))
	for i, c := range comps {
		res[i] = ix.keysOf(c)
	}
	return res
}

// Cycles returns one concrete cycle for every strongly connected component
// that contains a cycle: components of two or more vertices, and single
// vertices with a self edge. A multi-vertex component is reported once even
// if some of its vertices also carry self edges; one witness per component is
// enough to explain the problem, and fixing it changes the component anyway.
//
// Each cycle is a path [v0, v1, ..., vn] such that v0->v1, ..., vn-1->vn and
// vn->v0 are edges of the graph. v0 is the smallest vertex of its component
// and the path is the shortest cycle through v0, found by a breadth-first
// search that explores successors in ascending order, so the result is
// deterministic and as short as possible for error messages. A self loop is
// reported as [v]. Cycles are ordered by v0; a nil slice means the graph is
// acyclic.
func (g *Graph[K]) Cycles() [][]K {
	ix := g.index()
	var res [][]K
	for _, c := range ix.cycles() {
		res = append(res, ix.keysOf(c))
	}
	return res
}

// cycles is Cycles on the index snapshot.
func (ix *indexed[K]) cycles() [][]int {
	comps, compOf := ix.scc()
	var found [][]int
	// Scratch space shared by the searches; each component touches only its
	// own vertices, so nothing needs resetting between components.
	parent := make([]int, len(ix.keys))
	seen := make([]bool, len(ix.keys))
	for id, comp := range comps {
		v0 := comp[0]
		if len(comp) == 1 && !ix.hasEdge(v0, v0) {
			continue
		}
		found = append(found, ix.shortestCycle(v0, id, compOf, parent, seen))
	}
	slices.SortFunc(found, func(a, b []int) int { return cmp.Compare(a[0], b[0]) })
	return found
}

// shortestCycle finds a shortest cycle through v0 inside component comp by a
// breadth-first search from v0: the first dequeued vertex with an edge back to
// v0 closes a cycle of minimal length.
func (ix *indexed[K]) shortestCycle(v0, comp int, compOf, parent []int, seen []bool) []int {
	queue := []int{v0}
	seen[v0] = true
	for head := 0; head < len(queue); head++ {
		u := queue[head]
		for _, w := range ix.out[u] {
			if w == v0 {
				var path []int
				for x := u; x != v0; x = parent[x] {
					path = append(path, x)
				}
				path = append(path, v0)
				slices.Reverse(path)
				return path
			}
			if compOf[w] != comp || seen[w] {
				continue
			}
			seen[w] = true
			parent[w] = u
			queue = append(queue, w)
		}
	}
	// Unreachable: every vertex of a non-trivial component lies on a cycle
	// through every other one.
	panic("dag: internal error: no cycle in strongly connected component")
}
