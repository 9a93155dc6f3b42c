package plan

import (
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"

	"github.com/hashicorp/hcl/v2"

	"github.com/kirofile/kirofile/dag"
	"github.com/kirofile/kirofile/internal/digest"
	"github.com/kirofile/kirofile/internal/lockfile"
	"github.com/kirofile/kirofile/internal/prompt"
	"github.com/kirofile/kirofile/internal/specdoc"
	"github.com/kirofile/kirofile/lang"
)

// A codegen with each = "task" carries out its feature's approved tasks
// document task by task. Plan reads the document, offline, and expands
// the codegen into one node per task, feature.F.codegen.C.task["2.1"], in
// the order the document gives (specdoc.TaskList.Order): each task a node
// of the graph with its own fingerprint, its own record in the lock, and
// its own state. The codegen itself stays in the graph as the node that
// joins its tasks: what depends on the codegen waits for every task, and
// apply records the codegen's files once they are all done. Plans list the
// tasks, not the join.
//
// A document that is not approved as it is on disk is not expanded: the
// codegen waits for its approval as one node.

// Kinds of task.
const (
	// TaskWork asks the model for the task's changes, runs the hooks, and
	// feeds their failures back.
	TaskWork = "work"
	// TaskGroup is a task with sub-tasks: it is done when they are, and
	// asks for nothing itself.
	TaskGroup = "group"
	// TaskCheckpoint ("Checkpoint - Ensure all tests pass") runs the
	// codegen's hooks over what the tasks before it wrote, and asks the
	// model for nothing.
	TaskCheckpoint = "checkpoint"
)

// Task is a task of a codegen with each = "task": a node of the plan's
// graph that comes from the tasks document, not the configuration.
type Task struct {
	Addr    lang.Address
	Codegen *lang.Codegen
	// Doc is the task as the document holds it; Path is the document.
	Doc  *specdoc.Task
	Path string
	Kind string
	// Prompt is what its prompt needs.
	Prompt prompt.Task
	// deps are the codegen's own dependencies (its feature's specs) and
	// the tasks it runs after; tasks are those of the latter.
	deps  []lang.Dependency
	tasks []string
}

func (t *Task) Address() lang.Address           { return t.Addr }
func (t *Task) Dependencies() []lang.Dependency { return t.deps }
func (t *Task) DeclRng() hcl.Range              { return t.Codegen.DeclRange }

// criteriaText is what the criteria it cites say, for its fingerprint.
func (t *Task) criteriaText() (ids []string) {
	for _, c := range t.Prompt.Criteria {
		ids = append(ids, c.ID+"="+c.Text)
	}
	return ids
}

// taskPlan is the expansion of one codegen with each = "task".
type taskPlan struct {
	codegen *lang.Codegen
	// list is the tasks document as read, nil when not expanded; tasks
	// are the tasks that run, in document order.
	list  *specdoc.TaskList
	tasks []*Task
	// owners maps each file the codegen's tasks recorded to the tasks
	// whose record of it stands: those no later task wrote over.
	owners map[string][]*Task
	// problem says why an approved document cannot be run ("" when it can).
	problem string
	// leftOut are the optional tasks it does not run ("2.3 Title").
	leftOut []string
}

// expanded reports whether the codegen's tasks are nodes of the plan.
func (tp *taskPlan) expanded() bool { return tp != nil && tp.list != nil && tp.problem == "" }

// Node returns the node at an address: a task the planner expanded, or a
// node of the configuration.
func (pl *Planner) Node(addr string) lang.Node {
	if t := pl.taskNodes[addr]; t != nil {
		return t
	}
	a, err := lang.ParseAddress(addr)
	if err != nil {
		return nil
	}
	return pl.cfg.Node(a)
}

// OptionalLeftOut lists, per codegen address, the optional tasks of its
// tasks document it does not run ("2.3 Title"): optional_tasks is false
// and no -target or -replace names them.
func (pl *Planner) OptionalLeftOut() map[string][]string {
	out := map[string][]string{}
	for addr, tp := range pl.taskPlans {
		if tp.expanded() && len(tp.leftOut) > 0 {
			out[addr] = tp.leftOut
		}
	}
	return out
}

