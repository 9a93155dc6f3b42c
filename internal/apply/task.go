package apply

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/kirofile/kirofile/dag"
	"github.com/kirofile/kirofile/internal/digest"
	"github.com/kirofile/kirofile/internal/hook"
	"github.com/kirofile/kirofile/internal/lockfile"
	"github.com/kirofile/kirofile/internal/plan"
	"github.com/kirofile/kirofile/internal/prompt"
	"github.com/kirofile/kirofile/internal/reply"
	"github.com/kirofile/kirofile/lang"
	"github.com/kirofile/kirofile/providers"
)

// A task of a codegen with each = "task" runs as a node of its own (see
// plan/tasks.go): a work task asks the model for its changes, with the
// files earlier tasks wrote in its prompt, writes them, runs the
// codegen's hooks and feeds their failures back, up to max_attempts; a
// checkpoint runs the hooks over what the tasks before it wrote; a task
// with sub-tasks is done when they are. A task done is recorded in the
// lock with its evidence (the hooks that passed, with their exit status,
// and the files it wrote), and then ticked in the tasks document.

// runTask carries out one task.
func (r *run) runTask(ctx context.Context, t *plan.Task, ch *plan.Change) (providers.Usage, error) {
	switch t.Kind {
	case plan.TaskGroup:
		r.recordTask(ch, plan.Generation{})
		r.tick(t, true)
		return providers.Usage{}, nil
	case plan.TaskCheckpoint:
		return providers.Usage{}, r.checkpoint(ctx, t, ch)
	}
	usage, err := r.workTask(ctx, t, ch)
	if err != nil && t.Doc.Checked {
		// Done once, not now: its box says so.
		r.tick(t, false)
	}
	return usage, err
}

// checkpoint runs the codegen's hooks over the files its tasks wrote so
// far. There is no model to tell: a failing hook fails the checkpoint, and
// what runs after it waits.
func (r *run) checkpoint(ctx context.Context, t *plan.Task, ch *plan.Change) error {
	r.mu.Lock()
	files := r.pl.JoinOutputs(t.Codegen.Addr.String())
	r.mu.Unlock()
	outcomes := r.runTaskHooks(ctx, t, files)
	codes := hookCodes(outcomes)
	err := r.judgeApprovedHooks(ctx, outcomes)
	if err != nil {
		err = errors.New(strings.Replace(err.Error(), "spec.approved hook", "hook", 1))
		r.recordFailureHooks(ctx, ch, 1, providers.Usage{}, nil, err, codes)
		if t.Doc.Checked {
			r.tick(t, false)
		}
		return err
	}
	r.recordTask(ch, plan.Generation{Attempts: 1, Hooks: codes})
	r.tick(t, true)
	return nil
}

