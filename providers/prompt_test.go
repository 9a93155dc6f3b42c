package providers

import (
	"strings"
	"testing"
)

func TestBuildPromptOrderAndDeterminism(t *testing.T) {
	parts := PromptParts{
		System:   "You write specs.",
		Steering: []Document{{Name: "tech.md", Content: "Go 1.26"}, {Name: "product.md", Content: "A notifier"}},
		Specs:    []Document{{Name: "requirements.md", Content: "R1\n```go\nx\n```"}},
		Context:  []Document{{Name: "go.mod", Content: "module m"}},
		Task:     "Write the design.",
		Feedback: []string{"test failed", "vet failed"},
	}
	msgs := BuildPrompt(parts)
	if len(msgs) != 2 || msgs[0].Role != RoleSystem || msgs[1].Role != RoleUser {
		t.Fatalf("msgs = %+v", msgs)
	}
	u := msgs[1].Content
	order := []string{"# Steering", "## product.md", "## tech.md", "# Specifications", "# Context files", "# Task", "# Feedback", "## Attempt 1", "test failed", "## Attempt 2"}
	last := -1
	for _, s := range order {
		i := strings.Index(u, s)
		if i <= last {
			t.Fatalf("%q out of order in:\n%s", s, u)
		}
		last = i
	}
	// A document holding a fence is wrapped in a longer one.
	if !strings.Contains(u, "````\nR1\n```go") {
		t.Errorf("inner fence not protected:\n%s", u)
	}
	// Same inputs, in any input order: the same bytes.
	parts.Steering[0], parts.Steering[1] = parts.Steering[1], parts.Steering[0]
	again := BuildPrompt(parts)
	if again[1].Content != u || again[0].Content != msgs[0].Content {
		t.Error("prompt is not deterministic")
	}
}

func TestBuildPromptEmptyParts(t *testing.T) {
	tests := []struct {
		name  string
		parts PromptParts
		n     int
	}{
		{"nothing", PromptParts{}, 0},
		{"task only", PromptParts{Task: "t"}, 1},
		{"system only", PromptParts{System: "s"}, 1},
	}
	for _, tt := range tests {
		if got := BuildPrompt(tt.parts); len(got) != tt.n {
			t.Errorf("%s: %d messages: %+v", tt.name, len(got), got)
		}
	}
}

func TestDiagnosticsErrRoundTrip(t *testing.T) {
	err := Diagnostics{{Severity: SeverityWarning, Summary: "w"}, {Severity: SeverityError, Summary: "cut", Code: "truncated", Attribute: []string{"max_tokens"}}}.Err()
	if err == nil || err.Error() != "max_tokens: cut" {
		t.Fatalf("err = %v", err)
	}
	back := DiagnosticsFromError(err)
	if len(back) != 2 || CodeOf(err) != "truncated" {
		t.Fatalf("back = %+v", back)
	}
	if (Diagnostics{{Severity: SeverityWarning}}).Err() != nil {
		t.Error("warnings alone are an error")
	}
}