// Joins reports whether the node at addr is a codegen whose tasks are
// expanded: it joins them, and plans do not list it.
func (pl *Planner) Joins(addr string) bool { return pl.taskPlans[addr].expanded() }

// gatherTaskRecords registers the files the lock's task records name, for
// the codegens with each = "task" among nodes, and the documents their
// tasks quote criteria from: what a plan of them reads is what its stamp
// (Stamp) must cover.
func (pl *Planner) gatherTaskRecords(d *disk) {
	if len(pl.taskPlans) == 0 {
		return
	}
	for _, tp := range pl.taskPlans {
		for _, s := range pl.cfg.Features[tp.codegen.Addr.Feature].Specs {
			if s.Kind == lang.KindRequirements || s.Kind == lang.KindBugfix || s.Kind == lang.KindTasks {
				d.want(s.Path)
			}
		}
	}
	for addr, rec := range pl.lock.Nodes {
		if !strings.Contains(addr, ".task[") {
			continue
		}
		a, err := lang.ParseAddress(addr)
		if err != nil || !a.IsTask() {
			continue
		}
		if _, ok := pl.taskPlans[a.Codegen().String()]; !ok {
			continue
		}
		for p := range rec.Outputs {
			d.want(p)
		}
	}
}

// expandTasks reads the approved tasks document of every codegen with
// each = "task" among the planner's nodes and adds its tasks to the
// graph. asked are the task addresses -target and -replace name: an
// optional task they name runs even when the codegen leaves optional tasks
// out.
func (pl *Planner) expandTasks(asked map[string]bool) hcl.Diagnostics {
	var diags hcl.Diagnostics
	keys := sortedKeys(pl.taskPlans)
	docs := pl.readTaskDocuments(keys)
	for i, key := range keys {
		tp := pl.taskPlans[key]
		c := tp.codegen
		spec := c.TasksSpec
		doc := docs[i]
		if doc.src == nil {
			continue
		}
		pl.docNorm[spec.Path] = docHashes{raw: doc.raw, norm: doc.norm}
		if doc.list == nil {
			continue // not approved
		}
		list, ldiags := doc.list, doc.diags
		tp.list = list
		if ldiags.HasErrors() {
			tp.problem = fmt.Sprintf("%s cannot be carried out as it is: %s", spec.Path, firstError(ldiags))
			for _, d := range ldiags {
				w := *d
				w.Severity = hcl.DiagWarning
				w.Summary = "Tasks cannot run: " + d.Summary
				diags = append(diags, &w)
			}
			continue
		}
		diags = append(diags, ldiags...) // warnings: what of it does not run
		include := func(t *specdoc.Task) bool {
			return !t.OutOfScope && (!t.Optional || c.OptionalTasks || asked[lang.TaskAddr(c.Addr.Feature, c.Addr.Name, t.ID).String()])
		}
		order, _ := list.Order(include)
		f := c.Addr.Feature
		docs := taskDocuments(pl.cfg, c)
		for _, st := range list.Tasks {
			deps, ok := order[st.ID]
			if !ok {
				if st.Optional && !st.OutOfScope {
					tp.leftOut = append(tp.leftOut, st.ID+" "+st.Title)
				}
				continue
			}
			t := &Task{Addr: lang.TaskAddr(f, c.Addr.Name, st.ID), Codegen: c, Doc: st, Path: spec.Path, Kind: TaskWork}
			t.Prompt = prompt.Task{ID: st.ID, Title: st.Title, Details: st.Details, Docs: docs, Criteria: citedCriteria(st, doc.criteria)}
			for _, k := range st.Children {
				if _, in := order[k]; in {
					t.Kind = TaskGroup
				}
			}
			if t.Kind == TaskWork && st.Checkpoint {
				t.Kind = TaskCheckpoint
			}
			t.deps = slices.Clone(c.DependsOn)
			for _, id := range deps {
				up := lang.TaskAddr(f, c.Addr.Name, id)
				t.deps = append(t.deps, lang.Dependency{Addr: up, Implicit: true, Range: c.DeclRange})
				t.tasks = append(t.tasks, up.String())
			}
			tp.tasks = append(tp.tasks, t)
			pl.taskNodes[t.Addr.String()] = t
		}
		if len(tp.tasks) == 0 {
			diags = append(diags, &hcl.Diagnostic{
				Severity: hcl.DiagWarning,
				Summary:  "No task to run",
				Detail: fmt.Sprintf("%s runs the tasks of %s one by one, and the document has no numbered checkbox task to run (optional tasks are left out unless optional_tasks = true).",
					c.Addr, spec.Path),
				Subject: c.DeclRange.Ptr(),
			})
		}
		if pl.replace[c.Addr.String()] {
			// -replace of the codegen carries out every task again.
			for _, t := range tp.tasks {
				pl.replace[t.Addr.String()] = true
			}
		}
	}
	for _, tp := range pl.taskPlans {
		if tp.expanded() {
			tp.owners = pl.taskOwners(tp)
		}
	}
	return diags
}

