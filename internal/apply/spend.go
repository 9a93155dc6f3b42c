package apply

import (
	"context"
	"errors"
	"fmt"

	"github.com/kirofile/kirofile/internal/budget"
	"github.com/kirofile/kirofile/internal/cost"
	"github.com/kirofile/kirofile/internal/estimate"
	"github.com/kirofile/kirofile/internal/lockfile"
	"github.com/kirofile/kirofile/internal/tokens"
	"github.com/kirofile/kirofile/lang"
	"github.com/kirofile/kirofile/providers"
)

// Spend is what requests used and cost: from the endpoint's usage, or,
// where it reported none (a stream without usage, a request cut short),
// counted by kirofile's tokenizer and marked Estimated.
type Spend struct {
	Usage cost.Usage
	// Cost is the sum of each request's cost, each rounded up to the
	// micro-unit; Priced is false when the provider declares no price.
	Cost      cost.Money
	Priced    bool
	Estimated bool
	Requests  int
}

func (s *Spend) add(s2 Spend) {
	s.Usage.Add(s2.Usage)
	s.Cost = cost.Sum(s.Cost, s2.Cost)
	s.Priced = s.Priced || s2.Priced
	s.Estimated = s.Estimated || s2.Estimated
	s.Requests += s2.Requests
}

// Attempt is the spend of one request of a node.
type Attempt struct {
	Attempt int
	Spend
}

// nodeSpend is what a node's requests used in this run.
type nodeSpend struct {
	total    Spend
	attempts []Attempt
}

// request is one request about to be sent: its exact prompt tokens, and
// what the budget holds for it.
type request struct {
	counter     *tokens.Counter
	prompt      int64
	reservation *budget.Reservation
	// capped is the reply cap kirofile set itself (DefaultCap), 0 when the
	// provider's own applies.
	capped int64
}

// startRequest counts a request's prompt and asks the budget to let it
// through; under a budget, a request whose provider sets no max_tokens
// is sent with the default cap of its kind, so that its reply cannot run
// past what the budget counted.
func (r *run) startRequest(n lang.Node, providerKey string, req *providers.Request) (*request, error) {
	q := &request{counter: r.counters.ForProvider(r.cfg, providerKey)}
	q.prompt = int64(q.counter.Messages(req.Messages))
	if !r.opts.Budget.Active() {
		return q, nil
	}
	a := n.Address()
	limit, from := estimate.Cap(r.cfg, providerKey, a.Kind)
	if from == "default" {
		req.MaxTokens, q.capped = int(limit), limit
	}
	res, err := r.opts.Budget.Reserve(a.String(), a.Feature, providerKey, q.prompt, limit)
	if err != nil {
		// No new request starts from now on; those in flight, within the
		// budget, finish.
		r.stopWalk(err)
		return nil, err
	}
	q.reservation = res
	return q, nil
}

// endRequest records what a request used: the endpoint's usage, or, when
// it reported none, the tokens counted here (the prompt, and the reply or
// what streamed of it before a failure), marked estimated. A request that
// failed before any text arrived counts nothing.
func (r *run) endRequest(addr, providerKey string, attempt int, q *request, resp *providers.Response, streamed string, callErr error) providers.Usage {
	var u providers.Usage
	estimated := false
	switch {
	case resp != nil && resp.Usage.Reported():
		u = resp.Usage
	case resp != nil:
		u = providers.Usage{PromptTokens: int(q.prompt), CompletionTokens: q.counter.Count(resp.Text)}
		estimated = true
	case streamed != "" || errors.Is(callErr, providers.ErrTruncated):
		u = providers.Usage{PromptTokens: int(q.prompt), CompletionTokens: q.counter.Count(streamed)}
		estimated = true
	}
	u.TotalTokens = u.PromptTokens + u.CompletionTokens
	used := cost.Usage{Prompt: int64(u.PromptTokens), Cached: int64(u.CachedTokens), Completion: int64(u.CompletionTokens)}
	q.reservation.Settle(used)
	s := Spend{Usage: used, Estimated: estimated, Requests: 1}
	if p := lang.ProviderPrice(r.cfg.Providers[providerKey]); p != nil {
		s.Cost, s.Priced = p.Cost(used), true
	}
	a, _ := lang.ParseAddress(addr)
	r.mu.Lock()
	ns := r.spend[addr]
	if ns == nil {
		ns = &nodeSpend{}
		r.spend[addr] = ns
	}
	ns.total.add(s)
	ns.attempts = append(ns.attempts, Attempt{Attempt: attempt, Spend: s})
	for _, m := range []struct {
		to  map[string]*Spend
		key string
	}{{r.res.ByProvider, providerKey}, {r.res.ByFeature, a.Feature}} {
		t := m.to[m.key]
		if t == nil {
			t = &Spend{}
			m.to[m.key] = t
		}
		t.add(s)
	}
	r.mu.Unlock()
	if resp != nil {
		resp.Usage = u
	}
	return u
}

// explainCap says, of a reply cut at the cap kirofile set under a budget,
// where the cap came from.
func explainCap(err error, q *request, n lang.Node, providerKey string) error {
	if q == nil || q.capped == 0 || !errors.Is(err, providers.ErrTruncated) {
		return err
	}
	return fmt.Errorf("%w (under a budget, kirofile capped the reply at %d tokens, the default for a %s whose provider sets no max_tokens; set max_tokens in provider.%s)",
		err, q.capped, n.Address().Kind, providerKey)
}

// lockUsage is the usage the lock records for a node: what it spent in
// this run, every request counted, those that failed too, so that its
// tokens and its cost describe the same requests; u (the tokens of the
// replies used) when no request was counted. The caller holds r.mu.
func (r *run) lockUsage(addr string, u providers.Usage) lockfile.Usage {
	u = r.spentLocked(addr, u)
	out := lockfile.Usage{PromptTokens: u.PromptTokens, CompletionTokens: u.CompletionTokens, CachedTokens: u.CachedTokens}
	if ns := r.spend[addr]; ns != nil {
		s := ns.total
		out.Estimated = s.Estimated
		if s.Priced {
			out.Cost = s.Cost.String()
			out.Currency = r.cfg.Currency()
		}
	}
	return out
}

// spent is what a node's requests used in this run, every one counted
// (node_finished of a node that failed); u when none was.
func (r *run) spent(addr string, u providers.Usage) providers.Usage {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.spentLocked(addr, u)
}

func (r *run) spentLocked(addr string, u providers.Usage) providers.Usage {
	ns := r.spend[addr]
	if ns == nil || ns.total.Requests == 0 {
		return u
	}
	t := ns.total.Usage
	return providers.Usage{PromptTokens: int(t.Prompt), CachedTokens: int(t.Cached), CompletionTokens: int(t.Completion), TotalTokens: int(t.Total())}
}

// stopWalk stops the walk starting nodes: the budget is spent.
func (r *run) stopWalk(err error) {
	if r.stop != nil {
		r.stop(err)
	}
}

// budgetStopped reports whether err is the budget refusing a request.
func budgetStopped(err error) bool { return errors.Is(err, budget.ErrExceeded) }

// notStarted says why a node never started.
func notStarted(cause error) string {
	var ex *budget.ExceededError
	if errors.As(cause, &ex) {
		return fmt.Sprintf("not started: the run stopped at its budget (%s, %s)", ex.Limit.Scope(), ex.Limit.From)
	}
	if cause != nil && !errors.Is(cause, context.Canceled) {
		return "not started: " + cause.Error()
	}
	return "not started: the run was interrupted"
}
