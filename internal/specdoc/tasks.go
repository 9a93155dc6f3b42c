package specdoc

import (
	"fmt"
	"strings"

	"github.com/hashicorp/hcl/v2"
)

// task is one checkbox item of a tasks document.
type task struct {
	indent int        // visual indentation of its marker
	column int        // visual column of its text; deeper lines belong to it
	line   *hcl.Range // the item from its marker to the end of the line
	top    *task      // the top-level task it belongs to (itself at top level)
	cites  bool       // it or one of its subtasks cites a requirement
}

// taskChecker holds the state of one CheckTasks run.
type taskChecker struct {
	d       *document
	reqs    *Requirements
	diags   hcl.Diagnostics
	tops    []*task
	stack   []*task               // open tasks, outermost first
	numbers map[string]*hcl.Range // task number -> where it was first used
	blank   bool                  // the previous line was blank
}

// CheckTasks checks a tasks document: it must hold checkbox tasks, their
// numbers must be unique, every cited requirement id must exist in reqs,
// and every top-level task should trace back to a requirement through a
// citation of its own or of a subtask. With reqs nil (the requirements
// document is missing or unreadable) cited ids are not looked up.
func CheckTasks(filename string, src []byte, reqs *Requirements) hcl.Diagnostics {
	c := &taskChecker{d: newDocument(filename, src), reqs: reqs, numbers: map[string]*hcl.Range{}}
	for i := range c.d.lines {
		l := &c.d.lines[i]
		if !l.skip {
			c.line(l)
		}
	}
	if len(c.tops) == 0 {
		c.errorf(c.d.startRange(), "No tasks",
			`The document has no checkbox task. Tasks are list items with a checkbox, numbered and citing the requirements they implement:
- [ ] 1. Set up the package skeleton
  - _Requirements: 1.1, 1.5_`)
	}
	for _, t := range c.tops {
		if !t.cites {
			c.diags = append(c.diags, &hcl.Diagnostic{
				Severity: hcl.DiagWarning,
				Summary:  "Task cites no requirement",
				Detail:   `Neither this task nor its subtasks cite a requirement. Add a line such as "_Requirements: 1.1, 1.2_" under it, so that every piece of work traces back to an acceptance criterion.`,
				Subject:  t.line,
			})
		}
	}
	return sortDiagnostics(c.diags)
}

func (c *taskChecker) errorf(subject *hcl.Range, summary, detail string, args ...any) {
	c.diags = append(c.diags, &hcl.Diagnostic{
		Severity: hcl.DiagError, Summary: summary, Detail: fmt.Sprintf(detail, args...), Subject: subject,
	})
}

// line reads one line that is not code.
func (c *taskChecker) line(l *line) {
	if _, ok := parseHeading(l); ok {
		// A heading ends every task: what follows it is not their body.
		c.stack = nil
		return
	}
	if item, ok := parseListItem(l); ok && !item.ordered {
		if box, ok := checkbox(l.text, item.content); ok {
			c.task(l, item, box)
			return
		}
	}
	if blank(l.text) {
		c.blank = true
		return
	}
	// A line indented into a task belongs to it, and so does any line
	// right after a task's text (Markdown's lazy continuation). After a
	// blank line, a less indented line leaves the deeper tasks.
	if c.blank {
		for len(c.stack) > 0 && indentWidth(l.text) < c.stack[len(c.stack)-1].column {
			c.stack = c.stack[:len(c.stack)-1]
		}
	}
	c.blank = false
	if len(c.stack) > 0 {
		c.cite(l, 0, c.stack[len(c.stack)-1])
	}
}

// checkbox reads "[ ]", "[x]" or "[X]" at byte i of s, with an optional
// "*" after it (Kiro marks optional tasks "- [ ]* 2.3 ..."), and returns
// the offset of the text after it. "[-]" and "[~]" (in progress) are
// accepted too.
func checkbox(s string, i int) (int, bool) {
	if len(s) < i+3 || s[i] != '[' || s[i+2] != ']' || strings.IndexByte(" xX-~", s[i+1]) < 0 {
		return 0, false
	}
	i += 3
	if i < len(s) && s[i] == '*' {
		i++
	}
	if i < len(s) && s[i] != ' ' && s[i] != '\t' {
		return 0, false
	}
	return i + indentBytes(s[i:]), true
}

// task handles a checkbox item: its place in the hierarchy, its number
// and the citations on its own line.
func (c *taskChecker) task(l *line, item listItem, textAt int) {
	t := &task{
		indent: item.indent,
		column: item.column,
		line:   c.d.lineRange(l, item.marker),
	}
	for len(c.stack) > 0 && c.stack[len(c.stack)-1].indent >= t.indent {
		c.stack = c.stack[:len(c.stack)-1]
	}
	if len(c.stack) == 0 {
		t.top = t
		c.tops = append(c.tops, t)
	} else {
		t.top = c.stack[0].top
	}
	c.stack = append(c.stack, t)
	c.blank = false

	if num, end := taskNumber(l.text, textAt); num != "" {
		rng := c.d.rng(l.start+textAt, l.start+end)
		id := normalizeNumber(num)
		if prev, dup := c.numbers[id]; dup {
			c.errorf(rng, "Duplicate task number",
				"Task %s is already numbered on line %d. Task numbers must be unique so that reviews, commits and progress reports can name a task unambiguously.", num, prev.Start.Line)
		} else {
			c.numbers[id] = rng
		}
		textAt = end
	}
	c.cite(l, textAt, t)
}

// taskNumber reads a task number ("1", "2.1", optionally followed by a
// dot) at byte i of s. It returns the number without the final dot and the
// offset just past it, or "" when the task is not numbered.
func taskNumber(s string, i int) (string, int) {
	if i >= len(s) || s[i] < '0' || s[i] > '9' {
		return "", i
	}
	j := i
	for j < len(s) && (s[j] >= '0' && s[j] <= '9' || s[j] == '.') {
		j++
	}
	num := strings.TrimRight(s[i:j], ".")
	if num == "" || strings.Contains(num, "..") || (j < len(s) && s[j] != ' ' && s[j] != '\t') {
		return "", i
	}
	return num, i + len(num)
}

// cite checks the requirement citations on l from byte from on and
// credits them to the top-level task of t.
func (c *taskChecker) cite(l *line, from int, t *task) {
	for _, cit := range findCitations(l, from) {
		if len(cit.ids) == 0 {
			c.errorf(c.d.rng(cit.from, cit.to), "Citation without requirement ids",
				`This citation lists no requirement id. Write the ids of the acceptance criteria the task implements, e.g. "_Requirements: 1.1, 2.3_".`)
			continue
		}
		t.top.cites = true
		if c.reqs == nil {
			continue
		}
		for _, id := range cit.ids {
			if !c.reqs.IDs[id.id] {
				c.errorf(c.d.rng(id.from, id.to), "Unknown requirement "+id.raw, "%s", describeIDs(c.reqs.IDs, id.id))
			}
		}
	}
}