func firstError(diags hcl.Diagnostics) string {
	for _, d := range diags {
		if d.Severity == hcl.DiagError {
			if d.Subject != nil {
				return fmt.Sprintf("%s (line %d)", d.Summary, d.Subject.Start.Line)
			}
			return d.Summary
		}
	}
	return ""
}

// taskGraph adds the expanded tasks to g: each after what it depends on,
// and before its codegen, which joins them.
func (pl *Planner) taskGraph(g *dag.Graph[string]) *dag.Graph[string] {
	out := g.Subgraph(func(string) bool { return true })
	for _, tp := range pl.taskPlans {
		if !tp.expanded() {
			continue
		}
		join := tp.codegen.Addr.String()
		for _, t := range tp.tasks {
			a := t.Addr.String()
			out.Add(a)
			for _, d := range t.deps {
				out.Connect(d.Addr.String(), a)
			}
			out.Connect(a, join)
		}
	}
	return out
}

// readDocument reads a spec document and returns its content, its hash
// and its hash with every checkbox cleared (specdoc.ClearCheckboxes); nil
// when it cannot be read.
func (pl *Planner) readDocument(p string) (src []byte, raw, norm string) {
	data, err := os.ReadFile(filepath.Join(pl.cfg.Dir, filepath.FromSlash(p)))
	if err != nil {
		return nil, "", ""
	}
	raw = digest.Bytes(data)
	norm = digest.Bytes(specdoc.ClearCheckboxes(data))
	pl.docNorm[p] = docHashes{raw: raw, norm: norm}
	return data, raw, norm
}

// taskDocument is a codegen's tasks document as read: its content and
// hashes ("" and nil when absent), and, when it is approved, its tasks and
// the acceptance criteria of its feature.
type taskDocument struct {
	src       []byte
	raw, norm string
	list      *specdoc.TaskList
	diags     hcl.Diagnostics
	criteria  map[string]string
}

// readTaskDocuments reads and parses the tasks documents of the codegens
// keys name, on every core: they are what most of planning a project of
// tasks costs, before its first request can go out.
func (pl *Planner) readTaskDocuments(keys []string) []taskDocument {
	out := make([]taskDocument, len(keys))
	workers := min(runtime.GOMAXPROCS(0), len(keys))
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			for i := w; i < len(keys); i += workers {
				out[i] = pl.readTaskDocument(pl.taskPlans[keys[i]].codegen)
			}
		})
	}
	wg.Wait()
	return out
}

