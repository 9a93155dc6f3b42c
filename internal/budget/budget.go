// Package budget holds an apply to what it was given to spend: before it
// starts, the plan's upper bound must fit every budget (Check); while it
// runs, no request starts unless what was spent, what requests in flight
// may still spend and what this one may spend fit too (Guard).
package budget

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"sync"

	"github.com/kirofile/kirofile/internal/cost"
	"github.com/kirofile/kirofile/internal/estimate"
	"github.com/kirofile/kirofile/lang"
)

// Limit is one budget: of the run (Feature "") or of one feature, in
// tokens and/or money. Zero Tokens means no limit on tokens; HasCost says
// whether Cost is one.
type Limit struct {
	Feature string
	Tokens  int64
	Cost    cost.Money
	HasCost bool
	// Currency is the currency of Cost, that of the configuration's
	// prices, for messages.
	Currency string
	// From says where it was set, for messages: "the budget block at
	// Kirofile:3,1-7", "-budget".
	From string
}

// Money words an amount in the limit's currency: "0.21 USD".
func (l Limit) Money(m cost.Money) string {
	if l.Currency == "" {
		return m.String()
	}
	return m.String() + " " + l.Currency
}

// Scope names what a limit bounds: "the run" or "feature.NAME".
func (l Limit) Scope() string {
	if l.Feature == "" {
		return "the run"
	}
	return "feature." + l.Feature
}

// Flag is what -budget gave: limits on the whole run, on top of those of
// the configuration (a flag can only tighten them). Given more than once,
// the tightest limit of each kind holds: a flag never loosens another, as
// it never loosens a budget block.
type Flag struct {
	Tokens  int64
	Cost    cost.Money
	HasCost bool
}

// Set parses one -budget value: "tokens=N" or "cost=AMOUNT".
func (f *Flag) Set(v string) error {
	k, val, ok := strings.Cut(v, "=")
	if !ok {
		return fmt.Errorf("want tokens=N or cost=AMOUNT, not %q", v)
	}
	switch strings.TrimSpace(k) {
	case "tokens":
		n, err := parseTokens(val)
		if err != nil {
			return err
		}
		if f.Tokens == 0 || n < f.Tokens {
			f.Tokens = n
		}
	case "cost":
		m, err := cost.ParseMoney(val)
		if err != nil {
			return fmt.Errorf("cost: %w", err)
		}
		if !f.HasCost || m < f.Cost {
			f.Cost, f.HasCost = m, true
		}
	default:
		return fmt.Errorf("want tokens=N or cost=AMOUNT, not %q", v)
	}
	return nil
}

