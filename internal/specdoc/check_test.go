package specdoc

import (
	"bytes"
	"strings"
	"testing"

	"github.com/hashicorp/hcl/v2"
)

func TestCheckDispatch(t *testing.T) {
	empty := []byte{}
	tests := []struct {
		kind string
		want []string
	}{
		{"requirements", []string{"E 1:1-1:1 No requirements"}},
		{"design", []string{"E 1:1-1:1 Empty design document"}},
		{"tasks", []string{"E 1:1-1:1 No tasks"}},
		{"document", nil},
		{"glossary", nil},
		{"", nil},
	}
	for _, tt := range tests {
		t.Run(tt.kind, func(t *testing.T) {
			assertDiags(t, "x.md", empty, Check(tt.kind, "x.md", empty, nil), tt.want)
		})
	}

	// Check passes the requirements on to the tasks checker.
	src := lines("- [ ] 1. Task _Requirements: 9_")
	assertDiags(t, "tasks.md", src, Check("tasks", "tasks.md", src, goodRequirements(t)),
		[]string{"E 1:30-1:31 Unknown requirement 9"})
	assertDiags(t, "tasks.md", src, Check("tasks", "tasks.md", src, nil), nil)
}

// TestSnippet prints findings with hcl's diagnostic writer, as validate
// does, and checks that the snippet highlights exactly the offending text.
func TestSnippet(t *testing.T) {
	tests := []struct {
		name, kind string
		src        string
		line       string // the snippet line, as printed
		highlight  string // the highlighted part of it
	}{
		{"EARS", "requirements",
			"### Requirement 1\r\n\r\n**User Story:** As a user, I want x, so that y.\r\n\r\n#### Acceptance Criteria\r\n\r\n1. Lé **système** doit SHALL x\r\n",
			"   7: 1. Lé **système** doit SHALL x", "Lé"},
		{"citation", "tasks",
			"# Plan\n\n- [ ] 1. Envoyer ✉ _Requirements: 1.1, 8.2_\n",
			"   3: - [ ] 1. Envoyer ✉ _Requirements: 1.1, 8.2_", "8.2"},
	}
	const on, off = "\x1b[1;4m", "\x1b[0m" // hcl's highlight codes
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			src := []byte(tt.src)
			diags := Check(tt.kind, "doc.md", src, goodRequirements(t))
			if len(diags) != 1 {
				t.Fatalf("want one diagnostic, got %s", details(diags))
			}
			var out bytes.Buffer
			w := hcl.NewDiagnosticTextWriter(&out, map[string]*hcl.File{"doc.md": {Bytes: src}}, 0, true)
			if err := w.WriteDiagnostic(diags[0]); err != nil {
				t.Fatal(err)
			}
			text := out.String()
			plain := strings.NewReplacer(on, "", off, "").Replace(text)
			if !strings.Contains(plain, tt.line+"\n") {
				t.Errorf("snippet line %q missing from:\n%s", tt.line, plain)
			}
			if !strings.Contains(text, on+tt.highlight+off) {
				t.Errorf("highlight %q missing from:\n%q", tt.highlight, text)
			}
		})
	}
}