// readTaskDocument reads one; it reads the planner and changes nothing.
func (pl *Planner) readTaskDocument(c *lang.Codegen) taskDocument {
	spec := c.TasksSpec
	data, err := os.ReadFile(filepath.Join(pl.cfg.Dir, filepath.FromSlash(spec.Path)))
	if err != nil {
		return taskDocument{}
	}
	d := taskDocument{src: data, raw: digest.Bytes(data), norm: digest.Bytes(specdoc.ClearCheckboxes(data))}
	rec := pl.lock.Node(spec.Addr.String())
	same := func(h string) bool { return h != "" && (h == d.norm || h == d.raw) }
	if !(rec != nil && rec.Approval != nil && same(rec.Approval.SHA256) || spec.Approval == lang.ApprovalAuto) {
		return d
	}
	d.list, d.diags = specdoc.ParseTasks(spec.Path, data)
	d.criteria = pl.featureCriteria(c.Addr.Feature)
	return d
}

// docHashes are the hashes of a tasks document: as it is, and with its
// checkboxes cleared.
type docHashes struct{ raw, norm string }

// docHash is the content hash of a spec's document as approvals bind it
// and upstream inputs hold it: for a tasks document, with every checkbox
// cleared, so that ticking a task (kirofile does once the task is done; a
// person may by hand) neither voids the approval nor changes what the
// document is an input of. "" when the document does not exist.
func (pl *Planner) docHash(s *lang.Spec) string {
	raw := pl.disk.hash(s.Path)
	if raw == "" || s.Kind != lang.KindTasks {
		return raw
	}
	if h, ok := pl.docNorm[s.Path]; ok && h.raw == raw {
		return h.norm
	}
	if sc, ok := pl.disk.scans[s.Path]; ok && sc.hash == raw && sc.norm != "" {
		// Hashing it read it whole, and cleared its checkboxes then.
		pl.docNorm[s.Path] = docHashes{raw: raw, norm: sc.norm}
		return sc.norm
	}
	_, got, norm := pl.readDocument(s.Path)
	if got == "" {
		return raw
	}
	return norm
}

// DocHash is docHash, for apply: what a generated spec's record and
// automatic approval hold.
func (pl *Planner) DocHash(s *lang.Spec) string { return pl.docHash(s) }

// sameDoc reports whether a hash recorded for a spec's document (an
// approval's, an output's) stands for the document as it is: its hash as
// docHash gives it, or its plain hash, which records written before
// checkboxes were cleared hold.
func (pl *Planner) sameDoc(s *lang.Spec, recorded string) bool {
	if recorded == "" {
		return false
	}
	return recorded == pl.docHash(s) || recorded == pl.disk.hash(s.Path)
}

// featureCriteria reads the text of every criterion (and bugfix clause)
// of a feature's requirements and bugfix documents, by id.
func (pl *Planner) featureCriteria(feature string) map[string]string {
	f := pl.cfg.Features[feature]
	var docs []specdoc.Document
	for _, label := range slices.Sorted(maps.Keys(f.Specs)) {
		s := f.Specs[label]
		if s.Kind != lang.KindRequirements && s.Kind != lang.KindBugfix {
			continue
		}
		if src, err := os.ReadFile(filepath.Join(pl.cfg.Dir, filepath.FromSlash(s.Path))); err == nil {
			docs = append(docs, specdoc.Document{Kind: s.Kind, Path: s.Path, Src: src})
		}
	}
	ids := specdoc.FeatureIDs(docs)
	out := map[string]string{}
	if ids == nil {
		return out
	}
	maps.Copy(out, ids.Texts)
	for n, title := range ids.Titles {
		out[n] = title
	}
	return out
}

// citedCriteria are the criteria a task cites, with their text: a
// criterion by itself, a requirement with all its criteria, every
// criterion for "All".
func citedCriteria(t *specdoc.Task, texts map[string]string) []prompt.Criterion {
	want := map[string]bool{}
	for _, id := range t.Cites {
		want[id] = true
		if !strings.Contains(id, ".") {
			for k := range texts {
				if strings.HasPrefix(k, id+".") {
					want[k] = true
				}
			}
		}
	}
	if t.CitesAll {
		for k := range texts {
			want[k] = true
		}
	}
	var out []prompt.Criterion
	for _, id := range slices.SortedFunc(maps.Keys(want), compareIDs) {
		text, ok := texts[id]
		if !ok || text == "" {
			continue
		}
		if !strings.Contains(id, ".") {
			text = "Requirement " + id + ": " + text
		}
		out = append(out, prompt.Criterion{ID: id, Text: text})
	}
	return out
}