// parseTokens reads a count of tokens: digits, grouped by thousands with
// "_" or "," if you like (2000000, 2_000_000, 2,000,000).
func parseTokens(val string) (int64, error) {
	s := strings.TrimSpace(val)
	bad := fmt.Errorf("tokens must be a whole number of at least 1, in digits, which \"_\" or \",\" may group by thousands (2000000, 2_000_000, 2,000,000), not %q", val)
	if sep := strings.IndexAny(s, "_,"); sep >= 0 {
		groups := strings.FieldsFunc(s, func(r rune) bool { return r == '_' || r == ',' })
		if len(groups) != strings.Count(s, "_")+strings.Count(s, ",")+1 || len(groups[0]) > 3 {
			return 0, bad
		}
		for _, g := range groups[1:] {
			if len(g) != 3 {
				return 0, bad
			}
		}
		s = strings.Join(groups, "")
	}
	for _, r := range s {
		if r < '0' || r > '9' {
			return 0, bad
		}
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n < 1 || n > math.MaxInt64/4 {
		return 0, bad
	}
	return n, nil
}

// String is the flag as given, for help.
func (f *Flag) String() string { return "" }

// Limits lists every budget in force: the configuration's and the flag's.
// A feature's own budget block replaces the top level's feature_tokens and
// feature_cost for it; features named are those p generates (features).
func Limits(cfg *lang.Config, flag Flag, features []string) []Limit {
	var out []Limit
	if b := cfg.Budget; b != nil {
		from := "the budget block at " + b.DeclRange.String()
		if b.Tokens > 0 || b.CostSet {
			out = append(out, Limit{Tokens: b.Tokens, Cost: b.Cost, HasCost: b.CostSet, From: from})
		}
	}
	if flag.Tokens > 0 || flag.HasCost {
		out = append(out, Limit{Tokens: flag.Tokens, Cost: flag.Cost, HasCost: flag.HasCost, From: "-budget"})
	}
	for _, name := range features {
		f := cfg.Features[name]
		switch {
		case f != nil && f.Budget != nil:
			b := f.Budget
			if b.Tokens > 0 || b.CostSet {
				out = append(out, Limit{Feature: name, Tokens: b.Tokens, Cost: b.Cost, HasCost: b.CostSet, From: "the budget block at " + b.DeclRange.String()})
			}
		case cfg.Budget != nil && (cfg.Budget.FeatureTokens > 0 || cfg.Budget.FeatureCostSet):
			b := cfg.Budget
			out = append(out, Limit{Feature: name, Tokens: b.FeatureTokens, Cost: b.FeatureCost, HasCost: b.FeatureCostSet,
				From: "feature_tokens/feature_cost of the budget block at " + b.DeclRange.String()})
		}
	}
	// Amounts are in the prices' currency (USD when none names one).
	currency := cfg.Currency()
	if currency == "" {
		currency = cost.DefaultCurrency
	}
	for i := range out {
		out[i].Currency = currency
	}
	return out
}

// Excess is a budget the plan's upper bound does not fit.
type Excess struct {
	Limit Limit
	// Tokens and Cost are the bound of what the limit covers.
	Tokens int64
	Cost   cost.Money
	// Unpriced names a provider without a price: a cost budget cannot be
	// checked against its nodes.
	Unpriced string
	// Cut lists the largest nodes under the limit, largest first.
	Cut []*estimate.Node
}

// Summary says what does not fit, in one sentence.
func (x *Excess) Summary() string {
	if x.Unpriced != "" {
		return fmt.Sprintf("%s has a cost budget (%s), but provider.%s declares no price", capital(x.Limit.Scope()), x.Limit.From, x.Unpriced)
	}
	s := x.Error()
	if i := strings.Index(s, ". The most it may take"); i >= 0 {
		return s[:i]
	}
	if i := strings.Index(s, ". To fit"); i >= 0 {
		return s[:i]
	}
	return s
}

// Error says what does not fit and what to cut.
func (x *Excess) Error() string {
	var b strings.Builder
	if x.Unpriced != "" {
		fmt.Fprintf(&b, "%s has a cost budget (%s), but provider.%s declares no price, so what its nodes cost cannot be bounded; give it a price (price = { input = ..., output = ... }, per million tokens)",
			capital(x.Limit.Scope()), x.Limit.From, x.Unpriced)
		return b.String()
	}
	var took, limit []string
	if x.Limit.Tokens > 0 && x.Tokens > x.Limit.Tokens {
		took = append(took, Thousands(x.Tokens)+" tokens")
		limit = append(limit, Thousands(x.Limit.Tokens)+" tokens")
	}
	if x.Limit.HasCost && x.Cost > x.Limit.Cost {
		took = append(took, x.Limit.Money(x.Cost))
		limit = append(limit, x.Limit.Money(x.Limit.Cost))
	}
	fmt.Fprintf(&b, "%s may take up to %s, over its budget of %s (%s)", capital(x.Limit.Scope()), strings.Join(took, " and "), strings.Join(limit, " and "), x.Limit.From)
	if len(x.Cut) > 0 {
		b.WriteString(". The most it may take: ")
		for i, n := range x.Cut {
			if i == 3 {
				fmt.Fprintf(&b, "; and %d more", len(x.Cut)-i)
				break
			}
			if i > 0 {
				b.WriteString("; ")
			}
			fmt.Fprintf(&b, "%s, %s", n.Address, boundParts(n))
		}
	}
	b.WriteString(". To fit, apply fewer nodes at once (-target), lower max_attempts or max_tokens, make the prompts smaller, or raise the budget")
	return b.String()
}

// boundParts words a node's bound as the parts that add up to it:
// "105,021 tokens = 3 attempts × (2,623 prompt + up to 16,000 reply, the
// max_tokens of provider.openai.main) + 49,152 of feedback in the later
// prompts (16,384 per failed attempt)".
func boundParts(n *estimate.Node) string {
	s := fmt.Sprintf("%s tokens = %s × (%s prompt + up to %s reply, %s)", Thousands(n.Bound), attempts(n.Attempts),
		Thousands(n.PromptMax), Thousands(n.OutputCap), capPhrase(n))
	if f := n.FeedbackTotal(); f > 0 {
		s += fmt.Sprintf(" + %s of feedback in the later prompts (%s per failed attempt)", Thousands(f), Thousands(n.Feedback))
	}
	return s
}

func attempts(n int) string {
	if n == 1 {
		return "1 attempt"
	}
	return fmt.Sprintf("%d attempts", n)
}

func capPhrase(n *estimate.Node) string {
	if n.CapFrom == "max_tokens" {
		return "the max_tokens of provider." + n.Provider
	}
	return "the default cap of a " + n.Kind + " whose provider sets no max_tokens"
}

func capital(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

// Check compares the plan's upper bound with every limit.
func Check(e *estimate.Estimate, limits []Limit) []*Excess {
	var out []*Excess
	for _, l := range limits {
		var tokens int64
		var money cost.Money
		unpriced := ""
		var nodes []*estimate.Node
		for _, n := range e.Largest(l.Feature) {
			nodes = append(nodes, n)
			tokens += n.Bound
			money = cost.Sum(money, n.CostBound)
			if !n.Priced && unpriced == "" {
				unpriced = n.Provider
			}
		}
		switch {
		case l.HasCost && unpriced != "":
			out = append(out, &Excess{Limit: l, Unpriced: unpriced})
		case l.Tokens > 0 && tokens > l.Tokens, l.HasCost && money > l.Cost:
			out = append(out, &Excess{Limit: l, Tokens: tokens, Cost: money, Cut: nodes})
		}
	}
	return out
}

// Thousands writes n with comma separators.
func Thousands(n int64) string {
	s := strconv.FormatInt(n, 10)
	for i := len(s) - 3; i > 0 && s[i-1] != '-'; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}

// ErrExceeded is what a request the budget refuses fails with.
var ErrExceeded = errors.New("budget reached")

// ExceededError says which budget refused a request.
type ExceededError struct {
	Limit Limit
	// Spent and Reserved are what the limit covers so far: spent, and held
	// by requests in flight; Tokens and Cost what the request may take.
	Spent, Reserved cost.Usage
	SpentCost       cost.Money
	ReservedCost    cost.Money
	Tokens          int64
	Cost            cost.Money
	Node            string
}

func (e *ExceededError) Error() string {
	if e.Limit.Tokens > 0 && e.Spent.Total()+e.Reserved.Total()+e.Tokens > e.Limit.Tokens {
		return fmt.Sprintf("%s not sent: %s has spent %s tokens (%s more in flight), and this request may take %s more, over its budget of %s tokens (%s)",
			e.Node, e.Limit.Scope(), Thousands(e.Spent.Total()), Thousands(e.Reserved.Total()), Thousands(e.Tokens), Thousands(e.Limit.Tokens), e.Limit.From)
	}
	l := e.Limit
	return fmt.Sprintf("%s not sent: %s has spent %s (%s more in flight), and this request may cost %s more, over its budget of %s (%s)",
		e.Node, l.Scope(), l.Money(e.SpentCost), l.Money(e.ReservedCost), l.Money(e.Cost), l.Money(l.Cost), l.From)
}

func (e *ExceededError) Unwrap() error { return ErrExceeded }

// Guard holds a run to its limits. It is safe for concurrent use.
type Guard struct {
	limits []Limit
	price  func(provider string) *cost.Price
	mu     sync.Mutex
	spent  map[int]*account
	// stopped is the first refusal; once set, nothing more is sent.
	stopped *ExceededError
}

type account struct {
	spent, held         cost.Usage
	spentCost, heldCost cost.Money
}

// NewGuard returns a guard of limits; price gives a provider block's
// price (nil for none).
func NewGuard(limits []Limit, price func(provider string) *cost.Price) *Guard {
	g := &Guard{limits: limits, price: price, spent: map[int]*account{}}
	for i := range limits {
		g.spent[i] = &account{}
	}
	return g
}

// Active reports whether any limit is in force.
func (g *Guard) Active() bool { return g != nil && len(g.limits) > 0 }

// Stopped returns the refusal that stopped the run, or nil.
func (g *Guard) Stopped() *ExceededError {
	if g == nil {
		return nil
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.stopped
}

// Reservation is a request the guard let through: Settle it with what the
// request used once it ended, failed or not.
type Reservation struct {
	g        *Guard
	feature  string
	provider string
	usage    cost.Usage
	cost     cost.Money
	settled  bool
}

// Reserve lets a request through, or refuses it: prompt is its exact
// prompt tokens, maxOutput the most it may reply. Once a request was
// refused, every later one is.
func (g *Guard) Reserve(node, feature, provider string, prompt, maxOutput int64) (*Reservation, error) {
	r := &Reservation{g: g, feature: feature, provider: provider, usage: cost.Usage{Prompt: prompt, Completion: maxOutput}}
	if !g.Active() {
		return r, nil
	}
	if p := g.price(provider); p != nil {
		r.cost = p.Cost(r.usage)
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.stopped != nil {
		e := *g.stopped
		e.Node = node
		return nil, &e
	}
	for i, l := range g.limits {
		if l.Feature != "" && l.Feature != feature {
			continue
		}
		a := g.spent[i]
		over := l.Tokens > 0 && a.spent.Total()+a.held.Total()+r.usage.Total() > l.Tokens
		if l.HasCost {
			over = over || cost.Sum(cost.Sum(a.spentCost, a.heldCost), r.cost) > l.Cost
		}
		if over {
			g.stopped = &ExceededError{Limit: l, Spent: a.spent, Reserved: a.held, SpentCost: a.spentCost, ReservedCost: a.heldCost,
				Tokens: r.usage.Total(), Cost: r.cost, Node: node}
			return nil, g.stopped
		}
	}
	for i, l := range g.limits {
		if l.Feature != "" && l.Feature != feature {
			continue
		}
		a := g.spent[i]
		a.held.Add(r.usage)
		a.heldCost = cost.Sum(a.heldCost, r.cost)
	}
	return r, nil
}

// Settle replaces what a request held with what it used.
func (r *Reservation) Settle(used cost.Usage) {
	if r == nil || r.settled || !r.g.Active() {
		return
	}
	r.settled = true
	g := r.g
	var spent cost.Money
	if p := g.price(r.provider); p != nil {
		spent = p.Cost(used)
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	for i, l := range g.limits {
		if l.Feature != "" && l.Feature != r.feature {
			continue
		}
		a := g.spent[i]
		a.held.Prompt -= r.usage.Prompt
		a.held.Completion -= r.usage.Completion
		a.heldCost -= r.cost
		a.spent.Add(used)
		a.spentCost = cost.Sum(a.spentCost, spent)
	}
}
