package apply

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kirofile/kirofile/internal/budget"
	"github.com/kirofile/kirofile/internal/cost"
	"github.com/kirofile/kirofile/internal/estimate"
	"github.com/kirofile/kirofile/internal/lockfile"
	"github.com/kirofile/kirofile/internal/plan"
	"github.com/kirofile/kirofile/lang"
	"github.com/kirofile/kirofile/providers"
)

// meteredHost answers every spec with good requirements after a delay,
// reporting usage (or none), and keeps the largest max_tokens it was sent
// and how many requests were in flight at once.
type meteredHost struct {
	fakeHost
	usage providers.Usage
	delay time.Duration

	mu        sync.Mutex
	inFlight  int
	maxFlight int
	maxTokens []int
}

func (h *meteredHost) Provider(context.Context, string) (providers.Provider, error) { return h, nil }

func (h *meteredHost) Generate(ctx context.Context, req providers.Request, on providers.EventFunc) (*providers.Response, error) {
	h.mu.Lock()
	h.inFlight++
	h.maxFlight = max(h.maxFlight, h.inFlight)
	h.maxTokens = append(h.maxTokens, req.MaxTokens)
	h.mu.Unlock()
	defer func() {
		h.mu.Lock()
		h.inFlight--
		h.mu.Unlock()
	}()
	select {
	case <-time.After(h.delay):
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	return &providers.Response{Text: goodRequirements, FinishReason: providers.FinishStop, Usage: h.usage}, nil
}

func features(n int, provider string) string {
	var b strings.Builder
	b.WriteString(provider)
	for i := range n {
		fmt.Fprintf(&b, "feature \"f%d\" {\n  description = \"F%d.\"\n  spec \"requirements\" {\n    approval = \"auto\"\n  }\n}\n", i, i)
	}
	return b.String()
}

func applyWith(t *testing.T, kirofile string, host Host, guard *budget.Guard) (*lang.Config, *lockfile.Lock, *Result) {
	t.Helper()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "Kirofile"), []byte(kirofile), 0o644); err != nil {
		t.Fatal(err)
	}
	cfg, diags := lang.Load(dir, lang.LoadOptions{RequireVariables: true})
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	lock := lockfile.New()
	res, diags := Apply(context.Background(), cfg, lock, Options{Parallelism: 4, Host: host, Budget: guard})
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	return cfg, lock, res
}

// Parallel requests under a budget: no request starts unless what was
// spent and what the requests in flight may take leave room for it, so
// what was spent never passes the budget; the first refusal stops the run,
// what finished is recorded, and the rest is cancelled, not failed.
func TestBudgetStopsParallelRun(t *testing.T) {
	const provider = "provider \"openai\" \"main\" {\n  model = \"gpt-4o\"\n  max_tokens = 1000\n}\n"
	host := &meteredHost{usage: providers.Usage{PromptTokens: 400, CompletionTokens: 600, TotalTokens: 1000}, delay: 20 * time.Millisecond}
	const limit = 5_000
	cfg := mustLoad(t, features(12, provider))
	guard := budget.NewGuard(budget.Limits(cfg, budget.Flag{Tokens: limit}, nil), func(string) *cost.Price { return nil })
	_, lock, res := applyWith(t, features(12, provider), host, guard)
	spent := res.ByProvider["openai.main"]
	if spent == nil || spent.Usage.Total() > limit {
		t.Fatalf("spent %+v of a budget of %d", spent, limit)
	}
	if res.Budget == nil || !strings.Contains(res.Budget.Error(), "over its budget of 5,000 tokens (-budget)") {
		t.Fatalf("budget stop: %v", res.Budget)
	}
	generated, cancelled := res.Count(plan.Generated), res.Count(plan.Cancelled)
	if generated == 0 || generated+cancelled != 12 || res.Count(plan.Failed) != 0 {
		t.Errorf("%d generated, %d cancelled, %d failed", generated, cancelled, res.Count(plan.Failed))
	}
	if len(lock.Nodes) != generated {
		t.Errorf("the lock records %d nodes, %d were generated", len(lock.Nodes), generated)
	}
	for addr, n := range lock.Nodes {
		if n.Status != lockfile.StatusGenerated {
			t.Errorf("%s recorded %s", addr, n.Status)
		}
	}
	// The provider's own max_tokens bounds each reply: nothing added.
	for _, m := range host.maxTokens {
		if m != 0 {
			t.Errorf("max_tokens %d sent over the provider's own", m)
		}
	}
}

// Without max_tokens in the provider block, a request under a budget is
// sent with the default cap of its kind; without a budget, with nothing.
func TestBudgetSendsTheDefaultCap(t *testing.T) {
	const provider = "provider \"openai\" \"main\" {\n  model = \"gpt-4o\"\n}\n"
	for _, tc := range []struct {
		flag budget.Flag
		want int
	}{{budget.Flag{Tokens: 1_000_000}, 8192}, {budget.Flag{}, 0}} {
		host := &meteredHost{usage: providers.Usage{PromptTokens: 10, CompletionTokens: 10, TotalTokens: 20}}
		cfg := mustLoad(t, features(1, provider))
		guard := budget.NewGuard(budget.Limits(cfg, tc.flag, nil), func(string) *cost.Price { return nil })
		applyWith(t, features(1, provider), host, guard)
		if len(host.maxTokens) != 1 || host.maxTokens[0] != tc.want {
			t.Errorf("budget %+v: max_tokens %v, want %d", tc.flag, host.maxTokens, tc.want)
		}
	}
}

// An endpoint that reports no usage: kirofile counts the prompt it sent
// and the reply, marks them estimated, and prices them.
func TestUsageCountedWhenNotReported(t *testing.T) {
	const provider = "provider \"openai\" \"main\" {\n  model = \"gpt-4o\"\n  price = { input = 2.50, output = 10.00 }\n}\n"
	host := &meteredHost{}
	cfg, lock, res := applyWith(t, features(1, provider), host, nil)
	rec := lock.Node("feature.f0.spec.requirements")
	if rec == nil {
		t.Fatalf("not recorded: %+v", res.Nodes)
	}
	counter := estimateCounter(t, cfg)
	want := counter.Count(goodRequirements)
	if !rec.Usage.Estimated || rec.Usage.CompletionTokens != want || rec.Usage.PromptTokens == 0 {
		t.Errorf("usage %+v, want %d completion tokens, estimated", rec.Usage, want)
	}
	price := lang.ProviderPrice(cfg.Providers["openai.main"])
	wantCost := price.Cost(cost.Usage{Prompt: int64(rec.Usage.PromptTokens), Completion: int64(want)})
	if rec.Usage.Cost != wantCost.String() || rec.Usage.Currency != "USD" {
		t.Errorf("cost %s %s, want %s USD", rec.Usage.Cost, rec.Usage.Currency, wantCost)
	}
	s := res.ByFeature["f0"]
	if s == nil || !s.Estimated || s.Cost != wantCost || s.Requests != 1 {
		t.Errorf("feature spend %+v", s)
	}
}

func mustLoad(t *testing.T, kirofile string) *lang.Config {
	t.Helper()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "Kirofile"), []byte(kirofile), 0o644); err != nil {
		t.Fatal(err)
	}
	cfg, diags := lang.Load(dir, lang.LoadOptions{})
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	return cfg
}

func estimateCounter(t *testing.T, cfg *lang.Config) interface{ Count(string) int } {
	t.Helper()
	return estimate.NewCounters(nil).ForProvider(cfg, "openai.main")
}
