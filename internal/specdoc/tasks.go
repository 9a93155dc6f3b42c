package specdoc

import (
	"fmt"
	"strings"

	"github.com/hashicorp/hcl/v2"
)

// task is one checkbox item of a tasks document.
type task struct {
	number string     // normalised, "" when the task has none
	item   *item      // the list item
	line   *hcl.Range // the item from its marker to the end of its line
	parent *task      // the task it is a sub-task of
	cites  bool       // it cites a requirement (its sub-tasks' citations are added at the end)
	none   bool       // it says it implements no requirement ("N/A")
	exempt bool       // a checkpoint, an optional task or one out of scope: it needs no citation
	dup    bool       // its number repeats an earlier task's

	// What ParseTasks reads besides the checks.
	node       int  // index of its item in the document's nodes
	textAt     int  // byte offset of its title on its first line
	optional   bool // "- [ ]*"
	checkpoint bool
	outOfScope bool
	checked    bool // "[x]" or "[X]"
	box        int  // byte offset of the checkbox's state character
	cited      []string
	citesAll   bool
	depends    *dependsLine // its "Depends on:" line, when it has one
}

// taskChecker holds the state of one CheckTasks run.
type taskChecker struct {
	d        *document
	reqs     *Requirements
	diags    hcl.Diagnostics
	tasks    []*task
	byItem   map[*item]*task
	byNumber map[string]*task      // the last task with each number
	numbers  map[string]*hcl.Range // task number -> where it was first used
	// outOfScope is set under a heading that puts the tasks below it out
	// of scope ("## Future Tasks (Not in Scope)"): they need no citation.
	outOfScope bool
}

// CheckTasks checks a tasks document: it must hold checkbox tasks, their
// numbers must be unique, every cited requirement id must exist in reqs,
// and every numbered top-level task should trace back to a requirement
// through a citation of its own or of a sub-task. With reqs nil (the
// requirements document is missing or unreadable) cited ids are not looked
// up; with reqs.Unstructured (it is not in Kiro's format) they are not
// looked up and tasks are not expected to cite.
func CheckTasks(filename string, src []byte, reqs *Requirements) hcl.Diagnostics {
	c := &taskChecker{
		d: newDocument(filename, src), reqs: reqs,
		byItem: map[*item]*task{}, byNumber: map[string]*task{}, numbers: map[string]*hcl.Range{},
	}
	c.read()
	c.finish()
	// The order the tasks run in when a codegen carries them out one by
	// one: "Depends on:" lines must name tasks of the document, without
	// loops.
	_, odiags := c.taskList(false).Order(func(t *Task) bool { return !t.OutOfScope })
	c.diags = append(c.diags, odiags...)
	c.diags = append(c.diags, c.d.diags...)
	return sortDiagnostics(c.diags)
}

// read reads the document's tasks and their citations.
func (c *taskChecker) read() {
	for i, n := range c.d.nodes {
		if n.quoted || n.skipped() {
			continue
		}
		switch n.kind {
		case nodeHeading:
			c.outOfScope = false
			if len(n.lines) > 0 {
				lower := strings.ToLower(joinTexts(n.lines).plain().s)
				for _, m := range outOfScopeMarks {
					c.outOfScope = c.outOfScope || strings.Contains(lower, m)
				}
			}
		case nodeItem:
			c.itemStart(n.item, i)
		case nodePara:
			c.para(n)
		}
	}
}

func (c *taskChecker) errorf(subject *hcl.Range, rule Rule, summary, detail string, args ...any) {
	c.diags = append(c.diags, &hcl.Diagnostic{
		Severity: hcl.DiagError, Summary: summary, Detail: fmt.Sprintf(detail, args...), Subject: subject, Extra: rule,
	})
}

func (c *taskChecker) warnf(subject *hcl.Range, rule Rule, summary, detail string, args ...any) {
	c.diags = append(c.diags, &hcl.Diagnostic{
		Severity: hcl.DiagWarning, Summary: summary, Detail: fmt.Sprintf(detail, args...), Subject: subject, Extra: rule,
	})
}

