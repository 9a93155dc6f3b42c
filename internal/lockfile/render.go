package lockfile

import (
	"slices"
	"strconv"
)

// Renderer keeps a lock rendered node block by node block, so that writing
// the lock again after a few nodes changed re-renders only those: apply
// writes the lock many times while it runs, and rendering every record of
// a large project each time cost most of a run's time. Bytes gives exactly
// what Lock.Bytes gives for the same lock. A Renderer is not safe for
// concurrent use.
type Renderer struct {
	head   []byte            // header, version and plugins
	keys   []string          // addresses (NFC) of the blocks, sorted
	added  []string          // addresses not yet merged into keys
	blocks map[string][]byte // address (NFC) -> "\nnode ... }\n"
	size   int
}

// NewRenderer renders l. Its plugins are fixed from here on; nodes change
// with SetNode.
func NewRenderer(l *Lock) *Renderer {
	r := &Renderer{blocks: map[string][]byte{}}
	var w writer
	w.raw(header)
	w.raw("version = ")
	w.raw(strconv.Itoa(Version))
	w.raw("\n")
	if l != nil {
		for _, e := range normalizedEntries(l.Plugins, isNilPlugin) {
			w.plugin(e.key, e.val)
		}
	}
	r.head = w.buf
	r.size = len(r.head)
	if l != nil {
		entries := normalizedEntries(l.Nodes, isNilNode)
		r.keys = make([]string, 0, len(entries))
		for _, e := range entries {
			r.keys = append(r.keys, e.key)
			b := renderNode(e.key, e.val)
			r.blocks[e.key] = b
			r.size += len(b)
		}
	}
	return r
}

// renderNode renders one node block with the blank line before it.
func renderNode(addr string, n *Node) []byte {
	var w writer
	w.buf = make([]byte, 0, 256+96*(len(n.Inputs)+len(n.Outputs)))
	w.raw("\n")
	w.node(addr, n)
	return w.buf
}

// SetNode renders n in place of the node at its address, or adds it.
func (r *Renderer) SetNode(n *Node) {
	if n == nil {
		return
	}
	key := nfc(n.Address)
	b := renderNode(key, n)
	if old, ok := r.blocks[key]; ok {
		r.size -= len(old)
	} else {
		r.added = append(r.added, key)
	}
	r.blocks[key] = b
	r.size += len(b)
}

// Bytes returns the whole lock file: the cost of copying it, plus sorting
// the addresses added since the last call.
func (r *Renderer) Bytes() []byte {
	if len(r.added) > 0 {
		slices.Sort(r.added)
		merged := make([]string, 0, len(r.keys)+len(r.added))
		i, j := 0, 0
		for i < len(r.keys) || j < len(r.added) {
			if j == len(r.added) || i < len(r.keys) && r.keys[i] < r.added[j] {
				merged = append(merged, r.keys[i])
				i++
			} else {
				merged = append(merged, r.added[j])
				j++
			}
		}
		r.keys, r.added = merged, r.added[:0]
	}
	out := make([]byte, 0, r.size)
	out = append(out, r.head...)
	for _, k := range r.keys {
		out = append(out, r.blocks[k]...)
	}
	return out
}

// RemoveNode drops the block of the node at addr, if any.
func (r *Renderer) RemoveNode(addr string) {
	key := nfc(addr)
	old, ok := r.blocks[key]
	if !ok {
		return
	}
	r.size -= len(old)
	delete(r.blocks, key)
	if i := slices.Index(r.added, key); i >= 0 {
		r.added = slices.Delete(r.added, i, i+1)
		return
	}
	if i, found := slices.BinarySearch(r.keys, key); found {
		r.keys = slices.Delete(r.keys, i, i+1)
	}
}
