package plan

import (
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/hashicorp/hcl/v2"

	"github.com/kirofile/kirofile/internal/lockfile"
	"github.com/kirofile/kirofile/internal/specdoc"
	"github.com/kirofile/kirofile/lang"
)

// Trace is the chain from requirements to code and to the hooks that
// prove it: for every acceptance criterion of a feature, the tasks that
// cite it, whether they are done, the files they wrote and the hooks that
// passed after them.
type Trace struct {
	Features []*TraceFeature
}

// TraceFeature is the trace of one feature.
type TraceFeature struct {
	Feature string
	// Requirements are the paths of its requirements (or bugfix)
	// documents, Tasks its tasks document's.
	Requirements []string
	Tasks        string
	// Codegen is the codegen carrying out its tasks (each = "task"), ""
	// when none does: its tasks are then traced from the document alone.
	Codegen  string
	Criteria []*TraceCriterion
	// carried is true when a codegen carries out its tasks.
	carried bool
}

// TraceCriterion is an acceptance criterion (or a bugfix clause) and the
// tasks that cite it; none when no task covers it.
type TraceCriterion struct {
	ID, Text string
	Tasks    []*TraceTask
}

// Covered reports whether a task that runs cites the criterion (an
// optional task left out does not cover it); Done whether one that does
// is done.
func (c *TraceCriterion) Covered() bool {
	return slices.ContainsFunc(c.Tasks, func(t *TraceTask) bool { return !t.Skipped })
}

func (c *TraceCriterion) Done() bool {
	return slices.ContainsFunc(c.Tasks, func(t *TraceTask) bool { return t.Done })
}

// TraceTask is a task citing a criterion.
type TraceTask struct {
	// Address is the task's node, "" when no codegen carries it out.
	Address, ID, Title string
	// State is its plan state; Done is true when it is up to date and the
	// lock records it done; Ticked when its box is ticked.
	State  State
	Done   bool
	Ticked bool
	// Optional is true for an optional task ("- [ ]*"), Skipped for one
	// its codegen leaves out (optional_tasks = false).
	Optional, Skipped bool
	// Files and Hooks are its evidence, as the lock records it.
	Files map[string]string
	Hooks map[string]int
	// AcceptedBy is who accepted a tick made by hand, when that is the
	// only evidence: no files, no hooks.
	AcceptedBy string
}

// BuildTrace traces the features of cfg (only feature when it is not
// ""), from their documents on disk, the lock and a plan of them.
func BuildTrace(cfg *lang.Config, lock *lockfile.Lock, feature string) (*Trace, hcl.Diagnostics) {
	pl, diags := NewPlanner(cfg, lock, Options{})
	if pl == nil {
		return nil, diags
	}
	if _, bdiags := pl.Build(Options{}); bdiags.HasErrors() {
		return nil, append(diags, bdiags...)
	}
	tr := &Trace{}
	for _, name := range slices.Sorted(maps.Keys(cfg.Features)) {
		if feature != "" && name != feature {
			continue
		}
		if tf := pl.traceFeature(cfg.Features[name]); tf != nil {
			tr.Features = append(tr.Features, tf)
		}
	}
	return tr, diags
}

// traceFeature traces one feature; nil when it has no criteria.
func (pl *Planner) traceFeature(f *lang.Feature) *TraceFeature {
	tf := &TraceFeature{Feature: f.Name}
	var docs []specdoc.Document
	var tasksSpec *lang.Spec
	for _, label := range slices.Sorted(maps.Keys(f.Specs)) {
		s := f.Specs[label]
		switch s.Kind {
		case lang.KindRequirements, lang.KindBugfix:
			if src, err := os.ReadFile(filepath.Join(pl.cfg.Dir, filepath.FromSlash(s.Path))); err == nil {
				docs = append(docs, specdoc.Document{Kind: s.Kind, Path: s.Path, Src: src})
				tf.Requirements = append(tf.Requirements, s.Path)
			}
		case lang.KindTasks:
			if tasksSpec == nil {
				tasksSpec = s
			}
		}
	}
	ids := specdoc.FeatureIDs(docs)
	if ids == nil || len(ids.Texts) == 0 {
		return nil
	}
	// The tasks: those a codegen carries out, else the document's.
	var list *specdoc.TaskList
	byID := map[string]*Task{}
	for _, tp := range pl.taskPlans {
		if tp.codegen.Addr.Feature == f.Name && tp.expanded() {
			tf.carried = true
			list, tasksSpec = tp.list, tp.codegen.TasksSpec
			tf.Codegen = tp.codegen.Addr.String()
			for _, t := range tp.tasks {
				byID[t.Doc.ID] = t
			}
			break
		}
	}
	if list == nil && tasksSpec != nil {
		if src, err := os.ReadFile(filepath.Join(pl.cfg.Dir, filepath.FromSlash(tasksSpec.Path))); err == nil {
			list, _ = specdoc.ParseTasks(tasksSpec.Path, src)
		}
	}
	if tasksSpec != nil {
		tf.Tasks = tasksSpec.Path
	}
	for _, id := range slices.SortedFunc(maps.Keys(ids.Texts), compareIDs) {
		c := &TraceCriterion{ID: id, Text: ids.Texts[id]}
		req, _, _ := strings.Cut(id, ".")
		if list != nil {
			for _, st := range list.Tasks {
				if st.OutOfScope || !(st.CitesAll || slices.Contains(st.Cites, id) || slices.Contains(st.Cites, req)) {
					continue
				}
				c.Tasks = append(c.Tasks, pl.traceTask(st, byID[st.ID], tf.carried))
			}
		}
		tf.Criteria = append(tf.Criteria, c)
	}
	return tf
}

// traceTask is what the trace says of a task.
func (pl *Planner) traceTask(st *specdoc.Task, t *Task, carried bool) *TraceTask {
	tt := &TraceTask{ID: st.ID, Title: st.Title, Ticked: st.Checked, Optional: st.Optional}
	if t == nil {
		// A codegen carries out the document, but not this task.
		tt.Skipped = carried && st.Optional
		return tt
	}
	tt.Address = t.Addr.String()
	if ch := pl.changes[tt.Address]; ch != nil {
		tt.State = ch.State
	}
	if rec := pl.lock.Node(tt.Address); rec != nil && rec.Status == lockfile.StatusGenerated {
		tt.Files, tt.Hooks = rec.Outputs, rec.Hooks
		tt.Done = tt.State == NoOp
		if rec.Approval != nil {
			tt.AcceptedBy = rec.Approval.By
		}
	}
	return tt
}

// compareIDs orders criterion ids numerically, part by part.
func compareIDs(a, b string) int {
	switch {
	case lang.TaskIDLess(a, b):
		return -1
	case lang.TaskIDLess(b, a):
		return 1
	}
	return 0
}
