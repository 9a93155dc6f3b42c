// Package estimate says, before anything is sent, what an apply will ask
// of its models: for every node the plan will generate, the tokens of the
// prompt it would send (counted exactly, with its provider's tokenizer),
// the tokens it may expect back, how many attempts it may take, and what
// that costs where the provider declares a price; and the totals per
// feature and for the run, expected and at most.
package estimate

import (
	"fmt"
	"maps"
	"runtime"
	"slices"
	"sort"
	"sync"

	"github.com/kirofile/kirofile/internal/cache"
	"github.com/kirofile/kirofile/internal/cost"
	"github.com/kirofile/kirofile/internal/hook"
	"github.com/kirofile/kirofile/internal/lockfile"
	"github.com/kirofile/kirofile/internal/plan"
	"github.com/kirofile/kirofile/internal/prompt"
	"github.com/kirofile/kirofile/internal/tokens"
	"github.com/kirofile/kirofile/lang"
	"github.com/kirofile/kirofile/providers"
)

// SpecAttempts is how often apply asks for a spec at most: once, and once
// more with the findings of its checks or its failing feedback hooks.
const SpecAttempts = 2

// DefaultOutput is the reply a node is expected to get, per attempt, when
// the lock has no record of its last one: a spec document of a few pages,
// a codegen's files, a task's share of them (new files, or SEARCH/REPLACE
// edits of the files earlier tasks wrote). A task's cap is a codegen's: a
// single task may still write a large file whole.
var DefaultOutput = map[string]int64{lang.NodeSpec: 4_000, lang.NodeCodegen: 8_000, lang.NodeTask: 4_000}

// DefaultCap bounds a reply when the provider block sets no max_tokens:
// under a budget, apply sends it as the request's max_tokens, so that no
// reply can run past what the budget counted.
var DefaultCap = map[string]int64{lang.NodeSpec: 8_192, lang.NodeCodegen: 16_384}

// Feedback is what a failed attempt adds to the prompt of the next, at
// most, as apply builds it: the reply shown back (its document, or the
// files it wrote, up to 64 KiB: FeedbackShown tokens at most) and the
// output of each failing feedback hook (up to 16 KiB: FeedbackHook
// tokens).
const (
	FeedbackShown = 16_384
	FeedbackHook  = 4_096
)

// Node is the estimate of one node.
type Node struct {
	Address string
	Feature string
	Kind    string
	// Provider is the provider block's key ("TYPE.NAME"), Model its model.
	Provider string
	Model    string
	// Tokenizer counted the prompt; TokenizerFrom says how it was chosen:
	// "declared" (the block's tokenizer), "model", or "fallback".
	Tokenizer     tokens.Encoding
	TokenizerFrom string
	// Prompt is the first attempt's prompt tokens. It is exact unless a
	// spec upstream is generated first in the same apply: then its
	// document counts at that spec's expected output.
	Prompt      int64
	PromptExact bool
	// PromptMax is the most the first attempt's prompt may be: Prompt,
	// with each upstream generated first in the same apply counted at its
	// cap rather than at its expected reply. The bound counts it, so that
	// a plan within its budget is one the runtime guard lets through.
	PromptMax int64
	// Output is the reply expected per attempt: the node's last, from the
	// lock ("last"), else DefaultOutput ("default"), at most OutputCap;
	// OutputCapped says the last was longer and the cap holds it.
	Output       int64
	OutputFrom   string
	OutputCapped bool
	// OutputCap bounds a reply: the provider's max_tokens ("max_tokens")
	// or DefaultCap ("default").
	OutputCap int64
	CapFrom   string
	// Attempts is the most attempts the node may take.
	Attempts int
	// Feedback is what each failed attempt may add to the next prompt.
	Feedback int64
	// Tokens is what one attempt is expected to take; Bound what every
	// attempt together may take at most.
	Tokens int64
	Bound  int64
	// Cost and CostBound price Tokens and Bound; Priced is false when the
	// provider declares no price.
	Cost      cost.Money
	CostBound cost.Money
	Priced    bool
}

// Total adds up nodes.
type Total struct {
	Nodes     int
	Tokens    int64
	Bound     int64
	Cost      cost.Money
	CostBound cost.Money
	// Unpriced counts the nodes whose provider declares no price: their
	// cost is not in Cost.
	Unpriced int
}

