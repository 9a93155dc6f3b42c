package specdoc

import (
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/hashicorp/hcl/v2"
)

// Requirements is what CheckRequirements (or CheckBugfix) learned: the ids
// that tasks and designs may cite.
type Requirements struct {
	IDs map[string]bool // "1", "1.1", "1.2", "2", ... ; requirement N and criterion N.M
	// Texts holds the text of each criterion (or bugfix clause) by id, as
	// written, continuation lines joined; Titles the title of each
	// requirement by number ("Retries" for "### Requirement 2: Retries").
	// Tasks quote the criteria they cite in their prompts, and the trace
	// shows them.
	Texts  map[string]string
	Titles map[string]string
	// Unstructured is set when the document does not follow Kiro's
	// template: it defines no ids, so citations of it cannot be checked,
	// and tasks are not expected to cite it.
	Unstructured bool
}

// requirement is one requirement section being read.
type requirement struct {
	number  string     // the normalised number ("3", "1a")
	title   *hcl.Range // where findings about the whole requirement point
	scoped  bool       // the title marks it out of scope: it needs no criteria
	level   int        // heading level; 0 for a bold or plain "Requirement N:" line
	story   bool       // a "User Story" line was seen
	ac      *hcl.Range // the "Acceptance Criteria" heading, once seen
	inAC    bool       // blocks are read as criteria
	count   int        // criteria seen
	next    int        // the number the next numbered criterion should have
	bullets bool       // a bullet criterion was already reported
	crit    *criterion // the criterion being read, for its continuation
}

// criterion is one acceptance criterion, continuation lines joined.
type criterion struct {
	id     string // "N.M"
	parts  []text // its text, line by line, trimmed
	marker *hcl.Range
	// item is the list item holding the criterion; nil for a criterion
	// written as a numbered line of a paragraph ("1.1. THE ...").
	item *item
	para *node // the paragraph holding a paragraph criterion
	// strip is set for a bullet item whose text starts with the
	// criterion's number ("- 1.1 WHEN ..."): the number is not its text.
	strip bool
}

// reqChecker holds the state of one CheckRequirements run.
type reqChecker struct {
	d        *document
	diags    hcl.Diagnostics
	reqs     *Requirements
	seen     map[string]*hcl.Range // requirement number -> where it was defined
	cur      *requirement
	titled   bool // a requirement title was seen, valid or not
	items    int  // list items seen
	headings int  // headings seen
	foreign  int  // criteria in a language whose EARS wording is not read
	firstFor *hcl.Range
}

// CheckRequirements checks a requirements document: at least one numbered
// requirement section, unique numbers, a user story and numbered acceptance
// criteria in EARS form in each. It returns the ids that tasks may cite even
// when it finds errors, so that the tasks document can still be checked;
// the result is never nil.
func CheckRequirements(filename string, src []byte) (*Requirements, hcl.Diagnostics) {
	c := &reqChecker{
		d:    newDocument(filename, src),
		reqs: &Requirements{IDs: map[string]bool{}, Texts: map[string]string{}, Titles: map[string]string{}},
		seen: map[string]*hcl.Range{},
	}
	for _, n := range c.d.nodes {
		if n.quoted {
			continue
		}
		switch n.kind {
		case nodeHeading:
			if !n.recovered {
				c.headings++
				c.heading(n)
			}
		case nodePara:
			c.para(n)
		case nodeItem:
			c.items++
			c.itemStart(n.item)
		default:
			if r := c.cur; r != nil && r.crit != nil && !(n.item != nil && r.crit.item != nil && n.item.within(r.crit.item)) {
				c.endCriterion()
			}
		}
	}
	c.closeRequirement()
	if len(c.seen) == 0 {
		// A document with a structure of its own (lists, sections) holds
		// requirements in another format; one with hardly more than a
		// title holds none, which is an error, not a matter of format.
		if !c.titled && (c.items > 0 || c.headings >= 3) {
			c.reqs.Unstructured = true
			c.diags = append(c.diags, &hcl.Diagnostic{
				Severity: hcl.DiagWarning,
				Summary:  "Requirements not in Kiro's format",
				Detail:   `The document has no requirement section in Kiro's format, so its requirements are not checked and cannot be cited by id; tasks and designs that cite them are not checked either. In Kiro's format each requirement is a heading such as "### Requirement 1: Title", with a "**User Story:**" line and an "#### Acceptance Criteria" heading over a numbered list of EARS criteria.`,
				Subject:  c.d.startRange(),
				Extra:    RuleRequirementsFormat,
			})
		} else {
			c.errorf(c.d.startRange(), RuleNoRequirements, "No requirements",
				`The document has no requirement section. Each requirement starts with a heading such as "### Requirement 1" (or "### Requirement 1: Title"), followed by a "**User Story:**" line and an "#### Acceptance Criteria" list.`)
		}
	}
	if c.foreign > 0 {
		c.diags = append(c.diags, foreignEARS(c.foreign, c.firstFor, "acceptance criterion", "acceptance criteria"))
	}
	c.diags = append(c.diags, c.d.diags...)
	return c.reqs, sortDiagnostics(c.diags)
}

