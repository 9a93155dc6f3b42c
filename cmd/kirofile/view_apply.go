package main

import (
	"fmt"
	"os"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/kirofile/kirofile/internal/apply"
	"github.com/kirofile/kirofile/internal/budget"
	"github.com/kirofile/kirofile/internal/plan"
	"github.com/kirofile/kirofile/internal/terminal"
	"github.com/kirofile/kirofile/lang"
)

// applyView reports an apply: its plan, progress, and summary.
type applyView interface {
	planView
	// NothingToDo reports a plan with nothing apply could generate.
	NothingToDo(p *plan.Plan)
	// Event reports progress; it is called from many goroutines.
	Event(e apply.Event)
	Interrupted()
	// Summary ends every apply; res is nil when apply stopped before
	// doing anything (an error, a refusal, nothing to do).
	Summary(res *apply.Result, interrupted bool)
}

func newApplyView(m *meta, jsonOutput bool) applyView {
	return newApplyViewFor(m, jsonOutput, isTerminal(m.stdout), os.Getenv)
}

// newApplyViewFor is newApplyView for a stdout that is a terminal or not,
// with the environment from getenv.
func newApplyViewFor(m *meta, jsonOutput, terminal bool, getenv func(string) string) applyView {
	if jsonOutput {
		return &applyJSON{planJSON: planJSON{newJSONView(m)}}
	}
	return newApplyHuman(m, liveOutput(terminal, getenv))
}

// liveOutput says whether apply draws the live view: lines redrawn in place
// with cursor movement, which only a terminal shows as intended, and not a
// dumb one (TERM=dumb, as in Emacs shells) that cannot move the cursor.
// Elsewhere every event is a plain line. Colour is another matter: with
// -no-color or NO_COLOR the live view is drawn without colour.
func liveOutput(terminal bool, getenv func(string) string) bool {
	return terminal && getenv("TERM") != "dumb"
}

func newApplyHuman(m *meta, live bool) *applyHuman {
	return &applyHuman{planHuman: planHuman{newHumanView(m)}, running: map[string]*runningNode{}, live: live}
}

type applyHuman struct {
	planHuman
	// currency of the costs shown, from the plan's estimate.
	currency string
	live     bool
	mu       sync.Mutex
	running  map[string]*runningNode
	drawn    int // lines of the live block on screen
	ticker   *time.Ticker
	stop     chan struct{}
}

type runningNode struct {
	title   string // a task's
	state   plan.State
	started time.Time
	attempt int
	tokens  int // estimated tokens streamed in the current attempt
}

// progress takes a progress event. The engine counts each request from
// zero, so a new attempt starts the count afresh, and an event of an
// earlier attempt, were one to arrive late, is ignored.
func (r *runningNode) progress(e apply.Event) {
	switch {
	case e.Attempt > r.attempt:
		r.attempt, r.tokens = e.Attempt, 0
	case e.Attempt != 0 && e.Attempt < r.attempt:
		return
	}
	r.tokens = max(r.tokens, e.TokensEstimate)
}

// streamedTokens words the engine's estimate of the tokens streamed so far;
// the exact usage comes with the node's final line.
func streamedTokens(tokens int) string {
	if tokens == 1 {
		return "~1 token"
	}
	return fmt.Sprintf("~%d tokens", tokens)
}

func (v *applyHuman) Saved(string) {}

func (v *applyHuman) Plan(p *plan.Plan, pc *planCost) {
	if pc != nil && pc.estimate != nil {
		v.currency = pc.estimate.Currency
	}
	v.planHuman.Plan(p, pc)
}

func (v *applyHuman) NothingToDo(p *plan.Plan) {
	if !p.HasChanges() {
		return // Plan already said "No changes."
	}
	c := p.Counts()
	if p.RefreshOnly {
		return
	}
	fmt.Fprintf(v.stdout, "\nNothing to generate: %d awaiting approval, %d blocked, %d drifted.\n", c[plan.Approve], c[plan.Blocked], c[plan.Drift])
	if c[plan.Approve] > 0 {
		fmt.Fprintln(v.stdout, "Review the documents awaiting approval, then run \"kirofile approve ADDR\".")
	}
	if c[plan.Drift] > 0 {
		fmt.Fprintln(v.stdout, "Keep hand edits with \"kirofile apply -refresh-only\", or regenerate with -replace=ADDR.")
	}
}