func (t *Total) add(n *Node) {
	t.Nodes++
	t.Tokens += n.Tokens
	t.Bound += n.Bound
	if n.Priced {
		t.Cost = cost.Sum(t.Cost, n.Cost)
		t.CostBound = cost.Sum(t.CostBound, n.CostBound)
	} else {
		t.Unpriced++
	}
}

// Estimate is what a plan will ask of its models.
type Estimate struct {
	// Nodes are the nodes the plan generates, in its order.
	Nodes    []*Node
	Features map[string]*Total
	Run      Total
	// Currency of the costs; "" when no provider declares a price.
	Currency string
}

// Node returns the estimate of a node, or nil.
func (e *Estimate) Node(addr string) *Node {
	if e == nil {
		return nil
	}
	for _, n := range e.Nodes {
		if n.Address == addr {
			return n
		}
	}
	return nil
}

// FeatureNames are the features with nodes to generate, sorted.
func (e *Estimate) FeatureNames() []string { return slices.Sorted(maps.Keys(e.Features)) }

// Counters hands out token counters per encoding, sharing one cache. It
// is safe for concurrent use.
type Counters struct {
	cache *cache.Tokens
	mu    sync.Mutex
	m     map[tokens.Encoding]*tokens.Counter
}

// NewCounters returns counters caching their counts in c (may be nil).
func NewCounters(c *cache.Tokens) *Counters {
	return &Counters{cache: c, m: map[tokens.Encoding]*tokens.Counter{}}
}

// For returns the counter of an encoding.
func (c *Counters) For(enc tokens.Encoding) *tokens.Counter {
	c.mu.Lock()
	defer c.mu.Unlock()
	if t, ok := c.m[enc]; ok {
		return t
	}
	t, err := tokens.New(enc, c.cache)
	if err != nil {
		t, _ = tokens.New(tokens.Fallback, c.cache)
	}
	c.m[enc] = t
	return t
}

// ForProvider returns the counter of a provider block's tokenizer.
func (c *Counters) ForProvider(cfg *lang.Config, key string) *tokens.Counter {
	enc, _ := lang.ProviderTokenizer(cfg.Providers[key])
	return c.For(enc)
}

// Save writes the cache of counts.
func (c *Counters) Save() {
	if c != nil {
		c.cache.Save()
	}
}

// Cap is the output bound of a request to a provider for a node of a
// kind: max_tokens, or DefaultCap; from says which.
func Cap(cfg *lang.Config, providerKey, kind string) (n int64, from string) {
	if m := lang.ProviderMaxTokens(cfg.Providers[providerKey]); m > 0 {
		return m, "max_tokens"
	}
	return byKind(DefaultCap, kind), "default"
}

// byKind is a default of a node kind; a kind without one (a node kind
// added later) takes a codegen's, the larger.
func byKind(m map[string]int64, kind string) int64 {
	if v, ok := m[kind]; ok {
		return v
	}
	return m[lang.NodeCodegen]
}

// Attempts is the most attempts a node may take.
func Attempts(n lang.Node) int {
	switch n := n.(type) {
	case *lang.Codegen:
		return max(n.MaxAttempts, 1)
	case *plan.Task:
		return max(n.Codegen.MaxAttempts, 1)
	}
	return SpecAttempts
}

// Project is the planner's view of a project: its files (a snapshot) and
// its nodes, the tasks it expanded among them.
type Project interface {
	prompt.Files
	Node(addr string) lang.Node
}

