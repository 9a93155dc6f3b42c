package dag

import (
	"cmp"
	"container/heap"
	"context"
	"fmt"
)

// Status is the state a vertex ends a Walk in.
type Status int

const (
	// Done means the callback succeeded; dependents may run.
	Done Status = iota
	// Failed means the callback reported an error (or panicked).
	Failed
	// Blocked means the callback decided it cannot proceed, for example
	// because a human decision is pending. It stops dependents like
	// Failed does but tells the user that nothing is broken.
	Blocked
	// Skipped means the vertex never ran because an ancestor failed or was
	// blocked.
	Skipped
	// Cancelled means the vertex never ran because the context was
	// cancelled before it could start.
	Cancelled
)

// String returns the lower-case name used in logs and reports.
func (s Status) String() string {
	switch s {
	case Done:
		return "done"
	case Failed:
		return "failed"
	case Blocked:
		return "blocked"
	case Skipped:
		return "skipped"
	case Cancelled:
		return "cancelled"
	}
	return fmt.Sprintf("Status(%d)", int(s))
}

// Result is what a Walk callback returns. Status must be Done, Failed or
// Blocked; any other value is recorded as Failed, because a callback cannot
// know whether skipping or cancelling its own vertex is consistent with the
// rest of the walk.
type Result struct {
	Status Status
	Err    error
}

// Outcome is the final state of one vertex after a Walk.
//
// For Skipped vertices, Cause names the failed or blocked ancestor that
// prevented the vertex from running and HasCause is true (HasCause exists
// because the zero K may be a valid vertex). When several ancestors failed,
// Cause is the nearest one (fewest edges away), the smallest on ties, so
// reports do not depend on goroutine timing. Cancelled outcomes carry the
// context's cancellation cause (context.Cause), which is ctx.Err() unless
// the canceller supplied a reason.
type Outcome[K cmp.Ordered] struct {
	Status   Status
	Err      error
	Cause    K
	HasCause bool
}

// WalkOptions tunes Walk.
type WalkOptions struct {
	// Parallelism is the maximum number of callbacks running at once;
	// zero or negative means 10. Callbacks typically call remote models or
	// run code generators, so a bound protects both quotas and the machine.
	Parallelism int
	// LongestPathFirst starts, among the ready vertices, the one with the
	// longest chain of vertices still depending on it first (ties: the
	// smallest). It is critical-path scheduling: when callbacks take
	// similar time, it keeps long chains from being left for the end,
	// which is when there is too little work left to use the parallelism.
	LongestPathFirst bool
}

// defaultParallelism is used when WalkOptions.Parallelism is not positive.
const defaultParallelism = 10

