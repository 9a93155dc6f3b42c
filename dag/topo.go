package dag

import (
	"cmp"
	"container/heap"
	"fmt"
	"strings"
)

// CycleError reports that a graph which must be acyclic is not. It carries
// every cycle found by Graph.Cycles so that a user can fix all of them in one
// go instead of discovering them one run at a time.
type CycleError[K cmp.Ordered] struct {
	Cycles [][]K
}

// Error renders each cycle as "a -> b -> c -> a", repeating the first vertex
// so the closing edge is visible, and joins several cycles with "; ".
func (e *CycleError[K]) Error() string {
	var b strings.Builder
	if len(e.Cycles) == 1 {
		b.WriteString("dependency cycle: ")
	} else {
		b.WriteString("dependency cycles: ")
	}
	for i, c := range e.Cycles {
		if i > 0 {
			b.WriteString("; ")
		}
		for _, v := range c {
			fmt.Fprint(&b, v)
			b.WriteString(" -> ")
		}
		if len(c) > 0 {
			fmt.Fprint(&b, c[0])
		}
	}
	return b.String()
}

// TopoOrder returns the vertices in an order where every vertex comes after
// all of its upstream vertices. It uses Kahn's algorithm and always picks the
// smallest ready vertex, so the order is unique for a given graph: plans and
// logs do not change between runs.
//
// If the graph has a cycle, TopoOrder returns a nil slice and a
// *CycleError[K] listing the cycles.
func (g *Graph[K]) TopoOrder() ([]K, error) {
	ix := g.index()
	order, ok := ix.topo()
	if !ok {
		return nil, ix.cycleError()
	}
	return ix.keysOf(order), nil
}

// cycleError builds the error for a graph known to be cyclic.
func (ix *indexed[K]) cycleError() *CycleError[K] {
	e := &CycleError[K]{}
	for _, c := range ix.cycles() {
		e.Cycles = append(e.Cycles, ix.keysOf(c))
	}
	return e
}

// topo is Kahn's algorithm on the snapshot. ok is false if some vertices
// could not be ordered, which happens exactly when the graph has a cycle.
func (ix *indexed[K]) topo() (order []int, ok bool) {
	n := len(ix.keys)
	indeg := make([]int, n)
	ready := make(intHeap, 0, n)
	for v := range n {
		indeg[v] = len(ix.in[v])
		if indeg[v] == 0 {
			// Vertices are visited in ascending order, so the slice is
			// already a valid min-heap.
			ready = append(ready, v)
		}
	}
	order = make([]int, 0, n)
	for len(ready) > 0 {
		v := heap.Pop(&ready).(int)
		order = append(order, v)
		for _, w := range ix.out[v] {
			indeg[w]--
			if indeg[w] == 0 {
				heap.Push(&ready, w)
			}
		}
	}
	return order, len(order) == n
}

// intHeap is a min-heap of vertex indices; since indices follow key order it
// yields the smallest ready key first.
type intHeap []int

func (h intHeap) Len() int           { return len(h) }
func (h intHeap) Less(i, j int) bool { return h[i] < h[j] }
func (h intHeap) Swap(i, j int)      { h[i], h[j] = h[j], h[i] }
func (h *intHeap) Push(x any)        { *h = append(*h, x.(int)) }
func (h *intHeap) Pop() any {
	old := *h
	x := old[len(old)-1]
	*h = old[:len(old)-1]
	return x
}
