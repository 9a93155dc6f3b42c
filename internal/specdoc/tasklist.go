package specdoc

import (
	"fmt"
	"slices"
	"strings"

	"github.com/hashicorp/hcl/v2"
)

// A tasks document is also a plan to carry out: kirofile runs a codegen
// step task by task (each = "task"), in the order the document gives, and
// ticks each task's checkbox once its hooks prove it done. ParseTasks reads
// the document that way, with the same reading as CheckTasks.

// TaskList is a tasks document read as a plan: its numbered tasks.
type TaskList struct {
	// Tasks are the document's numbered tasks, in document order,
	// optional tasks and tasks out of scope included (see their flags).
	Tasks []*Task
	byID  map[string]*Task
}

// Task is one numbered task of a tasks document.
type Task struct {
	// ID is the task's number, normalised ("2.1"); it addresses the task.
	ID string
	// Title is the text of its line after the checkbox and the number,
	// without the parallel mark and without a citation at the end of the
	// line.
	Title string
	// Details are the task's own lines below its title (bullets,
	// citations, code), without its sub-tasks, unindented.
	Details string
	// Parent is the ID of the task it is a sub-task of ("" for none);
	// Children the IDs of its own sub-tasks, in order.
	Parent   string
	Children []string
	// Optional is Kiro's "- [ ]*"; Checkpoint a task titled as one
	// ("Checkpoint - Ensure all tests pass"); OutOfScope a task under a
	// heading that puts it out of scope.
	Optional, Checkpoint, OutOfScope bool
	// Parallel is the mark "[P]" in its title (spec-kit's): it may run
	// beside the tasks next to it that carry the mark too.
	Parallel bool
	// Checked is true for "[x]" or "[X]" (not "[-]" or "[~]", in
	// progress).
	Checked bool
	// DependsOn, when not nil, lists the tasks a "Depends on:" line names
	// (empty for "Depends on: none"): they replace the default order.
	DependsOn []string
	// Cites are the requirement ids the task's own lines cite, ranges
	// expanded, sorted; CitesAll is set for a citation of every
	// requirement ("All").
	Cites    []string
	CitesAll bool
	// Box is the byte offset of the checkbox's state character (the
	// space or the x of "[ ]"), for ticking it.
	Box int
	// Range is the task's line.
	Range hcl.Range
	// dependsAt is where its "Depends on:" line lists each id.
	dependsAt map[string]*hcl.Range
	dependsLn *hcl.Range
}

// Text is what the task says, for its fingerprint: its title and its
// details. The state of its checkbox is no part of it, so ticking the box
// changes nothing a task is generated from.
func (t *Task) Text() string { return t.Title + "\n" + t.Details }

// Task returns the task with an ID, or nil.
func (l *TaskList) Task(id string) *Task {
	if l == nil {
		return nil
	}
	return l.byID[id]
}

// ParseTasks reads a tasks document as a plan. Its diagnostics are the
// problems that make the plan unusable: two tasks with the same number,
// a "Depends on:" line naming a task the document does not have, and
// dependencies that loop. The list is returned all the same.
func ParseTasks(filename string, src []byte) (*TaskList, hcl.Diagnostics) {
	c := &taskChecker{
		d:      newDocument(filename, src),
		byItem: map[*item]*task{}, byNumber: map[string]*task{}, numbers: map[string]*hcl.Range{},
	}
	c.read()
	l := c.taskList(true)
	var diags hcl.Diagnostics
	for _, d := range c.diags {
		if rule, _ := hcl.DiagnosticExtra[Rule](d); rule == RuleDuplicateTask {
			diags = append(diags, d)
		}
	}
	diags = append(diags, c.unnumbered()...)
	_, odiags := l.Order(func(t *Task) bool { return !t.OutOfScope })
	return l, sortDiagnostics(append(diags, odiags...))
}

