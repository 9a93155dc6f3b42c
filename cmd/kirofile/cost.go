package main

import (
	"flag"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/hashicorp/hcl/v2"

	"github.com/kirofile/kirofile/internal/budget"
	"github.com/kirofile/kirofile/internal/cache"
	"github.com/kirofile/kirofile/internal/cost"
	"github.com/kirofile/kirofile/internal/estimate"
	"github.com/kirofile/kirofile/internal/lockfile"
	"github.com/kirofile/kirofile/internal/plan"
	"github.com/kirofile/kirofile/internal/prompt"
	"github.com/kirofile/kirofile/lang"
)

// budgetFlags is -budget, shared by plan and apply.
type budgetFlags struct {
	budget budget.Flag
}

func (b *budgetFlags) flags(fs *flag.FlagSet) {
	fs.Var(&b.budget, "budget", "Limit the run to `tokens=N` or cost=AMOUNT (in the providers' currency), on top of the Kirofile's budget blocks. Repeatable.")
}

// planCostOf estimates what pln will cost (files is the planner's view of
// the project) and checks it against the budgets in force. The counters
// it returns count the prompts apply sends, with the same cache.
func planCostOf(dir string, cfg *lang.Config, lock *lockfile.Lock, pln *plan.Plan, files estimate.Project, flag budget.Flag) (*planCost, *estimate.Counters, hcl.Diagnostics) {
	counters := estimate.NewCounters(cache.LoadTokens(dir))
	est, err := estimate.Build(cfg, lock, pln, files, counters)
	counters.Save()
	pc := &planCost{models: estimate.Models(cfg, pln, files)}
	if err != nil {
		// What stops the estimate (a context file that cannot be read)
		// stops the generation too, which says so.
		return pc, counters, hcl.Diagnostics{{Severity: hcl.DiagWarning, Summary: "Cannot estimate the cost", Detail: err.Error() + "."}}
	}
	pc.estimate = est
	pc.limits = budget.Limits(cfg, flag, est.FeatureNames())
	pc.excess = budget.Check(est, pc.limits)
	return pc, counters, nil
}

// guardOf is the budget guard of a run: the limits of every feature, so
// that what runs is covered whatever the estimate saw.
func guardOf(cfg *lang.Config, flag budget.Flag) *budget.Guard {
	limits := budget.Limits(cfg, flag, slices.Sorted(maps.Keys(cfg.Features)))
	return budget.NewGuard(limits, func(key string) *cost.Price { return lang.ProviderPrice(cfg.Providers[key]) })
}

// promptLimitWarnings warn about a node to generate whose prompt, counted,
// is over max_prompt_tokens, when plan's warning from file sizes (in
// diags) did not already: the count is exact where the sizes guess.
func promptLimitWarnings(cfg *lang.Config, pc *planCost, diags hcl.Diagnostics) hcl.Diagnostics {
	if pc == nil || pc.estimate == nil {
		return nil
	}
	limit := int64(cfg.Settings.PromptTokenLimit())
	var out hcl.Diagnostics
	for _, n := range pc.estimate.Nodes {
		if !n.PromptExact || n.Prompt <= limit {
			continue
		}
		if slices.ContainsFunc(diags, func(d *hcl.Diagnostic) bool { return d.Extra == prompt.OverLimit{Node: n.Address} }) {
			continue
		}
		d := &hcl.Diagnostic{
			Severity: hcl.DiagWarning,
			Summary:  "Prompt over max_prompt_tokens",
			Extra:    prompt.OverLimit{Node: n.Address},
			Detail: fmt.Sprintf("The prompt of %s is %s tokens (counted with %s), over max_prompt_tokens (%s); apply will refuse to send it. Make what it holds smaller or fewer, or raise max_prompt_tokens in the kirofile block if the model's context window allows.",
				n.Address, budget.Thousands(n.Prompt), n.Tokenizer, budget.Thousands(limit)),
		}
		if a, err := lang.ParseAddress(n.Address); err == nil {
			if a.Kind == lang.NodeTask {
				a = a.Codegen()
			}
			if node := cfg.Node(a); node != nil {
				rng := node.DeclRng()
				d.Subject = &rng
			}
		}
		out = append(out, d)
	}
	return out
}

// overBudgetWarnings say, in plan, what apply would refuse and what to
// cut.
func overBudgetWarnings(pc *planCost) hcl.Diagnostics {
	return budgetDiagnostics(pc, hcl.DiagWarning, "apply will refuse to start")
}

// overBudget is the error that stops apply before it starts.
func overBudget(pc *planCost) hcl.Diagnostics {
	return budgetDiagnostics(pc, hcl.DiagError, "Nothing was sent")
}

// budgetDiagnostics says, of each budget the plan's bound does not fit,
// by how much and what to cut, and then what follows.
func budgetDiagnostics(pc *planCost, severity hcl.DiagnosticSeverity, then string) hcl.Diagnostics {
	var diags hcl.Diagnostics
	for _, x := range pc.excess {
		diags = append(diags, &hcl.Diagnostic{Severity: severity, Summary: "Over budget", Detail: x.Error() + ". " + then + "."})
	}
	return diags
}

// budgetsNotChecked warns, of plan -estimate=false, that the budgets in
// force were not checked: nothing was counted.
func budgetsNotChecked(cfg *lang.Config, flag budget.Flag) hcl.Diagnostics {
	limits := budget.Limits(cfg, flag, slices.Sorted(maps.Keys(cfg.Features)))
	if len(limits) == 0 {
		return nil
	}
	var from []string
	for _, l := range limits {
		if !slices.Contains(from, l.From) {
			from = append(from, l.From)
		}
	}
	return hcl.Diagnostics{{Severity: hcl.DiagWarning, Summary: "Budgets not checked",
		Detail: fmt.Sprintf("With -estimate=false nothing is counted, so plan cannot say whether the run fits its budgets (%s). apply checks them before it sends anything.", strings.Join(from, "; "))}}
}
