package lockfile

import (
	"errors"
	"fmt"
	"maps"
	"path"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/zclconf/go-cty/cty"

	"github.com/kirofile/kirofile/internal/cost"
)

// The checks below are shared by Parse, which reports them as diagnostics
// with ranges, and Validate, which refuses to write a lock that Parse would
// reject. Keeping one definition means kirofile can never write a lock it
// cannot read back.

// timeLayout is RFC 3339 with whole seconds; UTC times render with "Z".
const timeLayout = time.RFC3339

// isHexDigest reports whether s is exactly 64 lowercase hex digits.
func isHexDigest(s string) bool {
	if len(s) != 64 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return false
		}
	}
	return true
}

// isHash reports whether s has the "sha256:<64 lowercase hex>" form.
func isHash(s string) bool {
	return strings.HasPrefix(s, hashPrefix) && isHexDigest(s[len(hashPrefix):])
}

const (
	hashRule   = `"sha256:" followed by 64 lowercase hexadecimal digits`
	digestRule = `64 lowercase hexadecimal digits`
)

// checkOutputPath says what is wrong with an output path, or "" if
// nothing is. Outputs name files the engine hashes and may rewrite, so a
// path that is absolute or climbs out of the project is refused here too,
// not only where paths are first produced.
func checkOutputPath(p string) string {
	switch {
	case p == "":
		return "is empty"
	case strings.ContainsRune(p, 0):
		return "contains a NUL character"
	case strings.HasPrefix(p, "/"):
		return "is absolute; outputs are project-relative slash paths"
	case p == "." || p == ".." || strings.HasPrefix(p, "../"):
		return "is outside the project"
	case path.Clean(p) != p:
		return fmt.Sprintf("is not in clean form (%q)", path.Clean(p))
	}
	return ""
}

// checkStatus says what is wrong with a present status value.
func checkStatus(s string) string {
	switch s {
	case StatusGenerated, StatusFailed:
		return ""
	}
	return fmt.Sprintf("must be %q or %q", StatusGenerated, StatusFailed)
}

// nfc returns s in Unicode normalization form C. HCL normalizes every
// string it reads this way, so two strings that differ only in their
// normalization are the same key once written.
func nfc(s string) string {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return cty.StringVal(s).AsString()
		}
	}
	return s // ASCII is always in NFC
}