// taskDocuments are the spec documents a task's prompt holds: those the
// codegen's prompt holds, less the requirements and bugfix documents
// (the task quotes what it cites of them) and the tasks documents.
func taskDocuments(cfg *lang.Config, c *lang.Codegen) []*lang.Spec {
	var out []*lang.Spec
	for _, s := range prompt.Upstream(cfg, c) {
		switch s.Kind {
		case lang.KindRequirements, lang.KindBugfix, lang.KindTasks:
			continue
		}
		out = append(out, s)
	}
	return out
}

// taskOwners maps each file the tasks' records name to the tasks whose
// record of it stands: those that no other task recording it runs after.
// A later task edits what an earlier one wrote; only the last writer's
// hash is what the file should hold.
func (pl *Planner) taskOwners(tp *taskPlan) map[string][]*Task {
	writers := map[string][]*Task{}
	for _, t := range tp.tasks {
		if rec := pl.lock.Node(t.Addr.String()); rec != nil {
			for p := range rec.Outputs {
				writers[p] = append(writers[p], t)
			}
		}
	}
	// after[t] is every task t runs after, within the codegen.
	after := map[string]map[string]bool{}
	var reach func(t *Task) map[string]bool
	reach = func(t *Task) map[string]bool {
		a := t.Addr.String()
		if r, ok := after[a]; ok {
			return r
		}
		r := map[string]bool{}
		after[a] = r
		for _, up := range t.tasks {
			r[up] = true
			if ut := pl.taskNodes[up]; ut != nil {
				for k := range reach(ut) {
					r[k] = true
				}
			}
		}
		return r
	}
	owners := map[string][]*Task{}
	for p, ws := range writers {
		for _, w := range ws {
			superseded := false
			for _, o := range ws {
				if o != w && reach(o)[w.Addr.String()] {
					superseded = true
					break
				}
			}
			if !superseded {
				owners[p] = append(owners[p], w)
			}
		}
	}
	return owners
}

// taskInputs hashes what a task's prompt is made of, Merkle style as for
// every node (see fingerprint): the codegen's own inputs (its
// configuration, the description, provider and model, steering, context
// files), the task's text, the text of the criteria it cites, the
// documents its prompt holds (the design), and, for each task it runs
// after, that task's output. Not the tasks document as a whole: editing
// task 3 changes task 3 and what runs after it, not tasks 1 and 2.
func (pl *Planner) taskFingerprint(t *Task) (fp string, inputs map[string]string, known, unknown bool) {
	inputs, unknown = pl.ownInputs(t.Codegen)
	inputs[InputTemplate] = hashString(prompt.TaskVersion)
	inputs[InputTask] = hashString(t.Kind + "\n" + t.Doc.Text())
	inputs[InputCites] = hashString(strings.Join(t.criteriaText(), "\n"))
	known = true
	for _, up := range t.Prompt.Docs {
		h := pl.docHash(up)
		inputs[upstreamPrefix+up.Addr.String()] = h
		if h == "" {
			known = false
			continue
		}
		for _, ref := range pl.documentRefs(up.Path, h).files {
			inputs[fileRefPrefix+ref] = pl.disk.hash(ref)
		}
		for _, missing := range pl.documentRefs(up.Path, h).missing {
			inputs[fileRefPrefix+missing] = "missing"
		}
	}
	for _, dep := range t.tasks {
		o := pl.taskOutput(dep)
		if o == "" {
			known = false
			continue
		}
		inputs[dependsPrefix+dep] = o
	}
	return combine(inputs), inputs, known, unknown
}

