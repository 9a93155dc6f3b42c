package lockfile

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"math"
	"math/big"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"
)

// Read loads the lock at path. A missing file is a project that has not
// generated anything yet: it reads as an empty lock with no diagnostics.
// Any other failure, including a read error, is an error diagnostic; then
// the Lock is nil (see Parse). The *hcl.File, when not nil, lets the
// caller render source snippets for the diagnostics.
func Read(path string) (*Lock, *hcl.File, hcl.Diagnostics) {
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return New(), nil, nil
	}
	if err != nil {
		start := hcl.Pos{Line: 1, Column: 1, Byte: 0}
		return nil, nil, hcl.Diagnostics{{
			Severity: hcl.DiagError,
			Summary:  "Cannot read lock file",
			Detail: fmt.Sprintf("Reading %s failed: %v. Check that it is a readable file, or restore it from version control (git checkout HEAD -- %s).",
				path, err, path),
			Subject: &hcl.Range{Filename: path, Start: start, End: start},
		}}
	}
	return Parse(data, path)
}

// Parse reads a lock from data; filename names it in diagnostics. Only HCL
// native syntax is accepted: the lock is always written by kirofile in that
// form, and one form keeps review diffs and error positions simple.
//
// When the diagnostics have errors the Lock is nil. The lock is trusted
// state, holding approvals, so a partly understood lock must not be used,
// and certainly not written back. The *hcl.File is returned whenever the
// text could be tokenized, so the caller can show snippets; for a lock read
// without errors it may hold only the bytes.
//
// A lock in the form kirofile writes is read by a dedicated parser
// (parseWritten); anything else, and every lock with a problem to report,
// by HCL's parser. Both give the same Lock.
func Parse(data []byte, filename string) (*Lock, *hcl.File, hcl.Diagnostics) {
	if lock, ok := parseWritten(data); ok {
		return lock, &hcl.File{Bytes: data}, nil
	}
	return parseHCL(data, filename)
}

// parseHCL is Parse through HCL's parser and a strict decoder of its
// syntax tree.
func parseHCL(data []byte, filename string) (*Lock, *hcl.File, hcl.Diagnostics) {
	file, diags := hclsyntax.ParseConfig(data, filename, hcl.InitialPos)
	if rng, ok := ConflictMarker(data, filename); ok {
		// A merge left both sides in the file: say so, and how to finish
		// the merge, rather than report the markers as syntax errors.
		return nil, file, hcl.Diagnostics{{
			Severity: hcl.DiagError,
			Summary:  "Unresolved merge conflict in the lock file",
			Detail: fmt.Sprintf("%s holds merge conflict markers. Run \"kirofile merge-lock\" to merge the records of both branches "+
				"(records of different nodes merge; only a node both branches changed stays in conflict, to be resolved by keeping one side), "+
				"or keep one side whole with \"git checkout --ours %s\" (or --theirs). Then run \"kirofile plan\" to see what to approve or "+
				"regenerate again, and \"git add %s\".", filepath.Base(filename), filename, filename),
			Subject: &rng,
		}}
	}
	if diags.HasErrors() {
		for _, d := range diags {
			if d.Severity == hcl.DiagError {
				d.Detail = joinSentences(d.Detail, remedy(filename, d.Subject))
			}
		}
		return nil, file, diags
	}
	body, ok := file.Body.(*hclsyntax.Body)
	if !ok {
		// ParseConfig always yields an hclsyntax body; this guards the
		// type assertion against a future HCL change.
		start := hcl.Pos{Line: 1, Column: 1, Byte: 0}
		return nil, file, hcl.Diagnostics{{
			Severity: hcl.DiagError,
			Summary:  "Unsupported lock file syntax",
			Detail:   "The lock file must be HCL native syntax.",
			Subject:  &hcl.Range{Filename: filename, Start: start, End: start},
		}}
	}

	d := &decoder{filename: filename}
	lock := d.file(body)
	diags = append(diags, d.diags...)
	if diags.HasErrors() {
		return nil, file, diags
	}
	return lock, file, diags
}