func (c *reqChecker) errorf(subject *hcl.Range, rule Rule, summary, detail string, args ...any) {
	c.diags = append(c.diags, &hcl.Diagnostic{
		Severity: hcl.DiagError, Summary: summary, Detail: fmt.Sprintf(detail, args...), Subject: subject, Extra: rule,
	})
}

func (c *reqChecker) warnf(subject *hcl.Range, rule Rule, summary, detail string, args ...any) {
	c.diags = append(c.diags, &hcl.Diagnostic{
		Severity: hcl.DiagWarning, Summary: summary, Detail: fmt.Sprintf(detail, args...), Subject: subject, Extra: rule,
	})
}

// heading handles a heading: a new requirement, one of its subsections, or
// a section that ends it.
func (c *reqChecker) heading(n *node) {
	if len(n.lines) == 0 {
		return
	}
	title := joinTexts(n.lines)
	if c.requirementTitle(title, n.level) {
		return
	}
	r := c.cur
	if r == nil {
		return
	}
	p := labelText(title)
	switch {
	case isCriteriaTitle(p):
		// Never ends the requirement, whatever its level: a writer who put
		// it at the requirement's own level still meant it to belong.
		c.startCriteria(c.d.lineRangeAt(title.start()))
	case isStoryLabel(p):
		r.story = true
		c.endCriteria()
	case n.level <= r.level || (r.level == 0 && n.level <= 2):
		c.closeRequirement()
	default:
		c.endCriteria()
	}
}

// labelText is the text of a line or heading as a label is matched: plain
// (no emphasis), trimmed, without a leading bullet or status mark.
func labelText(t text) string {
	p := t.plain().trim().s
	p = strings.TrimLeft(p, "-+ \t")
	return p[skipMarks(p):]
}

func isCriteriaTitle(p string) bool {
	_, _, ok := matchPrefix(p, criteriaTitles)
	return ok
}

func isStoryLabel(p string) bool {
	_, _, ok := matchPrefix(p, storyLabels)
	return ok
}

// para reads a paragraph: the text of a criterion, or lines that are
// requirement titles, user stories, criteria labels or numbered criteria.
func (c *reqChecker) para(n *node) {
	if r := c.cur; r != nil && r.crit != nil && r.crit.item != nil && n.item != nil && n.item.within(r.crit.item) {
		for i, l := range n.lines {
			if i == 0 && r.crit.strip && n == r.crit.item.first {
				if _, _, _, rest, ok := numberedLine(c.d, l); ok {
					l = rest
				}
			}
			r.crit.parts = append(r.crit.parts, l.trim())
		}
		return
	}
	for _, l := range n.lines {
		c.line(n, l)
	}
}

// line reads one line of a paragraph that is not part of a list criterion.
func (c *reqChecker) line(n *node, l text) {
	if c.requirementTitle(l.trim(), 0) {
		return
	}
	r := c.cur
	if r == nil {
		return
	}
	p := labelText(l)
	switch {
	case isStoryLabel(p):
		r.story = true
		c.endCriteria()
	case isCriteriaTitle(p):
		c.startCriteria(c.d.lineRangeAt(l.start()))
	case r.inAC:
		if req, num, numRange, rest, ok := numberedLine(c.d, l); ok {
			c.endCriterion()
			c.newCriterion(numRange, numRange, true, req, num)
			r.crit.para = n
			r.crit.parts = append(r.crit.parts, rest)
			return
		}
		if r.crit != nil && r.crit.para == n {
			// A wrapped line of a numbered line criterion.
			r.crit.parts = append(r.crit.parts, l.trim())
			return
		}
		c.endCriterion()
	}
}