func (v *applyHuman) Event(e apply.Event) {
	v.mu.Lock()
	defer v.mu.Unlock()
	if v.live && v.ticker == nil {
		v.startTicker()
	}
	var line string
	switch e.Type {
	case apply.EventNodeStarted:
		v.running[e.Address] = &runningNode{title: e.Title, state: e.State, started: time.Now(), attempt: 1}
		if !v.live {
			line = fmt.Sprintf("%s: generating (%s)", e.Address, e.State)
			if e.Title != "" {
				line = fmt.Sprintf("%s %s: doing it (%s)", e.Address, terminal.Sanitize(e.Title), e.State)
			}
			if e.State == plan.RunHooks {
				line = fmt.Sprintf("%s: running its spec.approved hooks", e.Address)
			}
		}
	case apply.EventNodeProgress:
		if r := v.running[e.Address]; r != nil {
			r.progress(e)
		}
	case apply.EventHookResult:
		result := colorize(v.colorOut, ansiGreen, "passed")
		if !e.Passed {
			result = colorize(v.colorOut, ansiRed, "failed")
		}
		line = fmt.Sprintf("%s: hook %s %s", e.Address, e.Hook, result)
		if e.ExitCode != nil && !e.Passed {
			line += fmt.Sprintf(" (exit %d)", *e.ExitCode)
		}
		if !e.Passed && e.Output != "" {
			line += "\n" + indent(strings.TrimRight(terminal.Sanitize(e.Output), "\n"), "    ")
		}
		if e.Message != "" {
			line += ": " + terminal.Sanitize(e.Message)
		}
	case apply.EventNodeFinished:
		r := v.running[e.Address]
		delete(v.running, e.Address)
		if r == nil && (e.State == plan.NoOp || e.State == plan.Blocked && !e.Deferred) {
			return // nothing ran; the summary counts it
		}
		line = v.finishedLine(e)
	}
	if line == "" && !v.live {
		return
	}
	v.clearLive()
	if line != "" {
		fmt.Fprintln(v.stdout, line)
	}
	v.drawLive()
}

func (v *applyHuman) finishedLine(e apply.Event) string {
	var status string
	switch e.State {
	case plan.Generated:
		status = colorize(v.colorOut, ansiGreen, "generated")
		if isTaskAddress(e.Address) {
			status = colorize(v.colorOut, ansiGreen, "done")
		}
	case plan.Approve:
		status = colorize(v.colorOut, ansiCyan, "awaiting approval")
	case plan.Failed:
		status = colorize(v.colorOut, ansiRed, "failed")
	case plan.Drift:
		status = colorize(v.colorOut, ansiRed, "drift, not overwritten")
	case plan.Accepted:
		status = colorize(v.colorOut, ansiGreen, "accepted as it is on disk")
	case plan.Forgotten:
		status = colorize(v.colorOut, ansiYellow, "forgotten")
	case plan.NoOp:
		status = "done"
	default:
		status = stateWords[e.State]
	}
	line := fmt.Sprintf("%s: %s", e.Address, status)
	var details []string
	if s := e.Spend; s != nil && s.Usage.Total() > 0 {
		d := budget.Thousands(s.Usage.Total()) + " tokens"
		if s.Estimated {
			d = "about " + d
		}
		if s.Priced {
			d += ", " + money(s.Cost, v.currency)
		}
		details = append(details, d)
	} else if e.Usage != nil && e.Usage.PromptTokens+e.Usage.CompletionTokens > 0 {
		details = append(details, fmt.Sprintf("%d tokens", e.Usage.PromptTokens+e.Usage.CompletionTokens))
	}
	if e.Elapsed > 0 {
		details = append(details, e.Elapsed.Round(100*time.Millisecond).String())
	}
	if len(details) > 0 {
		line += " (" + strings.Join(details, ", ") + ")"
	}
	if e.Message != "" {
		line += "\n    " + terminal.Sanitize(e.Message)
	}
	return line
}

// clearLive erases the live block drawn last.
func (v *applyHuman) clearLive() {
	if v.live && v.drawn > 0 {
		fmt.Fprintf(v.stdout, "\x1b[%dA\x1b[J", v.drawn)
		v.drawn = 0
	}
}

// drawLive prints one line per running node: its address, action, elapsed
// time, how much of the current attempt's reply has streamed in, and the
// attempt from the second on. Colour is used only where colour is on.
func (v *applyHuman) drawLive() {
	if !v.live {
		return
	}
	addrs := make([]string, 0, len(v.running))
	for a := range v.running {
		addrs = append(addrs, a)
	}
	sort.Strings(addrs)
	for _, a := range addrs {
		r := v.running[a]
		extra := ""
		if r.attempt > 1 {
			extra = fmt.Sprintf(", attempt %d", r.attempt)
		}
		title := ""
		if r.title != "" {
			title = " " + terminal.Sanitize(r.title)
		}
		fmt.Fprintf(v.stdout, "  %s %s%s (%s) %s, %s%s\n", colorize(v.colorOut, ansiYellow, "~"), a, title, r.state,
			time.Since(r.started).Round(time.Second), streamedTokens(r.tokens), extra)
	}
	v.drawn = len(addrs)
}

func (v *applyHuman) startTicker() {
	v.ticker = time.NewTicker(500 * time.Millisecond)
	v.stop = make(chan struct{})
	go func() {
		for {
			select {
			case <-v.ticker.C:
				v.mu.Lock()
				v.clearLive()
				v.drawLive()
				v.mu.Unlock()
			case <-v.stop:
				return
			}
		}
	}()
}