// itemStart reads a list item: a task when its text starts with a
// checkbox.
func (c *taskChecker) itemStart(it *item, index int) {
	if it.first == nil || len(it.first.lines) == 0 {
		return
	}
	first := it.first.lines[0]
	textAt, optional, ok := checkbox(first.s)
	if !ok {
		return
	}
	t := &task{item: it, line: c.d.lineRangeAt(it.marker), exempt: optional || c.outOfScope,
		node: index, optional: optional, outOfScope: c.outOfScope, checked: first.s[1] == 'x' || first.s[1] == 'X', box: first.at(1)}
	num, end := taskNumber(first.s, textAt)
	var rng *hcl.Range
	switch {
	case num != "":
		rng = c.d.rng(first.at(end-len(num)), first.at(end))
		textAt = end
	case it.ordered:
		// "1. [ ] Title": the list's own number numbers the task.
		num = it.number
		rng = c.d.rng(it.marker, it.marker+len(it.number))
	}
	if num != "" {
		t.number = normalizeNumber(num)
	}
	// The parent: the task whose number this one's extends ("2.1" under
	// "2."), whether or not it is indented under it, since Kiro writes
	// sub-tasks both ways; else the task it is nested in.
	if i := strings.LastIndexByte(t.number, '.'); i > 0 {
		t.parent = c.byNumber[t.number[:i]]
	}
	if t.parent == nil {
		for p := it.parent; p != nil; p = p.parent {
			if pt := c.byItem[p]; pt != nil {
				t.parent = pt
				break
			}
		}
	}
	t.textAt = textAt
	if title := labelText(first.sub(textAt, len(first.s))); isCheckpoint(title) {
		t.exempt, t.checkpoint = true, true
	}
	if t.number != "" {
		if prev, dup := c.numbers[t.number]; dup {
			t.dup = true
			// The sub-tasks of a repeated task repeat its number too: the
			// task's own finding covers them.
			if t.parent == nil || !t.parent.dup {
				c.errorf(rng, RuleDuplicateTask, "Duplicate task number",
					"Task %s is already numbered on line %d. Task numbers must be unique so that reviews, commits and progress reports can name a task unambiguously.", num, prev.Start.Line)
			}
		} else {
			c.numbers[t.number] = rng
		}
		c.byNumber[t.number] = t
	}
	c.byItem[it] = t
	c.tasks = append(c.tasks, t)
	c.cite(first, textAt, t)
}

// para reads a paragraph: the citations in it belong to the task it is in.
func (c *taskChecker) para(n *node) {
	var t *task
	for it := n.item; it != nil && t == nil; it = it.parent {
		t = c.byItem[it]
	}
	if t == nil {
		return
	}
	for i, l := range n.lines {
		if i == 0 && n == t.item.first {
			continue // read with the task
		}
		c.cite(l, 0, t)
	}
}

// checkbox reads "[ ]", "[x]" or "[X]" at the start of s, with an optional
// "*" after it (Kiro marks optional tasks "- [ ]* 2.3 ..."), and returns
// the offset of the text after it. "[-]" and "[~]" (in progress) are
// accepted too.
func checkbox(s string) (textAt int, optional, ok bool) {
	if len(s) < 3 || s[0] != '[' || s[2] != ']' || strings.IndexByte(" xX-~", s[1]) < 0 {
		return 0, false, false
	}
	i := 3
	if i < len(s) && s[i] == '*' {
		optional = true
		i++
	}
	if i < len(s) && s[i] != ' ' && s[i] != '\t' {
		return 0, false, false
	}
	return i + indentBytes(s[i:]), optional, true
}

// taskWords may come before a task's number ("- [ ] Task 3: Title").
var taskWords = []string{"task", "tarea", "tâche", "tarefa", "aufgabe", "タスク", "任务"}

// taskNumber reads a task number ("1", "2.1", optionally followed by a
// dot or a colon, or after a word such as "Task") at byte i of s. It
// returns the number without the final dot and the offset just past it,
// or "" when the task is not numbered.
func taskNumber(s string, i int) (string, int) {
	if _, n, ok := matchPrefix(s[i:], taskWords); ok {
		if num, end := digitsNumber(s, i+n+indentBytes(s[i+n:])); num != "" {
			return num, end
		}
		return "", i
	}
	return digitsNumber(s, i)
}

// digitsNumber reads a number of digits and dots at byte i of s, which a
// space, a tab, a colon or the end of s must follow.
func digitsNumber(s string, i int) (string, int) {
	if i >= len(s) || s[i] < '0' || s[i] > '9' {
		return "", i
	}
	j := i
	for j < len(s) && (s[j] >= '0' && s[j] <= '9' || s[j] == '.') {
		j++
	}
	num := strings.TrimRight(s[i:j], ".")
	if num == "" || strings.Contains(num, "..") || (j < len(s) && s[j] != ' ' && s[j] != '\t' && s[j] != ':') {
		return "", i
	}
	return num, i + len(num)
}

// isCheckpoint reports whether a task title names a checkpoint ("8.
// Checkpoint - Ensure all tests pass", "Final checkpoint").
func isCheckpoint(title string) bool {
	lower := strings.ToLower(title)
	ws := words(title)
	if len(ws) > 4 {
		ws = ws[:4]
	}
	for _, w := range checkpointWords {
		if containsPhrase(lower, ws, w) {
			return true
		}
	}
	return false
}