// Build estimates every node p generates, the tasks of a codegen with
// each = "task" among them (a checkpoint or a task with sub-tasks asks
// for nothing and costs nothing). proj is the planner that made p; lock
// gives the nodes' last usage.
func Build(cfg *lang.Config, lock *lockfile.Lock, p *plan.Plan, proj Project, counters *Counters) (*Estimate, error) {
	e := &Estimate{Features: map[string]*Total{}, Currency: cfg.Currency()}
	running := map[string]bool{}
	for _, ch := range p.Changes {
		if ch.State.Runs() {
			running[ch.Address] = true
		}
	}
	var nodes []*Node
	var targets []lang.Node
	byAddr := map[string]*Node{}
	hooks := feedbackHooks(cfg)
	for _, ch := range p.Changes {
		if !running[ch.Address] {
			continue
		}
		n := proj.Node(ch.Address)
		if n == nil {
			continue
		}
		if t, ok := n.(*plan.Task); ok && t.Kind != plan.TaskWork {
			continue
		}
		est := newNode(cfg, lock, n, hooks)
		byAddr[ch.Address] = est
		nodes = append(nodes, est)
		targets = append(targets, n)
	}
	// Building and counting the prompts is the slow part (reading the
	// files they hold, and counting what the cache does not have): it
	// runs on every core, a prompt at a time per worker, so that memory
	// holds a few prompts, not all of them.
	files := &lockedFiles{f: proj}
	errs := make([]error, len(nodes))
	var wg sync.WaitGroup
	next := make(chan int)
	for range max(runtime.GOMAXPROCS(0), 2) {
		wg.Go(func() {
			for i := range next {
				errs[i] = count(cfg, proj, targets[i], nodes[i], files, running, byAddr, counters)
			}
		})
	}
	for i := range nodes {
		next <- i
	}
	close(next)
	wg.Wait()
	for i, n := range nodes {
		if errs[i] != nil {
			return nil, fmt.Errorf("estimating %s: %w", n.Address, errs[i])
		}
		finish(cfg, n)
		e.Nodes = append(e.Nodes, n)
		t := e.Features[n.Feature]
		if t == nil {
			t = &Total{}
			e.Features[n.Feature] = t
		}
		t.add(n)
		e.Run.add(n)
	}
	return e, nil
}

// count builds a node's prompt and counts it. A spec upstream that is
// generated first in the same apply (in running) has no document yet: it
// counts at what that spec is expected to write (byAddr holds the
// estimates), and, for the bound (PromptMax), at the most it may write.
//
// A task's prompt holds the files under its codegen's outputs as they are
// now; a task after others generated in the same apply sees what they
// write, counted here at their expected replies.
func count(cfg *lang.Config, proj Project, n lang.Node, est *Node, files prompt.Files, running map[string]bool, byAddr map[string]*Node, counters *Counters) error {
	var extra, extraMax int64
	exact := true
	var parts providers.PromptParts
	var err error
	if t, ok := n.(*plan.Task); ok {
		for _, up := range upstreamTasks(proj, t) {
			if running[up] {
				exact = false
				if u := byAddr[up]; u != nil {
					extra += u.Output
					extraMax += u.OutputCap
				}
			}
		}
		parts, err = prompt.BuildTask(cfg, t.Codegen, &t.Prompt, files)
	} else {
		parts, err = prompt.BuildWith(cfg, n, files, func(up *lang.Spec) (string, bool) {
			if u := byAddr[up.Addr.String()]; u != nil {
				extra += u.Output
				extraMax += u.OutputCap
				exact = false
				return "", true
			}
			return "", false
		})
	}
	if err != nil {
		return err
	}
	est.PromptExact = exact
	counted := int64(counters.For(est.Tokenizer).Messages(providers.BuildPrompt(parts)))
	est.Prompt, est.PromptMax = counted+extra, counted+extraMax
	return nil
}

// upstreamTasks lists the tasks t runs after, directly or not.
func upstreamTasks(proj Project, t *plan.Task) []string {
	seen := map[string]bool{}
	var walk func(n lang.Node)
	walk = func(n lang.Node) {
		for _, d := range n.Dependencies() {
			a := d.Addr.String()
			if d.Addr.Kind != lang.NodeTask || seen[a] {
				continue
			}
			seen[a] = true
			if up := proj.Node(a); up != nil {
				walk(up)
			}
		}
	}
	walk(t)
	return slices.Sorted(maps.Keys(seen))
}

// lockedFiles makes a project's file listing safe for the workers: the
// planner's is not.
type lockedFiles struct {
	mu sync.Mutex
	f  prompt.Files
}

func (l *lockedFiles) Expand(pattern string) []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.f.Expand(pattern)
}

func (l *lockedFiles) Size(path string) int64 {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.f.Size(path)
}

// feedbackHooks counts, per node address, the hooks with feedback that
// run after it generates; "" holds those of nodes no codegen lists.
func feedbackHooks(cfg *lang.Config) map[string]int {
	out := map[string]int{}
	referenced := map[string]bool{}
	for _, n := range cfg.Nodes {
		if c, ok := n.(*lang.Codegen); ok {
			for _, h := range c.Hooks {
				referenced[h] = true
				if hk := cfg.Hooks[h]; hk != nil && hk.Feedback && onAny(hk, hook.TaskEvents) {
					// A codegen's or, with each = "task", each task's.
					out[c.Addr.String()]++
				}
			}
		}
	}
	for name, h := range cfg.Hooks {
		if !h.Feedback || referenced[name] {
			continue
		}
		if slices.Contains(h.On, lang.EventCodegenCompleted) {
			out[lang.NodeCodegen]++
		}
		if onAny(h, hook.TaskEvents) {
			out[lang.NodeTask]++
		}
		if slices.Contains(h.On, lang.EventSpecGenerated) {
			out[lang.NodeSpec]++
		}
	}
	return out
}

