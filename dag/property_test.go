package dag

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"slices"
	"sync/atomic"
	"testing"
)

// Property tests run the algorithms on many random graphs with fixed seeds
// and compare them with definitions or brute force. A failure message always
// names the seed so the case can be replayed.

func iterations(t *testing.T, full int) int {
	if testing.Short() {
		return max(1, full/10)
	}
	return full
}

func TestPropTopoOrderRespectsEdges(t *testing.T) {
	for seed := range uint64(iterations(t, 300)) {
		r := newRand(seed)
		n := 1 + r.IntN(300)
		g := randomDAG(r, n, 4/float64(n)*r.Float64())
		order, err := g.TopoOrder()
		if err != nil {
			t.Fatalf("seed %d: acyclic graph reported %v", seed, err)
		}
		pos := make(map[int]int, n)
		for i, v := range order {
			if _, dup := pos[v]; dup {
				t.Fatalf("seed %d: %d appears twice", seed, v)
			}
			pos[v] = i
		}
		if len(order) != n {
			t.Fatalf("seed %d: order has %d of %d vertices", seed, len(order), n)
		}
		for _, e := range g.Edges() {
			if pos[e.From] >= pos[e.To] {
				t.Fatalf("seed %d: %d -> %d but %d comes first", seed, e.From, e.To, e.To)
			}
		}
		// Smallest-ready-first: whenever a vertex is emitted, no smaller
		// vertex was ready at that moment.
		for i, v := range order {
			for _, w := range order[i+1:] {
				if w >= v {
					continue
				}
				ready := true
				for _, u := range g.Upstream(w) {
					if pos[u] >= i {
						ready = false
						break
					}
				}
				if ready {
					t.Fatalf("seed %d: emitted %d while smaller %d was ready", seed, v, w)
				}
			}
		}
	}
}

// sccBrute groups vertices by mutual reachability.
func sccBrute(g *Graph[int]) [][]int {
	reach := closure(g)
	var comps [][]int
	done := map[int]bool{}
	for _, u := range g.Vertices() {
		if done[u] {
			continue
		}
		comp := []int{u}
		done[u] = true
		for _, v := range g.Vertices() {
			if !done[v] && reach[u][v] && reach[v][u] {
				comp = append(comp, v)
				done[v] = true
			}
		}
		comps = append(comps, comp)
	}
	return comps
}

// shortestCycleLen is the length of the shortest cycle through v, by BFS
// over the whole graph, or 0 if none.
func shortestCycleLen(g *Graph[int], v int) int {
	dist := map[int]int{v: 0}
	queue := []int{v}
	for len(queue) > 0 {
		u := queue[0]
		queue = queue[1:]
		for _, w := range g.Downstream(u) {
			if w == v {
				return dist[u] + 1
			}
			if _, ok := dist[w]; !ok {
				dist[w] = dist[u] + 1
				queue = append(queue, w)
			}
		}
	}
	return 0
}

func TestPropCyclesAndSCC(t *testing.T) {
	for seed := range uint64(iterations(t, 400)) {
		r := newRand(seed)
		n := 1 + r.IntN(40)
		// Densities around 1/n cross the acyclic/cyclic threshold.
		g := randomDigraph(r, n, 2*r.Float64()/float64(n))
		name := fmt.Sprintf("seed %d (n=%d, m=%d)", seed, n, g.EdgeCount())

		sccs := g.StronglyConnected()
		if want := sccBrute(g); !slicesEqual2(sccs, want) {
			t.Fatalf("%s: StronglyConnected = %v, brute force %v", name, sccs, want)
		}

		cycles := g.Cycles()
		_, err := g.TopoOrder()
		if (err != nil) != (len(cycles) > 0) {
			t.Fatalf("%s: TopoOrder err %v but %d cycles", name, err, len(cycles))
		}
		if err != nil {
			var ce *CycleError[int]
			if !errors.As(err, &ce) || !slicesEqual2(ce.Cycles, cycles) {
				t.Fatalf("%s: CycleError %v does not carry Cycles %v", name, err, cycles)
			}
		}

		// One cycle per cyclic component, starting at its smallest vertex,
		// as short as possible, ordered by first vertex.
		var wantStarts []int
		for _, c := range sccs {
			if len(c) > 1 || g.HasEdge(c[0], c[0]) {
				wantStarts = append(wantStarts, c[0])
			}
		}
		var starts []int
		for _, c := range cycles {
			assertCycleIsReal(t, g, c)
			starts = append(starts, c[0])
			if want := shortestCycleLen(g, c[0]); len(c) != want {
				t.Fatalf("%s: cycle %v has length %d, shortest through %d is %d", name, c, len(c), c[0], want)
			}
		}
		if !equalSlices(starts, wantStarts) {
			t.Fatalf("%s: cycles start at %v, want %v", name, starts, wantStarts)
		}
	}
}

