package prompt

import (
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/hashicorp/hcl/v2"

	"github.com/kirofile/kirofile/lang"
	"github.com/kirofile/kirofile/providers"
)

// BytesPerToken is the estimate of prompt size used everywhere kirofile
// counts tokens before a provider does: four bytes a token, about right for
// English prose and code with common tokenizers.
const BytesPerToken = 4

// Tokens estimates the tokens of n bytes of prompt.
func Tokens(n int) int { return (n + BytesPerToken - 1) / BytesPerToken }

// outputsShare is the share of max_prompt_tokens that files already under a
// codegen's outputs may fill, at most: a project whose outputs hold a
// hundred thousand files must not send them all, and the rest of the
// prompt (specs, context, the task, feedback) comes first.
const outputsShare = 4 // a quarter

// maxUnshownNames caps the list of existing files named but not shown.
const maxUnshownNames = 1000

// existingOutputs chooses which files already under a codegen's outputs
// (and not among its context files) go into its prompt, given the bytes
// the rest of the prompt takes: the files the prompt cites first (their
// path appears in a spec document, the instructions or the feature
// description), then the others; within each, the smallest first, so that
// as many as fit go in. They may fill a quarter of max_prompt_tokens, and
// never more than what the rest leaves. The others are returned sorted, to
// be named only.
func existingOutputs(cfg *lang.Config, c *lang.Codegen, files Files, parts providers.PromptParts, used int, citing ...string) (shown, unshown []string) {
	inContext := map[string]bool{}
	for _, d := range parts.Context {
		inContext[d.Name] = true
	}
	seen := map[string]bool{}
	var candidates []string
	for _, pattern := range c.Outputs {
		for _, p := range files.Expand(pattern) {
			if !seen[p] && !inContext[p] {
				seen[p] = true
				candidates = append(candidates, p)
			}
		}
	}
	if len(candidates) == 0 {
		return nil, nil
	}
	limit := cfg.Settings.PromptTokenLimit() * BytesPerToken
	budget := min(limit/outputsShare, limit-used)
	var text strings.Builder
	for _, d := range parts.Specs {
		text.WriteString(d.Content)
		text.WriteByte('\n')
	}
	text.WriteString(c.Prompt)
	text.WriteByte('\n')
	text.WriteString(cfg.Features[c.Addr.Feature].Description)
	for _, t := range citing {
		text.WriteByte('\n')
		text.WriteString(t)
	}
	cited := citedPaths(text.String())
	size := make(map[string]int64, len(candidates))
	for _, p := range candidates {
		size[p] = files.Size(p)
	}
	sort.Slice(candidates, func(i, j int) bool {
		a, b := candidates[i], candidates[j]
		if cited[a] != cited[b] {
			return cited[a]
		}
		if size[a] != size[b] {
			return size[a] < size[b]
		}
		return a < b
	})
	total := int64(0)
	for _, p := range candidates {
		if s := size[p]; s >= 0 && total+s <= int64(budget) {
			total += s
			shown = append(shown, p)
		} else {
			unshown = append(unshown, p)
		}
	}
	sort.Strings(shown)
	sort.Strings(unshown)
	return shown, unshown
}

// citedPaths returns every word of text that could be a path: split at
// spaces, quotes, backticks, brackets and commas, with trailing
// punctuation cut. Looking files up in it costs the same however many
// files there are.
func citedPaths(text string) map[string]bool {
	out := map[string]bool{}
	for _, w := range strings.FieldsFunc(text, func(r rune) bool {
		switch r {
		case ' ', '\t', '\n', '\r', '`', '"', '\'', '(', ')', '[', ']', '{', '}', '<', '>', ',', ';', '|', '*':
			return true
		}
		return false
	}) {
		w = strings.TrimRight(w, ".:!?")
		w = strings.TrimPrefix(w, "./")
		if w != "" {
			out[w] = true
		}
	}
	return out
}

