package specdoc

import (
	"strings"
	"unicode"

	"github.com/hashicorp/hcl/v2"
)

// earsKeywords are the words an EARS requirement starts with. EARS (the
// Easy Approach to Requirements Syntax) keeps criteria testable: each one
// names its trigger or condition and the single response the system SHALL
// give, which is what lets a task cite it and a test check it.
var earsKeywords = []string{"WHEN", "IF", "WHILE", "WHERE", "THE"}

// earsHelp is the detail shared by every EARS finding, so the fix is in
// the message itself.
const earsHelp = `Acceptance criteria use EARS form: they start with one of these keywords (in any case) and say what the system SHALL do:
  Event:     WHEN <trigger> THEN the <system> SHALL <response>
  Unwanted:  IF <condition> THEN the <system> SHALL <response>
  State:     WHILE <state> the <system> SHALL <response>
  Optional:  WHERE <feature is included> the <system> SHALL <response>
  Ubiquitous: THE <system> SHALL <response>
For example: "WHEN an email is accepted by the relay THEN the system SHALL record the attempt with its message id."`

// checkEARS reports whether the criterion c (its whole text, continuation
// lines joined) is in EARS form. marker is the range of the list marker,
// used when the criterion has no text at all.
func checkEARS(d *document, c text, marker *hcl.Range) *hcl.Diagnostic {
	p := c.plain().trim()
	if p.s == "" {
		return &hcl.Diagnostic{
			Severity: hcl.DiagError,
			Summary:  "Empty acceptance criterion",
			Detail:   "This list item has no text. " + earsHelp,
			Subject:  marker,
		}
	}
	first := wordAt(p.s, 0)
	if !isEARSKeyword(first) {
		// Point at the first word as written, emphasis included.
		end := strings.IndexFunc(p.s, unicode.IsSpace)
		if end < 0 {
			end = len(p.s)
		}
		return &hcl.Diagnostic{
			Severity: hcl.DiagError,
			Summary:  "Acceptance criterion is not in EARS form",
			Detail:   "The criterion starts with \"" + p.s[:end] + "\" instead of WHEN, IF, WHILE, WHERE or THE. " + earsHelp,
			Subject:  d.rng(c.trim().start(), textEnd(c.trim(), p, end)),
		}
	}
	if !hasWord(p.s, "SHALL") {
		t := c.trim()
		return &hcl.Diagnostic{
			Severity: hcl.DiagError,
			Summary:  "Acceptance criterion has no SHALL",
			Detail:   "The criterion starts with " + strings.ToUpper(first) + " but never says what the system SHALL do. " + earsHelp,
			Subject:  d.rng(t.start(), t.end()),
		}
	}
	return nil
}

// textEnd is the source offset just past byte i of the plain text p, moved
// past any emphasis marks that close there ("**WHEN**" ends after "**"),
// but never past the end of the original text t.
func textEnd(t, p text, i int) int {
	end := p.endOf(i)
	for k := range t.s {
		if t.off[k] < end {
			continue
		}
		if c := t.s[k]; c == '*' || c == '_' || c == '`' {
			end = t.off[k] + 1
			continue
		}
		break
	}
	return end
}

func isEARSKeyword(w string) bool {
	for _, k := range earsKeywords {
		if strings.EqualFold(w, k) {
			return true
		}
	}
	return false
}
