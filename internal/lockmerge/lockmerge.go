// Package lockmerge merges Kirofile.lock.hcl three ways, record by record,
// as Git's merge driver for it ("kirofile merge-lock").
//
// Git's own merge works on lines, and the lock's lines are not
// independent: two branches that approve different specs, or generate
// different nodes, touch neighbouring lines and conflict although their
// records do not. The lock is a set of records (one per plugin, one per
// node), so it merges as one: a record only one branch changed takes that
// branch's version (a removal included), a record both changed the same
// way is taken once, and only a record both changed differently is a
// conflict. A plugin's pins merge platform by platform, so that the pins
// two teammates added on two platforms are both kept.
//
// The merged lock is read back with the lock file's own parser before it
// is returned: a merge never produces a lock that kirofile would refuse.
package lockmerge

import (
	"bytes"
	"fmt"
	"slices"
	"strings"

	"github.com/kirofile/kirofile/internal/lockfile"
)

// Conflict is a record both branches changed differently.
type Conflict struct {
	// Kind is "node" or "plugin"; Name its address or plugin name.
	Kind, Name string
	// Ours and Theirs are each side's record, nil where it removed it.
	Ours, Theirs []byte
}

// Result is a merge.
type Result struct {
	// Lock is the merged lock, without the conflicting records.
	Lock *lockfile.Lock
	// Conflicts are the records left for a person, by kind then name.
	Conflicts []Conflict
	// FromTheirs counts the records taken from the other branch.
	FromTheirs int
}

// Merge merges ours and theirs, two locks descended from base. An empty
// base (or side) is an empty lock: a lock both branches created. A side
// that is not a valid lock, conflict markers included, is an error: there
// is nothing to merge record by record.
func Merge(base, ours, theirs []byte) (*Result, error) {
	var locks [3]*lockfile.Lock
	for i, side := range []struct {
		name string
		data []byte
	}{{"the common ancestor", base}, {"ours", ours}, {"theirs", theirs}} {
		l, err := parse(side.data)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", side.name, err)
		}
		locks[i] = l
	}
	b, o, t := locks[0], locks[1], locks[2]
	res := &Result{Lock: lockfile.New()}

	for _, name := range keys(b.Plugins, o.Plugins, t.Plugins) {
		p, conflict, fromTheirs := mergePlugin(name, b.Plugins[name], o.Plugins[name], t.Plugins[name])
		switch {
		case conflict != nil:
			res.Conflicts = append(res.Conflicts, *conflict)
		case p != nil:
			res.Lock.Plugins[name] = p
		}
		if fromTheirs {
			res.FromTheirs++
		}
	}
	for _, addr := range keys(b.Nodes, o.Nodes, t.Nodes) {
		bn, on, tn := b.Nodes[addr], o.Nodes[addr], t.Nodes[addr]
		n, fromTheirs, ok := merge3(bn, on, tn, sameNode)
		if !ok {
			if n, ok = sameApproval(on, tn); !ok {
				res.Conflicts = append(res.Conflicts, Conflict{Kind: "node", Name: addr, Ours: nodeText(on), Theirs: nodeText(tn)})
				continue
			}
		}
		if fromTheirs {
			res.FromTheirs++
		}
		if n != nil {
			res.Lock.SetNode(n)
		}
	}
	// Re-check: the merge must read back as the lock it is.
	if err := res.Lock.Validate(); err != nil {
		return nil, fmt.Errorf("the merged lock is not valid: %w", err)
	}
	if _, _, diags := lockfile.Parse(res.Lock.Bytes(), lockfile.FileName); diags.HasErrors() {
		return nil, fmt.Errorf("the merged lock does not read back: %s", diags.Error())
	}
	return res, nil
}

// merge3 merges one record: the side that changed it wins; a change both
// made alike is taken once. ok is false for a conflict.
func merge3[T any](base, ours, theirs *T, same func(a, b *T) bool) (out *T, fromTheirs, ok bool) {
	switch {
	case same(ours, theirs):
		return ours, false, true
	case same(base, ours):
		return theirs, true, true
	case same(base, theirs):
		return ours, false, true
	}
	return nil, false, false
}

// sameApproval resolves the one conflict that is not one: both branches
// approved the same document, under the same inputs, in otherwise equal
// records, differing only in who approved and when. The earlier approval
// is kept (ours on a tie), so that the merge is the same whichever branch
// merges into which.
func sameApproval(ours, theirs *lockfile.Node) (*lockfile.Node, bool) {
	if ours == nil || theirs == nil || ours.Approval == nil || theirs.Approval == nil {
		return nil, false
	}
	a, b := *ours.Approval, *theirs.Approval
	if a.SHA256 != b.SHA256 || a.Fingerprint != b.Fingerprint {
		return nil, false
	}
	o, t := ours.Clone(), theirs.Clone()
	o.Approval, t.Approval = nil, nil
	if !sameNode(o, t) {
		return nil, false
	}
	if b.At.Before(a.At) {
		return theirs, true
	}
	return ours, true
}