func (v *applyHuman) Interrupted() {
	v.mu.Lock()
	defer v.mu.Unlock()
	v.clearLive()
	fmt.Fprintln(v.stderr, "Interrupt received: no new node starts, calls in flight are cancelled. Press Ctrl-C again to exit at once.")
	v.drawLive()
}

func (v *applyHuman) Summary(res *apply.Result, interrupted bool) {
	if res == nil {
		return // what stopped apply was said already
	}
	v.mu.Lock()
	if v.ticker != nil {
		v.ticker.Stop()
		close(v.stop)
	}
	v.clearLive()
	v.mu.Unlock()
	w := v.stdout
	title := "Apply finished:"
	switch {
	case res.Budget != nil:
		title = "Apply stopped at its budget:"
	case interrupted:
		title = "Apply interrupted:"
	}
	if n := res.Count(plan.Accepted); n > 0 && len(res.Nodes) == n {
		fmt.Fprintf(w, "\n%s %d accepted as on disk.\n", colorize(v.colorOut, ansiBold, title), n)
	} else {
		fmt.Fprintf(w, "\n%s %d generated, %d up to date, %d awaiting approval, %d blocked, %d drifted, %d failed",
			colorize(v.colorOut, ansiBold, title), res.Count(plan.Generated), res.Count(plan.NoOp),
			res.Count(plan.Approve), res.Count(plan.Blocked), res.Count(plan.Drift), res.Count(plan.Failed))
		if n := res.Count(plan.Cancelled); n > 0 {
			fmt.Fprintf(w, ", %d cancelled", n)
		}
		if n := res.Count(plan.Forgotten); n > 0 {
			fmt.Fprintf(w, ", %d forgotten", n)
		}
		fmt.Fprintln(w, ".")
	}
	spendLine := func(s *apply.Spend) string {
		line := fmt.Sprintf("%s tokens (%s prompt", budget.Thousands(s.Usage.Total()), budget.Thousands(s.Usage.Prompt))
		if s.Usage.Cached > 0 {
			line += fmt.Sprintf(", %s of them cached", budget.Thousands(s.Usage.Cached))
		}
		line += fmt.Sprintf(", %s completion)", budget.Thousands(s.Usage.Completion))
		if s.Priced {
			line += ", " + money(s.Cost, res.Currency)
		}
		if s.Estimated {
			line += "; some counted by kirofile, the endpoint reporting no usage"
		}
		return line
	}
	for _, key := range sortedKeys(res.ByProvider) {
		fmt.Fprintf(w, "Tokens, provider.%s: %s.\n", key, spendLine(res.ByProvider[key]))
	}
	if len(res.ByFeature) > 1 {
		for _, name := range sortedKeys(res.ByFeature) {
			fmt.Fprintf(w, "Tokens, feature.%s: %s.\n", name, spendLine(res.ByFeature[name]))
		}
	}
	var awaiting []string
	for _, addr := range sortedKeys(res.Nodes) {
		if res.Nodes[addr].State == plan.Approve {
			awaiting = append(awaiting, addr)
		}
	}
	if len(awaiting) > 0 {
		fmt.Fprintf(w, "Review, then approve: kirofile approve %s\n", strings.Join(awaiting, " "))
	}
	for _, addr := range sortedKeys(res.Nodes) {
		if res.Nodes[addr].Deferred {
			fmt.Fprintln(w, "Nodes became ready during the run that this plan did not list: run \"kirofile apply\" again for them.")
			break
		}
	}
}

func indent(s, prefix string) string {
	return prefix + strings.ReplaceAll(s, "\n", "\n"+prefix)
}

type applyJSON struct {
	planJSON
}

func (v *applyJSON) NothingToDo(*plan.Plan) {}

func (v *applyJSON) Event(e apply.Event) {
	v.emit(string(e.Type), newApplyEvent(e))
}

func (v *applyJSON) Interrupted() {
	v.emit("interrupted", &interruptedMessage{})
}

func (v *applyJSON) Summary(res *apply.Result, interrupted bool) {
	if res == nil {
		res = &apply.Result{}
	}
	msg := &applySummaryMessage{Interrupted: interrupted, Counts: map[string]int{}, Tokens: map[string]map[string]int{}, Requests: res.Requests,
		Spend: map[string]*spendField{}, Features: map[string]*spendField{}, Currency: res.Currency}
	for _, n := range res.Nodes {
		msg.Counts[string(n.State)]++
	}
	for key, t := range res.Tokens {
		msg.Tokens["provider."+key] = map[string]int{"prompt": t.PromptTokens, "completion": t.CompletionTokens}
	}
	for key, s := range res.ByProvider {
		msg.Spend["provider."+key] = newSpendField(s)
	}
	for name, s := range res.ByFeature {
		msg.Features[name] = newSpendField(s)
	}
	if res.Budget != nil {
		msg.Budget = res.Budget.Error()
	}
	v.emit("apply_summary", msg)
}

// isTaskAddress reports whether addr names a task of a codegen with each =
// "task".
func isTaskAddress(addr string) bool {
	a, err := lang.ParseAddress(addr)
	return err == nil && a.IsTask()
}
