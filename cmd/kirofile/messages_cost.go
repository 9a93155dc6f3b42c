package main

import (
	"github.com/kirofile/kirofile/internal/apply"
	"github.com/kirofile/kirofile/internal/budget"
	"github.com/kirofile/kirofile/internal/cost"
	"github.com/kirofile/kirofile/internal/estimate"
	"github.com/kirofile/kirofile/internal/lockfile"
)

// planCost is what a plan will cost: the estimate of the nodes it
// generates, the model of every node, and the budgets it does not fit.
// Nil where nothing was estimated (a saved plan shown, -refresh-only).
type planCost struct {
	estimate *estimate.Estimate
	models   map[string]string
	limits   []budget.Limit
	excess   []*budget.Excess
}

// estimateField is a node's estimate in planned_change: what its first
// attempt sends (prompt_tokens, exact unless a spec upstream is generated
// first) and is expected to get back (output_tokens: its last reply's, or
// a default per kind; at most output_cap), how many attempts it may take,
// and what that comes to, expected (one attempt) and at most (every
// attempt, each prompt grown by the feedback of the one before).
type estimateField struct {
	Tokenizer     string `json:"tokenizer"`
	TokenizerFrom string `json:"tokenizer_from"`
	PromptTokens  int64  `json:"prompt_tokens"`
	PromptExact   bool   `json:"prompt_exact"`
	// PromptTokensMax is the first prompt in tokens_max: each upstream
	// generated first counted at its cap.
	PromptTokensMax int64  `json:"prompt_tokens_max"`
	OutputTokens    int64  `json:"output_tokens"`
	OutputFrom      string `json:"output_from"`
	// OutputCapped: the last reply was longer than the cap, which holds.
	OutputCapped bool   `json:"output_capped"`
	OutputCap    int64  `json:"output_cap"`
	CapFrom      string `json:"cap_from"`
	Attempts     int    `json:"attempts"`
	Tokens       int64  `json:"tokens"`
	TokensMax    int64  `json:"tokens_max"`
	// Cost and CostMax are decimal amounts in the plan's currency; absent
	// when the provider declares no price.
	Cost    string `json:"cost,omitempty"`
	CostMax string `json:"cost_max,omitempty"`
}

func newEstimateField(n *estimate.Node) *estimateField {
	if n == nil {
		return nil
	}
	f := &estimateField{Tokenizer: string(n.Tokenizer), TokenizerFrom: n.TokenizerFrom, PromptTokens: n.Prompt, PromptExact: n.PromptExact,
		PromptTokensMax: n.PromptMax, OutputTokens: n.Output, OutputFrom: n.OutputFrom, OutputCapped: n.OutputCapped, OutputCap: n.OutputCap, CapFrom: n.CapFrom, Attempts: n.Attempts,
		Tokens: n.Tokens, TokensMax: n.Bound}
	if n.Priced {
		f.Cost, f.CostMax = n.Cost.String(), n.CostBound.String()
	}
	return f
}

// totalField adds up the estimates of a feature or of the run.
type totalField struct {
	Nodes     int    `json:"nodes"`
	Tokens    int64  `json:"tokens"`
	TokensMax int64  `json:"tokens_max"`
	Cost      string `json:"cost,omitempty"`
	CostMax   string `json:"cost_max,omitempty"`
	// Unpriced counts the nodes whose provider declares no price: their
	// cost is in neither Cost nor CostMax.
	Unpriced int `json:"unpriced"`
}

func newTotalField(t *estimate.Total) *totalField {
	f := &totalField{Nodes: t.Nodes, Tokens: t.Tokens, TokensMax: t.Bound, Unpriced: t.Unpriced}
	if t.Nodes > t.Unpriced {
		f.Cost, f.CostMax = t.Cost.String(), t.CostBound.String()
	}
	return f
}

// estimateSummaryField is the estimate of a whole plan.
type estimateSummaryField struct {
	Run      *totalField            `json:"run"`
	Features map[string]*totalField `json:"features"`
	// Currency of every cost; "" when no provider declares a price.
	Currency string `json:"currency,omitempty"`
}

