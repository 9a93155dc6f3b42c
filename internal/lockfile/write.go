package lockfile

import (
	"fmt"
	"sort"
	"strconv"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/hashicorp/hcl/v2/hclwrite"
	"github.com/zclconf/go-cty/cty"

	"github.com/kirofile/kirofile/internal/fsutil"
)

// header opens every lock file. It is the one place a reviewer is told
// what the file is, so it says who writes it and why it is committed.
const header = `# This file is maintained by kirofile. Commit it and review its changes;
# approvals are recorded here. Do not edit it by hand.
`

// Bytes renders the lock in its canonical form: the header, the version,
// plugins sorted by name, then nodes sorted by address, each with its
// attributes in a fixed order and its map entries sorted by key. Strings
// are written in Unicode NFC, as HCL reads them back. Map iteration order
// never reaches the output, so the same lock always gives the same bytes
// and a review diff shows only real changes.
//
// The text is exactly what building the file with hclwrite and running
// hclwrite.Format gives (the tests, fuzzing included, hold the two to byte
// equality), but it is laid out here directly: strings that need escaping
// are escaped by hclwrite, widths of non-ASCII keys are counted by
// hclwrite, and the rest is plain text. Formatting a 5,000-node lock
// through hclwrite.Format costs over a second, about 30 times as much, and
// apply rewrites the lock after every node.
//
// Bytes does not check the lock; Write does (see Validate). Nil plugin and
// node entries are skipped. Each entry is written under its map key.
func (l *Lock) Bytes() []byte {
	var w writer
	w.buf = make([]byte, 0, 256+l.sizeHint())
	w.raw(header)
	w.raw("version = ")
	w.raw(strconv.Itoa(Version))
	w.raw("\n")
	if l == nil {
		return w.buf
	}
	for _, e := range normalizedEntries(l.Plugins, isNilPlugin) {
		w.plugin(e.key, e.val)
	}
	for _, e := range normalizedEntries(l.Nodes, isNilNode) {
		w.raw("\n")
		w.node(e.key, e.val)
	}
	return w.buf
}

// plugin writes one plugin block, with the blank line before it.
func (w *writer) plugin(name string, p *Plugin) {
	w.raw("\n")
	w.blockOpen("", "plugin", name)
	if legacy, ok := p.Hashes[""]; ok && len(p.Hashes) == 1 {
		// A pin without a platform keeps its form until init
		// records the platform.
		w.attrs("  ", []attr{
			{"source", quote(p.Source)},
			{"sha256", quote(legacy)},
		})
	} else {
		w.attrs("  ", []attr{{"source", quote(p.Source)}})
		w.hashMap("sha256", p.Hashes)
	}
	w.raw("}\n")
}

// sizeHint guesses the output size so the buffer rarely grows.
func (l *Lock) sizeHint() int {
	if l == nil {
		return 0
	}
	n := 128 * len(l.Plugins)
	for _, node := range l.Nodes {
		if node != nil {
			n += 256 + 96*(len(node.Inputs)+len(node.Outputs))
			if node.Approval != nil {
				n += 192
			}
		}
	}
	return n
}

// writer accumulates the canonical text.
type writer struct{ buf []byte }

// attr is one single-line "lead = value" line: lead is the attribute name
// or the rendered map key, value the rendered value.
type attr struct {
	lead, value string
}

func (w *writer) raw(s string) { w.buf = append(w.buf, s...) }

// blockOpen writes `type {`, or `type "label" {` with one label, which
// hclwrite always quotes.
func (w *writer) blockOpen(indent, typ string, labels ...string) {
	w.raw(indent)
	w.raw(typ)
	for _, l := range labels {
		w.raw(" ")
		w.raw(quote(l))
	}
	w.raw(" {\n")
}

