package providers

import (
	"sort"
	"strings"
)

// Document is a named piece of prompt text: a steering document, a spec
// document or a context file.
type Document struct {
	// Name is a path or label shown to the model as the document's header.
	Name    string
	Content string
}

// PromptParts are the inputs of one prompt. BuildPrompt orders them from the
// most stable to the least, so that consecutive requests share the longest
// possible prefix and provider-side prompt caching applies: system
// instructions, steering, upstream specs, context files, the task, then
// feedback from failed attempts.
type PromptParts struct {
	System   string
	Steering []Document
	Specs    []Document
	Context  []Document
	Task     string
	// Feedback holds the output of failed attempts, oldest first.
	Feedback []string
}

// BuildPrompt assembles the chat messages for parts: one system message and
// one user message. The result is a pure function of parts: documents are
// sorted by name, nothing time- or host-dependent is added, so the same
// inputs give the same bytes (and the same replay fingerprint).
func BuildPrompt(p PromptParts) []Message {
	var msgs []Message
	if s := strings.TrimSpace(p.System); s != "" {
		msgs = append(msgs, Message{Role: RoleSystem, Content: s + "\n"})
	}
	var b strings.Builder
	section := func(title string, docs []Document) {
		if len(docs) == 0 {
			return
		}
		sorted := append([]Document(nil), docs...)
		sort.SliceStable(sorted, func(i, j int) bool { return sorted[i].Name < sorted[j].Name })
		b.WriteString("# " + title + "\n\n")
		for _, d := range sorted {
			writeDoc(&b, d)
		}
	}
	section("Steering", p.Steering)
	section("Specifications", p.Specs)
	section("Context files", p.Context)
	if t := strings.TrimSpace(p.Task); t != "" {
		b.WriteString("# Task\n\n" + t + "\n\n")
	}
	for i, f := range p.Feedback {
		if i == 0 {
			b.WriteString("# Feedback from previous attempts\n\n")
		}
		b.WriteString("## Attempt " + itoa(i+1) + "\n\n")
		b.WriteString(fence(f) + "\n\n")
	}
	if user := strings.TrimRight(b.String(), "\n"); user != "" {
		msgs = append(msgs, Message{Role: RoleUser, Content: user + "\n"})
	}
	return msgs
}

func writeDoc(b *strings.Builder, d Document) {
	b.WriteString("## " + d.Name + "\n\n")
	b.WriteString(fence(d.Content) + "\n\n")
}

// fence wraps s in a code fence longer than any backtick run inside it, so a
// document that itself contains fences cannot end the block early.
func fence(s string) string {
	longest, run := 0, 0
	for _, r := range s {
		if r == '`' {
			run++
			if run > longest {
				longest = run
			}
		} else {
			run = 0
		}
	}
	n := 3
	if longest >= n {
		n = longest + 1
	}
	f := strings.Repeat("`", n)
	s = strings.TrimRight(s, "\n")
	return f + "\n" + s + "\n" + f
}

func itoa(i int) string {
	const digits = "0123456789"
	if i < 10 {
		return digits[i : i+1]
	}
	return itoa(i/10) + digits[i%10:i%10+1]
}