// unnumbered warns of the checkboxes of a numbered plan that cite
// requirements but have no number: they read as work, yet are no task of
// the plan. (Kiro's own checks accept them, as checklists; only carrying
// the plan out task by task makes them matter.)
func (c *taskChecker) unnumbered() hcl.Diagnostics {
	if !slices.ContainsFunc(c.tasks, func(t *task) bool { return t.number != "" }) {
		return nil
	}
	var diags hcl.Diagnostics
	for _, t := range c.tasks {
		if t.number == "" && t.cites && !t.outOfScope {
			diags = append(diags, &hcl.Diagnostic{
				Severity: hcl.DiagWarning,
				Summary:  "Task has no number",
				Detail:   `This checkbox cites requirements but has no number ("- [ ] 3. Title", sub-tasks "- [ ] 3.1 Title"), so it is no task of the plan: a codegen with each = "task" does not carry it out, and show -trace does not count it. Number it like the others.`,
				Subject:  t.line,
				Extra:    RuleUnnumberedTask,
			})
		}
	}
	return diags
}

// taskList turns the tasks read into the plan's tasks, with their details
// when asked.
func (c *taskChecker) taskList(details bool) *TaskList {
	l := &TaskList{byID: map[string]*Task{}}
	var spans []span
	if details {
		spans = c.taskSpans()
	}
	for i, t := range c.tasks {
		if t.number == "" || t.dup {
			continue
		}
		first := t.item.first.lines[0]
		title := taskTitle(first.sub(t.textAt, len(first.s)).s)
		parallel := false
		if k := strings.Index(title, "[P]"); k >= 0 {
			parallel = true
			title = strings.TrimSpace(title[:k] + title[k+3:])
			title = strings.Join(strings.Fields(title), " ")
		}
		tk := &Task{
			ID: t.number, Title: title,
			Optional: t.optional, Checkpoint: t.checkpoint, OutOfScope: t.outOfScope,
			Parallel: parallel, Checked: t.checked, CitesAll: t.citesAll, Box: t.box,
			Range: *t.line,
		}
		if details {
			tk.Details = c.ownDetails(i, spans)
		}
		seen := map[string]bool{}
		for _, id := range t.cited {
			if !seen[id] {
				seen[id] = true
				tk.Cites = append(tk.Cites, id)
			}
		}
		slices.SortFunc(tk.Cites, func(a, b string) int {
			switch {
			case idLess(a, b):
				return -1
			case idLess(b, a):
				return 1
			}
			return 0
		})
		if dl := t.depends; dl != nil {
			tk.DependsOn = []string{}
			tk.dependsAt = map[string]*hcl.Range{}
			tk.dependsLn = c.d.rng(dl.from, dl.to)
			for _, id := range dl.ids {
				if _, ok := tk.dependsAt[id.id]; !ok {
					tk.DependsOn = append(tk.DependsOn, id.id)
					tk.dependsAt[id.id] = c.d.rng(id.from, id.to)
				}
			}
			for _, id := range dl.spans {
				if _, ok := tk.dependsAt[id]; !ok {
					tk.DependsOn = append(tk.DependsOn, id)
					tk.dependsAt[id] = tk.dependsLn
				}
			}
		}
		if p := t.parent; p != nil && p.number != "" && !p.dup {
			tk.Parent = p.number
		}
		l.Tasks = append(l.Tasks, tk)
		l.byID[tk.ID] = tk
	}
	for _, t := range l.Tasks {
		if p := l.byID[t.Parent]; p != nil {
			p.Children = append(p.Children, t.ID)
		} else {
			t.Parent = ""
		}
	}
	return l
}

// taskTitle is the title on a task's line: up to a citation or a
// dependency label at its end, trimmed.
func taskTitle(s string) string {
	// The number's dot or colon ("1. Title", "Task 2: Title").
	s = strings.TrimLeft(s, ".:：")
	cut := len(s)
	if ls := findLabels(s); len(ls) > 0 {
		cut = ls[0].start
	}
	if k := dependsLabel(s, 0); k >= 0 && k < cut {
		cut = k
	}
	t := strings.TrimSpace(s[:cut])
	// The emphasis that opened the label ("_Requirements: 1_") goes too.
	t = strings.TrimRight(t, "_*( \t-–—")
	return strings.TrimSpace(t)
}

// span is the byte range of a task's item: its line and everything the
// item holds, up to the first block after it.
type span struct{ start, end int }

