package lockfile

import (
	"fmt"
	"math"
	"math/big"
	"strconv"
	"unicode/utf8"

	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"
)

// A task's record holds the evidence that it was done: besides the files
// it wrote (outputs), the hooks that ran after its last attempt, each with
// the exit status of its command:
//
//	hooks = {
//	  gofmt = 0
//	  test  = 0
//	}

// MaxExitCode is the largest exit status the lock holds; larger ones
// (Windows reports NTSTATUS codes as exit statuses) are recorded as it.
const MaxExitCode = math.MaxInt32

// intMap writes a map of names to whole numbers as a multi-line object,
// sorted by key; nothing when the map is empty.
func (w *writer) intMap(name string, m map[string]int) {
	if len(m) == 0 {
		return
	}
	entries := normalizedEntries(m, nil)
	as := make([]attr, len(entries))
	for i, e := range entries {
		as[i] = attr{mapKey(e.key), strconv.Itoa(e.val)}
	}
	w.raw("  ")
	w.raw(name)
	w.raw(" = {\n")
	w.attrs("    ", as)
	w.raw("  }\n")
}

// intMap reads an object constructor of string keys to whole numbers from
// 0 to MaxExitCode into m.
func (d *decoder) intMap(a *hclsyntax.Attribute, m map[string]int) {
	nonEmpty := func(k string) string {
		if k == "" {
			return "is empty"
		}
		return ""
	}
	d.objectItems(a, "names to whole numbers, like { test = 0 }", nonEmpty, func(k string, item hclsyntax.ObjectConsItem) {
		v, ok := d.literal(item.ValueExpr)
		if !ok {
			return
		}
		what := fmt.Sprintf("%s[%q]", a.Name, k)
		if v.Type() != cty.Number {
			d.errorf(item.ValueExpr.Range(), "Incorrect value type", "%s must be a whole number; got a %s", what, v.Type().FriendlyName())
			return
		}
		bf := v.AsBigFloat()
		if !bf.IsInt() || bf.Sign() < 0 || bf.Cmp(big.NewFloat(MaxExitCode)) > 0 {
			d.errorf(item.ValueExpr.Range(), "Invalid number", "%s must be a whole number from 0 to %d; got %s", what, MaxExitCode, bf.Text('g', -1))
			return
		}
		i, _ := bf.Int64()
		m[k] = int(i)
	})
}

// intMap reads ` = {`, one `KEY = N` a line, and `}`.
func (p *fastParser) intMap(m map[string]int) bool {
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
				return false
			}
			key = k
		}
		v, ok := p.numberAttr()
		if !ok || key == "" {
			return false
		}
		if _, dup := m[key]; dup {
			return false
		}
		m[key] = v
	}
	return true
}

// checkHookCodes is Validate's rule for a node's hooks.
func checkHookCodes(where string, m map[string]int, bad func(string, ...any)) {
	seen := map[string]string{}
	for _, k := range sortedKeys(m) {
		if k == "" || !utf8.ValidString(k) {
			bad("%s: hooks key %q is empty or not valid UTF-8", where, k)
		}
		if other, ok := seen[nfc(k)]; ok {
			bad("%s: hooks keys %q and %q are the same once Unicode-normalized", where, other, k)
		}
		seen[nfc(k)] = k
		if v := m[k]; v < 0 || v > MaxExitCode {
			bad("%s: hooks[%q] = %d must be from 0 to %d", where, k, v, MaxExitCode)
		}
	}
}