// mergePlugin merges one plugin's record, its pins platform by platform.
func mergePlugin(name string, base, ours, theirs *lockfile.Plugin) (*lockfile.Plugin, *Conflict, bool) {
	if p, fromTheirs, ok := merge3(base, ours, theirs, samePlugin); ok {
		return p, nil, fromTheirs
	}
	conflict := &Conflict{Kind: "plugin", Name: name, Ours: pluginText(name, ours), Theirs: pluginText(name, theirs)}
	if ours == nil || theirs == nil || ours.Source != theirs.Source {
		return nil, conflict, false
	}
	var baseHashes map[string]string
	if base != nil && base.Source == ours.Source {
		baseHashes = base.Hashes
	}
	merged := &lockfile.Plugin{Name: name, Source: ours.Source, Hashes: map[string]string{}}
	fromTheirs := false
	for _, platform := range keys(baseHashes, ours.Hashes, theirs.Hashes) {
		h, ft, ok := merge3(ptr(baseHashes, platform), ptr(ours.Hashes, platform), ptr(theirs.Hashes, platform), sameString)
		if !ok {
			return nil, conflict, false
		}
		fromTheirs = fromTheirs || ft
		if h != nil {
			merged.Hashes[platform] = *h
		}
	}
	if _, legacy := merged.Hashes[""]; legacy && len(merged.Hashes) > 1 {
		// A pin from before platforms were recorded beside per-platform
		// ones: which platform it was is unknown.
		return nil, conflict, false
	}
	if len(merged.Hashes) == 0 {
		return nil, conflict, false
	}
	return merged, nil, fromTheirs
}

func ptr(m map[string]string, k string) *string {
	if v, ok := m[k]; ok {
		return &v
	}
	return nil
}

func sameString(a, b *string) bool {
	return a == nil && b == nil || a != nil && b != nil && *a == *b
}

// sameNode compares two records by their canonical text, which is what
// the lock holds.
func sameNode(a, b *lockfile.Node) bool {
	if a == nil || b == nil {
		return a == nil && b == nil
	}
	return bytes.Equal(nodeText(a), nodeText(b))
}

func samePlugin(a, b *lockfile.Plugin) bool {
	if a == nil || b == nil {
		return a == nil && b == nil
	}
	return bytes.Equal(pluginText(a.Name, a), pluginText(b.Name, b))
}

// emptyText is the text of a lock without records: what precedes every
// record's block in a lock holding only that record.
var emptyText = string(lockfile.New().Bytes()) + "\n"

// nodeText renders one node's block as the lock writes it; nil for none.
func nodeText(n *lockfile.Node) []byte {
	if n == nil {
		return nil
	}
	l := lockfile.New()
	l.SetNode(n)
	return []byte(strings.TrimPrefix(string(l.Bytes()), emptyText))
}

// pluginText renders one plugin's block as the lock writes it; nil for
// none.
func pluginText(name string, p *lockfile.Plugin) []byte {
	if p == nil {
		return nil
	}
	l := lockfile.New()
	c := *p
	c.Name = name
	l.Plugins[name] = &c
	return []byte(strings.TrimPrefix(string(l.Bytes()), emptyText))
}

// Text renders the result: the merged lock, with each conflicting record
// in its place between conflict markers, ours first, as Git marks a
// conflict. Without conflicts it is the merged lock's canonical text.
func (r *Result) Text(oursLabel, theirsLabel string) []byte {
	if len(r.Conflicts) == 0 {
		return r.Lock.Bytes()
	}
	type block struct {
		kind, name string
		text       []byte
	}
	var blocks []block
	for name, p := range r.Lock.Plugins {
		blocks = append(blocks, block{"plugin", name, pluginText(name, p)})
	}
	for addr, n := range r.Lock.Nodes {
		blocks = append(blocks, block{"node", addr, nodeText(n)})
	}
	for _, c := range r.Conflicts {
		var b bytes.Buffer
		fmt.Fprintf(&b, "<<<<<<< %s\n", oursLabel)
		b.Write(c.Ours)
		b.WriteString("=======\n")
		b.Write(c.Theirs)
		fmt.Fprintf(&b, ">>>>>>> %s\n", theirsLabel)
		blocks = append(blocks, block{c.Kind, c.Name, b.Bytes()})
	}
	order := map[string]int{"plugin": 0, "node": 1}
	slices.SortFunc(blocks, func(a, b block) int {
		if d := order[a.kind] - order[b.kind]; d != 0 {
			return d
		}
		return strings.Compare(a.name, b.name)
	})
	out := []byte(strings.TrimSuffix(emptyText, "\n"))
	for _, b := range blocks {
		out = append(out, '\n')
		out = append(out, b.text...)
	}
	return out
}

// parse reads one side; empty data is an empty lock.
func parse(data []byte) (*lockfile.Lock, error) {
	if len(bytes.TrimSpace(data)) == 0 {
		return lockfile.New(), nil
	}
	if _, ok := lockfile.ConflictMarker(data, lockfile.FileName); ok {
		return nil, fmt.Errorf("it holds merge conflict markers")
	}
	l, _, diags := lockfile.Parse(data, lockfile.FileName)
	if diags.HasErrors() {
		return nil, fmt.Errorf("it is not a valid lock file: %s", diags.Error())
	}
	return l, nil
}

// keys returns the union of the maps' keys, sorted.
func keys[V any](maps ...map[string]V) []string {
	set := map[string]bool{}
	for _, m := range maps {
		for k := range m {
			set[k] = true
		}
	}
	out := make([]string, 0, len(set))
	for k := range set {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}