// unshownNote tells the model which existing files it is not shown.
func unshownNote(unshown []string) string {
	if len(unshown) == 0 {
		return ""
	}
	names := unshown[:min(len(unshown), maxUnshownNames)]
	note := "\n\nThese files also exist under the outputs but are not shown, to keep this prompt within its size: " + strings.Join(names, ", ")
	if more := len(unshown) - len(names); more > 0 {
		note += fmt.Sprintf(", and %d more", more)
	}
	return note + "."
}

// promptBytes is the size of the messages parts make.
func promptBytes(parts providers.PromptParts) int {
	n := 0
	for _, m := range providers.BuildPrompt(parts) {
		n += len(m.Content)
	}
	return n
}

// Part is one thing in a prompt and its size, for saying what fills it.
type Part struct {
	What  string // e.g. "spec document .kiro/specs/a/design.md"
	Bytes int
}

// Size is the size of a prompt and what fills it, largest first.
type Size struct {
	Bytes int
	Parts []Part
	// Counted is the prompt's tokens counted with its provider's
	// tokenizer, when they were (apply counts every prompt it sends); 0
	// when the size is only estimated from bytes.
	Counted int
}

// Tokens is the size in tokens: counted, or estimated from bytes.
func (s Size) Tokens() int {
	if s.Counted > 0 {
		return s.Counted
	}
	return Tokens(s.Bytes)
}

// SizeOf measures a prompt.
func SizeOf(parts providers.PromptParts) Size {
	return sizeOf(parts, promptBytes(parts))
}

func sizeOf(parts providers.PromptParts, bytes int) Size {
	s := Size{Bytes: bytes}
	add := func(what string, n int) { s.Parts = append(s.Parts, Part{What: what, Bytes: n}) }
	for _, d := range parts.Steering {
		add(d.Name, len(d.Content))
	}
	for _, d := range parts.Specs {
		add("spec document "+d.Name, len(d.Content))
	}
	for _, d := range parts.Context {
		add("file "+d.Name, len(d.Content))
	}
	add("the task and its instructions", len(parts.Task)+len(parts.System))
	for i, f := range parts.Feedback {
		add(fmt.Sprintf("feedback from attempt %d", i+1), len(f))
	}
	sortParts(s.Parts)
	return s
}

// Estimate measures the prompt Build would make for a node from file
// sizes alone, without reading a file: its steering, the spec documents it
// holds (those that exist), its context files, and the task. Files already
// under a codegen's outputs are left out: they only ever fill what the rest
// leaves (existingOutputs).
func Estimate(cfg *lang.Config, n lang.Node, files Files) Size {
	var s Size
	add := func(what string, bytes int64) {
		if bytes > 0 {
			s.Bytes += int(bytes)
			s.Parts = append(s.Parts, Part{What: what, Bytes: int(bytes)})
		}
	}
	for _, st := range Steering(cfg, n) {
		if st.File != "" {
			add("steering "+st.Name+" ("+st.File+")", files.Size(st.File))
		} else {
			add("steering "+st.Name, int64(len(st.Content)))
		}
		for _, ref := range st.FileRefs {
			add("file "+ref+" (from steering "+st.Name+")", files.Size(ref))
		}
	}
	for _, up := range Upstream(cfg, n) {
		add("spec document "+up.Path, files.Size(up.Path))
	}
	task := len(cfg.Features[n.Address().Feature].Description) + 200
	switch n := n.(type) {
	case *lang.Spec:
		text, _ := Template(cfg, n)
		task += len(systemSpec) + len(text) + len(n.Prompt)
	case *lang.Codegen:
		task += len(systemCodegen) + len(n.Prompt)
		for _, p := range contextPaths(n, files) {
			add("file "+p, files.Size(p))
		}
	}
	add("the task and its instructions", int64(task))
	sortParts(s.Parts)
	return s
}

func sortParts(parts []Part) {
	slices.SortStableFunc(parts, func(a, b Part) int { return b.Bytes - a.Bytes })
}

// TooLargeError is a prompt over max_prompt_tokens.
type TooLargeError struct {
	Node  string
	Size  Size
	Limit int
}