// onAny reports whether h fires on any of events.
func onAny(h *lang.Hook, events []string) bool {
	return slices.ContainsFunc(events, func(e string) bool { return slices.Contains(h.On, e) })
}

func newNode(cfg *lang.Config, lock *lockfile.Lock, n lang.Node, hooks map[string]int) *Node {
	a := n.Address()
	est := &Node{Address: a.String(), Feature: a.Feature, Kind: a.Kind, Attempts: Attempts(n)}
	est.Provider = ProviderKey(n)
	hookKey := est.Address
	if t, ok := n.(*plan.Task); ok {
		hookKey = t.Codegen.Addr.String()
	}
	p := cfg.Providers[est.Provider]
	est.Model = lang.ProviderModel(p)
	est.Tokenizer, est.TokenizerFrom = lang.ProviderTokenizer(p)
	est.OutputCap, est.CapFrom = Cap(cfg, est.Provider, est.Kind)
	est.Output, est.OutputFrom = byKind(DefaultOutput, est.Kind), "default"
	if rec := lock.Node(est.Address); rec != nil && rec.Usage.CompletionTokens > 0 && rec.Attempts > 0 {
		est.Output, est.OutputFrom = int64((rec.Usage.CompletionTokens+rec.Attempts-1)/rec.Attempts), "last"
	}
	if est.Output > est.OutputCap {
		est.Output, est.OutputCapped = est.OutputCap, est.OutputFrom == "last"
	}
	h := hooks[hookKey] + hooks[est.Kind]
	est.Feedback = max(FeedbackShown, est.OutputCap) + int64(h)*FeedbackHook
	return est
}

// finish computes a node's totals once its prompt is counted: expected,
// one attempt of its expected prompt and reply; at most, every attempt of
// its largest prompt, grown by the feedback of the attempts before, and
// its cap.
func finish(cfg *lang.Config, n *Node) {
	n.Tokens = n.Prompt + n.Output
	n.PromptMax = max(n.PromptMax, n.Prompt)
	price := lang.ProviderPrice(cfg.Providers[n.Provider])
	n.Priced = price != nil
	for k := range int64(n.Attempts) {
		prompt := n.PromptMax + k*n.Feedback
		n.Bound += prompt + n.OutputCap
		if price != nil {
			n.CostBound = cost.Sum(n.CostBound, price.Cost(cost.Usage{Prompt: prompt, Completion: n.OutputCap}))
		}
	}
	if price != nil {
		n.Cost = price.Cost(cost.Usage{Prompt: n.Prompt, Completion: n.Output})
	}
}

// FeedbackTotal is what the feedback of failed attempts adds to the
// prompts of the attempts after them, in the bound: each later prompt
// carries that of every attempt before it.
func (n *Node) FeedbackTotal() int64 {
	a := int64(n.Attempts)
	return n.Feedback * a * (a - 1) / 2
}

// ProviderKey is the provider block a node's requests go to: a task's
// is its codegen's.
func ProviderKey(n lang.Node) string {
	switch n := n.(type) {
	case *lang.Spec:
		return n.Provider
	case *lang.Codegen:
		return n.Provider
	case *plan.Task:
		return n.Codegen.Provider
	}
	return ""
}

// Models lists the model of every node of a plan, generated or not, by
// address: plan shows what each step runs on.
func Models(cfg *lang.Config, p *plan.Plan, proj Project) map[string]string {
	out := map[string]string{}
	for _, ch := range p.Changes {
		n := proj.Node(ch.Address)
		if n == nil {
			continue
		}
		key := ProviderKey(n)
		if m := lang.ProviderModel(cfg.Providers[key]); m != "" {
			out[ch.Address] = m
		} else if key != "" {
			out[ch.Address] = "provider." + key
		}
	}
	return out
}

// Largest returns the nodes of e by their bound, largest first: what to
// cut.
func (e *Estimate) Largest(feature string) []*Node {
	var out []*Node
	for _, n := range e.Nodes {
		if feature == "" || n.Feature == feature {
			out = append(out, n)
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Bound > out[j].Bound })
	return out
}