// cite checks the citations on t from byte from on and credits them to
// the task.
func (c *taskChecker) cite(l text, from int, t *task) {
	for _, cit := range findCitations(l, from) {
		switch cit.kind {
		case citeEmpty:
			c.errorf(c.d.rng(cit.from, cit.to), RuleEmptyCitation, "Citation without requirement ids",
				`This citation lists no requirement id. Write the ids of the acceptance criteria the task implements, e.g. "_Requirements: 1.1, 2.3_", or "_Requirements: N/A_" for a task that implements none.`)
		case citeNone:
			t.none = true
		case citeAll:
			t.cites, t.citesAll = true, true
		case citeProse:
			t.cites = true
		case citeIDs:
			t.cites = true
			checkIDs(c.d, &c.diags, c.reqs, cit.ids)
			for _, id := range cit.ids {
				t.cited = append(t.cited, id.id)
			}
			t.cited = append(t.cited, cit.spans...)
		}
	}
	if dl := findDepends(l, from); dl != nil && t.depends == nil {
		t.depends = dl
	}
}

// checkIDs reports each cited id that reqs does not define.
func checkIDs(d *document, diags *hcl.Diagnostics, reqs *Requirements, ids []citedID) {
	if reqs == nil || reqs.Unstructured {
		return
	}
	for _, id := range ids {
		if !reqs.IDs[id.id] {
			*diags = append(*diags, &hcl.Diagnostic{
				Severity: hcl.DiagError,
				Summary:  "Unknown requirement " + id.raw,
				Detail:   describeIDs(reqs.IDs, id.id),
				Subject:  d.rng(id.from, id.to),
				Extra:    RuleUnknownID,
			})
		}
	}
}

// finish reports what the document as a whole lacks.
func (c *taskChecker) finish() {
	if len(c.tasks) == 0 {
		c.errorf(c.d.startRange(), RuleNoTasks, "No tasks",
			`The document has no checkbox task. Tasks are list items with a checkbox, numbered and citing the requirements they implement:
- [ ] 1. Set up the package skeleton
  - _Requirements: 1.1, 1.5_`)
		return
	}
	numbered, citing := false, false
	for _, t := range c.tasks {
		numbered = numbered || t.number != ""
		citing = citing || t.cites
	}
	// A sub-task's citation, or its "N/A", counts for every task above it;
	// and one of two tasks given the same number by mistake counts for
	// the other, whose only finding is the duplicate number.
	byNumber := map[string]*task{}
	for _, t := range c.tasks {
		for p := t.parent; p != nil; p = p.parent {
			p.cites = p.cites || t.cites
			p.none = p.none || t.none
		}
	}
	for _, t := range c.tasks {
		if t.number == "" {
			continue
		}
		if o := byNumber[t.number]; o != nil {
			o.cites, t.cites = o.cites || t.cites, o.cites || t.cites
		} else {
			byNumber[t.number] = t
		}
	}
	if !numbered && !citing {
		c.warnf(c.d.startRange(), RuleTasksFormat, "Tasks not in Kiro's format",
			`No checkbox of the document is a numbered task and none cites a requirement, so it reads as a checklist rather than Kiro's implementation plan, and no task is expected to cite a requirement. In Kiro's format every task is a numbered checkbox ("- [ ] 1. Title", sub-tasks "- [ ] 1.1 Title") with a line "_Requirements: 1.1, 2.3_" citing the acceptance criteria it implements.`)
		return
	}
	if c.reqs != nil && c.reqs.Unstructured {
		return // there is nothing to cite
	}
	// Unnumbered top-level checkboxes in a numbered plan are checklists
	// ("Definition of done"), not tasks.
	var uncited []*task
	for _, t := range c.tasks {
		if t.parent == nil && (t.number != "" || !numbered) && !t.cites && !t.none && !t.exempt {
			uncited = append(uncited, t)
		}
	}
	if !citing && len(uncited) > 1 {
		c.warnf(uncited[0].line, RuleUncitedTasks, "No task cites a requirement",
			`None of the %d tasks of the document cites a requirement, so none traces back to an acceptance criterion. Add a line such as "_Requirements: 1.1, 1.2_" under each task (checkpoints and optional tasks need none).`, len(uncited))
		return
	}
	for _, t := range uncited {
		c.warnf(t.line, RuleUncitedTask, "Task cites no requirement",
			`Neither this task nor its sub-tasks cite a requirement. Add a line such as "_Requirements: 1.1, 1.2_" under it, so that every piece of work traces back to an acceptance criterion, or "_Requirements: N/A_" when it implements none.`)
	}
}