// ConflictMarker returns the range of the first line of data that is a
// merge conflict marker ("<<<<<<< ", "=======", ">>>>>>> "), as Git and
// "kirofile merge-lock" leave them; ok is false when there is none. No
// line of a lock kirofile writes starts with one.
func ConflictMarker(data []byte, filename string) (hcl.Range, bool) {
	line, start := 1, 0
	for start <= len(data) {
		end := bytes.IndexByte(data[start:], '\n')
		if end < 0 {
			end = len(data)
		} else {
			end += start
		}
		text := strings.TrimRight(string(data[start:end]), "\r")
		if strings.HasPrefix(text, "<<<<<<<") || strings.HasPrefix(text, ">>>>>>>") || text == "=======" || strings.HasPrefix(text, "||||||| ") {
			return hcl.Range{
				Filename: filename,
				Start:    hcl.Pos{Line: line, Column: 1, Byte: start},
				End:      hcl.Pos{Line: line, Column: len(text) + 1, Byte: start + len(text)},
			}, true
		}
		line++
		start = end + 1
	}
	return hcl.Range{}, false
}

// remedy is the sentence that ends every error about the lock's content:
// the file is machine-written, so the usual fix is to restore it.
func remedy(filename string, subject *hcl.Range) string {
	line := ""
	if subject != nil && subject.Start.Line > 0 {
		line = fmt.Sprintf(" %d", subject.Start.Line)
	}
	return fmt.Sprintf("%s is written by kirofile: restore it from version control (git checkout HEAD -- %s) or fix line%s.",
		filepath.Base(filename), filename, line)
}

func joinSentences(a, b string) string {
	a = strings.TrimSpace(a)
	if a == "" {
		return b
	}
	if !strings.HasSuffix(a, ".") {
		a += "."
	}
	return a + " " + b
}

// decoder walks the syntax tree and accumulates diagnostics, so one run
// reports every problem in the file instead of the first one only.
type decoder struct {
	filename string
	diags    hcl.Diagnostics
}

// errorf adds an error diagnostic at rng whose detail ends with the remedy.
func (d *decoder) errorf(rng hcl.Range, summary, format string, args ...any) {
	d.diags = append(d.diags, &hcl.Diagnostic{
		Severity: hcl.DiagError,
		Summary:  summary,
		Detail:   joinSentences(fmt.Sprintf(format, args...), remedy(d.filename, &rng)),
		Subject:  rng.Ptr(),
	})
}

// schema lists what a block body may contain, for strict checking.
type schema struct {
	what   string   // "the top level", `a "node" block`, ...
	attrs  []string // in the documented order
	blocks []string
}

// attributes returns body's attributes sorted by position (map order
// would make diagnostics come out in random order) after reporting any
// that the schema does not allow.
func (d *decoder) attributes(body *hclsyntax.Body, s schema) map[string]*hclsyntax.Attribute {
	for _, a := range sortedAttrs(body) {
		if !contains(s.attrs, a.Name) {
			d.errorf(a.NameRange, "Unsupported argument",
				"An argument named %q is not expected in %s; it takes %s", a.Name, s.what, list(s.attrs))
		}
	}
	return body.Attributes
}

// blocks reports blocks the schema does not allow and returns the rest,
// in file order.
func (d *decoder) blocks(body *hclsyntax.Body, s schema) []*hclsyntax.Block {
	var out []*hclsyntax.Block
	for _, b := range body.Blocks {
		if !contains(s.blocks, b.Type) {
			if len(s.blocks) == 0 {
				d.errorf(b.TypeRange, "Unsupported block type",
					"Blocks of type %q are not expected in %s; it takes no blocks", b.Type, s.what)
			} else {
				d.errorf(b.TypeRange, "Unsupported block type",
					"Blocks of type %q are not expected in %s; it takes %s blocks", b.Type, s.what, list(s.blocks))
			}
			continue
		}
		out = append(out, b)
	}
	return out
}

