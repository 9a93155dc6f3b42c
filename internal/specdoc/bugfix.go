package specdoc

import (
	"bytes"
	"fmt"
	"strconv"
	"strings"

	"github.com/hashicorp/hcl/v2"
)

// Kiro's bugfix spec replaces the requirements document with bugfix.md: an
// analysis of the bug in three numbered lists of clauses, which the design
// and the tasks cite like criteria.
//
//	## Bug Analysis
//	### Current Behavior (Defect)
//	1.1 WHEN <condition> THEN the system <does the wrong thing>
//	### Expected Behavior (Correct)
//	2.1 WHEN <condition> THEN the system SHALL <do the right thing>
//	### Unchanged Behavior (Regression Prevention)
//	3.1 WHEN <condition> THEN the system SHALL CONTINUE TO <do what it does>

// bugfixPart is one of the three lists of a bug analysis.
type bugfixPart struct {
	index   int // 1, 2 or 3: the first part of its clauses' numbers
	name    string
	phrases []string
	shall   bool // its clauses say what the system SHALL do
	needed  bool // a bugfix document without it is wrong, not just thin
}

var bugfixParts = []bugfixPart{
	{1, "Current Behavior", []string{"current behavior", "current behaviour", "comportamiento actual", "comportamento atual",
		"comportement actuel", "aktuelles verhalten", "現在の動作", "現在の挙動", "当前行为"}, false, true},
	{2, "Expected Behavior", []string{"expected behavior", "expected behaviour", "comportamiento esperado", "comportamento esperado",
		"comportement attendu", "erwartetes verhalten", "期待される動作", "期待される挙動", "预期行为"}, true, true},
	{3, "Unchanged Behavior", []string{"unchanged behavior", "unchanged behaviour", "regression prevention", "comportamiento sin cambios",
		"comportamiento inalterado", "comportamento inalterado", "comportement inchangé", "unverändertes verhalten",
		"変更されない動作", "変わらない動作", "不变行为", "保持不变"}, true, false},
}

// clause is one numbered clause being read.
type clause struct {
	id     string
	parts  []text
	number *hcl.Range
	para   *node
	item   *item
}

// bugfixChecker holds the state of one CheckBugfix run.
type bugfixChecker struct {
	d       *document
	diags   hcl.Diagnostics
	reqs    *Requirements
	seen    map[string]*hcl.Range
	found   [4]*hcl.Range // the heading of each part, by index
	counts  [4]int
	cur     *bugfixPart
	level   int // the heading level of the current part
	next    int // the number the next clause of the part should have
	cl      *clause
	prose   bool
	foreign int
	first   *hcl.Range
}

// CheckBugfix checks a bugfix document: the three parts of the bug
// analysis (current, expected and unchanged behaviour), each a list of
// clauses numbered after its part (1.1, 1.2, ...; 2.1, ...; 3.1, ...),
// whose expected and unchanged clauses say what the system SHALL do. It
// returns the ids that tasks and the design may cite: each clause's, and
// 1, 2 and 3 for the parts.
func CheckBugfix(filename string, src []byte) (*Requirements, hcl.Diagnostics) {
	c := &bugfixChecker{d: newDocument(filename, src), reqs: &Requirements{IDs: map[string]bool{}, Texts: map[string]string{}, Titles: map[string]string{}}, seen: map[string]*hcl.Range{}}
	if len(bytes.TrimSpace(src)) == 0 {
		c.errorf(c.d.rng(0, 0), RuleEmptyBugfix, "Empty bugfix document",
			"The bugfix document has no content. It should analyse the bug: its current behavior (1.1, 1.2, ...), the expected behavior (2.1, ...) and the behavior that must not change (3.1, ...).")
		return c.reqs, c.diags
	}
	for _, n := range c.d.nodes {
		if n.quoted || n.recovered {
			continue
		}
		switch n.kind {
		case nodeHeading:
			c.heading(n)
		case nodePara:
			c.prose = true
			c.para(n)
		case nodeItem:
			c.prose = true
			c.itemStart(n.item)
		}
	}
	c.endClause()
	c.finish()
	c.diags = append(c.diags, c.d.diags...)
	return c.reqs, sortDiagnostics(c.diags)
}

