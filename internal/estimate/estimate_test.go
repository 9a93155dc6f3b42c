package estimate

import (
	"strings"
	"testing"

	"github.com/kirofile/kirofile/internal/cost"
	"github.com/kirofile/kirofile/internal/plan"
	"github.com/kirofile/kirofile/internal/plan/plantest"
	"github.com/kirofile/kirofile/internal/prompt"
	"github.com/kirofile/kirofile/internal/tokens"
	"github.com/kirofile/kirofile/lang"
	"github.com/kirofile/kirofile/providers"
)

func build(t *testing.T, h *plantest.Harness) (*lang.Config, *plan.Plan, *Estimate) {
	t.Helper()
	cfg := h.Config()
	pl, diags := plan.NewPlanner(cfg, h.Lock, plan.Options{})
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	p, _ := pl.Build(plan.Options{})
	e, err := Build(cfg, h.Lock, p, pl, NewCounters(nil))
	if err != nil {
		t.Fatal(err)
	}
	return cfg, p, e
}

// The prompt tokens of an estimate are those of the prompt apply sends,
// counted exactly: the messages prompt.Build makes, counted with the
// provider's encoding (gpt-4o-mini: o200k_base).
func TestPromptIsTheOneSent(t *testing.T) {
	h := plantest.New(t)
	h.ReadyForCode()
	cfg, p, e := build(t, h)
	n := e.Node(plantest.ASvc)
	if n == nil {
		t.Fatalf("no estimate of the codegen; plan %+v", p.Changes)
	}
	a, _ := lang.ParseAddress(plantest.ASvc)
	parts, err := prompt.Build(cfg, cfg.Node(a), plan.Files(cfg.Dir, nil))
	if err != nil {
		t.Fatal(err)
	}
	c, _ := tokens.New(tokens.O200kBase, nil)
	want := int64(c.Messages(providers.BuildPrompt(parts)))
	if n.Prompt != want || !n.PromptExact || n.Tokenizer != tokens.O200kBase || n.TokenizerFrom != "model" {
		t.Errorf("prompt %d (exact %v, %s from %s), want %d", n.Prompt, n.PromptExact, n.Tokenizer, n.TokenizerFrom, want)
	}
	if n.Model != "gpt-4o-mini" || n.Attempts != lang.DefaultMaxAttempts {
		t.Errorf("model %q, attempts %d", n.Model, n.Attempts)
	}
	// No record of a last reply, no max_tokens: the defaults of a codegen.
	if n.Output != DefaultOutput[lang.NodeCodegen] || n.OutputFrom != "default" || n.OutputCap != DefaultCap[lang.NodeCodegen] || n.CapFrom != "default" {
		t.Errorf("output %d from %s, cap %d from %s", n.Output, n.OutputFrom, n.OutputCap, n.CapFrom)
	}
	// Three attempts, each prompt grown by the feedback of the one before.
	wantBound := 3*(n.Prompt+n.OutputCap) + (0+1+2)*n.Feedback
	if n.Tokens != n.Prompt+n.Output || n.Bound != wantBound {
		t.Errorf("tokens %d, bound %d; want %d, %d", n.Tokens, n.Bound, n.Prompt+n.Output, wantBound)
	}
	if n.Priced || e.Run.Unpriced != e.Run.Nodes {
		t.Error("priced without a price")
	}
	// Only what runs is estimated.
	for _, ch := range p.Changes {
		if (e.Node(ch.Address) != nil) != ch.State.Runs() {
			t.Errorf("%s (%s): estimated %v", ch.Address, ch.State, e.Node(ch.Address) != nil)
		}
	}
}