// labels checks that b has exactly n labels and returns them in NFC, the
// form every other string from HCL is in, so that equal-looking labels are
// equal and a re-written lock reads back the same.
func (d *decoder) labels(b *hclsyntax.Block, n int, what string) ([]string, bool) {
	if len(b.Labels) == n {
		out := make([]string, n)
		for i, l := range b.Labels {
			if !utf8.ValidString(l) {
				d.errorf(b.LabelRanges[i], "Invalid block label", "The label of a %q block is not valid UTF-8", b.Type)
				return nil, false
			}
			out[i] = nfc(l)
		}
		return out, true
	}
	rng := b.TypeRange
	if len(b.Labels) > n {
		rng = b.LabelRanges[n]
	}
	if n == 0 {
		d.errorf(rng, "Unexpected block label", "A %q block takes no labels", b.Type)
	} else {
		d.errorf(rng, "Wrong number of block labels", "A %q block takes exactly one label, %s", b.Type, what)
	}
	return nil, false
}

var (
	topSchema = schema{
		what:   "the top level of the lock file",
		attrs:  []string{"version"},
		blocks: []string{"plugin", "node"},
	}
	pluginSchema = schema{
		what:  `a "plugin" block`,
		attrs: []string{"source", "sha256"},
	}
	nodeSchema = schema{
		what:   `a "node" block`,
		attrs:  []string{"fingerprint", "status", "attempts", "error", "inputs", "outputs", "hooks"},
		blocks: []string{"usage", "approval"},
	}
	usageSchema = schema{
		what:  `a "usage" block`,
		attrs: []string{"prompt_tokens", "cached_tokens", "completion_tokens", "estimated", "cost", "currency"},
	}
	approvalSchema = schema{
		what:  `an "approval" block`,
		attrs: []string{"sha256", "fingerprint", "by", "at", "check_errors", "hooks"},
	}
)

func (d *decoder) file(body *hclsyntax.Body) *Lock {
	// The version comes first: a lock from a newer kirofile may have
	// blocks this one does not know, and "upgrade kirofile" is the only
	// useful thing to say about it.
	attrs := body.Attributes
	va, ok := attrs["version"]
	if !ok {
		d.errorf(startRange(body), "Missing lock file version",
			"The lock file must set version = %d at the top level", Version)
	} else if v, ok := d.int(va, 1); ok && v > Version {
		d.diags = append(d.diags, &hcl.Diagnostic{
			Severity: hcl.DiagError,
			Summary:  "Lock file is from a newer kirofile",
			Detail: fmt.Sprintf("%s has format version %d, but this kirofile reads versions up to %d. Upgrade kirofile to read it; do not edit or delete it, as it records approvals.",
				filepath.Base(d.filename), v, Version),
			Subject: va.Expr.Range().Ptr(),
		})
		return nil
	}
	d.attributes(body, topSchema)

	lock := New()
	pluginAt := map[string]*hclsyntax.Block{}
	nodeAt := map[string]*hclsyntax.Block{}
	for _, b := range d.blocks(body, topSchema) {
		switch b.Type {
		case "plugin":
			labels, ok := d.labels(b, 1, "the plugin name")
			if !ok {
				continue
			}
			name := labels[0]
			if name == "" {
				d.errorf(b.LabelRanges[0], "Empty plugin name", "A plugin block's label must name the plugin")
				continue
			}
			if first, dup := pluginAt[name]; dup {
				d.errorf(b.LabelRanges[0], "Duplicate plugin block",
					"Plugin %q is already recorded at %s; the lock holds one block per plugin", name, first.DefRange())
				continue
			}
			pluginAt[name] = b
			if p := d.plugin(b, name); p != nil {
				lock.Plugins[name] = p
			}
		case "node":
			labels, ok := d.labels(b, 1, "the node address")
			if !ok {
				continue
			}
			addr := labels[0]
			if addr == "" {
				d.errorf(b.LabelRanges[0], "Empty node address", "A node block's label must be the node address, like %q", "feature.email.spec.requirements")
				continue
			}
			if first, dup := nodeAt[addr]; dup {
				d.errorf(b.LabelRanges[0], "Duplicate node block",
					"Node %q is already recorded at %s; the lock holds one block per node", addr, first.DefRange())
				continue
			}
			nodeAt[addr] = b
			if n := d.node(b, addr); n != nil {
				lock.Nodes[addr] = n
			}
		}
	}
	return lock
}

