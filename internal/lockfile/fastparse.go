package lockfile

import (
	"math"
	"strings"
	"time"
	"unicode/utf8"
)

// parseWritten reads a lock in the form Bytes writes: one item a line,
// blocks opened at the end of a line and closed on a line of their own,
// plain strings and whole numbers, nothing but the header's comments. That
// is every lock kirofile wrote and nearly every lock on disk, and it is
// read here in one pass without building a syntax tree, at a small fraction
// of the cost of HCL's general parser (most of a cold plan of a large
// project went into that).
//
// It is a fast path, not a second definition of the format: whatever it
// meets that it does not handle (a heredoc, a comment inside a block, an
// escape other than \" \\ \n \r \t $${ %%{, a carriage return, an unknown name) or
// that breaks a rule of the format (a bad hash, a duplicate, a newer
// version), it gives up on, and Parse reads the file with the HCL parser,
// which reports the problem with its position. What it accepts, it reads
// exactly as the HCL parser does: FuzzParseWritten holds the two to equal
// results on arbitrary input.
func parseWritten(data []byte) (*Lock, bool) {
	p := &fastParser{s: string(data)}
	lock := New()
	sawVersion := false
	for !p.eof() {
		switch c := p.s[p.i]; {
		case c == '\n':
			p.i++
			continue
		case c == '#':
			// A comment line. HCL ends it at the newline.
			end := strings.IndexByte(p.s[p.i:], '\n')
			if end < 0 || strings.IndexByte(p.s[p.i:p.i+end], '\r') >= 0 {
				return nil, false
			}
			p.i += end + 1
			continue
		}
		name, ok := p.ident()
		if !ok {
			return nil, false
		}
		switch name {
		case "version":
			v, ok := p.numberAttr()
			if !ok || sawVersion || v != Version {
				return nil, false
			}
			sawVersion = true
		case "plugin":
			label, ok := p.blockOpen()
			if !ok || label == "" || lock.Plugins[label] != nil {
				return nil, false
			}
			pl, ok := p.plugin(label)
			if !ok {
				return nil, false
			}
			lock.Plugins[label] = pl
		case "node":
			label, ok := p.blockOpen()
			if !ok || label == "" || lock.Nodes[label] != nil {
				return nil, false
			}
			n, ok := p.node(label)
			if !ok {
				return nil, false
			}
			lock.Nodes[label] = n
		default:
			return nil, false
		}
	}
	if !sawVersion {
		return nil, false
	}
	return lock, true
}

type fastParser struct {
	s string
	i int
}

func (p *fastParser) eof() bool { return p.i >= len(p.s) }

// spaces skips blanks within a line.
func (p *fastParser) spaces() {
	for p.i < len(p.s) && (p.s[p.i] == ' ' || p.s[p.i] == '\t') {
		p.i++
	}
}

// ident reads a name made of ASCII letters, digits, "_" and "-" that starts
// with a letter, after any blanks.
func (p *fastParser) ident() (string, bool) {
	p.spaces()
	start := p.i
	for p.i < len(p.s) {
		c := p.s[p.i]
		letter := c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
		if !letter && (p.i == start || !(c >= '0' && c <= '9' || c == '_' || c == '-')) {
			break
		}
		p.i++
	}
	return p.s[start:p.i], p.i > start
}

// eol expects the end of the line, after any blanks.
func (p *fastParser) eol() bool {
	p.spaces()
	if p.i < len(p.s) && p.s[p.i] == '\n' {
		p.i++
		return true
	}
	return false
}

// lit expects the byte c, after any blanks.
func (p *fastParser) lit(c byte) bool {
	p.spaces()
	if p.i < len(p.s) && p.s[p.i] == c {
		p.i++
		return true
	}
	return false
}

// blockOpen reads ` "LABEL" {` and the end of the line.
func (p *fastParser) blockOpen() (string, bool) {
	p.spaces()
	label, ok := p.str()
	if !ok || !p.lit('{') || !p.eol() {
		return "", false
	}
	return label, true
}

// blockClose reports whether the line is `}`, consuming it if so.
func (p *fastParser) blockClose() bool {
	save := p.i
	if p.lit('}') && p.eol() {
		return true
	}
	p.i = save
	return false
}

