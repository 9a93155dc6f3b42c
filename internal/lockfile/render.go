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
			w.raw("\n")
			w.blockOpen("", "plugin", e.key)
			w.attrs("  ", []attr{
				{"source", quote(e.val.Source)},
				{"sha256", quote(e.val.SHA256)},
			})
			w.raw("}\n")
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

// Clone returns a copy of n that shares nothing with it, for handing a
// record to another goroutine.
func (n *Node) Clone() *Node {
	if n == nil {
		return nil
	}
	c := *n
	c.Inputs = cloneMap(n.Inputs)
	c.Outputs = cloneMap(n.Outputs)
	if n.Approval != nil {
		a := *n.Approval
		c.Approval = &a
	}
	return &c
}

func cloneMap(m map[string]string) map[string]string {
	if m == nil {
		return nil
	}
	c := make(map[string]string, len(m))
	for k, v := range m {
		c[k] = v
	}
	return c
}