func TestPropSCCPartitionsLargeGraphs(t *testing.T) {
	for seed := range uint64(iterations(t, 50)) {
		r := newRand(1000 + seed)
		n := 100 + r.IntN(300)
		g := randomDigraph(r, n, 1.5/float64(n))
		seen := map[int]bool{}
		prev := -1
		for _, c := range g.StronglyConnected() {
			if !slices.IsSorted(c) || c[0] <= prev {
				t.Fatalf("seed %d: component %v out of order", seed, c)
			}
			prev = c[0]
			for _, v := range c {
				if seen[v] {
					t.Fatalf("seed %d: %d in two components", seed, v)
				}
				seen[v] = true
			}
		}
		if len(seen) != n {
			t.Fatalf("seed %d: components cover %d of %d vertices", seed, len(seen), n)
		}
	}
}

func TestPropTransitiveReduction(t *testing.T) {
	for seed := range uint64(iterations(t, 200)) {
		r := newRand(2000 + seed)
		n := 1 + r.IntN(60)
		acyclic := seed%3 != 0
		var g *Graph[int]
		if acyclic {
			g = randomDAG(r, n, r.Float64()*0.3)
		} else {
			g = randomDigraph(r, n, r.Float64()*2/float64(n))
		}
		name := fmt.Sprintf("seed %d (n=%d, m=%d, acyclic=%v)", seed, n, g.EdgeCount(), acyclic)
		red := g.TransitiveReduction()
		if !slices.Equal(red.Vertices(), g.Vertices()) {
			t.Fatalf("%s: vertices differ", name)
		}
		if !sameClosure(closure(red), closure(g)) {
			t.Fatalf("%s: reachability changed", name)
		}
		for _, e := range red.Edges() {
			if !g.HasEdge(e.From, e.To) {
				t.Fatalf("%s: invented edge %v", name, e)
			}
			if acyclic && reachableWithout(red, e.From, e.To, e.From, e.To) {
				t.Fatalf("%s: edge %v is redundant", name, e)
			}
		}
		if acyclic {
			// A DAG's transitive reduction is unique: every edge of g not
			// implied by another path must be present.
			for _, e := range g.Edges() {
				if !reachableWithout(g, e.From, e.To, e.From, e.To) && !red.HasEdge(e.From, e.To) {
					t.Fatalf("%s: necessary edge %v dropped", name, e)
				}
			}
		}
	}
}

// TestPropWalk runs random DAGs with random failures and blocks and checks
// the scheduling invariants from inside the callbacks.
func TestPropWalk(t *testing.T) {
	for seed := range uint64(iterations(t, 150)) {
		r := newRand(3000 + seed)
		n := 1 + r.IntN(200)
		g := randomDAG(r, n, 3*r.Float64()/float64(n))
		parallelism := 1 + r.IntN(8)
		status := make([]Status, n)
		for v := range status {
			switch x := r.Float64(); {
			case x < 0.05:
				status[v] = Failed
			case x < 0.08:
				status[v] = Blocked
			default:
				status[v] = Done
			}
		}
		// Odd seeds schedule longest path first: the same invariants hold
		// whatever the order among ready vertices.
		longest := seed%2 == 1
		name := fmt.Sprintf("seed %d (n=%d, m=%d, p=%d, longest=%v)", seed, n, g.EdgeCount(), parallelism, longest)

		calls := make([]atomic.Int32, n)
		finished := make([]atomic.Bool, n) // set just before returning Done
		var running, peak atomic.Int32
		var violations atomic.Int32
		out, err := g.Walk(context.Background(), WalkOptions{Parallelism: parallelism, LongestPathFirst: longest}, func(_ context.Context, v int) Result {
			cur := running.Add(1)
			defer running.Add(-1)
			for {
				p := peak.Load()
				if cur <= p || peak.CompareAndSwap(p, cur) {
					break
				}
			}
			calls[v].Add(1)
			for _, u := range g.Upstream(v) {
				if !finished[u].Load() {
					violations.Add(1)
				}
			}
			runtime.Gosched()
			if status[v] == Done {
				finished[v].Store(true)
			}
			return Result{Status: status[v]}
		})
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if violations.Load() != 0 {
			t.Fatalf("%s: %d callbacks started before an upstream vertex was done", name, violations.Load())
		}
		if int(peak.Load()) > parallelism {
			t.Fatalf("%s: %d callbacks ran at once", name, peak.Load())
		}
		if len(out) != n {
			t.Fatalf("%s: %d outcomes", name, len(out))
		}
		// Expected outcome from the definition: a vertex runs iff all its
		// ancestors are Done.
		for v := range n {
			var badAncestors []int
			for _, a := range g.Ancestors(v) {
				if status[a] != Done {
					badAncestors = append(badAncestors, a)
				}
			}
			o := out[v]
			c := calls[v].Load()
			if len(badAncestors) == 0 {
				if c != 1 || o.Status != status[v] || o.HasCause {
					t.Fatalf("%s: vertex %d called %d times, outcome %+v, want %v", name, v, c, o, status[v])
				}
				continue
			}
			if c != 0 || o.Status != Skipped || !o.HasCause || !slices.Contains(badAncestors, o.Cause) {
				t.Fatalf("%s: vertex %d called %d times, outcome %+v, want skipped by one of %v", name, v, c, o, badAncestors)
			}
		}
	}
}

