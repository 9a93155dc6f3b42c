package specdoc

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"sync"

	"github.com/hashicorp/hcl/v2"
)

// Requirements is what CheckRequirements learned: the ids that tasks may cite.
type Requirements struct {
	IDs map[string]bool // "1", "1.1", "1.2", "2", ... ; requirement N and criterion N.M
}

// requirementRE matches the start of a requirement title once emphasis is
// gone: "Requirement 3", "Requirement 3: Retries", "Requirement 1.2" (the
// last one is reported: requirements are whole numbers). The number is
// group 1.
var requirementRE = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`(?i)^requirement[ \t]+([0-9][0-9A-Za-z.]*)`) })

// requirement is one requirement section being read.
type requirement struct {
	number  string     // the normalised number ("3")
	title   *hcl.Range // where findings about the whole requirement point
	level   int        // heading level; 0 for a bold or plain "Requirement N:" line
	story   bool       // a "User Story" line was seen
	ac      *hcl.Range // the "Acceptance Criteria" heading, once seen
	inAC    bool       // lines are read as criteria
	count   int        // criteria seen
	next    int        // the number the next numbered criterion should have
	bullets bool       // a bullet criterion was already reported
	crit    *criterion // the criterion being read, for continuation lines
}

// criterion is one acceptance criterion, continuation lines joined.
type criterion struct {
	parts  []text // its first line and continuation lines, trimmed
	marker *hcl.Range
	column int  // visual column of its text: deeper lines continue it
	blank  bool // a blank line followed it
}

// reqChecker holds the state of one CheckRequirements run.
type reqChecker struct {
	d     *document
	diags hcl.Diagnostics
	reqs  *Requirements
	seen  map[string]*hcl.Range // requirement number -> where it was defined
	cur   *requirement
}

// CheckRequirements checks a requirements document: at least one numbered
// requirement section, unique numbers, a user story and numbered acceptance
// criteria in EARS form in each. It returns the ids that tasks may cite even
// when it finds errors, so that the tasks document can still be checked;
// the result is never nil.
func CheckRequirements(filename string, src []byte) (*Requirements, hcl.Diagnostics) {
	c := &reqChecker{
		d:    newDocument(filename, src),
		reqs: &Requirements{IDs: map[string]bool{}},
		seen: map[string]*hcl.Range{},
	}
	for i := range c.d.lines {
		l := &c.d.lines[i]
		if !l.skip {
			c.line(l)
		}
	}
	c.closeRequirement()
	if len(c.seen) == 0 {
		c.errorf(c.d.startRange(), "No requirements",
			`The document has no requirement section. Each requirement starts with a heading such as "### Requirement 1" (or "### Requirement 1: Title"), followed by a "**User Story:**" line and an "#### Acceptance Criteria" list.`)
	}
	return c.reqs, sortDiagnostics(c.diags)
}

func (c *reqChecker) errorf(subject *hcl.Range, summary, detail string, args ...any) {
	c.diags = append(c.diags, &hcl.Diagnostic{
		Severity: hcl.DiagError, Summary: summary, Detail: fmt.Sprintf(detail, args...), Subject: subject,
	})
}

func (c *reqChecker) warnf(subject *hcl.Range, summary, detail string, args ...any) {
	c.diags = append(c.diags, &hcl.Diagnostic{
		Severity: hcl.DiagWarning, Summary: summary, Detail: fmt.Sprintf(detail, args...), Subject: subject,
	})
}

// line reads one line that is not code.
func (c *reqChecker) line(l *line) {
	if h, ok := parseHeading(l); ok {
		c.heading(l, h)
		return
	}
	if _, isItem := parseListItem(l); !isItem {
		if t := lineText(l, 0, len(l.text)).trim(); c.requirementTitle(t, 0) {
			return
		}
	}
	r := c.cur
	if r == nil {
		return
	}
	p := lineText(l, 0, len(l.text)).plain().trim().s
	p = strings.TrimLeft(p, "-+ \t")
	switch {
	case hasPrefixFold(p, "user story"):
		r.story = true
		c.endCriteria()
	case isTitle(p, "acceptance criteria"):
		c.startCriteria(c.d.lineRange(l, indentBytes(l.text)))
	case r.inAC:
		c.criterionLine(l)
	}
}