// Validate reports whether the lock can be written and read back
// unchanged: it applies every rule Parse enforces and returns all
// violations joined, or nil. Write calls it, so a programming error shows
// up when the lock is saved instead of as an unreadable file on the next
// run.
func (l *Lock) Validate() error {
	if l == nil {
		return errors.New("lock is nil")
	}
	var errs []error
	bad := func(format string, args ...any) {
		errs = append(errs, fmt.Errorf(format, args...))
	}
	checkStr := func(where, s string) {
		if !utf8.ValidString(s) {
			bad("%s: not valid UTF-8", where)
		}
	}

	seenPlugin := map[string]string{}
	for _, key := range sortedKeys(l.Plugins) {
		p := l.Plugins[key]
		where := fmt.Sprintf("plugin %q", key)
		if p == nil {
			bad("%s: is nil", where)
			continue
		}
		if key == "" {
			bad("plugin with an empty name")
		}
		checkStr(where+" name", key)
		if p.Name != "" && p.Name != key {
			bad("%s: Name is %q, want its key in Plugins", where, p.Name)
		}
		if other, ok := seenPlugin[nfc(key)]; ok {
			bad("%s: same name as plugin %q once Unicode-normalized", where, other)
		}
		seenPlugin[nfc(key)] = key
		checkStr(where+" source", p.Source)
		if len(p.Hashes) == 0 {
			bad("%s: no sha256", where)
		}
		for _, platform := range sortedKeys(p.Hashes) {
			if platform != "" && !isPlatform(platform) {
				bad("%s: platform %q must be GOOS_GOARCH, like linux_amd64", where, platform)
			}
			if h := p.Hashes[platform]; !isHexDigest(h) {
				bad("%s: sha256 %q must be %s", where, h, digestRule)
			}
		}
		if _, legacy := p.Hashes[""]; legacy && len(p.Hashes) > 1 {
			bad("%s: a pin without a platform cannot sit beside per-platform pins", where)
		}
	}

	seenNode := map[string]string{}
	for _, key := range sortedKeys(l.Nodes) {
		n := l.Nodes[key]
		where := fmt.Sprintf("node %q", key)
		if n == nil {
			bad("%s: is nil", where)
			continue
		}
		if key == "" {
			bad("node with an empty address")
		}
		checkStr(where+" address", key)
		if n.Address != "" && n.Address != key {
			bad("%s: Address is %q, want its key in Nodes", where, n.Address)
		}
		if other, ok := seenNode[nfc(key)]; ok {
			bad("%s: same address as node %q once Unicode-normalized", where, other)
		}
		seenNode[nfc(key)] = key
		if n.Fingerprint != "" && !isHash(n.Fingerprint) {
			bad("%s: fingerprint %q must be %s", where, n.Fingerprint, hashRule)
		}
		if n.Status != "" {
			if msg := checkStatus(n.Status); msg != "" {
				bad("%s: status %q %s", where, n.Status, msg)
			}
		}
		if n.Attempts < 0 {
			bad("%s: attempts %d is negative", where, n.Attempts)
		}
		checkStr(where+" error", n.Error)
		checkMap := func(attr string, m map[string]string, keyCheck func(string) string) {
			seen := map[string]string{}
			for _, k := range sortedKeys(m) {
				if msg := keyCheck(k); msg != "" {
					bad("%s: %s key %q %s", where, attr, k, msg)
				}
				checkStr(fmt.Sprintf("%s %s key %q", where, attr, k), k)
				if other, ok := seen[nfc(k)]; ok {
					bad("%s: %s keys %q and %q are the same once Unicode-normalized", where, attr, other, k)
				}
				seen[nfc(k)] = k
				if !isHash(m[k]) {
					bad("%s: %s[%q] = %q must be %s", where, attr, k, m[k], hashRule)
				}
			}
		}
		checkMap("inputs", n.Inputs, func(k string) string {
			if k == "" {
				return "is empty"
			}
			return ""
		})
		checkMap("outputs", n.Outputs, checkOutputPath)
		checkHookCodes(where, n.Hooks, bad)
		if n.Usage.PromptTokens < 0 || n.Usage.CompletionTokens < 0 || n.Usage.CachedTokens < 0 {
			bad("%s: token usage is negative", where)
		}
		if u := n.Usage; u.Cost != "" || u.Currency != "" {
			if _, err := cost.ParseMoney(u.Cost); err != nil || strings.TrimSpace(u.Cost) != u.Cost {
				bad("%s: usage cost %q must be an amount in decimal, such as \"0.012\"", where, u.Cost)
			}
			if !validCurrency(u.Currency) {
				bad("%s: usage currency %q must be a code of three capital letters, such as \"USD\"", where, u.Currency)
			}
		}
		if a := n.Approval; a != nil {
			if !isHash(a.SHA256) {
				bad("%s: approval sha256 %q must be %s", where, a.SHA256, hashRule)
			}
			if a.Fingerprint != "" && !isHash(a.Fingerprint) {
				bad("%s: approval fingerprint %q must be %s", where, a.Fingerprint, hashRule)
			}
			checkStr(where+" approval by", a.By)
			if y := a.At.UTC().Year(); y < 0 || y > 9999 {
				bad("%s: approval time %s is outside years 0000-9999", where, a.At)
			}
			if a.CheckErrors < 0 {
				bad("%s: approval check_errors %d is negative", where, a.CheckErrors)
			}
			if msg := checkHooks(a.Hooks); a.Hooks != "" && msg != "" {
				bad("%s: approval hooks %q %s", where, a.Hooks, msg)
			}
		}
	}
	return errors.Join(errs...)
}

// isPlatform reports whether s is a platform key: GOOS_GOARCH, two
// lowercase words of letters and digits.
func isPlatform(s string) bool {
	goos, goarch, ok := strings.Cut(s, "_")
	return ok && lowerWord(goos) && lowerWord(goarch)
}

func lowerWord(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9') {
			return false
		}
	}
	return true
}

// checkHooks explains what is wrong with an approval's hooks value.
func checkHooks(s string) string {
	if s != HooksPending && s != HooksRan {
		return fmt.Sprintf("must be %q or %q", HooksPending, HooksRan)
	}
	return ""
}

// sortedKeys returns m's keys in byte order, the order of everything the
// lock writes.
func sortedKeys[V any](m map[string]V) []string { return slices.Sorted(maps.Keys(m)) }

func validCurrency(s string) bool {
	if len(s) != 3 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < 'A' || s[i] > 'Z' {
			return false
		}
	}
	return true
}
