package plan

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/kirofile/kirofile/internal/digest"
	"github.com/kirofile/kirofile/internal/lockfile"
	"github.com/kirofile/kirofile/lang"
)

// Removed plans forgetting the lock's records of nodes the configuration
// no longer declares (a block deleted or renamed), sorted by address. Such
// a record would otherwise stay in the lock for good. Apply removes the
// records; the files they generated are kept, unless asked (see
// DeleteOutputs): deleting a person's files is never a side effect.
//
// The record of a task is forgotten when taskGone says the task is gone
// (see Planner.removedTask).
func Removed(cfg *lang.Config, lock *lockfile.Lock, taskGone func(lang.Address) bool) []*Change {
	if lock == nil {
		return nil
	}
	var out []*Change
	for _, addr := range sortedKeys(lock.Nodes) {
		a, err := lang.ParseAddress(addr)
		if err == nil && (cfg.Node(a) != nil || a.IsTask() && taskGone != nil && !taskGone(a)) {
			continue
		}
		rec := lock.Nodes[addr]
		ch := &Change{Address: addr, State: Forget, Files: sortedKeys(rec.Outputs)}
		if err == nil {
			ch.Kind = a.Kind
		}
		text := "no longer in the configuration: its record is removed from " + lockfile.FileName
		if len(ch.Files) > 0 {
			text += "; its files are kept: " + strings.Join(ch.Files, ", ")
		}
		ch.Reasons = reasons(CodeRemoved, text)
		out = append(out, ch)
	}
	return out
}

// Deletion is what deleting a forgotten node's files did.
type Deletion struct {
	// Deleted are the files removed; Kept are those left, each with why.
	Deleted []string
	Kept    map[string]string
}

// DeleteOutputs deletes the files a forgotten node generated, for apply
// -delete-removed: only those whose content is still what the lock
// recorded, so that no edit a person made is ever lost. Directories left
// empty are removed too, up to the project root. Every path is resolved
// inside the project at the moment it is used (os.Root): a recorded path
// leading through a symlink out of the project deletes nothing.
func DeleteOutputs(dir string, rec *lockfile.Node) Deletion {
	out := Deletion{Kept: map[string]string{}}
	if rec == nil || len(rec.Outputs) == 0 {
		return out
	}
	root, err := os.OpenRoot(dir)
	if err != nil {
		for p := range rec.Outputs {
			out.Kept[p] = err.Error()
		}
		return out
	}
	defer root.Close()
	for _, p := range sortedKeys(rec.Outputs) {
		if err := lang.CheckRelPath(p); err != nil {
			out.Kept[p] = "not a path inside the project"
			continue
		}
		name := filepath.FromSlash(p)
		fi, err := root.Lstat(name)
		switch {
		case errors.Is(err, fs.ErrNotExist):
			continue // already gone
		case err != nil:
			out.Kept[p] = err.Error()
			continue
		case !fi.Mode().IsRegular():
			out.Kept[p] = "not a regular file"
			continue
		}
		h, err := hashIn(root, name)
		switch {
		case err != nil:
			out.Kept[p] = err.Error()
			continue
		case h != rec.Outputs[p]:
			out.Kept[p] = "edited since it was generated"
			continue
		}
		if err := root.Remove(name); err != nil {
			out.Kept[p] = err.Error()
			continue
		}
		out.Deleted = append(out.Deleted, p)
		for d := filepath.Dir(name); d != "." && d != string(filepath.Separator); d = filepath.Dir(d) {
			if root.Remove(d) != nil {
				break // not empty, or not ours to remove
			}
		}
	}
	slices.Sort(out.Deleted)
	return out
}

// hashIn hashes a file opened through root.
func hashIn(root *os.Root, name string) (string, error) {
	f, err := root.Open(name)
	if err != nil {
		return "", err
	}
	defer f.Close()
	w := digest.New()
	if _, err := io.Copy(w, f); err != nil {
		return "", err
	}
	return w.Sum(), nil
}

// Summary words what forgetting did to the files, for people.
func (f Deletion) Summary() string {
	var parts []string
	if len(f.Deleted) > 0 {
		parts = append(parts, "deleted "+strings.Join(f.Deleted, ", "))
	}
	for _, p := range sortedKeys(f.Kept) {
		parts = append(parts, fmt.Sprintf("kept %s (%s)", p, f.Kept[p]))
	}
	return strings.Join(parts, "; ")
}