// numberedLine reads a line that starts with a dotted number ("1.1. THE
// ...", "2.3 WHEN ..."): Kiro's bugfix documents number their clauses that
// way, and writers number criteria after their requirement. It returns the
// first part (the requirement), the last part, the range of the whole
// number and the text after it.
func numberedLine(d *document, l text) (req, num string, numRange *hcl.Range, rest text, ok bool) {
	t := l.trim()
	s := t.s
	i := skipMarks(s)
	// The number may be emphasised: "**2.1** WHEN ...".
	marks := i
	for i < len(s) && (s[i] == '*' || s[i] == '_') {
		i++
	}
	marks = i - marks
	j := i
	for j < len(s) && (s[j] >= '0' && s[j] <= '9' || s[j] == '.' || s[j] >= 'a' && s[j] <= 'z' && j > i && s[j-1] >= '0' && s[j-1] <= '9') {
		j++
	}
	raw := strings.TrimRight(s[i:j], ".")
	parts := strings.Split(raw, ".")
	if len(parts) != 2 || parts[0] == "" || parts[1] == "" || strings.Trim(parts[1], "0123456789") != "" || len(parts[1]) > 9 {
		return "", "", nil, text{}, false
	}
	end := j
	for k := 0; k < marks && end < len(s) && (s[end] == '*' || s[end] == '_'); k++ {
		end++
	}
	if end < len(s) && s[end] != ' ' && s[end] != '\t' {
		return "", "", nil, text{}, false
	}
	return parts[0], parts[1], d.rng(t.at(i), t.at(i+len(raw))), t.sub(end, len(s)).trim(), true
}

// requirementTitle starts a new requirement when t (a heading title at
// level, or a whole line at level 0) names one, and reports whether it did.
// A line that is not a heading must be "Requirement N" alone or followed
// by a colon or dash, so that prose mentioning a requirement is not taken
// for one.
func (c *reqChecker) requirementTitle(t text, level int) bool {
	p := t.plain().trim()
	_, n, ok := matchPrefix(p.s, requirementWords)
	if !ok {
		return false
	}
	i := n + indentBytes(p.s[n:])
	if i == n && n > 0 && !isCJK(lastRune(p.s[:n])) || i >= len(p.s) || p.s[i] < '0' || p.s[i] > '9' {
		return false
	}
	j := i
	for j < len(p.s) && (p.s[j] >= '0' && p.s[j] <= '9' || p.s[j] == '.' || p.s[j] >= 'A' && p.s[j] <= 'Z' || p.s[j] >= 'a' && p.s[j] <= 'z') {
		j++
	}
	rest := strings.TrimSpace(p.s[j:])
	if level == 0 && rest != "" && !startsWithAny(rest, ":", "：", "-", "–", "—") {
		return false
	}
	numText := strings.TrimRight(p.s[i:j], ".")
	numRange := c.d.rng(p.at(i), p.endOf(i+len(numText)))
	c.closeRequirement()
	c.titled = true
	num, valid := requirementNumber(numText)
	if !valid {
		if strings.Trim(numText, "0123456789") == "" {
			c.errorf(numRange, RuleRequirementNumber, "Invalid requirement number", "The requirement number %s is too large.", numText)
		} else {
			c.errorf(numRange, RuleRequirementNumber, "Invalid requirement number",
				"Requirement numbers are whole numbers (1, 2, 3, ...; a letter may follow, as in 1a); acceptance criteria are numbered inside them and cited as 1.1, 1.2, ... A sub-requirement should be its own requirement or a criterion.")
		}
		return true
	}
	title := c.d.rng(t.start(), t.end())
	if prev, dup := c.seen[num]; dup {
		c.errorf(numRange, RuleDuplicateRequirement, "Duplicate requirement number",
			"Requirement %s is already defined on line %d. Each requirement needs its own number, since tasks cite requirements and criteria by number.", num, prev.Start.Line)
	} else {
		c.seen[num] = title
	}
	c.reqs.IDs[num] = true
	if _, dup := c.reqs.Titles[num]; !dup {
		title := strings.TrimSpace(p.s[j:])
		title = strings.TrimSpace(strings.TrimLeft(title, ":：-–— "))
		c.reqs.Titles[num] = title
	}
	lower := strings.ToLower(p.s)
	scoped := false
	for _, m := range outOfScopeMarks {
		if strings.Contains(lower, m) {
			scoped = true
		}
	}
	c.cur = &requirement{number: num, title: title, level: level, next: 1, scoped: scoped}
	return true
}

