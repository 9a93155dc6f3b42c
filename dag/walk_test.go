package dag

import (
	"context"
	"errors"
	"fmt"
	"math"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

func TestStatusString(t *testing.T) {
	tests := []struct {
		s    Status
		want string
	}{
		{Done, "done"}, {Failed, "failed"}, {Blocked, "blocked"},
		{Skipped, "skipped"}, {Cancelled, "cancelled"}, {Status(42), "Status(42)"},
	}
	for _, tt := range tests {
		if got := tt.s.String(); got != tt.want {
			t.Errorf("Status(%d).String() = %q, want %q", int(tt.s), got, tt.want)
		}
	}
}

// recorder is a Walk callback that logs call order and returns scripted
// results (Done by default).
type recorder struct {
	mu      sync.Mutex
	calls   []string
	results map[string]Result
}

func (r *recorder) fn(_ context.Context, v string) Result {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.calls = append(r.calls, v)
	return r.results[v]
}

func TestWalkSequentialOrderMatchesTopoOrder(t *testing.T) {
	g := graphOf([][2]string{{"m", "b"}, {"a", "n"}, {"n", "c"}, {"z", "c"}}, "k")
	rec := &recorder{}
	out, err := g.Walk(context.Background(), WalkOptions{Parallelism: 1}, rec.fn)
	if err != nil {
		t.Fatal(err)
	}
	want, _ := g.TopoOrder()
	if !slices.Equal(rec.calls, want) {
		t.Fatalf("calls = %v, want %v", rec.calls, want)
	}
	if len(out) != g.Len() {
		t.Fatalf("outcomes for %d of %d vertices", len(out), g.Len())
	}
	for v, o := range out {
		if o.Status != Done || o.Err != nil || o.HasCause {
			t.Errorf("%s: %+v, want done", v, o)
		}
	}
}

func TestWalkOutcomes(t *testing.T) {
	errBoom := errors.New("boom")
	// Vertices are named so that key order and dependency order interleave.
	// f1 -> s1 -> s2, b1 -> s2, f1 -> s3, ok -> s3, ok -> fine, b1 -> s4 <- f2
	edges := [][2]string{
		{"f1", "s1"}, {"s1", "s2"}, {"b1", "s2"}, {"f1", "s3"}, {"ok", "s3"},
		{"ok", "fine"}, {"b1", "s4"}, {"f2", "s4"}, {"f2", "s5"}, {"s5", "s6"}, {"f1", "s6"},
	}
	tests := []struct {
		name    string
		results map[string]Result
		want    map[string]Outcome[string]
	}{
		{
			name:    "all done",
			results: nil,
			want: map[string]Outcome[string]{
				"f1": {}, "f2": {}, "b1": {}, "ok": {}, "fine": {},
				"s1": {}, "s2": {}, "s3": {}, "s4": {}, "s5": {}, "s6": {},
			},
		},
		{
			name: "failures and blocks skip descendants only",
			results: map[string]Result{
				"f1": {Status: Failed, Err: errBoom},
				"f2": {Status: Failed},
				"b1": {Status: Blocked, Err: errBoom},
			},
			want: map[string]Outcome[string]{
				"f1":   {Status: Failed, Err: errBoom},
				"f2":   {Status: Failed},
				"b1":   {Status: Blocked, Err: errBoom},
				"ok":   {},
				"fine": {},
				"s1":   {Status: Skipped, Cause: "f1", HasCause: true},
				// s2: b1 is 1 edge away, f1 is 2 away.
				"s2": {Status: Skipped, Cause: "b1", HasCause: true},
				"s3": {Status: Skipped, Cause: "f1", HasCause: true},
				// s4: b1 and f2 are both 1 away; the smaller wins.
				"s4": {Status: Skipped, Cause: "b1", HasCause: true},
				"s5": {Status: Skipped, Cause: "f2", HasCause: true},
				// s6: f1 is 1 away, f2 is 2 away.
				"s6": {Status: Skipped, Cause: "f1", HasCause: true},
			},
		},
		{
			name: "failure in the middle",
			results: map[string]Result{
				"s1": {Status: Failed, Err: errBoom},
			},
			want: map[string]Outcome[string]{
				"f1": {}, "f2": {}, "b1": {}, "ok": {}, "fine": {}, "s3": {}, "s4": {}, "s5": {}, "s6": {},
				"s1": {Status: Failed, Err: errBoom},
				"s2": {Status: Skipped, Cause: "s1", HasCause: true},
			},
		},
	}
	for _, tt := range tests {
		for _, p := range []int{1, 3, 0} {
			t.Run(fmt.Sprintf("%s/p%d", tt.name, p), func(t *testing.T) {
				rec := &recorder{results: tt.results}
				out, err := graphOf(edges).Walk(context.Background(), WalkOptions{Parallelism: p}, rec.fn)
				if err != nil {
					t.Fatal(err)
				}
				if len(out) != len(tt.want) {
					t.Fatalf("got %d outcomes, want %d", len(out), len(tt.want))
				}
				for v, want := range tt.want {
					if got := out[v]; got != want {
						t.Errorf("%s: got %+v, want %+v", v, got, want)
					}
				}
				for _, v := range rec.calls {
					if out[v].Status == Skipped {
						t.Errorf("skipped vertex %s was called", v)
					}
				}
			})
		}
	}
}

func TestWalkCycle(t *testing.T) {
	g := graphOf([][2]string{{"a", "b"}, {"b", "a"}, {"c", "d"}})
	var calls atomic.Int32
	out, err := g.Walk(context.Background(), WalkOptions{}, func(context.Context, string) Result {
		calls.Add(1)
		return Result{}
	})
	var ce *CycleError[string]
	if !errors.As(err, &ce) || len(ce.Cycles) != 1 {
		t.Fatalf("err = %v, want a CycleError", err)
	}
	if out != nil || calls.Load() != 0 {
		t.Fatalf("out = %v, calls = %d", out, calls.Load())
	}
}

func TestWalkEmpty(t *testing.T) {
	out, err := New[int]().Walk(context.Background(), WalkOptions{}, func(context.Context, int) Result {
		t.Error("callback called on empty graph")
		return Result{}
	})
	if err != nil || len(out) != 0 {
		t.Fatalf("out = %v, err = %v", out, err)
	}
}

func TestWalkPanicAndMisbehavingCallbacks(t *testing.T) {
	errInner := errors.New("inner")
	g := graphOf([][2]string{{"p", "p2"}, {"e", "e2"}, {"x", "x2"}, {"g", "g2"}}, "ok")
	out, err := g.Walk(context.Background(), WalkOptions{Parallelism: 2}, func(_ context.Context, v string) Result {
		switch v {
		case "p":
			panic("kaboom")
		case "e":
			panic(errInner)
		case "x":
			return Result{Status: Skipped}
		case "g":
			runtime.Goexit()
		}
		return Result{Status: Done}
	})
	if err != nil {
		t.Fatal(err)
	}
	checks := []struct {
		v        string
		contains string
	}{
		{"p", `vertex p panicked: kaboom`},
		{"e", `vertex e panicked: inner`},
		{"x", `vertex x: callback returned invalid status skipped`},
		{"g", `vertex g: callback exited without returning`},
	}
	for _, c := range checks {
		o := out[c.v]
		if o.Status != Failed || o.Err == nil || !strings.Contains(o.Err.Error(), c.contains) {
			t.Errorf("%s: %+v, want failed with %q", c.v, o, c.contains)
		}
		if d := out[c.v+"2"]; d.Status != Skipped || d.Cause != c.v {
			t.Errorf("%s2: %+v, want skipped because of %s", c.v, d, c.v)
		}
	}
	if !errors.Is(out["e"].Err, errInner) {
		t.Errorf("panic error not wrapped: %v", out["e"].Err)
	}
	if out["ok"].Status != Done {
		t.Errorf("ok: %+v", out["ok"])
	}
}

func TestWalkCancelStopsNewWork(t *testing.T) {
	// a -> b, c independent. With Parallelism 1, a runs first and cancels;
	// nothing else may start.
	g := graphOf([][2]string{{"a", "b"}}, "c")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	rec := &recorder{}
	out, err := g.Walk(ctx, WalkOptions{Parallelism: 1}, func(ctx context.Context, v string) Result {
		rec.fn(ctx, v)
		cancel()
		return Result{Status: Done}
	})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(rec.calls, []string{"a"}) {
		t.Fatalf("calls = %v, want [a]", rec.calls)
	}
	if out["a"].Status != Done {
		t.Errorf("a: %+v", out["a"])
	}
	for _, v := range []string{"b", "c"} {
		if o := out[v]; o.Status != Cancelled || !errors.Is(o.Err, context.Canceled) || o.HasCause {
			t.Errorf("%s: %+v, want cancelled", v, o)
		}
	}
}

func TestWalkCancelReachesRunningCallbacks(t *testing.T) {
	// slow and quick run together. quick cancels the walk; slow must see
	// the cancellation through its ctx and its result must be recorded.
	// Descendants: of slow (failed) are skipped, of quick (done) cancelled.
	g := graphOf([][2]string{{"quick", "afterQuick"}, {"slow", "afterSlow"}})
	ctx, cancel := context.WithCancelCause(context.Background())
	defer cancel(nil)
	errStop := errors.New("user pressed ctrl-c")
	started := make(chan struct{})
	out, err := g.Walk(ctx, WalkOptions{Parallelism: 2}, func(ctx context.Context, v string) Result {
		switch v {
		case "slow":
			close(started)
			select {
			case <-ctx.Done():
				return Result{Status: Failed, Err: ctx.Err()}
			case <-time.After(10 * time.Second):
				return Result{Status: Done}
			}
		case "quick":
			<-started
			cancel(errStop)
			return Result{Status: Done}
		}
		t.Errorf("%s must not run after cancellation", v)
		return Result{Status: Done}
	})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]Outcome[string]{
		"quick":      {Status: Done},
		"slow":       {Status: Failed, Err: context.Canceled},
		"afterSlow":  {Status: Skipped, Cause: "slow", HasCause: true},
		"afterQuick": {Status: Cancelled, Err: errStop},
	}
	for v, w := range want {
		if got := out[v]; got != w {
			t.Errorf("%s: %+v, want %+v", v, got, w)
		}
	}
}

func TestWalkAlreadyCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	out, err := diamond().Walk(ctx, WalkOptions{}, func(context.Context, string) Result {
		t.Error("callback called with a cancelled context")
		return Result{}
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(out) != 5 {
		t.Fatalf("%d outcomes", len(out))
	}
	for v, o := range out {
		if o.Status != Cancelled {
			t.Errorf("%s: %v", v, o.Status)
		}
	}
}

// TestWalkParallelism checks the concurrency bound, including the default,
// by holding callbacks until the expected number runs at once. A bound that
// is too low deadlocks (caught by the timeout), one that is too high shows
// up in the maximum.
func TestWalkParallelism(t *testing.T) {
	tests := []struct{ opt, want int }{{1, 1}, {4, 4}, {0, defaultParallelism}, {-3, defaultParallelism}}
	for _, tt := range tests {
		t.Run(fmt.Sprint(tt.opt), func(t *testing.T) {
			g := New[int]()
			for v := range 40 {
				g.Add(v)
			}
			var cur, peak atomic.Int32
			full := make(chan struct{})
			var once sync.Once
			out, err := g.Walk(context.Background(), WalkOptions{Parallelism: tt.opt}, func(context.Context, int) Result {
				n := cur.Add(1)
				defer cur.Add(-1)
				for {
					p := peak.Load()
					if n <= p || peak.CompareAndSwap(p, n) {
						break
					}
				}
				if int(n) == tt.want {
					once.Do(func() { close(full) })
				}
				select {
				case <-full:
				case <-time.After(5 * time.Second):
					return Result{Status: Failed, Err: errors.New("parallelism never reached")}
				}
				return Result{Status: Done}
			})
			if err != nil {
				t.Fatal(err)
			}
			if int(peak.Load()) != tt.want {
				t.Fatalf("peak concurrency %d, want %d", peak.Load(), tt.want)
			}
			for v, o := range out {
				if o.Status != Done {
					t.Fatalf("%d: %+v", v, o)
				}
			}
		})
	}
}

func TestWalkLeavesNoGoroutines(t *testing.T) {
	before := runtime.NumGoroutine()
	r := newRand(7)
	for i := range 20 {
		g := randomDAG(r, 60, 0.05)
		ctx, cancel := context.WithCancel(context.Background())
		_, err := g.Walk(ctx, WalkOptions{Parallelism: 8}, func(_ context.Context, v int) Result {
			if v == 30 && i%2 == 0 {
				cancel()
			}
			if v%7 == 0 {
				panic("x")
			}
			return Result{Status: Done}
		})
		cancel()
		if err != nil {
			t.Fatal(err)
		}
	}
	// Goroutines that already sent their result may still be exiting.
	deadline := time.Now().Add(5 * time.Second)
	for runtime.NumGoroutine() > before && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if after := runtime.NumGoroutine(); after > before {
		t.Fatalf("goroutines: %d before, %d after", before, after)
	}
}

func ExampleGraph_Walk() {
	g := New[string]()
	g.Connect("spec/auth", "code/auth")
	g.Connect("spec/auth", "code/session")
	g.Connect("spec/billing", "code/billing")
	out, _ := g.Walk(context.Background(), WalkOptions{Parallelism: 4}, func(ctx context.Context, v string) Result {
		if v == "spec/auth" {
			return Result{Status: Blocked, Err: errors.New("needs review")}
		}
		return Result{Status: Done}
	})
	for _, v := range g.Vertices() {
		o := out[v]
		if o.HasCause {
			fmt.Println(v, o.Status, "because of", o.Cause)
		} else {
			fmt.Println(v, o.Status)
		}
	}
	// Output:
	// code/auth skipped because of spec/auth
	// code/billing done
	// code/session skipped because of spec/auth
	// spec/auth blocked
	// spec/billing done
}

func TestWalkHugeParallelism(t *testing.T) {
	// The bound must not be used to size anything up front.
	out, err := diamond().Walk(context.Background(), WalkOptions{Parallelism: math.MaxInt}, func(context.Context, string) Result {
		return Result{Status: Done}
	})
	if err != nil || len(out) != 5 {
		t.Fatalf("out = %v, err = %v", out, err)
	}
}

// With LongestPathFirst and one callback at a time, every vertex starts
// only once no ready vertex has a longer chain below it.
func TestWalkLongestPathFirst(t *testing.T) {
	g := New[string]()
	// A chain z1 -> z2 -> z3 whose names sort after two lone vertices.
	g.Connect("z1", "z2")
	g.Connect("z2", "z3")
	g.Add("a")
	g.Add("b")
	var got []string
	var mu sync.Mutex
	_, err := g.Walk(context.Background(), WalkOptions{Parallelism: 1, LongestPathFirst: true}, func(_ context.Context, v string) Result {
		mu.Lock()
		got = append(got, v)
		mu.Unlock()
		return Result{Status: Done}
	})
	if err != nil {
		t.Fatal(err)
	}
	// z1 heads the longest chain (3); then z2 (2) beats a and b (1).
	want := []string{"z1", "z2", "a", "b", "z3"}
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("order = %v, want %v", got, want)
	}
	// Without the option the smallest ready vertex goes first.
	got = nil
	if _, err := g.Walk(context.Background(), WalkOptions{Parallelism: 1}, func(_ context.Context, v string) Result {
		got = append(got, v)
		return Result{Status: Done}
	}); err != nil {
		t.Fatal(err)
	}
	if strings.Join(got, " ") != "a b z1 z2 z3" {
		t.Errorf("default order = %v", got)
	}
}