// taskOutput stands, in the fingerprints of the tasks after it, for what
// a task did: the files its record holds, with their hashes; for a group
// or a checkpoint, which write nothing, the outputs of the tasks before
// it. "" when not known yet.
func (pl *Planner) taskOutput(addr string) string {
	t := pl.taskNodes[addr]
	if t == nil {
		return ""
	}
	rec := pl.lock.Node(addr)
	if rec == nil || rec.Status != lockfile.StatusGenerated {
		return ""
	}
	var b strings.Builder
	b.WriteString("task\n")
	if t.Kind == TaskWork {
		for _, p := range sortedKeys(rec.Outputs) {
			b.WriteString(p + "=" + rec.Outputs[p] + "\n")
		}
		return hashString(b.String())
	}
	for _, dep := range t.tasks {
		o := pl.taskOutput(dep)
		if o == "" {
			return ""
		}
		b.WriteString(dep + "=" + o + "\n")
	}
	return hashString(b.String())
}

// planTask plans a task: like a codegen (generated, failed, drifted,
// changed), and by its checkbox: a task ticked in the document that the
// lock holds no evidence for is reported, and not run.
func (pl *Planner) planTask(ch *Change, t *Task, rec *lockfile.Node) {
	ch.Title, ch.Ticked = t.Doc.Title, t.Doc.Checked
	addr := ch.Address
	tp := pl.taskPlans[t.Codegen.Addr.String()]
	// Its own files, as the last task to write each recorded it.
	var edited, deleted, unfinished []string
	if rec != nil {
		for _, p := range sortedKeys(rec.Outputs) {
			owners := tp.owners[p]
			if !slices.Contains(owners, t) {
				continue // a later task wrote it since
			}
			h := pl.disk.hash(p)
			stands := false
			for _, o := range owners {
				if orec := pl.lock.Node(o.Addr.String()); orec != nil && orec.Outputs[p] == h && h != "" {
					stands = true
				}
			}
			switch {
			case stands:
			case pl.pending[addr].Matches(p, h):
				unfinished = append(unfinished, p)
			case pl.pendingInCodegen(tp, p, h):
				// Another task's unfinished write: that task runs again.
			case h == "":
				deleted = append(deleted, p)
			default:
				edited = append(edited, p)
			}
		}
	}
	pending := pl.pending[addr]
	switch {
	case pl.replace[addr]:
		ch.State, ch.Reasons = Update, reasons(CodeReplace, "forced by -replace")
		if rec == nil {
			ch.State = Create
		}
		if len(edited) > 0 {
			ch.Files = edited
			ch.Reasons = append(ch.Reasons, reason(CodeReplaceDiscards, "edited outside kirofile, and doing the task again may lose the edits: "+strings.Join(edited, ", ")))
		}
		return
	case rec == nil && pending != nil:
		ch.State, ch.Reasons = Retry, reasons(CodeInterrupted, interruptedReason(pending, nil))
		return
	case rec == nil && t.Doc.Checked:
		ch.State, ch.Files = Drift, []string{t.Path}
		ch.Reasons = []Reason{
			reason(CodeTickedWithoutEvidence, fmt.Sprintf("ticked in %s, but %s holds no evidence that it was done (hooks that passed, files written): apply does not do it", t.Path, lockfile.FileName)),
			reason(CodeDriftHint, "accept the tick with kirofile approve '"+addr+"', untick it to have apply do it, or do it anyway with -replace='"+addr+"'"),
		}
		return
	case rec == nil:
		ch.State, ch.Reasons = Create, reasons(CodeNeverGenerated, "never done")
		return
	case rec.Status == lockfile.StatusFailed:
		ch.State, ch.Reasons = Retry, reasons(CodeLastFailed, failureReason(rec))
		return
	}
	var changed []Reason
	if !pl.sameInputs(rec.Fingerprint, ch, t) {
		changed = changedInputs(rec.Inputs, ch.Inputs)
	}
	if len(edited)+len(deleted) == 0 && len(unfinished) > 0 {
		ch.State, ch.Reasons = Retry, reasons(CodeInterrupted, interruptedReason(pending, unfinished))
		return
	}
	if len(edited)+len(deleted) > 0 {
		ch.setDrift(edited, deleted, changed, "do the task again with -replace='"+addr+"'")
		return
	}
	if len(changed) > 0 {
		ch.State, ch.Reasons = Update, changed
		return
	}
	ch.State = NoOp
	if !t.Doc.Checked {
		ch.Reasons = reasons(CodeTickDue, "done; apply ticks it in "+t.Path)
	}
}