func (d *decoder) plugin(b *hclsyntax.Block, name string) *Plugin {
	attrs := d.attributes(b.Body, pluginSchema)
	d.blocks(b.Body, pluginSchema)
	p := &Plugin{Name: name}
	if a := d.required(b, attrs, "source"); a != nil {
		p.Source, _ = d.string(a)
	}
	p.Hashes = map[string]string{}
	if a := d.required(b, attrs, "sha256"); a != nil {
		if _, isObject := a.Expr.(*hclsyntax.ObjectConsExpr); isObject {
			// One digest per platform.
			d.hashMapOf(a, p.Hashes, func(k string) string {
				if !isPlatform(k) {
					return "is not a platform: want GOOS_GOARCH, like linux_amd64"
				}
				return ""
			}, isHexDigest, digestRule+", without a prefix")
			if len(p.Hashes) == 0 && !d.diags.HasErrors() {
				d.errorf(a.Expr.Range(), "Invalid plugin checksum", "The sha256 of plugin %q holds no platform", name)
			}
		} else if s, ok := d.string(a); ok {
			// A pin recorded before platforms were: it stands for
			// whichever platform its binary matches.
			if !isHexDigest(s) {
				d.errorf(a.Expr.Range(), "Invalid plugin checksum",
					"The sha256 of plugin %q must be %s, without a prefix; got %q", name, digestRule, s)
			}
			p.Hashes[""] = s
		}
	}
	return p
}

func (d *decoder) node(b *hclsyntax.Block, addr string) *Node {
	attrs := d.attributes(b.Body, nodeSchema)
	n := &Node{Address: addr, Inputs: map[string]string{}, Outputs: map[string]string{}}
	if a := attrs["fingerprint"]; a != nil {
		n.Fingerprint = d.hash(a, "fingerprint")
	}
	if a := attrs["status"]; a != nil {
		if s, ok := d.string(a); ok {
			if msg := checkStatus(s); msg != "" {
				d.errorf(a.Expr.Range(), "Invalid node status", "The status of node %q %s; got %q", addr, msg, s)
			}
			n.Status = s
		}
	}
	if a := attrs["attempts"]; a != nil {
		n.Attempts, _ = d.int(a, 0)
	}
	if a := attrs["error"]; a != nil {
		n.Error, _ = d.string(a)
	}
	if a := attrs["inputs"]; a != nil {
		d.hashMap(a, n.Inputs, func(k string) string {
			if k == "" {
				return "is empty"
			}
			return ""
		})
	}
	if a := attrs["outputs"]; a != nil {
		d.hashMap(a, n.Outputs, checkOutputPath)
	}
	if a := attrs["hooks"]; a != nil {
		n.Hooks = map[string]int{}
		d.intMap(a, n.Hooks)
	}

	seen := map[string]*hclsyntax.Block{}
	for _, nb := range d.blocks(b.Body, nodeSchema) {
		if first, dup := seen[nb.Type]; dup {
			d.errorf(nb.TypeRange, "Duplicate "+nb.Type+" block",
				"Node %q already has a %q block at %s; it takes at most one", addr, nb.Type, first.DefRange())
			continue
		}
		seen[nb.Type] = nb
		if _, ok := d.labels(nb, 0, ""); !ok {
			continue
		}
		switch nb.Type {
		case "usage":
			n.Usage = d.usage(nb)
		case "approval":
			n.Approval = d.approval(nb)
		}
	}
	return n
}

