package main

import (
	"strings"
	"testing"

	"github.com/kirofile/kirofile/internal/lockfile"
	"github.com/kirofile/kirofile/internal/plan"
)

// A codegen's spent line adds up its tasks' last generations, exactly;
// costs in two currencies are not added.
func TestTasksSpent(t *testing.T) {
	changes := []*plan.Change{{Address: "t1"}, {Address: "t2"}, {Address: "t3"}}
	usage := func(p, c int, cost, currency string) *lockfile.Node {
		return &lockfile.Node{Usage: lockfile.Usage{PromptTokens: p, CompletionTokens: c, Cost: cost, Currency: currency}}
	}
	for _, tc := range []struct {
		name  string
		nodes map[string]*lockfile.Node
		want  string
	}{
		{"none generated", map[string]*lockfile.Node{}, ""},
		{"one", map[string]*lockfile.Node{"t1": usage(1000, 234, "0.10", "USD")},
			"1,234 tokens (1,000 prompt, 234 completion), 0.10 USD, the last generation of 1 task"},
		{"exact sum", map[string]*lockfile.Node{"t1": usage(1, 2, "0.000001", "USD"), "t2": usage(3, 4, "0.1", "USD"), "t3": usage(0, 0, "", "")},
			"10 tokens (4 prompt, 6 completion), 0.100001 USD, the last generation of 2 tasks"},
		{"unpriced", map[string]*lockfile.Node{"t1": usage(5, 5, "", "")},
			"10 tokens (5 prompt, 5 completion), the last generation of 1 task"},
		{"two currencies", map[string]*lockfile.Node{"t1": usage(5, 5, "1", "USD"), "t2": usage(5, 5, "1", "EUR")},
			"20 tokens (10 prompt, 10 completion), the last generation of 2 tasks"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := tasksSpent(&lockfile.Lock{Nodes: tc.nodes}, changes); got != tc.want {
				t.Errorf("got %q, want %q", got, tc.want)
			}
		})
	}
}

// What a node's last generation spent: a generation that failed is not
// said to have been generated.
func TestUsageLines(t *testing.T) {
	for _, tc := range []struct {
		name string
		rec  lockfile.Node
		want string
	}{
		{"generated", lockfile.Node{Status: lockfile.StatusGenerated, Usage: lockfile.Usage{PromptTokens: 10, CompletionTokens: 5, Cost: "0.01", Currency: "USD"}},
			"  tokens:     10 prompt, 5 completion\n  cost:       0.01 USD, last time it was generated\n"},
		{"failed, counted", lockfile.Node{Status: lockfile.StatusFailed, Usage: lockfile.Usage{PromptTokens: 269, CompletionTokens: 12, Estimated: true, Cost: "0.000793", Currency: "USD"}},
			"  tokens:     269 prompt, 12 completion (some counted by kirofile: the endpoint reported no usage)\n  cost:       0.000793 USD, spent by its last generation, which failed\n"},
		{"cached, unpriced", lockfile.Node{Status: lockfile.StatusGenerated, Usage: lockfile.Usage{PromptTokens: 10, CachedTokens: 4, CompletionTokens: 5}},
			"  tokens:     10 prompt (4 cached), 5 completion\n"},
		{"nothing", lockfile.Node{Status: lockfile.StatusGenerated}, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var b strings.Builder
			usageLines(&b, &tc.rec)
			if b.String() != tc.want {
				t.Errorf("got %q, want %q", b.String(), tc.want)
			}
		})
	}
}