// attrs writes consecutive single-line attributes with their equals signs
// aligned one space after the widest lead, which is what hclwrite.Format
// does for a run of such lines.
func (w *writer) attrs(indent string, as []attr) {
	widths := make([]int, len(as))
	maxWidth := 0
	for i, a := range as {
		widths[i] = columns(a.lead)
		maxWidth = max(maxWidth, widths[i])
	}
	for i, a := range as {
		w.raw(indent)
		w.raw(a.lead)
		for range maxWidth - widths[i] + 1 {
			w.buf = append(w.buf, ' ')
		}
		w.raw("= ")
		w.raw(a.value)
		w.raw("\n")
	}
}

// columns is the display width hclwrite.Format gives a lead: the sum of
// the grapheme counts of its tokens. ASCII leads are counted directly; the
// rare others are lexed by hclwrite itself, since where a quoted key splits
// into tokens changes how combining characters are counted.
func columns(lead string) int {
	ascii := true
	for i := 0; i < len(lead); i++ {
		if lead[i] >= 0x80 {
			ascii = false
			break
		}
	}
	if ascii {
		return len(lead)
	}
	f, diags := hclwrite.ParseConfig([]byte("x = {\n"+lead+" = 0\n}\n"), "", hcl.InitialPos)
	if diags.HasErrors() {
		return hclwrite.Tokens{{Bytes: []byte(lead)}}.Columns()
	}
	n := 0
	for _, t := range f.Body().GetAttribute("x").Expr().BuildTokens(nil) {
		switch t.Type {
		case hclsyntax.TokenOBrace, hclsyntax.TokenNewline:
			continue
		case hclsyntax.TokenEqual:
			return n
		}
		n += hclwrite.Tokens{{Bytes: t.Bytes}}.Columns()
	}
	return n
}

// node writes one node block in the canonical attribute order. A multi-line
// map ends a run of aligned attributes, as it does for hclwrite.Format.
func (w *writer) node(addr string, n *Node) {
	w.blockOpen("", "node", addr)
	head := make([]attr, 0, 4)
	if n.Fingerprint != "" {
		head = append(head, attr{"fingerprint", quote(n.Fingerprint)})
	}
	if n.Status != "" {
		head = append(head, attr{"status", quote(n.Status)})
	}
	if n.Attempts != 0 {
		head = append(head, attr{"attempts", strconv.Itoa(n.Attempts)})
	}
	if n.Error != "" {
		head = append(head, attr{"error", quote(n.Error)})
	}
	w.attrs("  ", head)
	w.hashMap("inputs", n.Inputs)
	w.hashMap("outputs", n.Outputs)
	w.intMap("hooks", n.Hooks)
	if n.Usage != (Usage{}) {
		w.blockOpen("  ", "usage")
		us := []attr{{"prompt_tokens", strconv.Itoa(n.Usage.PromptTokens)}}
		if n.Usage.CachedTokens != 0 {
			us = append(us, attr{"cached_tokens", strconv.Itoa(n.Usage.CachedTokens)})
		}
		us = append(us, attr{"completion_tokens", strconv.Itoa(n.Usage.CompletionTokens)})
		if n.Usage.Estimated {
			us = append(us, attr{"estimated", "true"})
		}
		if n.Usage.Cost != "" {
			us = append(us, attr{"cost", quote(n.Usage.Cost)})
		}
		if n.Usage.Currency != "" {
			us = append(us, attr{"currency", quote(n.Usage.Currency)})
		}
		w.attrs("    ", us)
		w.raw("  }\n")
	}
	if a := n.Approval; a != nil {
		w.blockOpen("  ", "approval")
		as := make([]attr, 0, 4)
		as = append(as, attr{"sha256", quote(a.SHA256)})
		if a.Fingerprint != "" {
			as = append(as, attr{"fingerprint", quote(a.Fingerprint)})
		}
		as = append(as,
			attr{"by", quote(a.By)},
			attr{"at", quote(a.At.UTC().Format(timeLayout))},
		)
		if a.CheckErrors != 0 {
			as = append(as, attr{"check_errors", strconv.Itoa(a.CheckErrors)})
		}
		if a.Hooks != "" {
			as = append(as, attr{"hooks", quote(a.Hooks)})
		}
		w.attrs("    ", as)
		w.raw("  }\n")
	}
	w.raw("}\n")
}