// str reads a quoted string at the cursor, in NFC as HCL returns it.
func (p *fastParser) str() (string, bool) {
	if p.i >= len(p.s) || p.s[p.i] != '"' {
		return "", false
	}
	p.i++
	start := p.i
	var b *strings.Builder // only for strings with escapes
	ascii := true
	for p.i < len(p.s) {
		c := p.s[p.i]
		switch {
		case c == '"':
			var out string
			if b != nil {
				out = b.String()
			} else {
				out = p.s[start:p.i]
			}
			p.i++
			if !ascii {
				if !utf8.ValidString(out) {
					return "", false
				}
				out = nfc(out)
			}
			return out, true
		case c == '\\':
			if p.i+1 >= len(p.s) {
				return "", false
			}
			var r byte
			switch p.s[p.i+1] {
			case '"':
				r = '"'
			case '\\':
				r = '\\'
			case 'n':
				r = '\n'
			case 'r':
				r = '\r'
			case 't':
				r = '\t'
			default:
				return "", false // \u, \U and the rest go to the HCL parser
			}
			if b == nil {
				b = &strings.Builder{}
				b.WriteString(p.s[start:p.i])
			}
			b.WriteByte(r)
			p.i += 2
			continue
		case c < 0x20 || c == 0x7f:
			return "", false
		case (c == '$' || c == '%') && p.i+2 < len(p.s) && p.s[p.i+1] == c && p.s[p.i+2] == '{':
			// "$${" and "%%{" stand for "${" and "%{".
			if b == nil {
				b = &strings.Builder{}
				b.WriteString(p.s[start:p.i])
			}
			b.WriteByte(c)
			b.WriteByte('{')
			p.i += 3
			continue
		case (c == '$' || c == '%') && p.i+1 < len(p.s) && p.s[p.i+1] == '{':
			return "", false // a template sequence
		case c >= 0x80:
			ascii = false
		}
		if b != nil {
			b.WriteByte(c)
		}
		p.i++
	}
	return "", false
}

// number reads a whole number from 0 to math.MaxInt32 without leading
// zeros.
func (p *fastParser) number() (int, bool) {
	p.spaces()
	start := p.i
	n := 0
	for p.i < len(p.s) && p.s[p.i] >= '0' && p.s[p.i] <= '9' {
		n = n*10 + int(p.s[p.i]-'0')
		p.i++
		if n > math.MaxInt32 {
			return 0, false
		}
	}
	if p.i == start || p.s[start] == '0' && p.i-start > 1 {
		return 0, false
	}
	// A number must end where a name could not go on: "1.5" or "1e3" is
	// not a whole number here.
	if p.i < len(p.s) && (p.s[p.i] == '.' || p.s[p.i] == 'e' || p.s[p.i] == 'E') {
		return 0, false
	}
	return n, true
}

// strAttr reads ` = "VALUE"` and the end of the line.
func (p *fastParser) strAttr() (string, bool) {
	if !p.lit('=') {
		return "", false
	}
	p.spaces()
	v, ok := p.str()
	if !ok || !p.eol() {
		return "", false
	}
	return v, true
}

// numberAttr reads ` = N` and the end of the line.
func (p *fastParser) numberAttr() (int, bool) {
	if !p.lit('=') {
		return 0, false
	}
	v, ok := p.number()
	if !ok || !p.eol() {
		return 0, false
	}
	return v, true
}

func (p *fastParser) plugin(name string) (*Plugin, bool) {
	pl := &Plugin{Name: name, Hashes: map[string]string{}}
	var seen [2]bool
	for !p.blockClose() {
		attr, ok := p.ident()
		if !ok {
			return nil, false
		}
		switch attr {
		case "source":
			v, ok := p.strAttr()
			if !ok || seen[0] {
				return nil, false
			}
			seen[0], pl.Source = true, v
		case "sha256":
			if seen[1] {
				return nil, false
			}
			seen[1] = true
			save := p.i
			if p.lit('=') && p.lit('{') {
				// One digest per platform.
				p.i = save
				if !p.hashMapOf(pl.Hashes, isPlatform, isHexDigest) || len(pl.Hashes) == 0 {
					return nil, false
				}
				continue
			}
			p.i = save
			// A pin recorded before platforms were.
			v, ok := p.strAttr()
			if !ok || !isHexDigest(v) {
				return nil, false
			}
			pl.Hashes[""] = v
		default:
			return nil, false
		}
	}
	return pl, seen[0] && seen[1]
}

