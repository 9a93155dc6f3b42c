package budget

import (
	"errors"
	"strings"
	"sync"
	"testing"

	"github.com/kirofile/kirofile/internal/cost"
	"github.com/kirofile/kirofile/internal/estimate"
)

var price = cost.Price{Input: 1_000_000, CachedInput: 500_000, Output: 2_000_000, Currency: "USD"} // 1, 0.5, 2 per million

func TestFlag(t *testing.T) {
	for _, tc := range []struct {
		name   string
		values []string
		tokens int64
		cost   cost.Money // -1: none
	}{
		{"one of each", []string{"tokens=2_000_000", "cost=1.50"}, 2_000_000, 1_500_000},
		{"grouped by commas", []string{"tokens=1,000"}, 1_000, -1},
		{"grouped by underscores", []string{"tokens=12_345_678"}, 12_345_678, -1},
		// Repeated, the tightest holds, whatever the order.
		{"tokens tighter last", []string{"tokens=5000", "tokens=100"}, 100, -1},
		{"tokens looser last", []string{"tokens=100", "tokens=5000"}, 100, -1},
		{"cost looser last", []string{"cost=0.01", "cost=10"}, 0, 10_000},
		{"cost tighter last", []string{"cost=10", "cost=0"}, 0, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var f Flag
			for _, v := range tc.values {
				if err := f.Set(v); err != nil {
					t.Fatal(err)
				}
			}
			if f.Tokens != tc.tokens || f.HasCost != (tc.cost >= 0) || (f.HasCost && f.Cost != tc.cost) {
				t.Errorf("%v: %+v", tc.values, f)
			}
		})
	}
}

func TestFlagRefuses(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"tokens=0", `not "0"`},
		{"tokens=x", `2,000,000), not "x"`},
		{"tokens=1e6", `not "1e6"`},
		{"tokens=1,00", `not "1,00"`},
		{"tokens=1000,", `not "1000,"`},
		{"tokens=1.5", `not "1.5"`},
		{"tokens=-5", `not "-5"`},
		{"cost=-1", `"-1" is negative`},
		{"cost=1e3", `"1e3": write it in decimal, without an exponent`},
		{"cost=0.0000001", `"0.0000001" has more than six decimal places`},
		{"money=3", "want tokens=N or cost=AMOUNT"},
		{"5", "want tokens=N or cost=AMOUNT"},
	} {
		var f Flag
		err := f.Set(tc.in)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%q: %v, want %q", tc.in, err, tc.want)
		}
	}
}

// est is three specs, each of two attempts of its prompt and the default
// cap, the second prompt carrying 16,384 tokens of feedback.
func est() *estimate.Estimate {
	n := func(addr, feature string, prompt int64, c cost.Money) *estimate.Node {
		e := &estimate.Node{Address: addr, Feature: feature, Kind: "spec", Provider: "openai.main", CostBound: c, Priced: true,
			Attempts: 2, Prompt: prompt, PromptMax: prompt, OutputCap: 8192, CapFrom: "default", Feedback: 16_384}
		e.Bound = 2*(prompt+8192) + 16_384
		return e
	}
	return &estimate.Estimate{Nodes: []*estimate.Node{
		n("feature.a.spec.requirements", "a", 1000, 50_000), // 34,768
		n("feature.a.spec.design", "a", 5000, 60_000),       // 42,768
		n("feature.b.spec.requirements", "b", 100, 20_000),  // 32,968
	}}
}