func (d *decoder) usage(b *hclsyntax.Block) Usage {
	attrs := d.attributes(b.Body, usageSchema)
	d.blocks(b.Body, usageSchema)
	var u Usage
	if a := d.required(b, attrs, "prompt_tokens"); a != nil {
		u.PromptTokens, _ = d.int(a, 0)
	}
	if a := d.required(b, attrs, "completion_tokens"); a != nil {
		u.CompletionTokens, _ = d.int(a, 0)
	}
	if a := attrs["cached_tokens"]; a != nil {
		u.CachedTokens, _ = d.int(a, 0)
	}
	if a := attrs["estimated"]; a != nil {
		if v, ok := d.literal(a.Expr); ok {
			if v.Type() != cty.Bool {
				d.errorf(a.Expr.Range(), "Incorrect value type", "estimated must be true or false; got a %s", v.Type().FriendlyName())
			} else {
				u.Estimated = v.True()
			}
		}
	}
	if a := attrs["cost"]; a != nil {
		u.Cost, _ = d.string(a)
	}
	if a := attrs["currency"]; a != nil {
		u.Currency, _ = d.string(a)
	}
	return u
}

func (d *decoder) approval(b *hclsyntax.Block) *Approval {
	attrs := d.attributes(b.Body, approvalSchema)
	d.blocks(b.Body, approvalSchema)
	ap := &Approval{}
	if a := d.required(b, attrs, "sha256"); a != nil {
		ap.SHA256 = d.hash(a, "approval sha256")
	}
	if a := attrs["fingerprint"]; a != nil {
		ap.Fingerprint = d.hash(a, "approval fingerprint")
	}
	if a := d.required(b, attrs, "by"); a != nil {
		ap.By, _ = d.string(a)
	}
	if a := attrs["check_errors"]; a != nil {
		ap.CheckErrors, _ = d.int(a, 0)
	}
	if a := attrs["hooks"]; a != nil {
		if s, ok := d.string(a); ok {
			if msg := checkHooks(s); msg != "" {
				d.errorf(a.Expr.Range(), "Invalid approval hooks", "The hooks of an approval %s; got %q", msg, s)
			}
			ap.Hooks = s
		}
	}
	if a := d.required(b, attrs, "at"); a != nil {
		if s, ok := d.string(a); ok {
			// Only the exact form Bytes writes is accepted: other RFC 3339
			// spellings (offsets, fractions) would not survive a rewrite
			// unchanged, and the lock is never meant to be edited by hand.
			t, err := time.Parse(timeLayout, s)
			if err != nil || t.UTC().Format(timeLayout) != s {
				d.errorf(a.Expr.Range(), "Invalid approval time",
					"The approval time must be an RFC 3339 UTC timestamp with whole seconds, like %q; got %q", "2026-11-25T10:00:00Z", s)
			} else {
				ap.At = t.UTC()
			}
		}
	}
	return ap
}

// required returns the attribute name of b, or reports it missing.
func (d *decoder) required(b *hclsyntax.Block, attrs map[string]*hclsyntax.Attribute, name string) *hclsyntax.Attribute {
	a := attrs[name]
	if a == nil {
		d.errorf(b.DefRange(), "Missing required argument",
			"The %q block must set %q", b.Type, name)
	}
	return a
}

// literal evaluates a value expression with no variables and no functions:
// the lock holds data, never logic, and HCL's own diagnostics for a nil
// EvalContext ("Variables not allowed", "Function calls not allowed") say
// so precisely. Anything else that is not a plain literal, such as
// arithmetic or a template with interpolations, is refused too.
func (d *decoder) literal(expr hclsyntax.Expression) (cty.Value, bool) {
	v, diags := expr.Value(nil)
	if diags.HasErrors() {
		for _, diag := range diags {
			if diag.Severity == hcl.DiagError {
				if diag.Subject == nil {
					diag.Subject = expr.Range().Ptr()
				}
				diag.Detail = joinSentences(diag.Detail, remedy(d.filename, diag.Subject))
			}
		}
		d.diags = append(d.diags, diags...)
		return cty.NilVal, false
	}
	if !isLiteral(expr) {
		d.errorf(expr.Range(), "Value must be a literal",
			"The lock file holds plain values only: a quoted string or a number, with no expressions")
		return cty.NilVal, false
	}
	if v.IsMarked() || !v.IsWhollyKnown() || v.IsNull() {
		d.errorf(expr.Range(), "Value must be a literal", "A null or unknown value is not allowed here")
		return cty.NilVal, false
	}
	return v, true
}