func (p *fastParser) node(addr string) (*Node, bool) {
	n := &Node{Address: addr, Inputs: map[string]string{}, Outputs: map[string]string{}}
	seen := map[string]bool{}
	for !p.blockClose() {
		name, ok := p.ident()
		if !ok || seen[name] {
			return nil, false
		}
		seen[name] = true
		switch name {
		case "fingerprint":
			v, ok := p.strAttr()
			if !ok || !isHash(v) {
				return nil, false
			}
			n.Fingerprint = v
		case "status":
			v, ok := p.strAttr()
			if !ok || checkStatus(v) != "" {
				return nil, false
			}
			n.Status = v
		case "attempts":
			v, ok := p.numberAttr()
			if !ok {
				return nil, false
			}
			n.Attempts = v
		case "error":
			v, ok := p.strAttr()
			if !ok {
				return nil, false
			}
			n.Error = v
		case "inputs":
			if !p.hashMap(n.Inputs, func(k string) bool { return k != "" }) {
				return nil, false
			}
		case "outputs":
			if !p.hashMap(n.Outputs, func(k string) bool { return checkOutputPath(k) == "" }) {
				return nil, false
			}
		case "hooks":
			n.Hooks = map[string]int{}
			if !p.intMap(n.Hooks) {
				return nil, false
			}
		case "usage":
			if !p.lit('{') || !p.eol() {
				return nil, false
			}
			u, ok := p.usage()
			if !ok {
				return nil, false
			}
			n.Usage = u
		case "approval":
			if !p.lit('{') || !p.eol() {
				return nil, false
			}
			a, ok := p.approval()
			if !ok {
				return nil, false
			}
			n.Approval = a
		default:
			return nil, false
		}
	}
	return n, true
}

// hashMap reads ` = {`, one `KEY = "HASH"` a line, and `}`.
func (p *fastParser) hashMap(m map[string]string, keyOK func(string) bool) bool {
	return p.hashMapOf(m, keyOK, isHash)
}

// hashMapOf is hashMap with the values checked by valueOK.
func (p *fastParser) hashMapOf(m map[string]string, keyOK, valueOK func(string) bool) bool {
	if !p.lit('=') || !p.lit('{') || !p.eol() {
		return false
	}
	for !p.blockClose() {
		p.spaces()
		var key string
		if p.i < len(p.s) && p.s[p.i] == '"' {
			k, ok := p.str()
			if !ok {
				return false
			}
			key = k
		} else {
			k, ok := p.ident()
			if !ok || !bareKey(k) {
				return false // null, true, false and for-expression words are not plain keys
			}
			key = k
		}
		v, ok := p.strAttr()
		if !ok || !keyOK(key) || !valueOK(v) {
			return false
		}
		if _, dup := m[key]; dup {
			return false
		}
		m[key] = v
	}
	return true
}

func (p *fastParser) usage() (Usage, bool) {
	var u Usage
	var seen [6]bool
	for !p.blockClose() {
		name, ok := p.ident()
		if !ok {
			return u, false
		}
		switch name {
		case "estimated":
			if seen[3] || !p.lit('=') {
				return u, false
			}
			b, ok := p.ident()
			if !ok || (b != "true" && b != "false") || !p.eol() {
				return u, false
			}
			seen[3], u.Estimated = true, b == "true"
			continue
		case "cost", "currency":
			i := 4
			if name == "currency" {
				i = 5
			}
			s, ok := p.strAttr()
			if !ok || seen[i] {
				return u, false
			}
			seen[i] = true
			if i == 4 {
				u.Cost = s
			} else {
				u.Currency = s
			}
			continue
		}
		v, ok := p.numberAttr()
		if !ok {
			return u, false
		}
		switch name {
		case "prompt_tokens":
			if seen[0] {
				return u, false
			}
			seen[0], u.PromptTokens = true, v
		case "completion_tokens":
			if seen[1] {
				return u, false
			}
			seen[1], u.CompletionTokens = true, v
		case "cached_tokens":
			if seen[2] {
				return u, false
			}
			seen[2], u.CachedTokens = true, v
		default:
			return u, false
		}
	}
	return u, seen[0] && seen[1]
}

func (p *fastParser) approval() (*Approval, bool) {
	a := &Approval{}
	var seen [6]bool
	for !p.blockClose() {
		name, ok := p.ident()
		if !ok {
			return nil, false
		}
		if name == "check_errors" {
			n, ok := p.numberAttr()
			if !ok || seen[4] {
				return nil, false
			}
			seen[4], a.CheckErrors = true, n
			continue
		}
		v, ok := p.strAttr()
		if !ok {
			return nil, false
		}
		var i int
		switch name {
		case "hooks":
			i = 5
			if checkHooks(v) != "" {
				return nil, false
			}
			a.Hooks = v
		case "sha256":
			i = 0
			if !isHash(v) {
				return nil, false
			}
			a.SHA256 = v
		case "fingerprint":
			i = 1
			if !isHash(v) {
				return nil, false
			}
			a.Fingerprint = v
		case "by":
			i = 2
			a.By = v
		case "at":
			i = 3
			t, err := time.Parse(timeLayout, v)
			if err != nil || t.UTC().Format(timeLayout) != v {
				return nil, false
			}
			a.At = t.UTC()
		default:
			return nil, false
		}
		if seen[i] {
			return nil, false
		}
		seen[i] = true
	}
	return a, seen[0] && seen[2] && seen[3]
}
