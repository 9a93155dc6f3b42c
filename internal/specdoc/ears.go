package specdoc

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/hashicorp/hcl/v2"
)

// EARS (the Easy Approach to Requirements Syntax) keeps criteria testable:
// each one names its trigger or condition and the single response the
// system SHALL give, which is what lets a task cite it and a test check it.
// The keywords of every language kirofile reads are in vocab.go.

// earsHelp is the detail shared by every EARS finding, so the fix is in
// the message itself.
const earsHelp = `Acceptance criteria use EARS form: they start with one of these keywords (in any case) and say what the system SHALL do:
  Event:      WHEN <trigger> THEN the <system> SHALL <response>
  Unwanted:   IF <condition> THEN the <system> SHALL <response>
  State:      WHILE <state> the <system> SHALL <response>
  Optional:   WHERE <feature is included> the <system> SHALL <response>
  Ubiquitous: THE <system> SHALL <response>
  Property:   FOR ALL <inputs>, THE <system> SHALL <response>
For example: "WHEN an email is accepted by the relay THEN the system SHALL record the attempt with its message id." Spanish, Portuguese, French and German keywords are read too (CUANDO ... EL sistema DEBERÁ ...).`

// checkEARS checks that the criterion c (its whole text, continuation
// lines joined) is in EARS form. marker is the range of the list marker,
// used when the criterion has no text at all. It reports foreign, with no
// finding, for a criterion written without EARS keywords in a language
// whose EARS wording is not read here: those are counted and reported once
// per document (see foreignEARS), not once per criterion.
func checkEARS(d *document, c text, marker *hcl.Range) (diag *hcl.Diagnostic, foreign bool) {
	p := c.plain().trim()
	i := skipMarks(p.s)
	if i >= len(p.s) {
		return &hcl.Diagnostic{
			Severity: hcl.DiagError,
			Summary:  "Empty acceptance criterion",
			Detail:   "This list item has no text. " + earsHelp,
			Subject:  marker,
			Extra:    RuleEmptyCriterion,
		}, false
	}
	if _, ok := earsStart(p.s, i); !ok {
		// A status label before the keyword: "✅ **SATISFIED** - THE ...".
		if j := afterLabel(p.s, i); j > i {
			if _, ok := earsStart(p.s, j); ok {
				i = j
			}
		}
	}
	first := wordAt(p.s, i)
	if lang, ok := earsStart(p.s, i); ok {
		if hasShall(p.s) {
			return nil, false
		}
		t := c.trim()
		shall := "SHALL"
		if lang.name != "English" {
			shall = "SHALL (" + lang.shall[0] + ")"
		}
		return &hcl.Diagnostic{
			Severity: hcl.DiagError,
			Summary:  "Acceptance criterion has no SHALL",
			Detail:   "The criterion starts with " + strings.ToUpper(first) + " but never says what the system " + shall + " do. " + earsHelp,
			Subject:  d.rng(t.start(), t.end()),
			Extra:    RuleShall,
		}, false
	}
	if !isEnglish(p.s[i:]) {
		return nil, true
	}
	// Point at the first word as written, emphasis included.
	end := i + strings.IndexFunc(p.s[i:], unicode.IsSpace)
	if end < i {
		end = len(p.s)
	}
	start := c.trim().start()
	if i > 0 {
		start = p.at(i)
	}
	return &hcl.Diagnostic{
		Severity: hcl.DiagError,
		Summary:  "Acceptance criterion is not in EARS form",
		Detail:   "The criterion starts with \"" + p.s[i:end] + "\" instead of WHEN, IF, WHILE, WHERE or THE. " + earsHelp,
		Subject:  d.rng(start, textEnd(c.trim(), p, end)),
		Extra:    RuleEARS,
	}, false
}

// foreignEARS is the one finding about the criteria of a document that are
// written in a language whose EARS wording is not read.
func foreignEARS(count int, first *hcl.Range, noun, nouns string) *hcl.Diagnostic {
	what := fmt.Sprintf("%d %s of this document (the first is here) start", count, nouns)
	if count == 1 {
		what = "One " + noun + " of this document starts"
	}
	return &hcl.Diagnostic{
		Severity: hcl.DiagWarning,
		Summary:  "EARS form not checked",
		Detail: what + ` with no EARS keyword, in a language whose EARS wording kirofile does not read, so their form is not checked. kirofile reads EARS in English (WHEN, IF, WHILE, WHERE, THE, FOR ALL ... SHALL) and in Spanish, Portuguese, French and German (CUANDO ... EL sistema DEBERÁ ...). ` +
			`Kiro keeps the English keywords when it writes criteria in another language: "WHEN <trigger>, THE <system> SHALL <response>", the rest in any language.`,
		Subject: first,
		Extra:   RuleEARSLanguage,
	}
}

// afterLabel returns the offset after a short label at byte i of s that
// ends with a dash or a colon ("SATISFIED - ", "Performance: "), or i when
// there is none.
func afterLabel(s string, i int) int {
	end := min(len(s), i+40)
	letters := false
	for j := i; j < end; {
		r, n := utf8.DecodeRuneInString(s[j:])
		switch {
		case unicode.IsLetter(r):
			letters = true
		case r == ' ' || r == '/' || r == '(' || r == ')' || r == '-' && (j+n < len(s) && s[j+n] != ' '):
		case letters && (r == '-' || r == '–' || r == '—' || r == ':'):
			k := j + n
			return k + len(s[k:]) - len(strings.TrimLeftFunc(s[k:], unicode.IsSpace))
		default:
			return i
		}
		j += n
	}
	return i
}

// earsStart reports whether the word at byte i of s is an EARS keyword, and
// of which language.
func earsStart(s string, i int) (earsLanguage, bool) {
	w := wordAt(s, i)
	for _, lang := range earsLanguages {
		for _, k := range lang.keywords {
			if strings.EqualFold(w, k) {
				return lang, true
			}
		}
		for _, k := range lang.forAll {
			if !strings.EqualFold(w, k) {
				continue
			}
			j := i + len(w)
			j += len(s[j:]) - len(strings.TrimLeftFunc(s[j:], unicode.IsSpace))
			next := wordAt(s, j)
			for _, q := range lang.quantors {
				if strings.EqualFold(next, q) {
					return lang, true
				}
			}
		}
	}
	return earsLanguage{}, false
}

// hasShall reports whether s says what the system shall do, in any of the
// languages read.
func hasShall(s string) bool {
	for _, lang := range earsLanguages {
		for _, w := range lang.shall {
			if hasWord(s, w) {
				return true
			}
		}
	}
	return false
}

// textEnd is the source offset just past byte i of the plain text p, moved
// past any emphasis marks that close there ("**WHEN**" ends after "**"),
// but never past the end of the original text t.
func textEnd(t, p text, i int) int {
	end := p.endOf(i)
	for k := range t.s {
		if t.at(k) < end {
			continue
		}
		if c := t.s[k]; c == '*' || c == '_' || c == '`' {
			end = t.at(k) + 1
			continue
		}
		break
	}
	return end
}
