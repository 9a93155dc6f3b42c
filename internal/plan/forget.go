package plan

import (
	"fmt"
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
func Removed(cfg *lang.Config, lock *lockfile.Lock) []*Change {
	if lock == nil {
		return nil
	}
	var out []*Change
	for _, addr := range sortedKeys(lock.Nodes) {
		a, err := lang.ParseAddress(addr)
		if err == nil && cfg.Node(a) != nil {
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
// empty are removed too, up to the project root.
func DeleteOutputs(dir string, rec *lockfile.Node) Deletion {
	out := Deletion{Kept: map[string]string{}}
	if rec == nil {
		return out
	}
	for _, p := range sortedKeys(rec.Outputs) {
		if err := lang.CheckRelPath(p); err != nil {
			out.Kept[p] = "not a path inside the project"
			continue
		}
		full := filepath.Join(dir, filepath.FromSlash(p))
		fi, err := os.Lstat(full)
		if err != nil {
			continue // already gone
		}
		if !fi.Mode().IsRegular() {
			out.Kept[p] = "not a regular file"
			continue
		}
		h, err := digest.File(full, nil)
		switch {
		case err != nil:
			out.Kept[p] = err.Error()
			continue
		case h != rec.Outputs[p]:
			out.Kept[p] = "edited since it was generated"
			continue
		}
		if err := os.Remove(full); err != nil {
			out.Kept[p] = err.Error()
			continue
		}
		out.Deleted = append(out.Deleted, p)
		for d := filepath.Dir(full); d != dir && strings.HasPrefix(d, dir+string(filepath.Separator)); d = filepath.Dir(d) {
			if os.Remove(d) != nil {
				break // not empty, or not ours to remove
			}
		}
	}
	slices.Sort(out.Deleted)
	return out
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