// pendingInCodegen reports whether a file's hash is one an unfinished
// write of any task of the codegen left.
func (pl *Planner) pendingInCodegen(tp *taskPlan, p, h string) bool {
	for _, t := range tp.tasks {
		if pl.pending[t.Addr.String()].Matches(p, h) {
			return true
		}
	}
	return false
}

// planJoin plans the codegen that joins its expanded tasks: it waits for
// them, runs when they run, and is up to date when they all are and its
// record holds what they did.
func (pl *Planner) planJoin(ch *Change, c *lang.Codegen, tp *taskPlan, rec *lockfile.Node) {
	var runs []string
	for _, t := range tp.tasks {
		tc := pl.changes[t.Addr.String()]
		if tc == nil {
			continue // not selected by the targets
		}
		switch {
		case tc.State == Blocked:
			root := pl.changes[tc.BlockedBy]
			if root == nil {
				root = tc
			}
			ch.State, ch.BlockedBy = Blocked, root.Address
			ch.Reasons = reasons(CodeWaitsFor, fmt.Sprintf("waits for %s (%s), through %s", root.Address, waitPhraseOf(root), tc.Address))
			return
		case tc.State == Drift:
			ch.State, ch.BlockedBy = Blocked, tc.Address
			ch.Reasons = reasons(CodeWaitsFor, fmt.Sprintf("waits for %s (%s)", tc.Address, waitPhraseOf(tc)))
			return
		case tc.State.Runs():
			runs = append(runs, t.Doc.ID)
		}
	}
	if len(runs) > 0 {
		ch.State, ch.Reasons = Update, reasons(CodeTasksRun, "its tasks run: "+listSome(runs, 10))
		if rec == nil {
			ch.State = Create
		}
		ch.Fingerprint, ch.Inputs = "", nil
		return
	}
	ch.Fingerprint, ch.Inputs = pl.joinFingerprint(c, tp)
	if ch.Fingerprint != "" && rec != nil && rec.Status == lockfile.StatusGenerated && rec.Fingerprint == ch.Fingerprint {
		ch.State = NoOp
		return
	}
	ch.State, ch.Reasons = Update, reasons(CodeTasksRun, "its tasks are done: apply records the files they wrote")
	if rec == nil {
		ch.State = Create
	}
}

// joinFingerprint stands for a codegen whose tasks are expanded: its
// configuration and what each task did. ("", nil) while a task's output
// is not known.
func (pl *Planner) joinFingerprint(c *lang.Codegen, tp *taskPlan) (string, map[string]string) {
	inputs := map[string]string{InputConfig: configHash(c.Config)}
	for _, t := range tp.tasks {
		o := pl.taskOutput(t.Addr.String())
		if o == "" {
			return "", nil
		}
		inputs[dependsPrefix+t.Addr.String()] = o
	}
	return combine(inputs), inputs
}

// JoinOutputs are the files a codegen's tasks wrote, as their records
// hold them: what the codegen's own record holds once they are all done.
func (pl *Planner) JoinOutputs(codegen string) []string {
	tp := pl.taskPlans[codegen]
	if !tp.expanded() {
		return nil
	}
	seen := map[string]bool{}
	for _, t := range tp.tasks {
		if rec := pl.lock.Node(t.Addr.String()); rec != nil {
			for p := range rec.Outputs {
				seen[p] = true
			}
		}
	}
	return slices.Sorted(maps.Keys(seen))
}

// removed plans forgetting the records of nodes the configuration no
// longer declares, and of tasks that are gone (removedTask).
func (pl *Planner) removed() []*Change { return Removed(pl.cfg, pl.lock, pl.removedTask) }