// Walk calls fn for the vertices of the graph in dependency order, running
// independent vertices concurrently.
//
// A vertex starts only after all of its upstream vertices finished Done. At
// most opts.Parallelism callbacks run at the same time, and among the ready
// vertices the smallest starts first, so with Parallelism 1 the call order is
// exactly TopoOrder. When a vertex ends Failed or Blocked, its descendants are
// never called and end Skipped, while vertices that do not depend on it keep
// going: one broken spec should not hide the results of unrelated ones.
//
// When ctx is cancelled, no further callbacks start. Callbacks already
// running see the cancelled ctx (it is passed to them unchanged) and Walk
// waits for them and records their results; vertices that never started end
// Cancelled, unless a failed or blocked ancestor already ruled them out, in
// which case they end Skipped. Walk never returns while a callback is still
// running, so no goroutine outlives it.
//
// A panic in fn is recovered and recorded as Failed with an error naming the
// vertex, so one faulty step cannot take down the whole run.
//
// The returned map holds an Outcome for every vertex. If the graph has a
// cycle, Walk calls nothing and returns a *CycleError[K]. The graph is
// snapshotted when Walk starts; changing it during the walk has no effect.
func (g *Graph[K]) Walk(ctx context.Context, opts WalkOptions, fn func(ctx context.Context, v K) Result) (map[K]Outcome[K], error) {
	ix := g.index()
	order, ok := ix.topo()
	if !ok {
		return nil, ix.cycleError()
	}
	parallelism := opts.Parallelism
	if parallelism <= 0 {
		parallelism = defaultParallelism
	}

	n := len(ix.keys)
	waiting := make([]int, n) // upstream vertices not yet Done
	ready := &priorityHeap{}
	if opts.LongestPathFirst {
		// height[v] is the number of vertices on the longest path from v
		// to a vertex nothing depends on.
		ready.height = make([]int, n)
		for i := len(order) - 1; i >= 0; i-- {
			v := order[i]
			h := 0
			for _, w := range ix.out[v] {
				h = max(h, ready.height[w])
			}
			ready.height[v] = h + 1
		}
	}
	for v := range n {
		waiting[v] = len(ix.in[v])
		if waiting[v] == 0 {
			heap.Push(ready, v)
		}
	}

	type message struct {
		v int
		r Result
	}
	// Buffered so that a finishing callback never waits for the
	// coordinator; no more messages than running callbacks can be
	// outstanding, and never more than there are vertices.
	results := make(chan message, min(parallelism, n))
	called := make([]bool, n)
	outcome := make([]Result, n)
	running := 0

	for {
		for running < parallelism && ready.Len() > 0 && ctx.Err() == nil {
			v := heap.Pop(ready).(int)
			called[v] = true
			running++
			go func(v int, key K) {
				// The default covers runtime.Goexit (for example
				// t.FailNow inside a test callback): fn never returns,
				// but the deferred send still reports the vertex.
				r := Result{Status: Failed, Err: fmt.Errorf("dag: vertex %v: callback exited without returning", key)}
				defer func() {
					if p := recover(); p != nil {
						if err, isErr := p.(error); isErr {
							r = Result{Status: Failed, Err: fmt.Errorf("dag: vertex %v panicked: %w", key, err)}
						} else {
							r = Result{Status: Failed, Err: fmt.Errorf("dag: vertex %v panicked: %v", key, p)}
						}
					}
					results <- message{v: v, r: r}
				}()
				r = fn(ctx, key)
			}(v, ix.keys[v])
		}
		if running == 0 {
			break
		}
		m := <-results
		running--
		r := m.r
		switch r.Status {
		case Done, Failed, Blocked:
		default:
			r = Result{Status: Failed, Err: fmt.Errorf("dag: vertex %v: callback returned invalid status %v", ix.keys[m.v], r.Status)}
		}
		outcome[m.v] = r
		if r.Status != Done {
			continue
		}
		for _, w := range ix.out[m.v] {
			waiting[w]--
			if waiting[w] == 0 {
				heap.Push(ready, w)
			}
		}
	}

	// Causes are computed after the fact, from final outcomes only, so
	// they do not depend on which failure the coordinator happened to see
	// first. Visiting vertices in topological order gives every vertex its
	// nearest failed or blocked ancestor by dynamic programming: a vertex
	// that was called had only Done ancestors, so causes only travel
	// through failed, blocked and uncalled vertices.
	const none = -1
	cause := make([]int, n)
	dist := make([]int, n)
	res := make(map[K]Outcome[K], n)
	for _, v := range order {
		cause[v] = none
		key := ix.keys[v]
		if called[v] {
			r := outcome[v]
			if r.Status != Done {
				cause[v] = v
			}
			res[key] = Outcome[K]{Status: r.Status, Err: r.Err}
			continue
		}
		for _, u := range ix.in[v] {
			if cause[u] == none {
				continue
			}
			d := dist[u] + 1
			if cause[v] == none || d < dist[v] || (d == dist[v] && cause[u] < cause[v]) {
				cause[v], dist[v] = cause[u], d
			}
		}
		if cause[v] == none {
			res[key] = Outcome[K]{Status: Cancelled, Err: context.Cause(ctx)}
			continue
		}
		res[key] = Outcome[K]{Status: Skipped, Cause: ix.keys[cause[v]], HasCause: true}
	}
	return res, nil
}

// priorityHeap orders ready vertices: by height, highest first, when
// heights are set, then by index (the vertex order).
type priorityHeap struct {
	items  []int
	height []int
}

func (h *priorityHeap) Len() int { return len(h.items) }
func (h *priorityHeap) Less(i, j int) bool {
	a, b := h.items[i], h.items[j]
	if h.height != nil && h.height[a] != h.height[b] {
		return h.height[a] > h.height[b]
	}
	return a < b
}
func (h *priorityHeap) Swap(i, j int) { h.items[i], h.items[j] = h.items[j], h.items[i] }
func (h *priorityHeap) Push(x any)    { h.items = append(h.items, x.(int)) }
func (h *priorityHeap) Pop() any {
	old := h.items
	x := old[len(old)-1]
	h.items = old[:len(old)-1]
	return x
}