func (c *bugfixChecker) errorf(subject *hcl.Range, rule Rule, summary, detail string, args ...any) {
	c.diags = append(c.diags, &hcl.Diagnostic{
		Severity: hcl.DiagError, Summary: summary, Detail: fmt.Sprintf(detail, args...), Subject: subject, Extra: rule,
	})
}

func (c *bugfixChecker) heading(n *node) {
	if len(n.lines) == 0 {
		return
	}
	title := joinTexts(n.lines)
	lower := strings.ToLower(labelText(title))
	lw := words(lower)
	for i := range bugfixParts {
		p := &bugfixParts[i]
		for _, ph := range p.phrases {
			if containsPhrase(lower, lw, ph) {
				c.startPart(p, n.level, c.d.lineRangeAt(title.start()))
				return
			}
		}
	}
	if c.cur != nil && n.level <= c.level {
		c.endPart()
	}
}

func (c *bugfixChecker) startPart(p *bugfixPart, level int, at *hcl.Range) {
	c.endPart()
	c.cur, c.level, c.next = p, level, 1
	if c.found[p.index] == nil {
		c.found[p.index] = at
	}
}

func (c *bugfixChecker) endPart() {
	c.endClause()
	if c.cur != nil && c.counts[c.cur.index] == 0 && c.found[c.cur.index] != nil {
		c.errorf(c.found[c.cur.index], RuleNoClauses, "No "+strings.ToLower(c.cur.name)+" clauses",
			"The %s part of the bug analysis has no numbered clause (\"%d.1 WHEN ... THEN the system ...\"). Its clauses are what the design and the tasks cite.", c.cur.name, c.cur.index)
	}
	c.cur = nil
}

// para reads a paragraph of a part: numbered lines start clauses, other
// lines continue the clause above them in the same paragraph.
func (c *bugfixChecker) para(n *node) {
	if c.cur == nil {
		return
	}
	if c.cl != nil && c.cl.item != nil && n.item != nil && n.item.within(c.cl.item) {
		for _, l := range n.lines {
			c.cl.parts = append(c.cl.parts, l.trim())
		}
		return
	}
	for _, l := range n.lines {
		if part, num, numRange, rest, ok := numberedLine(c.d, l); ok {
			c.endClause()
			c.newClause(part, num, numRange)
			c.cl.para = n
			c.cl.parts = append(c.cl.parts, rest)
			continue
		}
		if c.cl != nil && c.cl.para == n {
			c.cl.parts = append(c.cl.parts, l.trim())
			continue
		}
		c.endClause()
	}
}

// itemStart reads a numbered list item of a part as a clause: "1." under
// Expected Behavior is clause 2.1.
func (c *bugfixChecker) itemStart(it *item) {
	if c.cur == nil || c.cl != nil && c.cl.item != nil && it.within(c.cl.item) {
		return
	}
	c.endClause()
	if !it.ordered {
		return
	}
	c.newClause(strconv.Itoa(c.cur.index), it.number, c.d.rng(it.marker, it.marker+len(it.number)))
	c.cl.item = it
}

func (c *bugfixChecker) newClause(part, num string, numRange *hcl.Range) {
	p := c.cur
	c.counts[p.index]++
	n, _ := strconv.Atoi(num)
	id := normalizeNumber(part) + "." + strconv.Itoa(n)
	switch {
	case normalizeNumber(part) != strconv.Itoa(p.index):
		c.errorf(numRange, RuleClauseNumbering, "Clause number does not match its part",
			"Clause %s.%s is under %s, whose clauses are numbered %d.1, %d.2, ... Tasks cite clauses by these numbers.", part, num, p.name, p.index, p.index)
	case n != c.next && c.next == 1:
		c.errorf(numRange, RuleClauseNumbering, "Clause numbering must start at 1",
			"The first clause of %s is numbered %s. Number clauses %d.1, %d.2, ... so that their ids match what readers see.", p.name, id, p.index, p.index)
	case n != c.next:
		c.errorf(numRange, RuleClauseNumbering, "Clause numbering out of sequence",
			"Expected clause %d.%d here, found %s. Number clauses without gaps or repeats.", p.index, c.next, id)
	}
	c.next = n + 1
	if prev, dup := c.seen[id]; dup && normalizeNumber(part) == strconv.Itoa(p.index) {
		c.errorf(numRange, RuleDuplicateClause, "Duplicate clause number", "Clause %s is already defined on line %d.", id, prev.Start.Line)
	} else {
		c.seen[id] = numRange
	}
	c.reqs.IDs[id] = true
	c.reqs.IDs[strconv.Itoa(p.index)] = true
	c.cl = &clause{id: id, number: numRange}
}

