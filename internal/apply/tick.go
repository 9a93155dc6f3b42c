package apply

import (
	"bytes"
	"errors"
	"fmt"
	"maps"
	"os"
	pathpkg "path"
	"path/filepath"
	"slices"
	"sync"

	"github.com/hashicorp/hcl/v2"

	"github.com/kirofile/kirofile/internal/digest"
	"github.com/kirofile/kirofile/internal/fsutil"
	"github.com/kirofile/kirofile/internal/plan"
	"github.com/kirofile/kirofile/internal/specdoc"
)

// A task done is ticked in its tasks document ("- [x]"), as Kiro does; a
// task done once that fails when done again is unticked. The lock holds
// the evidence, recorded first; the box shows it. Ticking is off the
// task's path: one writer per document takes the ticks asked for while it
// writes, and writes them together, so that the tasks of a wave, finishing
// together, share one write, and a task's slot goes to the next task at
// once. It writes them once the lock file holds the tasks' records: a box
// ticked on disk always has its evidence on disk. A tick lost to an
// interruption is made by the next apply, which ticks the tasks the lock
// records done.
//
// The document is read again at each write and each task found by its
// number: a document edited during the run is ticked only where the task
// still says what it said when it ran. Only boxes change, so the
// document's approval, which ignores checkboxes (plan's docHash), stands,
// and no hash of it a plan holds changes. Each box is one byte, written
// in place through the project root (fsutil.PatchFileIn): a byte is
// written whole or not at all, and a tick lost to a crash is made again.
// Rewriting the document whole for each wave's ticks, through a new file,
// cost a run of many tasks more than its own files did.

// ticker writes the ticks of one tasks document.
type ticker struct {
	path    string
	mu      sync.Mutex
	pending map[string]tickRequest // by task id
	busy    bool
	// Only the writer uses these: the document's directory, opened at
	// its first write (the run writes there through it, whatever is
	// renamed afterwards), and what the document held after the last
	// write with its tasks, which stand as long as it still holds that
	// (a tick moves no task).
	dir   *os.Root
	known []byte
	list  *specdoc.TaskList
}

type tickRequest struct {
	task *plan.Task
	done bool
}

// tick asks for a task's box to be set: ticked when done, cleared when
// not. A box already as asked is left alone.
func (r *run) tick(t *plan.Task, done bool) {
	if t.Doc.Checked == done {
		return
	}
	r.tickMu.Lock()
	tk := r.tickers[t.Path]
	if tk == nil {
		tk = &ticker{path: t.Path, pending: map[string]tickRequest{}}
		r.tickers[t.Path] = tk
	}
	r.tickMu.Unlock()
	tk.mu.Lock()
	tk.pending[t.Doc.ID] = tickRequest{t, done}
	start := !tk.busy
	tk.busy = true
	tk.mu.Unlock()
	if start {
		r.ticking.Go(func() { r.writeTicks(tk) })
	}
}

// writeTicks writes what is asked of a document until nothing is.
func (r *run) writeTicks(tk *ticker) {
	r.hold()
	for {
		tk.mu.Lock()
		batch := tk.pending
		tk.pending = map[string]tickRequest{}
		if len(batch) == 0 {
			tk.busy = false
			tk.mu.Unlock()
			return
		}
		tk.mu.Unlock()
		// The evidence first: a box on disk says the lock file holds it.
		err := r.lockw.flush()
		if err != nil {
			err = fmt.Errorf("%s: not ticked: %w", tk.path, err)
		} else {
			err = r.writeTickBatch(tk, batch)
		}
		if err != nil {
			r.mu.Lock()
			r.tickProblems = append(r.tickProblems, err.Error())
			r.mu.Unlock()
		}
	}
}

// writeTickBatch sets the boxes of a batch of tasks of one document in one
// pass over it.
func (r *run) writeTickBatch(tk *ticker, batch map[string]tickRequest) error {
	path := tk.path
	var skipped []string
	var refused error
	var list *specdoc.TaskList
	tickAll := func(data []byte) ([]byte, error) {
		skipped = nil
		list = tk.list
		if !bytes.Equal(data, tk.known) {
			list, _ = specdoc.ParseTasks(path, data)
		}
		out := data
		for _, id := range slices.Sorted(maps.Keys(batch)) {
			req := batch[id]
			cur := list.Task(id)
			if cur == nil || cur.Text() != req.task.Doc.Text() {
				skipped = append(skipped, id)
				continue
			}
			next, ok := specdoc.Tick(out, cur, req.done)
			if !ok {
				skipped = append(skipped, id)
				continue
			}
			out = next
		}
		if !bytes.Equal(specdoc.ClearCheckboxes(out), specdoc.ClearCheckboxes(data)) {
			refused = fmt.Errorf("%s: not ticked: ticking would change more than checkboxes", path)
			return nil, refused
		}
		return out, nil
	}
	root, err := os.OpenRoot(r.cfg.Dir)
	if err != nil {
		return fmt.Errorf("ticking tasks in %s: %w", path, err)
	}
	defer root.Close()
	if tk.dir == nil {
		if tk.dir, _, err = fsutil.OpenDirIn(root, pathpkg.Dir(path), false); err != nil {
			return fmt.Errorf("ticking tasks in %s: %w", path, err)
		}
	}
	// Each box is one byte, written in place.
	out, err := fsutil.PatchFileIn(tk.dir, pathpkg.Base(path), tickAll)
	if errors.Is(err, fsutil.ErrNotRegular) {
		// A link is replaced by the file, as any write replaces it.
		var data []byte
		if data, err = os.ReadFile(filepath.Join(r.cfg.Dir, filepath.FromSlash(path))); err == nil {
			if out, err = tickAll(data); err == nil && !bytes.Equal(out, data) {
				err = fsutil.WriteFileIn(root, path, out, 0o644)
			}
		}
	}
	switch {
	case err != nil && err == refused:
		return err
	case err != nil:
		return fmt.Errorf("ticking tasks in %s: %w", path, err)
	}
	tk.known, tk.list = out, list
	r.mu.Lock()
	r.pl.Written(path, digest.Bytes(out))
	r.mu.Unlock()
	if len(skipped) > 0 {
		return fmt.Errorf("%s: task %v not ticked: it changed there during the run", path, skipped)
	}
	return nil
}

// tickDiagnostics waits for the ticks asked for and reports those that
// could not be made.
func (r *run) tickDiagnostics() hcl.Diagnostics {
	r.ticking.Wait()
	for _, tk := range r.tickers {
		if tk.dir != nil {
			tk.dir.Close()
			tk.dir = nil
		}
	}
	var diags hcl.Diagnostics
	for _, p := range r.tickProblems {
		diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagWarning, Summary: "Tasks not ticked",
			Detail: p + ". The next apply ticks the tasks the lock records done."})
	}
	return diags
}