// budgetField is one budget in force and whether the plan fits it.
type budgetField struct {
	// Scope is "run" or a feature's address; From where the budget was
	// set.
	Scope  string `json:"scope"`
	From   string `json:"from"`
	Tokens int64  `json:"tokens,omitempty"`
	Cost   string `json:"cost,omitempty"`
	// Fits is false when the plan's upper bound is over it, or a cost
	// budget covers a provider without a price; Message says so.
	Fits    bool   `json:"fits"`
	Message string `json:"message,omitempty"`
}

func newBudgetFields(c *planCost) []budgetField {
	out := []budgetField{}
	if c == nil {
		return out
	}
	for _, l := range c.limits {
		f := budgetField{Scope: "run", From: l.From, Tokens: l.Tokens, Fits: true}
		if l.Feature != "" {
			f.Scope = "feature." + l.Feature
		}
		if l.HasCost {
			f.Cost = l.Cost.String()
		}
		for _, x := range c.excess {
			if x.Limit == l {
				f.Fits, f.Message = false, x.Error()
			}
		}
		out = append(out, f)
	}
	return out
}

func newEstimateSummary(c *planCost) *estimateSummaryField {
	if c == nil || c.estimate == nil {
		return nil
	}
	e := c.estimate
	f := &estimateSummaryField{Run: newTotalField(&e.Run), Features: map[string]*totalField{}, Currency: e.Currency}
	for name, t := range e.Features {
		f.Features[name] = newTotalField(t)
	}
	return f
}

// spendField is what requests used and cost.
type spendField struct {
	PromptTokens     int64 `json:"prompt_tokens"`
	CachedTokens     int64 `json:"cached_tokens"`
	CompletionTokens int64 `json:"completion_tokens"`
	// Estimated is true when kirofile counted some of the tokens: the
	// endpoint reported no usage for them.
	Estimated bool `json:"estimated"`
	// Cost is a decimal amount; absent when the provider declares no
	// price.
	Cost     string `json:"cost,omitempty"`
	Requests int    `json:"requests"`
}

func newSpendField(s *apply.Spend) *spendField {
	if s == nil {
		return nil
	}
	f := &spendField{PromptTokens: s.Usage.Prompt, CachedTokens: s.Usage.Cached, CompletionTokens: s.Usage.Completion, Estimated: s.Estimated, Requests: s.Requests}
	if s.Priced {
		f.Cost = s.Cost.String()
	}
	return f
}

// attemptField is one request of a node.
type attemptField struct {
	Attempt          int    `json:"attempt"`
	PromptTokens     int64  `json:"prompt_tokens"`
	CachedTokens     int64  `json:"cached_tokens"`
	CompletionTokens int64  `json:"completion_tokens"`
	Estimated        bool   `json:"estimated"`
	Cost             string `json:"cost,omitempty"`
}

func newAttemptFields(as []apply.Attempt) []attemptField {
	out := []attemptField{}
	for _, a := range as {
		f := attemptField{Attempt: a.Attempt, PromptTokens: a.Usage.Prompt, CachedTokens: a.Usage.Cached, CompletionTokens: a.Usage.Completion, Estimated: a.Estimated}
		if a.Priced {
			f.Cost = a.Cost.String()
		}
		out = append(out, f)
	}
	return out
}

// recordedUsageField is what a node's last generation used, as the lock
// records it (show).
type recordedUsageField struct {
	PromptTokens     int    `json:"prompt_tokens"`
	CachedTokens     int    `json:"cached_tokens"`
	CompletionTokens int    `json:"completion_tokens"`
	Estimated        bool   `json:"estimated"`
	Cost             string `json:"cost,omitempty"`
	Currency         string `json:"currency,omitempty"`
}

func newRecordedUsage(u lockfile.Usage) *recordedUsageField {
	if u == (lockfile.Usage{}) {
		return nil
	}
	return &recordedUsageField{PromptTokens: u.PromptTokens, CachedTokens: u.CachedTokens, CompletionTokens: u.CompletionTokens,
		Estimated: u.Estimated, Cost: u.Cost, Currency: u.Currency}
}

// money words an amount with its currency: "0.0215 USD".
func money(m cost.Money, currency string) string {
	if currency == "" {
		return m.String()
	}
	return m.String() + " " + currency
}