// removedTask reports whether a task is gone: its codegen no longer
// declared, or no longer each = "task", or the task no longer in its
// document. The records of a codegen whose document was not read (it
// awaits approval) stay: their tasks may come back.
func (pl *Planner) removedTask(a lang.Address) bool {
	c, ok := pl.cfg.Node(a.Codegen()).(*lang.Codegen)
	if !ok || c.Each != lang.EachTask {
		return true
	}
	tp := pl.taskPlans[a.Codegen().String()]
	if tp == nil || tp.list == nil {
		return false
	}
	return tp.list.Task(a.Task) == nil
}

// tasksUnread says why a codegen with each = "task" whose tasks are not
// expanded waits: it never runs as one request.
func (pl *Planner) tasksUnread(tp *taskPlan) (Reason, bool) {
	spec := tp.codegen.TasksSpec.Addr.String()
	switch sc := pl.changes[spec]; {
	case tp.problem != "":
		return reason(CodeTasksUnusable, tp.problem), true
	case sc != nil && sc.State.Runs():
		return reason(CodeWaitsFor, "waits for "+spec+" ("+waitPhrase(sc.State)+"): the next plan carries out its tasks"), true
	}
	return reason(CodeWaitsFor, "waits for "+spec+": its tasks run once the document is approved as it is"), true
}

// taskDocumentRuns says why a task waits when its tasks document is
// generated again in this apply (approved automatically): the tasks are
// those of the document as it is now, and the next plan reads the new one.
func (pl *Planner) taskDocumentRuns(t *Task) (Reason, bool) {
	spec := t.Codegen.TasksSpec.Addr.String()
	if sc := pl.changes[spec]; sc != nil && sc.State.Runs() {
		return reason(CodeWaitsFor, "waits for "+spec+" ("+waitPhrase(sc.State)+"): the next plan carries out the tasks of the new document"), true
	}
	return Reason{}, false
}

// PhantomTicks reports, for validate, the tasks ticked in the tasks
// document of a codegen with each = "task" that lock holds no evidence
// for: ticked by hand or by another tool, never done by kirofile, nor
// accepted with approve; and the warnings of reading the document as a
// plan (ParseTasks). docs holds the documents read (by path); a
// document not in it is read from disk. Plan reports the same, as drift.
func PhantomTicks(cfg *lang.Config, lock *lockfile.Lock, docs map[string][]byte) hcl.Diagnostics {
	var diags hcl.Diagnostics
	for _, n := range cfg.Nodes {
		c, ok := n.(*lang.Codegen)
		if !ok || c.Each != lang.EachTask || c.TasksSpec == nil {
			continue
		}
		src, ok := docs[c.TasksSpec.Path]
		if !ok {
			var err error
			if src, err = os.ReadFile(filepath.Join(cfg.Dir, filepath.FromSlash(c.TasksSpec.Path))); err != nil {
				continue
			}
		}
		list, ldiags := specdoc.ParseTasks(c.TasksSpec.Path, src)
		for _, d := range ldiags {
			// The errors are validate's own document checks; the
			// warnings are what of the plan does not run.
			if d.Severity == hcl.DiagWarning {
				diags = append(diags, d)
			}
		}
		for _, t := range list.Tasks {
			if !t.Checked || t.OutOfScope {
				continue
			}
			addr := lang.TaskAddr(c.Addr.Feature, c.Addr.Name, t.ID).String()
			if rec := lock.Node(addr); rec != nil && rec.Status == lockfile.StatusGenerated {
				continue
			}
			rng := t.Range
			diags = append(diags, &hcl.Diagnostic{
				Severity: hcl.DiagWarning,
				Summary:  "Task ticked without evidence",
				Detail: fmt.Sprintf("Task %s is ticked, but %s holds no evidence that %s did it (hooks that passed, files written), so apply will not do it: plan reports it as drift, or, while tasks it runs after are not done, as blocked. Accept the tick with kirofile approve '%s' (once the tasks it runs after are done or accepted), or untick it to have apply do it.",
					t.ID, lockfile.FileName, c.Addr, addr),
				Subject: &rng,
			})
		}
	}
	return diags
}