// hashMap writes a string map as a multi-line object, one entry a line,
// sorted by key; nothing when the map is empty.
func (w *writer) hashMap(name string, m map[string]string) {
	if len(m) == 0 {
		return
	}
	entries := normalizedEntries(m, nil)
	as := make([]attr, len(entries))
	for i, e := range entries {
		as[i] = attr{mapKey(e.key), quote(e.val)}
	}
	w.raw("  ")
	w.raw(name)
	w.raw(" = {\n")
	w.attrs("    ", as)
	w.raw("  }\n")
}

// quote renders s as a quoted HCL string that HCL reads back as s (in
// NFC). Strings that need no escaping, which is nearly all of them
// (hashes, addresses, paths), are wrapped in quotes directly; the rest are
// escaped by hclwrite: quotes, backslashes, control and non-printing
// characters, and "${" / "%{" template introducers.
func quote(s string) string {
	if plainASCII(s) {
		return `"` + s + `"`
	}
	return string(hclwrite.TokensForValue(cty.StringVal(s)).Bytes())
}

// plainASCII reports whether s is printable ASCII that needs no escape in
// a quoted HCL string.
func plainASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c < 0x20 || c >= 0x7f || c == '"' || c == '\\':
			return false
		case (c == '$' || c == '%') && i+1 < len(s) && s[i+1] == '{':
			return false
		}
	}
	return true
}

// mapKey renders an object key. Keys that are plain identifiers are
// written bare; anything else (paths, dotted upstream addresses, HCL
// keywords) is a quoted string, which HCL reads back as the same key.
func mapKey(k string) string {
	if bareKey(k) {
		return k
	}
	return quote(k)
}

// bareKey reports whether an object key can be written without quotes and
// still read back as the same string key.
func bareKey(k string) bool {
	switch k {
	case "null", "true", "false", "for", "in", "if":
		// Literals and the for-expression keywords would parse as
		// something other than a key name in object position.
		return false
	}
	return simpleIdent(k)
}

// simpleIdent reports whether k is an ASCII identifier: a letter, then
// letters, digits, "_" or "-". HCL accepts more as identifiers, but not
// every Unicode name that hclsyntax.ValidIdentifier allows also reads
// back as a key (a leading U+FEFF does not), and quoting the rest costs
// nothing in review.
func simpleIdent(k string) bool {
	if k == "" {
		return false
	}
	for i := 0; i < len(k); i++ {
		c := k[i]
		letter := c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
		if !letter && (i == 0 || !(c >= '0' && c <= '9' || c == '_' || c == '-')) {
			return false
		}
	}
	return true
}

type entry[V any] struct {
	key string
	val V
}

// normalizedEntries returns m's entries with keys in Unicode NFC, sorted
// by the normalized key, so the order matches what a reader of the
// written file sees. Entries for which skip returns true are left out.
func normalizedEntries[V any](m map[string]V, skip func(V) bool) []entry[V] {
	out := make([]entry[V], 0, len(m))
	for k, v := range m {
		if skip != nil && skip(v) {
			continue
		}
		out = append(out, entry[V]{nfc(k), v})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].key < out[j].key })
	return out
}

func isNilPlugin(p *Plugin) bool { return p == nil }
func isNilNode(n *Node) bool     { return n == nil }

// Write validates l and saves it to path atomically, through a temporary
// file in the same directory that is synced and renamed, with mode 0644
// for a new file. A crash or a failed write leaves the previous lock
// intact, and an invalid lock is refused before anything is written.
//
// Callers must not write a lock after Read reported errors for it: Read
// returns a nil Lock then, which Write refuses, so a damaged lock is never
// replaced by one that lost its approvals.
func Write(path string, l *Lock) error {
	if l == nil {
		return fmt.Errorf("write lock file %s: no lock to write", path)
	}
	if err := l.Validate(); err != nil {
		return fmt.Errorf("write lock file %s: invalid lock: %w", path, err)
	}
	if err := fsutil.WriteFileAtomic(path, l.Bytes(), 0o644); err != nil {
		return fmt.Errorf("write lock file: %w", err)
	}
	return nil
}