// taskSpans returns the span of each task, by index in c.tasks.
func (c *taskChecker) taskSpans() []span {
	d := c.d
	spans := make([]span, len(c.tasks))
	for i, t := range c.tasks {
		start, _ := d.lineBounds(d.lineIndex(t.item.marker))
		end := len(d.src)
		for k := t.node + 1; k < len(d.nodes); k++ {
			n := d.nodes[k]
			if n.item != nil && n.item.within(t.item) {
				continue
			}
			off, ok := n.start()
			if !ok || off <= start {
				continue
			}
			end, _ = d.lineBounds(d.lineIndex(off))
			break
		}
		spans[i] = span{start, end}
	}
	return spans
}

// ownDetails returns the lines of task i below its title that are not its
// sub-tasks', unindented, without blank lines at either end.
func (c *taskChecker) ownDetails(i int, spans []span) string {
	d := c.d
	t := c.tasks[i]
	own := spans[i]
	// Its nested sub-tasks follow it in the document, together.
	var children []span
	for j := i + 1; j < len(c.tasks) && c.tasks[j].item != t.item && c.tasks[j].item.within(t.item); j++ {
		children = append(children, spans[j])
	}
	var lines []string
	first := d.lineIndex(own.start)
	for li := first + 1; li < len(d.lineStarts); li++ {
		ls, le := d.lineBounds(li)
		if ls >= own.end {
			break
		}
		inChild := false
		for _, ch := range children {
			if ls >= ch.start && ls < ch.end {
				inChild = true
				break
			}
		}
		if !inChild {
			lines = append(lines, string(d.src[ls:le]))
		}
	}
	for len(lines) > 0 && blank(lines[0]) {
		lines = lines[1:]
	}
	for len(lines) > 0 && blank(lines[len(lines)-1]) {
		lines = lines[:len(lines)-1]
	}
	indent := -1
	for _, l := range lines {
		if blank(l) {
			continue
		}
		if n := indentBytes(l); indent < 0 || n < indent {
			indent = n
		}
	}
	for k, l := range lines {
		if len(l) >= indent && indent > 0 {
			lines[k] = l[indent:]
		} else {
			lines[k] = strings.TrimLeft(l, " \t")
		}
		lines[k] = strings.TrimRight(lines[k], " \t")
	}
	return strings.Join(lines, "\n")
}

// dependsLine is a task's "Depends on: 1, 2.1" line.
type dependsLine struct {
	ids      []citedID
	spans    []string
	from, to int // source offsets of the label
}

// dependsLabels introduce the tasks a task depends on.
var dependsLabels = []string{"depends on", "depends", "dependencies", "depende de", "dépend de", "hängt ab von"}

// dependsLabel returns the byte offset in s of a dependency label followed
// by a colon, at or after from, or -1.
func dependsLabel(s string, from int) int {
	k, _ := dependsLabelAt(s, from)
	return k
}

// dependsLabelAt returns the offset of a dependency label in s at or after
// from, and the offset just past its colon; -1 when there is none.
func dependsLabelAt(s string, from int) (int, int) {
	for i := from; i < len(s); i++ {
		if c := s[i] | 0x20; c != 'd' && c != 'h' || i > 0 && isWordRune(lastRune(s[:i])) {
			continue
		}
		for _, l := range dependsLabels {
			n := foldPrefix(s[i:], l)
			if n < 0 {
				continue
			}
			j := i + n
			for j < len(s) && (s[j] == '*' || s[j] == '_' || s[j] == ' ' || s[j] == '\t') {
				j++
			}
			switch {
			case strings.HasPrefix(s[j:], ":"):
				return i, j + 1
			case strings.HasPrefix(s[j:], "："):
				return i, j + len("：")
			}
		}
	}
	return -1, -1
}

// findDepends reads a "Depends on:" line on t from byte from on: the task
// ids it lists, or none ("Depends on: none").
func findDepends(t text, from int) *dependsLine {
	s := t.s
	k, colon := dependsLabelAt(s, from)
	if k < 0 {
		return nil
	}
	dl := &dependsLine{from: t.at(k), to: t.at(colon)}
	j := colon + len(s[colon:]) - len(strings.TrimLeft(s[colon:], " \t*_`"))
	rest := strings.ToLower(strings.TrimRight(s[j:min(len(s), j+40)], " \t*_`"))
	if strings.HasPrefix(rest, "n/a") || startsWithWord(rest, noneWords) {
		return dl
	}
	dl.ids, dl.spans = parseIDs(t, j, len(s))
	return dl
}