// workTask asks for a task's changes, writes them, and runs the hooks, as
// generateCodegen does for a whole codegen.
func (r *run) workTask(ctx context.Context, t *plan.Task, ch *plan.Change) (providers.Usage, error) {
	c := t.Codegen
	var usage providers.Usage
	parts, err := prompt.BuildTask(r.cfg, c, &t.Prompt, r.taskFiles(t))
	if err != nil {
		return usage, err
	}
	written := map[string]bool{}
	wrote := map[string]string{} // hash of each file as this task last wrote it
	var lastFailure string
	var codes map[string]int
	// A task that fails is undone: its files go back to what they held
	// before it, so that the tasks that do not depend on it, and their
	// hooks, which may check the whole tree, do not see its broken work
	// (as make's .DELETE_ON_ERROR removes a target whose recipe failed).
	// Its replies stay in the transcripts.
	u := &taskUndo{prior: reply.Prior{}, first: map[string]*reply.Change{}}
	fail := func(attempt int, err error) (providers.Usage, error) {
		r.undoTask(t, u)
		r.recordFailureHooks(ctx, ch, attempt, usage, r.currentHashes(written), err, codes)
		return usage, err
	}
	for attempt := 1; attempt <= c.MaxAttempts; attempt++ {
		resp, err := r.call(ctx, t, c.Provider, parts, attempt)
		if err != nil {
			return fail(attempt, err)
		}
		addUsage(&usage, resp.Usage)
		change, err := r.planReply(ctx, c, resp.Text)
		var sec *reply.SecurityError
		if errors.As(err, &sec) {
			return fail(attempt, fmt.Errorf("reply refused, nothing written: %w", err))
		}
		if ctx.Err() != nil {
			// What an earlier attempt wrote is undone too.
			return fail(attempt, fmt.Errorf("interrupted while reading the reply: %w", ctx.Err()))
		}
		if err != nil {
			lastFailure = err.Error()
			parts.Feedback = append(parts.Feedback, "Your reply could not be used: "+err.Error())
			continue
		}
		planned := map[string]string{}
		for p, data := range change.Files {
			planned[p] = digest.Bytes(data)
		}
		if err := r.journal(ch.Address, planned); err != nil {
			return fail(attempt, err)
		}
		if err := u.keep(r.cfg.Dir, change); err != nil {
			return fail(attempt, fmt.Errorf("reading the files the reply changes: %w", err))
		}
		hashes, err := change.WriteSyncLater(r.cfg.Dir, r.syncer)
		r.syncSoon()
		var fe *reply.FormatError
		switch {
		case errors.As(err, &sec):
			return fail(attempt, fmt.Errorf("reply refused, nothing written: %w", err))
		case errors.As(err, &fe):
			lastFailure = err.Error()
			parts.Feedback = append(parts.Feedback, "Your reply could not be written, nothing of it was: "+err.Error())
			continue
		case err != nil:
			return fail(attempt, fmt.Errorf("writing the reply's files: %w", err))
		}
		r.mu.Lock()
		for p, h := range hashes {
			written[p] = true
			wrote[p] = h
			r.pl.Written(p, h)
			r.taskWrites[p] = t.Addr.String()
		}
		r.mu.Unlock()
		files := slices.Sorted(maps.Keys(written))
		outcomes := r.runTaskHooks(ctx, t, files)
		codes = hookCodes(outcomes)
		outputs := r.hooksLeft(outcomes, written, wrote)
		_ = r.journal(ch.Address, outputs)
		feedback, err := r.judgeHooks(ctx, outcomes)
		if err != nil {
			return fail(attempt, err)
		}
		if len(feedback) == 0 {
			r.mu.Lock()
			used := r.lockUsage(ch.Address, usage) // reads what r.mu guards
			r.mu.Unlock()
			r.recordTask(ch, plan.Generation{Outputs: outputs, Attempts: attempt, Usage: used, Hooks: codes})
			r.tick(t, true)
			return usage, nil
		}
		lastFailure = strings.Join(feedback, "\n")
		parts.Feedback = append(parts.Feedback, strings.Join(feedback, "\n\n")+"\n\n"+r.filesForFeedback(files)+
			"Fix the problem, for this task only. Reply with the files to change, whole or as SEARCH/REPLACE blocks.")
	}
	return fail(c.MaxAttempts, &stillFailing{attempts: c.MaxAttempts, last: summary(lastFailure)})
}

// taskUndo is what a task's files held before it first wrote each, and
// the change that first wrote each (whose links Undo follows).
type taskUndo struct {
	prior reply.Prior
	first map[string]*reply.Change
}

// keep reads, before change is written, what its files hold that the
// task has not written yet.
func (u *taskUndo) keep(dir string, change *reply.Change) error {
	now, err := change.Prior(dir)
	if err != nil {
		return err
	}
	for p, data := range now {
		if _, seen := u.prior[p]; !seen {
			u.prior[p], u.first[p] = data, change
		}
	}
	return nil
}

// undoTask puts back what a failed task's files held before it, where
// the task is still the last to have written them in this run (a task of
// the same wave may have written one since). A file that cannot be put
// back stays as the task left it, is recorded with it, and is reported.
func (r *run) undoTask(t *plan.Task, u *taskUndo) {
	self := t.Addr.String()
	var changes []*reply.Change
	for _, p := range slices.Sorted(maps.Keys(u.first)) {
		if c := u.first[p]; !slices.Contains(changes, c) {
			changes = append(changes, c)
		}
	}
	for _, change := range changes {
		written, removed, err := change.Undo(r.cfg.Dir, u.prior, func(p string) bool {
			r.mu.Lock()
			defer r.mu.Unlock()
			return u.first[p] == change && r.taskWrites[p] == self
		})
		r.mu.Lock()
		for p, h := range written {
			r.pl.Written(p, h)
			delete(r.taskWrites, p)
		}
		for _, p := range removed {
			r.pl.Removed(p)
			delete(r.taskWrites, p)
		}
		if err != nil {
			r.undoProblems = append(r.undoProblems, fmt.Sprintf("%s failed, and its files could not all be put back as they were before it: %v", self, err))
		}
		r.mu.Unlock()
	}
}