// isLiteral reports whether expr is written as a plain value: a literal,
// a quoted string or heredoc without interpolation, or a negated number
// (accepted here so a negative count gets the clearer range error).
func isLiteral(expr hclsyntax.Expression) bool {
	switch e := expr.(type) {
	case *hclsyntax.LiteralValueExpr:
		return true
	case *hclsyntax.TemplateExpr:
		for _, p := range e.Parts {
			if _, ok := p.(*hclsyntax.LiteralValueExpr); !ok {
				return false
			}
		}
		return true
	case *hclsyntax.UnaryOpExpr:
		_, ok := e.Val.(*hclsyntax.LiteralValueExpr)
		return ok && e.Op == hclsyntax.OpNegate
	}
	return false
}

func (d *decoder) string(a *hclsyntax.Attribute) (string, bool) {
	return d.stringExpr(a.Expr, a.Name)
}

func (d *decoder) stringExpr(expr hclsyntax.Expression, what string) (string, bool) {
	v, ok := d.literal(expr)
	if !ok {
		return "", false
	}
	if v.Type() != cty.String {
		d.errorf(expr.Range(), "Incorrect value type", "%s must be a quoted string; got a %s", what, v.Type().FriendlyName())
		return "", false
	}
	if !utf8.ValidString(v.AsString()) {
		d.errorf(expr.Range(), "Invalid string", "%s is not valid UTF-8", what)
		return "", false
	}
	return v.AsString(), true
}

// int reads a whole number no smaller than min.
func (d *decoder) int(a *hclsyntax.Attribute, min int) (int, bool) {
	v, ok := d.literal(a.Expr)
	if !ok {
		return 0, false
	}
	if v.Type() != cty.Number {
		d.errorf(a.Expr.Range(), "Incorrect value type", "%s must be a whole number; got a %s", a.Name, v.Type().FriendlyName())
		return 0, false
	}
	bf := v.AsBigFloat()
	if !bf.IsInt() {
		d.errorf(a.Expr.Range(), "Invalid number", "%s must be a whole number; got %s", a.Name, bf.Text('g', -1))
		return 0, false
	}
	if bf.Cmp(big.NewFloat(float64(min))) < 0 {
		d.errorf(a.Expr.Range(), "Invalid number", "%s must be at least %d; got %s", a.Name, min, bf.Text('f', 0))
		return 0, false
	}
	// math.MaxInt32 bounds every count the lock holds and keeps the value
	// exact on 32-bit platforms too.
	if bf.Cmp(big.NewFloat(math.MaxInt32)) > 0 {
		d.errorf(a.Expr.Range(), "Invalid number", "%s is too large; the limit is %d", a.Name, math.MaxInt32)
		return 0, false
	}
	i, _ := bf.Int64()
	return int(i), true
}

// hash reads a "sha256:<hex>" string.
func (d *decoder) hash(a *hclsyntax.Attribute, what string) string {
	s, ok := d.string(a)
	if !ok {
		return ""
	}
	if !isHash(s) {
		d.errorf(a.Expr.Range(), "Invalid hash", "The %s must be %s; got %q", what, hashRule, s)
		return ""
	}
	return s
}

// hashMap reads an object constructor of string keys to hashes into m,
// checking each key with keyCheck. It walks the items itself rather than
// evaluating the object so that each problem, duplicates included, points
// at its own key or value.
func (d *decoder) hashMap(a *hclsyntax.Attribute, m map[string]string, keyCheck func(string) string) {
	d.hashMapOf(a, m, keyCheck, isHash, hashRule)
}