func TestLastReplyPriceAndCap(t *testing.T) {
	h := plantest.New(t)
	h.ReadyForCode()
	h.Write("Kirofile", strings.Replace(plantest.Kirofile, `model = "gpt-4o-mini"`,
		`model = "gpt-4o-mini"
  max_tokens = 5000
  price = { input = 0.15, cached_input = 0.075, output = 0.60 }`, 1))
	h.Generate(plantest.ASvc, map[string]string{"svc/a.go": "package svc\n"})
	rec := h.Lock.Node(plantest.ASvc)
	rec.Attempts, rec.Usage.CompletionTokens = 2, 7001 // 3,501 a reply, rounded up
	rec.Status = "failed"
	_, _, e := build(t, h)
	n := e.Node(plantest.ASvc)
	if n == nil {
		t.Fatal("the failed codegen is not estimated")
	}
	if n.Output != 3501 || n.OutputFrom != "last" || n.OutputCap != 5000 || n.CapFrom != "max_tokens" || n.OutputCapped {
		t.Errorf("output %d from %s (capped %v), cap %d from %s", n.Output, n.OutputFrom, n.OutputCapped, n.OutputCap, n.CapFrom)
	}
	price := cost.Price{Input: 150_000, CachedInput: 75_000, Output: 600_000, Currency: "USD"}
	if !n.Priced || n.Cost != price.Cost(cost.Usage{Prompt: n.Prompt, Completion: 3501}) {
		t.Errorf("cost %d", n.Cost)
	}
	var bound cost.Money
	for k := range int64(3) {
		bound += price.Cost(cost.Usage{Prompt: n.Prompt + k*n.Feedback, Completion: 5000})
	}
	if n.CostBound != bound || e.Features["a"].CostBound != bound || e.Features["a"].Cost != n.Cost || e.Currency != "USD" {
		t.Errorf("bound %d, want %d; run %+v", n.CostBound, bound, e.Run)
	}
	// A last reply longer than today's cap is expected at the cap, and
	// says so.
	rec.Usage.CompletionTokens = 20_000
	_, _, e = build(t, h)
	if n := e.Node(plantest.ASvc); n.Output != 5000 || n.OutputFrom != "last" || !n.OutputCapped {
		t.Errorf("output %d from %s, capped %v", n.Output, n.OutputFrom, n.OutputCapped)
	}
}

// A spec upstream generated first in the same apply: its document is not
// known, and counts at that spec's expected reply.
func TestUpstreamGeneratedFirst(t *testing.T) {
	h := plantest.New(t)
	h.Write("Kirofile", `
provider "openai" "main" {
  model = "gpt-4o-mini"
}
feature "a" {
  description = "A."
  spec "requirements" {
    approval = "auto"
  }
  spec "design" {
    approval = "auto"
  }
}
`)
	_, _, e := build(t, h)
	req, design := e.Node("feature.a.spec.requirements"), e.Node("feature.a.spec.design")
	if req == nil || design == nil {
		t.Fatal("both specs run")
	}
	if !req.PromptExact || design.PromptExact {
		t.Errorf("exact: requirements %v, design %v", req.PromptExact, design.PromptExact)
	}
	if design.Prompt < req.Output {
		t.Errorf("the design's prompt (%d) does not hold the requirements' expected reply (%d)", design.Prompt, req.Output)
	}
	// The bound counts the upstream at its cap: the requirements may
	// write up to 8,192 tokens, all of which the design's prompt holds.
	for _, tc := range []struct {
		name                  string
		n                     *Node
		wantPromptMax, wantUp int64
	}{
		{"requirements, nothing upstream", req, req.Prompt, 0},
		{"design, after the requirements", design, design.Prompt - req.Output + req.OutputCap, req.OutputCap},
	} {
		if tc.n.PromptMax != tc.wantPromptMax {
			t.Errorf("%s: prompt at most %d, want %d", tc.name, tc.n.PromptMax, tc.wantPromptMax)
		}
		wantBound := 2*(tc.n.PromptMax+tc.n.OutputCap) + tc.n.Feedback
		if tc.n.Bound != wantBound || tc.n.FeedbackTotal() != tc.n.Feedback {
			t.Errorf("%s: bound %d, want %d", tc.name, tc.n.Bound, wantBound)
		}
		// The expected figure keeps the expected reply of the upstream.
		if tc.n.Tokens != tc.n.Prompt+tc.n.Output {
			t.Errorf("%s: expected %d", tc.name, tc.n.Tokens)
		}
	}
	if e.Run.Nodes != 2 || e.Run.Tokens != req.Tokens+design.Tokens {
		t.Errorf("run %+v", e.Run)
	}
}
