package project

import (
	"crypto/sha256"
	"encoding/binary"
	"os"

	"github.com/hashicorp/hcl/v2"
	"github.com/kirofile/kirofile/internal/cache"
	"github.com/kirofile/kirofile/internal/specdoc"
)

// The findings of a spec document's checks are kept in the project's check
// cache (cache.Checks, .kirofile/cache/checks), one entry per document,
// under a key (checkKey) that hashes everything the checks read for it:
// the document's identity (size, modification time, inode, change time),
// its kind and path, for a design or tasks document the identity of every
// requirements and bugfix document of its feature (whose ids it cites),
// the version of the checks and what the caller adds (kirofile's version
// and executable). The paths its #[[file:]] references looked up are kept
// with the findings, with what was found there, and looked up again before
// the findings are replayed. A document whose identity, or anything else
// in its key, changed is checked again; so is one whose entry cannot be
// read back exactly.

// checkKey computes the key of a document's findings. cited are the
// requirements and bugfix documents of its feature, in the order they are
// checked, nil for a document whose checks cite nothing.
func checkKey(salt string, d *docState, cited []*docState) cache.CheckKey {
	h := sha256.New()
	le := binary.LittleEndian
	var b []byte
	str := func(s string) { b = cache.AppendString(b, s) }
	stat := func(st cache.FileStat) {
		b = le.AppendUint64(b, uint64(st.Size))
		b = le.AppendUint64(b, uint64(st.ModTime))
		b = le.AppendUint64(b, st.Inode)
		b = le.AppendUint64(b, uint64(st.ChangeTime))
	}
	str("kirofile spec document checks")
	b = le.AppendUint32(b, specdoc.Version)
	str(salt)
	str(d.spec.Kind)
	str(d.spec.Path)
	stat(d.st)
	b = le.AppendUint32(b, uint32(len(cited)))
	for _, c := range cited {
		str(c.spec.Kind)
		str(c.spec.Path)
		if c.exists {
			b = append(b, 1)
			stat(c.st)
		} else {
			b = append(b, 0)
		}
	}
	h.Write(b)
	var k cache.CheckKey
	h.Sum(k[:0])
	return k
}

// encodeChecked encodes the findings of the document at path; false when
// they cannot be kept (a lookup that failed for a reason its finding
// quotes, a diagnostic of a form the cache does not hold). The layout,
// little-endian:
//
//	lookups (u32) | each: path (u32 length, bytes) | found (1)
//	diagnostics (u32) | each: severity (1) | summary | detail | rule (strings) |
//	    subject (range) | context (1: absent or present, then a range)
//
// a range being six u32: start line, column, byte, end line, column, byte;
// its file is the document.
func encodeChecked(path string, c specdoc.Checked) ([]byte, bool) {
	le := binary.LittleEndian
	var b []byte
	str := func(s string) { b = cache.AppendString(b, s) }
	rng := func(r *hcl.Range) bool {
		if r.Filename != path {
			return false
		}
		for _, v := range []int{r.Start.Line, r.Start.Column, r.Start.Byte, r.End.Line, r.End.Column, r.End.Byte} {
			if v < 0 || v > 1<<31 {
				return false
			}
			b = le.AppendUint32(b, uint32(v))
		}
		return true
	}
	b = le.AppendUint32(b, uint32(len(c.Looked)))
	for _, l := range c.Looked {
		if l.Found == specdoc.FoundError {
			return nil, false
		}
		str(l.Path)
		b = append(b, byte(l.Found))
	}
	b = le.AppendUint32(b, uint32(len(c.Diags)))
	for _, d := range c.Diags {
		rule, ok := d.Extra.(specdoc.Rule)
		if !ok || d.Subject == nil || d.Expression != nil || d.EvalContext != nil ||
			d.Severity != hcl.DiagError && d.Severity != hcl.DiagWarning {
			return nil, false
		}
		b = append(b, byte(d.Severity))
		str(d.Summary)
		str(d.Detail)
		str(string(rule))
		if !rng(d.Subject) {
			return nil, false
		}
		if d.Context == nil {
			b = append(b, 0)
		} else {
			b = append(b, 1)
			if !rng(d.Context) {
				return nil, false
			}
		}
	}
	return b, true
}

// decodeChecked reads what encodeChecked wrote for the document at path,
// of size bytes, checking every bound and value: the cache is untrusted.
func decodeChecked(path string, size int64, b []byte) (specdoc.Checked, bool) {
	f := cache.NewFields(b)
	u32, byt, str := f.U32, f.Byte, f.String
	rng := func() *hcl.Range {
		var v [6]int
		for i := range v {
			v[i] = int(u32())
		}
		r := &hcl.Range{
			Filename: path,
			Start:    hcl.Pos{Line: v[0], Column: v[1], Byte: v[2]},
			End:      hcl.Pos{Line: v[3], Column: v[4], Byte: v[5]},
		}
		if r.Start.Line < 1 || r.Start.Column < 1 || r.End.Line < r.Start.Line || r.End.Column < 1 ||
			r.End.Byte < r.Start.Byte || int64(r.End.Byte) > size {
			f.Fail()
		}
		return r
	}
	var c specdoc.Checked
	n := u32()
	if uint64(n)*5 > uint64(f.Left()) {
		return c, false
	}
	for ; f.OK() && n > 0; n-- {
		l := specdoc.Lookup{Path: str(), Found: specdoc.Found(byt())}
		if l.Found != specdoc.FoundFile && l.Found != specdoc.FoundNothing && l.Found != specdoc.FoundOther {
			f.Fail()
		}
		c.Looked = append(c.Looked, l)
	}
	n = u32()
	if uint64(n)*38 > uint64(f.Left()) {
		return c, false
	}
	for ; f.OK() && n > 0; n-- {
		d := &hcl.Diagnostic{Severity: hcl.DiagnosticSeverity(byt())}
		if d.Severity != hcl.DiagError && d.Severity != hcl.DiagWarning {
			f.Fail()
		}
		d.Summary, d.Detail = str(), str()
		rule := specdoc.Rule(str())
		if !specdoc.KnownRule(rule) {
			f.Fail()
		}
		d.Extra = rule
		d.Subject = rng()
		switch byt() {
		case 0:
		case 1:
			d.Context = rng()
		default:
			f.Fail()
		}
		c.Diags = append(c.Diags, d)
	}
	return c, f.Done()
}

// lookupsHold reports whether looking the paths of ls up in the project
// finds what was found when the findings were made. root is opened on
// first use.
func lookupsHold(dir string, root **os.Root, ls []specdoc.Lookup) bool {
	if len(ls) == 0 {
		return true
	}
	if *root == nil {
		r, err := os.OpenRoot(dir)
		if err != nil {
			return false
		}
		*root = r
	}
	for _, l := range ls {
		if specdoc.LookUp(*root, l.Path) != l.Found {
			return false
		}
	}
	return true
}