// Order returns, for each task include accepts, the tasks it depends on:
// the "Depends on:" line's when it has one, else the task before it among
// its siblings (sub-tasks of the same task, or top-level tasks), or, for
// the first of its siblings, what its parent would depend on. Sub-tasks
// come before their parent is done: a task with sub-tasks depends on every
// one of them. Siblings marked parallel ("[P]") next to each other form a
// wave: each depends on what the first would, and the task after the wave
// depends on all of them. A task include leaves out (an optional task not
// asked for) is passed over, and so are its sub-tasks; a dependency on it
// is dropped.
//
// Its diagnostics name a "Depends on:" id that is no task of the document,
// and dependencies that loop.
func (l *TaskList) Order(include func(*Task) bool) (map[string][]string, hcl.Diagnostics) {
	var diags hcl.Diagnostics
	in := map[string]bool{}
	for _, t := range l.Tasks {
		p := l.byID[t.Parent]
		in[t.ID] = include(t) && (p == nil || in[p.ID])
	}
	deps := map[string][]string{}
	var place func(t *Task, prev []string)
	order := func(siblings []*Task, inherited []string) {
		prev := inherited
		for i := 0; i < len(siblings); {
			if !siblings[i].Parallel {
				place(siblings[i], prev)
				prev = []string{siblings[i].ID}
				i++
				continue
			}
			var wave []string
			for ; i < len(siblings) && siblings[i].Parallel; i++ {
				place(siblings[i], prev)
				wave = append(wave, siblings[i].ID)
			}
			prev = wave
		}
	}
	children := func(t *Task) []*Task {
		var out []*Task
		for _, id := range t.Children {
			if in[id] {
				out = append(out, l.byID[id])
			}
		}
		return out
	}
	place = func(t *Task, prev []string) {
		own := prev
		if t.DependsOn != nil {
			own = []string{}
			for _, id := range t.DependsOn {
				switch {
				case l.byID[id] == nil:
					diags = append(diags, &hcl.Diagnostic{
						Severity: hcl.DiagError,
						Summary:  "Unknown task " + id,
						Detail:   fmt.Sprintf("Task %s depends on task %s, which the document does not have. A \"Depends on:\" line names the numbers of tasks of the same document.", t.ID, id),
						Subject:  t.dependsAt[id],
						Extra:    RuleTaskDepends,
					})
				case in[id]:
					own = append(own, id)
				}
			}
		}
		kids := children(t)
		if len(kids) == 0 {
			deps[t.ID] = append([]string{}, own...)
			return
		}
		order(kids, own)
		all := append([]string{}, own...)
		for _, k := range kids {
			all = append(all, k.ID)
		}
		deps[t.ID] = all
	}
	var top []*Task
	for _, t := range l.Tasks {
		if in[t.ID] && t.Parent == "" {
			top = append(top, t)
		}
	}
	order(top, nil)
	diags = append(diags, l.cycles(deps)...)
	return deps, diags
}

// cycles reports the loops of deps, each once, at the "Depends on:" line
// of one of its tasks.
func (l *TaskList) cycles(deps map[string][]string) hcl.Diagnostics {
	const (
		unseen = iota
		active
		done
	)
	state := map[string]int{}
	var diags hcl.Diagnostics
	var stack []string
	var visit func(id string)
	visit = func(id string) {
		state[id] = active
		stack = append(stack, id)
		for _, up := range deps[id] {
			switch state[up] {
			case unseen:
				visit(up)
			case active:
				k := slices.Index(stack, up)
				loop := slices.Clone(stack[k:])
				subject := &l.byID[id].Range
				for _, t := range loop {
					if r := l.byID[t].dependsLn; r != nil {
						subject = r
						break
					}
				}
				diags = append(diags, &hcl.Diagnostic{
					Severity: hcl.DiagError,
					Summary:  "Tasks depend on each other",
					Detail: fmt.Sprintf("Tasks %s depend on each other in a loop (by their \"Depends on:\" lines and the order of the document: a task depends on the one before it, a task with sub-tasks on its sub-tasks), so none of them can run first. Remove one of the dependencies.",
						strings.Join(append(loop, up), " -> ")),
					Subject: subject,
					Extra:   RuleTaskCycle,
				})
			}
		}
		stack = stack[:len(stack)-1]
		state[id] = done
	}
	for _, t := range l.Tasks {
		if _, ok := deps[t.ID]; ok && state[t.ID] == unseen {
			visit(t.ID)
		}
	}
	return diags
}