// endClause checks the clause being read: an expected or unchanged
// behavior says what the system SHALL do.
func (c *bugfixChecker) endClause() {
	cl := c.cl
	if cl == nil || c.cur == nil {
		c.cl = nil
		return
	}
	c.cl = nil
	if len(cl.parts) > 0 {
		if tt := strings.TrimSpace(joinTexts(cl.parts).s); tt != "" {
			if _, dup := c.reqs.Texts[cl.id]; !dup {
				c.reqs.Texts[cl.id] = tt
			}
		}
	}
	if !c.cur.shall {
		return
	}
	if len(cl.parts) == 0 {
		c.errorf(cl.number, RuleClauseShall, "Empty clause", "Clause %s has no text.", cl.id)
		return
	}
	t := joinTexts(cl.parts).trim()
	p := t.plain().s
	if hasShall(p) {
		return
	}
	if !anyWord(p, englishWords) {
		c.foreign++
		if c.first == nil {
			c.first = c.d.rng(t.start(), t.end())
		}
		return
	}
	d := &hcl.Diagnostic{
		Severity: hcl.DiagError,
		Summary:  c.cur.name + " clause has no SHALL",
		Detail: fmt.Sprintf("Clause %s says what the system does but not what it SHALL do. Write it as \"WHEN <condition> THEN the system SHALL %s<behavior>\", so that a test can check it.",
			cl.id, map[bool]string{true: "CONTINUE TO ", false: ""}[c.cur.index == 3]),
		Subject: c.d.rng(t.start(), t.end()),
		Extra:   RuleClauseShall,
	}
	if c.cur.index == 3 {
		// What must not change is described rather than required in
		// Kiro's template ("SHALL CONTINUE TO"): its absence is worth a
		// look, not a failure.
		d.Severity = hcl.DiagWarning
	}
	c.diags = append(c.diags, d)
}

// finish reports the parts the document lacks.
func (c *bugfixChecker) finish() {
	c.endPart()
	structured := false
	for _, f := range c.found {
		structured = structured || f != nil
	}
	if !structured {
		c.reqs.Unstructured = true
		c.diags = append(c.diags, &hcl.Diagnostic{
			Severity: hcl.DiagWarning,
			Summary:  "Bugfix document not in Kiro's format",
			Detail:   `The document has none of the parts of Kiro's bug analysis ("### Current Behavior", "### Expected Behavior", "### Unchanged Behavior", each a list of numbered clauses), so it is not checked and its clauses cannot be cited by id.`,
			Subject:  c.d.startRange(),
			Extra:    RuleBugfixFormat,
		})
		return
	}
	for _, p := range bugfixParts {
		if c.found[p.index] != nil {
			continue
		}
		d := &hcl.Diagnostic{
			Severity: hcl.DiagError,
			Summary:  "Missing bugfix part: " + p.name,
			Detail:   fmt.Sprintf("The bug analysis has no \"### %s\" heading over its numbered clauses (%d.1, %d.2, ...).", p.name, p.index, p.index),
			Subject:  c.d.startRange(),
			Extra:    RuleBugfixSection,
		}
		if !p.needed {
			d.Severity = hcl.DiagWarning
			d.Detail += " It lists what the fix must not change, which the tasks protect with regression tests."
		}
		c.diags = append(c.diags, d)
	}
	if c.foreign > 0 {
		c.diags = append(c.diags, foreignEARS(c.foreign, c.first, "clause", "clauses"))
	}
}