// hashMapOf is hashMap with the values checked by valueCheck, which rule
// describes.
func (d *decoder) hashMapOf(a *hclsyntax.Attribute, m map[string]string, keyCheck func(string) string, valueCheck func(string) bool, rule string) {
	d.objectItems(a, `quoted keys to hashes, like { "path" = "sha256:..." }`, keyCheck, func(k string, item hclsyntax.ObjectConsItem) {
		s, ok := d.stringExpr(item.ValueExpr, fmt.Sprintf("%s[%q]", a.Name, k))
		if !ok {
			return
		}
		if !valueCheck(s) {
			d.errorf(item.ValueExpr.Range(), "Invalid hash", "The hash of %s key %q must be %s; got %q", a.Name, k, rule, s)
			return
		}
		m[k] = s
	})
}

// objectItems reads an object constructor of string keys (shape says
// what it must be), each key valid UTF-8, accepted by keyCheck and given
// once, and hands each item to value.
func (d *decoder) objectItems(a *hclsyntax.Attribute, shape string, keyCheck func(string) string, value func(k string, item hclsyntax.ObjectConsItem)) {
	obj, ok := a.Expr.(*hclsyntax.ObjectConsExpr)
	if !ok {
		d.errorf(a.Expr.Range(), "Incorrect value type", "%s must be an object of %s", a.Name, shape)
		return
	}
	keyAt := map[string]hcl.Range{}
	for _, item := range obj.Items {
		kv, ok := d.literalKey(item.KeyExpr)
		if !ok {
			continue
		}
		if kv.Type() != cty.String {
			d.errorf(item.KeyExpr.Range(), "Incorrect key type", "Keys in %s must be strings; got a %s", a.Name, kv.Type().FriendlyName())
			continue
		}
		k := kv.AsString()
		if !utf8.ValidString(k) {
			d.errorf(item.KeyExpr.Range(), "Invalid key", "A key in %s is not valid UTF-8", a.Name)
			continue
		}
		if msg := keyCheck(k); msg != "" {
			d.errorf(item.KeyExpr.Range(), "Invalid key", "The %s key %q %s", a.Name, k, msg)
			continue
		}
		if first, dup := keyAt[k]; dup {
			d.errorf(item.KeyExpr.Range(), "Duplicate key", "The %s key %q is already set at %s", a.Name, k, first)
			continue
		}
		keyAt[k] = item.KeyExpr.Range()
		value(k, item)
	}
}

// literalKey evaluates an object key: a bare name or a plain literal.
func (d *decoder) literalKey(expr hclsyntax.Expression) (cty.Value, bool) {
	if ke, ok := expr.(*hclsyntax.ObjectConsKeyExpr); ok {
		if !ke.ForceNonLiteral {
			if name := hcl.ExprAsKeyword(ke.Wrapped); name != "" {
				return cty.StringVal(name), true
			}
		}
		return d.literal(ke.Wrapped)
	}
	return d.literal(expr)
}

func sortedAttrs(body *hclsyntax.Body) []*hclsyntax.Attribute {
	out := make([]*hclsyntax.Attribute, 0, len(body.Attributes))
	for _, a := range body.Attributes {
		out = append(out, a)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].SrcRange.Start.Byte < out[j].SrcRange.Start.Byte })
	return out
}

func startRange(body *hclsyntax.Body) hcl.Range {
	return hcl.Range{Filename: body.SrcRange.Filename, Start: body.SrcRange.Start, End: body.SrcRange.Start}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// list renders names for a message: "a", "a and b", "a, b and c".
func list(names []string) string {
	q := make([]string, len(names))
	for i, n := range names {
		q[i] = fmt.Sprintf("%q", n)
	}
	switch len(q) {
	case 0:
		return "nothing"
	case 1:
		return q[0]
	}
	return strings.Join(q[:len(q)-1], ", ") + " and " + q[len(q)-1]
}