// ClearCheckboxes returns src with the state of every task checkbox
// cleared ("[x]", "[X]", "[-]" and "[~]" read as "[ ]"), outside fenced
// code blocks; src itself when there is none to clear. A tasks document's
// approval binds the hash of this form: ticking a task, as kirofile does
// when the task is done, or as a person does by hand, is progress on the
// plan, not a change of it.
func ClearCheckboxes(src []byte) []byte {
	out := src
	copied := false
	fence := ""
	for start := 0; start < len(src); {
		end := start
		for end < len(src) && src[end] != '\n' {
			end++
		}
		line := src[start:end]
		lead := 0
		for lead < len(line) && (line[lead] == ' ' || line[lead] == '\t') {
			lead++
		}
		rest := line[lead:]
		switch {
		case fence != "":
			if run := fenceRun(rest); run != "" && run[0] == fence[0] && len(run) >= len(fence) && blank(string(rest[len(run):])) {
				fence = ""
			}
		case fenceRun(rest) != "":
			fence = fenceRun(rest)
		default:
			if i := boxAt(line, lead); i >= 0 && line[i] != ' ' {
				if !copied {
					out = append([]byte(nil), src...)
					copied = true
				}
				out[start+i] = ' '
			}
		}
		start = end + 1
	}
	return out
}

// fenceRun returns the run of three or more backticks or tildes a line
// (without its indentation) opens with, or "".
func fenceRun(s []byte) string {
	if len(s) < 3 || s[0] != '`' && s[0] != '~' {
		return ""
	}
	n := 0
	for n < len(s) && s[n] == s[0] {
		n++
	}
	if n < 3 {
		return ""
	}
	return string(s[:n])
}

// boxAt returns the offset in line of the state character of a checkbox
// that opens a list item ("- [x] ...", "1. [ ] ..."), the list marker at
// offset lead; -1 when there is none.
func boxAt(line []byte, lead int) int {
	i := lead
	switch {
	case i < len(line) && (line[i] == '-' || line[i] == '*' || line[i] == '+'):
		i++
	case i < len(line) && isDigit(line[i]):
		for i < len(line) && isDigit(line[i]) {
			i++
		}
		if i >= len(line) || line[i] != '.' && line[i] != ')' {
			return -1
		}
		i++
	default:
		return -1
	}
	if i >= len(line) || line[i] != ' ' && line[i] != '\t' {
		return -1
	}
	for i < len(line) && (line[i] == ' ' || line[i] == '\t') {
		i++
	}
	if i+2 >= len(line) || line[i] != '[' || line[i+2] != ']' || strings.IndexByte(" xX-~", line[i+1]) < 0 {
		return -1
	}
	if j := i + 3; j < len(line) && line[j] != ' ' && line[j] != '\t' && line[j] != '*' && line[j] != '\r' {
		return -1
	}
	return i + 1
}

// Tick returns src with the checkbox of t set: "[x]" when done, "[ ]"
// otherwise. It reports false, and returns src, when the byte at t's box
// is not a checkbox's state (the document changed since it was read).
func Tick(src []byte, t *Task, done bool) ([]byte, bool) {
	if t.Box <= 0 || t.Box+1 >= len(src) || src[t.Box-1] != '[' || src[t.Box+1] != ']' || strings.IndexByte(" xX-~", src[t.Box]) < 0 {
		return src, false
	}
	want := byte(' ')
	if done {
		want = 'x'
	}
	if src[t.Box] == want || done && src[t.Box] == 'X' {
		return src, true
	}
	out := append([]byte(nil), src...)
	out[t.Box] = want
	return out, true
}