func (e *TooLargeError) Error() string {
	about := "about "
	if e.Size.Counted > 0 {
		about = ""
	}
	return fmt.Sprintf("the prompt of %s is %s%s tokens, over max_prompt_tokens (%s): %s", e.Node, about,
		thousands(e.Size.Tokens()), thousands(e.Limit), e.Size.fills())
}

// fills says what fills a prompt: its largest parts and the remedy.
func (s Size) fills() string {
	var b strings.Builder
	b.WriteString("it holds ")
	for i, p := range s.Parts {
		if i == 5 {
			fmt.Fprintf(&b, " and %d smaller parts", len(s.Parts)-i)
			break
		}
		if i > 0 {
			b.WriteString(", ")
		}
		about := ""
		if s.Counted > 0 {
			// The whole is counted; its parts, estimated from bytes.
			about = "about "
		}
		fmt.Fprintf(&b, "%s (%s%s)", p.What, about, tokenCount(Tokens(p.Bytes)))
	}
	b.WriteString(". Make these smaller or fewer, or raise max_prompt_tokens in the kirofile block if the model's context window allows")
	return b.String()
}

// CheckCount fails a prompt over max_prompt_tokens, naming what fills it:
// msgs are the messages parts make (providers.BuildPrompt), counted
// tokens with the provider's tokenizer.
func CheckCount(cfg *lang.Config, node string, parts providers.PromptParts, msgs []providers.Message, counted int) error {
	limit := cfg.Settings.PromptTokenLimit()
	if counted <= limit {
		return nil
	}
	n := 0
	for _, m := range msgs {
		n += len(m.Content)
	}
	s := sizeOf(parts, n)
	s.Counted = counted
	return &TooLargeError{Node: node, Size: s, Limit: limit}
}

// Check fails a prompt over max_prompt_tokens, naming what fills it: msgs
// are the messages parts make (providers.BuildPrompt). It estimates tokens
// from bytes; CheckCount takes them counted.
func Check(cfg *lang.Config, node string, parts providers.PromptParts, msgs []providers.Message) error {
	limit := cfg.Settings.PromptTokenLimit()
	n := 0
	for _, m := range msgs {
		n += len(m.Content)
	}
	if Tokens(n) <= limit {
		return nil
	}
	return &TooLargeError{Node: node, Size: sizeOf(parts, n), Limit: limit}
}

// OverLimit is the Extra of a warning that a node's prompt is over
// max_prompt_tokens: the node's address.
type OverLimit struct{ Node string }

// DiagnosticAddress attaches the warning to its node in -json output.
func (o OverLimit) DiagnosticAddress() string { return o.Node }

// Warning is the warning plan and validate give for a node whose prompt,
// estimated, is over max_prompt_tokens; nil when it is not.
func Warning(cfg *lang.Config, n lang.Node, s Size) *hcl.Diagnostic {
	limit := cfg.Settings.PromptTokenLimit()
	if s.Tokens() <= limit {
		return nil
	}
	rng := n.DeclRng()
	return &hcl.Diagnostic{
		Severity: hcl.DiagWarning,
		Summary:  "Prompt over max_prompt_tokens",
		Detail: fmt.Sprintf("The prompt of %s would be about %s tokens, over max_prompt_tokens (%s); apply will refuse to send it. %s.",
			n.Address(), thousands(s.Tokens()), thousands(limit), capitalize(s.fills())),
		Subject: &rng,
		Extra:   OverLimit{Node: n.Address().String()},
	}
}

// Warnings checks every node of cfg.
func Warnings(cfg *lang.Config, files Files) hcl.Diagnostics {
	var diags hcl.Diagnostics
	for _, n := range cfg.Nodes {
		if d := Warning(cfg, n, Estimate(cfg, n, files)); d != nil {
			diags = append(diags, d)
		}
	}
	return diags
}

func capitalize(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

// tokenCount says "1 token", "1,200 tokens".
func tokenCount(n int) string {
	if n == 1 {
		return "1 token"
	}
	return thousands(n) + " tokens"
}

// thousands writes n with comma separators: 100,000.
func thousands(n int) string {
	s := fmt.Sprint(n)
	for i := len(s) - 3; i > 0 && s[i-1] != '-'; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}