// heading handles a heading line: a new requirement, one of its
// subsections, or a section that ends it.
func (c *reqChecker) heading(l *line, h heading) {
	if c.requirementTitle(h.title, h.level) {
		return
	}
	r := c.cur
	if r == nil {
		return
	}
	p := strings.TrimSpace(h.title.plain().s)
	switch {
	case isTitle(p, "acceptance criteria"):
		// Never ends the requirement, whatever its level: a writer who put
		// it at the requirement's own level still meant it to belong.
		c.startCriteria(c.d.lineRange(l, indentBytes(l.text)))
	case hasPrefixFold(p, "user story"):
		r.story = true
		c.endCriteria()
	case h.level <= r.level || (r.level == 0 && h.level <= 2):
		c.closeRequirement()
	default:
		c.endCriteria()
	}
}

// requirementTitle starts a new requirement when t (a heading title at
// level, or a whole line at level 0) names one, and reports whether it did.
// A line that is not a heading must be "Requirement N" alone or followed
// by a colon or dash, so that prose mentioning a requirement is not taken
// for one.
func (c *reqChecker) requirementTitle(t text, level int) bool {
	p := t.plain().trim()
	m := requirementRE().FindStringSubmatchIndex(p.s)
	if m == nil {
		return false
	}
	rest := strings.TrimSpace(p.s[m[1]:])
	if level == 0 && rest != "" && !startsWithAny(rest, ":", "-", "–", "—") {
		return false
	}
	numText := strings.TrimRight(p.s[m[2]:m[3]], ".")
	numRange := c.d.rng(p.off[m[2]], p.endOf(m[2]+len(numText)))
	c.closeRequirement()
	if strings.Trim(numText, "0123456789") != "" {
		c.errorf(numRange, "Invalid requirement number",
			"Requirement numbers are whole numbers (1, 2, 3, ...); acceptance criteria are numbered inside them and cited as 1.1, 1.2, ... A sub-requirement should be its own requirement or a criterion.")
		return true
	}
	num := normalizeNumber(numText)
	if _, err := strconv.Atoi(num); err != nil || len(num) > 9 {
		c.errorf(numRange, "Invalid requirement number", "The requirement number %s is too large.", numText)
		return true
	}
	title := c.d.rng(t.start(), t.end())
	if prev, dup := c.seen[num]; dup {
		c.errorf(numRange, "Duplicate requirement number",
			"Requirement %s is already defined on line %d. Each requirement needs its own number, since tasks cite requirements and criteria by number.", num, prev.Start.Line)
	} else {
		c.seen[num] = title
	}
	c.reqs.IDs[num] = true
	c.cur = &requirement{number: num, title: title, level: level, next: 1}
	return true
}

// closeRequirement finishes the current requirement: its last criterion
// and the findings about what it lacks.
func (c *reqChecker) closeRequirement() {
	r := c.cur
	if r == nil {
		return
	}
	c.endCriteria()
	if !r.story {
		c.warnf(r.title, "Missing user story",
			`Requirement %s has no "**User Story:**" line. A user story ("As a <role>, I want <feature>, so that <benefit>") says who needs the requirement and why, which the design and the tasks build on.`, r.number)
	}
	switch {
	case r.ac == nil:
		c.errorf(r.title, "Missing acceptance criteria",
			`Requirement %s has no "#### Acceptance Criteria" heading followed by a numbered list of criteria. Criteria are what tasks cite and tests check.`, r.number)
	case r.count == 0:
		c.errorf(r.ac, "No acceptance criteria",
			`The "Acceptance Criteria" of requirement %s are not followed by a numbered list ("1. WHEN ... THEN the system SHALL ...").`, r.number)
	}
	c.cur = nil
}

// startCriteria begins reading the acceptance criteria of the current
// requirement.
func (c *reqChecker) startCriteria(at *hcl.Range) {
	c.endCriteria()
	if c.cur.ac == nil {
		c.cur.ac = at
	}
	c.cur.inAC = true
}