func TestCheck(t *testing.T) {
	limits := []Limit{
		{Tokens: 120_000, From: "-budget", Currency: "USD"},                                     // fits: 110,504
		{Cost: 100_000, HasCost: true, From: "the budget block", Currency: "USD"},               // over: 0.13
		{Feature: "a", Tokens: 50_000, From: "feature_tokens", Currency: "USD"},                 // over: 77,536
		{Feature: "b", Tokens: 32_968, Cost: 20_000, HasCost: true, From: "x", Currency: "USD"}, // fits exactly
		{Tokens: 10, Cost: 10_000, HasCost: true, From: "-budget", Currency: "EUR"},             // over both
	}
	x := Check(est(), limits)
	if len(x) != 3 || x[0].Limit != limits[1] || x[1].Limit != limits[2] || x[2].Limit != limits[4] {
		t.Fatalf("excess %+v", x)
	}
	for i, tc := range []struct{ summary, detail string }{
		{"The run may take up to 0.13 USD, over its budget of 0.10 USD (the budget block)", ""},
		// Largest first; each node's parts add up to its bound:
		// 2 × (5,000 + 8,192) + 16,384 = 42,768.
		{"Feature.a may take up to 77,536 tokens, over its budget of 50,000 tokens (feature_tokens)",
			"The most it may take: feature.a.spec.design, 42,768 tokens = 2 attempts × (5,000 prompt + up to 8,192 reply, the default cap of a spec whose provider sets no max_tokens) + 16,384 of feedback in the later prompts (16,384 per failed attempt); " +
				"feature.a.spec.requirements, 34,768 tokens = 2 attempts × (1,000 prompt"},
		{"The run may take up to 110,504 tokens and 0.13 EUR, over its budget of 10 tokens and 0.01 EUR (-budget)", "; feature.b.spec.requirements, 32,968 tokens = 2 attempts × (100 prompt + up to 8,192 reply"},
	} {
		if got := x[i].Summary(); got != tc.summary {
			t.Errorf("summary %q, want %q", got, tc.summary)
		}
		if !strings.Contains(x[i].Error(), tc.detail) {
			t.Errorf("%q lacks %q", x[i].Error(), tc.detail)
		}
	}
	// A cost budget over a provider without a price cannot be checked.
	e := est()
	e.Nodes[2].Priced = false
	x = Check(e, []Limit{{Cost: 10_000_000, HasCost: true, From: "-budget"}})
	if len(x) != 1 || x[0].Unpriced != "openai.main" {
		t.Fatalf("unpriced: %+v", x)
	}
}

// Requests in parallel never together hold or spend more than the budget:
// each is let through only when what was spent, what is held and what it
// may take fit.
func TestGuardConcurrent(t *testing.T) {
	g := NewGuard([]Limit{{Tokens: 10_000, From: "-budget"}}, func(string) *cost.Price { return &price })
	var mu sync.Mutex
	held, maxHeld, through := int64(0), int64(0), 0
	var wg sync.WaitGroup
	for i := range 50 {
		wg.Go(func() {
			r, err := g.Reserve("n", "a", "openai.main", 100, 900)
			if err != nil {
				if !errors.Is(err, ErrExceeded) {
					t.Error(err)
				}
				return
			}
			mu.Lock()
			held += 1000
			maxHeld = max(maxHeld, held)
			through++
			mu.Unlock()
			used := cost.Usage{Prompt: 100, Completion: int64(100 + i%3)}
			mu.Lock()
			held -= 1000
			mu.Unlock()
			r.Settle(used)
		})
	}
	wg.Wait()
	if maxHeld > 10_000 || through == 0 {
		t.Errorf("held up to %d, %d through", maxHeld, through)
	}
	if g.Stopped() == nil {
		t.Error("50 requests of 1,000 fit a budget of 10,000")
	}
	// Once stopped, nothing more goes through.
	if _, err := g.Reserve("late", "a", "openai.main", 1, 1); err == nil {
		t.Error("a request went through after the budget stopped the run")
	}
}

func TestGuardSettlesWhatWasUsed(t *testing.T) {
	g := NewGuard([]Limit{{Feature: "a", Cost: 10_000, HasCost: true, From: "a's budget", Currency: "USD"}}, func(string) *cost.Price { return &price })
	// 1,000 prompt + 4,000 reply at most: 0.001 + 0.008 = 0.009.
	if _, err := g.Reserve("n1", "a", "openai.main", 1000, 4000); err != nil {
		t.Fatal(err)
	}
	// Held 0.009 of 0.01: a second such request does not fit while it is.
	if _, err := g.Reserve("n2", "a", "openai.main", 1000, 4000); err == nil {
		t.Fatal("over the budget while the first is in flight")
	}
	g2 := NewGuard([]Limit{{Feature: "a", Cost: 10_000, HasCost: true, Currency: "USD"}}, func(string) *cost.Price { return &price })
	r, _ := g2.Reserve("n1", "a", "openai.main", 1000, 4000)
	r.Settle(cost.Usage{Prompt: 1000, Completion: 500}) // used 0.002
	if _, err := g2.Reserve("n2", "a", "openai.main", 1000, 3000); err != nil {
		t.Errorf("0.002 spent + 0.007 fits 0.01: %v", err)
	}
	// Another feature's requests are not under a's budget.
	if _, err := g2.Reserve("n3", "b", "openai.main", 1_000_000, 1_000_000); err != nil {
		t.Errorf("b under a's budget: %v", err)
	}
	var ex *ExceededError
	_, err := g2.Reserve("n4", "a", "openai.main", 1000, 4000)
	if !errors.As(err, &ex) || !strings.Contains(err.Error(), "n4 not sent: feature.a has spent 0.002 USD (0.007 USD more in flight), and this request may cost 0.009 USD more, over its budget of 0.01 USD") {
		t.Errorf("%v", err)
	}
}