// requirementNumber normalises a requirement number: a whole number,
// optionally followed by one letter ("1a", "12B"), which writers use to
// insert a requirement between two others. It reports false for anything
// else ("1.2").
func requirementNumber(s string) (string, bool) {
	digits := strings.TrimRight(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ")
	if digits == "" || len(s)-len(digits) > 1 || strings.Trim(digits, "0123456789") != "" {
		return "", false
	}
	n := normalizeNumber(digits)
	if _, err := strconv.Atoi(n); err != nil || len(n) > 9 {
		return "", false
	}
	return n + strings.ToLower(s[len(digits):]), true
}

// closeRequirement finishes the current requirement: its last criterion
// and the findings about what it lacks.
func (c *reqChecker) closeRequirement() {
	r := c.cur
	if r == nil {
		return
	}
	c.endCriteria()
	if !r.story && !r.scoped {
		c.warnf(r.title, RuleUserStory, "Missing user story",
			`Requirement %s has no "**User Story:**" line. A user story ("As a <role>, I want <feature>, so that <benefit>") says who needs the requirement and why, which the design and the tasks build on.`, r.number)
	}
	switch {
	case r.ac == nil && !r.scoped:
		c.errorf(r.title, RuleMissingCriteria, "Missing acceptance criteria",
			`Requirement %s has no "#### Acceptance Criteria" heading followed by a numbered list of criteria. Criteria are what tasks cite and tests check.`, r.number)
	case r.ac != nil && r.count == 0:
		c.errorf(r.ac, RuleNoCriteria, "No acceptance criteria",
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
	if r == nil || r.crit == nil {
		return
	}
	var t text
	if len(r.crit.parts) == 0 {
		t = text{off: []int{r.crit.marker.End.Byte}}
	} else {
		t = joinTexts(r.crit.parts)
	}
	if tt := strings.TrimSpace(t.s); tt != "" {
		if _, dup := c.reqs.Texts[r.crit.id]; !dup {
			c.reqs.Texts[r.crit.id] = tt
		}
	}
	diag, foreign := checkEARS(c.d, t, r.crit.marker)
	if diag != nil {
		c.diags = append(c.diags, diag)
	}
	if foreign {
		c.foreign++
		if c.firstFor == nil {
			c.firstFor = c.d.rng(t.trim().start(), t.trim().end())
		}
	}
	r.crit = nil
}

// itemStart reads the start of a list item: under "Acceptance Criteria",
// a new criterion, unless it is nested in the current one.
func (c *reqChecker) itemStart(it *item) {
	r := c.cur
	if r == nil || !r.inAC {
		return
	}
	if r.crit != nil && r.crit.item != nil && it.within(r.crit.item) {
		return
	}
	c.endCriterion()
	marker := c.d.rng(it.marker, it.markerEnd)
	if !it.ordered && it.first != nil && len(it.first.lines) > 0 {
		// "- 1.1 WHEN ...": a bullet whose text is numbered.
		if req, num, numRange, _, ok := numberedLine(c.d, it.first.lines[0]); ok {
			c.newCriterion(marker, numRange, true, req, num)
			r.crit.item = it
			r.crit.strip = true
			return
		}
	}
	if !it.ordered {
		c.newCriterion(marker, marker, false, "", "")
	} else {
		c.newCriterion(marker, c.d.rng(it.marker, it.marker+len(it.number)), true, r.number, it.number)
	}
	r.crit.item = it
}

// newCriterion starts a criterion and checks its numbering: req and num
// are the requirement and criterion numbers it is given (req is the
// current requirement's for a plain "N." item).
func (c *reqChecker) newCriterion(marker, numRange *hcl.Range, numbered bool, req, num string) {
	r := c.cur
	r.count++
	id := strconv.Itoa(r.count)
	if !numbered {
		if !r.bullets {
			r.bullets = true
			c.errorf(marker, RuleCriteriaNotNumbered, "Acceptance criteria not numbered",
				`The acceptance criteria of requirement %s are a bullet list. Number them ("1.", "2.", ...) so that tasks can cite each one as %s.1, %s.2, ...`, r.number, r.number, r.number)
		}
	} else {
		n, _ := strconv.Atoi(num)
		if rn, ok := requirementNumber(req); !ok || rn != r.number {
			c.errorf(numRange, RuleCriteriaNumbering, "Criterion number does not match its requirement",
				"The criterion is numbered %s.%s under requirement %s. A criterion's number starts with its requirement's, so that the id tasks cite (%s.%s) finds it.", req, num, r.number, r.number, num)
		}
		switch {
		case n != r.next && r.next == 1:
			c.errorf(numRange, RuleCriteriaNumbering, "Criteria numbering must start at 1",
				"The first acceptance criterion of requirement %s is numbered %d. Number criteria 1, 2, 3, ... so that their ids (%s.1, %s.2, ...) match what readers see.", r.number, n, r.number, r.number)
		case n != r.next:
			c.errorf(numRange, RuleCriteriaNumbering, "Criteria numbering out of sequence",
				"Expected criterion %d of requirement %s here, found %d. Number criteria 1, 2, 3, ... without gaps or repeats (a list of \"1.\" items renders in order but cannot be cited).", r.next, r.number, n)
		}
		r.next = n + 1
		id = strconv.Itoa(n)
	}
	c.reqs.IDs[r.number+"."+id] = true
	r.crit = &criterion{id: r.number + "." + id, marker: marker}
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

func lastRune(s string) rune {
	r, _ := utf8.DecodeLastRuneInString(s)
	return r
}