// endCriteria stops reading criteria, checking the last one.
func (c *reqChecker) endCriteria() {
	if c.cur == nil {
		return
	}
	c.endCriterion()
	c.cur.inAC = false
}

// endCriterion checks the criterion being read, now that all its
// continuation lines are known.
func (c *reqChecker) endCriterion() {
	r := c.cur
	if r.crit == nil {
		return
	}
	if diag := checkEARS(c.d, joinTexts(r.crit.parts), r.crit.marker); diag != nil {
		c.diags = append(c.diags, diag)
	}
	r.crit = nil
}

// criterionLine reads a line under "Acceptance Criteria": a new criterion,
// a continuation of the current one, or prose that ends it.
func (c *reqChecker) criterionLine(l *line) {
	r := c.cur
	if blank(l.text) {
		if r.crit != nil {
			r.crit.blank = true
		}
		return
	}
	item, isItem := parseListItem(l)
	if isItem && (r.crit == nil || item.indent < r.crit.column) {
		c.endCriterion()
		c.newCriterion(l, item)
		return
	}
	if r.crit != nil && (indentWidth(l.text) >= r.crit.column || !r.crit.blank) {
		// Indented lines continue the criterion, and so does an unindented
		// line right after it (Markdown's lazy continuation).
		r.crit.parts = append(r.crit.parts, lineText(l, 0, len(l.text)).trim())
		r.crit.blank = false
		return
	}
	c.endCriterion()
}

// newCriterion starts a criterion and checks its numbering.
func (c *reqChecker) newCriterion(l *line, item listItem) {
	r := c.cur
	r.count++
	markerEnd := item.marker + len(item.number) + 1
	marker := c.d.rng(l.start+item.marker, l.start+markerEnd)
	id := strconv.Itoa(r.count)
	if !item.ordered {
		if !r.bullets {
			r.bullets = true
			c.errorf(marker, "Acceptance criteria not numbered",
				`The acceptance criteria of requirement %s are a bullet list. Number them ("1.", "2.", ...) so that tasks can cite each one as %s.1, %s.2, ...`, r.number, r.number, r.number)
		}
	} else {
		n, _ := strconv.Atoi(item.number)
		numRange := c.d.rng(l.start+item.marker, l.start+item.marker+len(item.number))
		switch {
		case n != r.next && r.next == 1:
			c.errorf(numRange, "Criteria numbering must start at 1",
				"The first acceptance criterion of requirement %s is numbered %d. Number criteria 1, 2, 3, ... so that their ids (%s.1, %s.2, ...) match what readers see.", r.number, n, r.number, r.number)
		case n != r.next:
			c.errorf(numRange, "Criteria numbering out of sequence",
				"Expected criterion %d of requirement %s here, found %d. Number criteria 1, 2, 3, ... without gaps or repeats (a list of \"1.\" items renders in order but cannot be cited).", r.next, r.number, n)
		}
		r.next = n + 1
		id = strconv.Itoa(n)
	}
	c.reqs.IDs[r.number+"."+id] = true
	r.crit = &criterion{
		parts:  []text{lineText(l, item.content, len(l.text)).trim()},
		marker: marker,
		column: item.column,
	}
}

// normalizeNumber drops leading zeros from each dot-separated part, so
// that "01.2" and "1.2" are the same id.
func normalizeNumber(s string) string {
	parts := strings.Split(s, ".")
	for i, p := range parts {
		if t := strings.TrimLeft(p, "0"); t != "" {
			parts[i] = t
		} else if p != "" {
			parts[i] = "0"
		}
	}
	return strings.Join(parts, ".")
}

// startsWithAny reports whether s starts with one of prefixes.
func startsWithAny(s string, prefixes ...string) bool {
	for _, p := range prefixes {
		if strings.HasPrefix(s, p) {
			return true
		}
	}
	return false
}

// hasPrefixFold reports whether s starts with prefix, ignoring case.
func hasPrefixFold(s, prefix string) bool {
	return len(s) >= len(prefix) && strings.EqualFold(s[:len(prefix)], prefix)
}

// isTitle reports whether s is title, ignoring case and a trailing colon.
func isTitle(s, title string) bool {
	return strings.EqualFold(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(s), ":")), title)
}