// recordTask records a task done in the lock, with its evidence.
func (r *run) recordTask(ch *plan.Change, gen plan.Generation) {
	r.mu.Lock()
	plan.Record(r.lock, ch, gen)
	r.recordedLocked(ch.Address)
	r.settle(ch.Address)
	r.mu.Unlock()
}

// runTaskHooks runs the hooks of a task, reporting each result.
func (r *run) runTaskHooks(ctx context.Context, t *plan.Task, files []string) []hook.Outcome {
	r.hold() // hooks may change the project
	addr := t.Addr.String()
	return hook.RunForTask(ctx, r.host, r.cfg, t.Codegen, t.Addr, files, func(o hook.Outcome) {
		e := Event{Type: EventHookResult, Address: addr, Hook: o.Hook, Passed: o.Passed && o.Err == nil,
			Output: capText(o.Output, 4<<10)}
		if o.ExitCode != nil {
			code := *o.ExitCode
			e.ExitCode = &code
		}
		switch {
		case ctx.Err() != nil && !e.Passed:
			e.Output, e.Message = "", "interrupted"
		case o.Err != nil:
			e.Message = o.Err.Error()
		}
		r.opts.Events(e)
	})
}

// hookCodes are the hooks that ran, each with its exit status as the lock
// records it: the command's, or 0 for an action that passed without
// running one and 1 for one that failed without. A hook that could not
// run at all is left out.
func hookCodes(outcomes []hook.Outcome) map[string]int {
	if len(outcomes) == 0 {
		return nil
	}
	out := map[string]int{}
	for _, o := range outcomes {
		switch {
		case o.Err != nil:
		case o.ExitCode != nil:
			out[o.Hook] = min(max(*o.ExitCode, 0), lockfile.MaxExitCode)
		case o.Passed:
			out[o.Hook] = 0
		default:
			out[o.Hook] = 1
		}
	}
	return out
}

// join records a codegen whose tasks are all done: the files they wrote,
// as they are now, under a fingerprint that stands for what each did.
// What depends on the codegen runs after it. It calls no model and
// reports nothing of its own: plans list its tasks, not it.
func (r *run) join(c *lang.Codegen) dag.Result {
	addr := c.Addr.String()
	r.mu.Lock()
	defer r.mu.Unlock()
	ch := r.pl.Plan(c)
	switch {
	case ch.State == plan.NoOp:
		return dag.Result{Status: dag.Done}
	case ch.State == plan.Blocked || ch.Fingerprint == "":
		return dag.Result{Status: dag.Blocked}
	}
	outputs := r.pl.Rehash(r.pl.JoinOutputs(addr))
	plan.Record(r.lock, ch, plan.Generation{Outputs: outputs})
	r.recordedLocked(addr)
	r.pl.Plan(c)
	return dag.Result{Status: dag.Done}
}

// taskFiles is the project's files as a task's prompt sees them: those a
// task running beside it (not one it runs after) wrote in this run are
// left out. A task builds on what the tasks before it did; what a task of
// the same wave is writing meanwhile is no part of it, and whether it is
// there yet would depend on timing.
func (r *run) taskFiles(t *plan.Task) prompt.Files {
	r.mu.Lock()
	before := map[string]bool{}
	for _, a := range r.pl.Graph.Ancestors(t.Addr.String()) {
		before[a] = true
	}
	r.mu.Unlock()
	return taskFiles{runFiles{r}, t.Addr.String(), before}
}

type taskFiles struct {
	runFiles
	self   string
	before map[string]bool
}

func (f taskFiles) Expand(pattern string) []string {
	files := f.runFiles.Expand(pattern)
	f.r.mu.Lock()
	defer f.r.mu.Unlock()
	if len(f.r.taskWrites) == 0 {
		return files
	}
	out := files[:0:0]
	for _, p := range files {
		if w, ok := f.r.taskWrites[p]; ok && w != f.self && !f.before[w] {
			continue
		}
		out = append(out, p)
	}
	return out
}