// TestPropWalkCauseDeterministic repeats walks with high parallelism and
// checks that outcomes, causes included, never depend on timing.
func TestPropWalkCauseDeterministic(t *testing.T) {
	for seed := range uint64(iterations(t, 20)) {
		r := newRand(4000 + seed)
		n := 50 + r.IntN(100)
		g := randomDAG(r, n, 4/float64(n))
		fail := map[int]bool{}
		for range 1 + n/10 {
			fail[r.IntN(n)] = true
		}
		fn := func(_ context.Context, v int) Result {
			runtime.Gosched()
			if fail[v] {
				return Result{Status: Failed}
			}
			return Result{Status: Done}
		}
		first, err := g.Walk(context.Background(), WalkOptions{Parallelism: 1}, fn)
		if err != nil {
			t.Fatal(err)
		}
		for range 5 {
			again, err := g.Walk(context.Background(), WalkOptions{Parallelism: 16}, fn)
			if err != nil {
				t.Fatal(err)
			}
			for v, o := range first {
				if again[v] != o {
					t.Fatalf("seed %d: vertex %d: %+v then %+v", seed, v, o, again[v])
				}
			}
		}
	}
}

// TestPropWalkCancelled cancels at a random vertex and checks that every
// vertex is accounted for and nothing starts after the cancellation.
func TestPropWalkCancelled(t *testing.T) {
	for seed := range uint64(iterations(t, 100)) {
		r := newRand(5000 + seed)
		n := 1 + r.IntN(150)
		g := randomDAG(r, n, 3*r.Float64()/float64(n))
		stopAt := r.IntN(n)
		ctx, cancel := context.WithCancel(context.Background())
		var afterCancel atomic.Int32
		called := make([]atomic.Bool, n)
		parallelism := 1 + r.IntN(4)
		out, err := g.Walk(ctx, WalkOptions{Parallelism: parallelism}, func(ctx context.Context, v int) Result {
			if ctx.Err() != nil {
				afterCancel.Add(1)
			}
			called[v].Store(true)
			if v == stopAt {
				cancel()
			}
			return Result{Status: Done}
		})
		cancel()
		if err != nil {
			t.Fatal(err)
		}
		// With more than one slot a callback may be launched just before
		// the cancellation and only look at ctx after it, so the strict
		// check applies to sequential walks.
		if parallelism == 1 && afterCancel.Load() != 0 {
			t.Fatalf("seed %d: %d callbacks started after cancellation", seed, afterCancel.Load())
		}
		if len(out) != n {
			t.Fatalf("seed %d: %d outcomes", seed, len(out))
		}
		for v := range n {
			want := Cancelled
			if called[v].Load() {
				want = Done
			}
			if out[v].Status != want {
				t.Fatalf("seed %d: vertex %d %v, want %v", seed, v, out[v].Status, want)
			}
		}
	}
}

func slicesEqual2(a, b [][]int) bool {
	return slices.EqualFunc(a, b, func(x, y []int) bool { return slices.Equal(x, y) })
}
