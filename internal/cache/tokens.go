package cache

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"slices"
	"sync"
)

// The token count cache: how many tokens a piece of prompt text is, keyed
// by the SHA-256 of the encoding's name and the exact bytes of the text,
// so that an entry can only ever stand for the text it was counted from.
// Counting is the slow part of estimating a prompt (a tokenizer reads a
// few megabytes a second); looking a count up is a hash and a binary
// search.
//
// The file is sealed like the others (see seal.go); its payload is a
// table of fixed-size records sorted by key:
//
//	key (32 bytes) | count (uint32, big endian)
const (
	kindTokens   = 3
	tokensFormat = 1
	tokensFile   = "tokens"
	tokenRecord  = sha256.Size + 4
	// maxTokenEntries bounds the file: past it, the entries not used by
	// the run that saves it are dropped first.
	maxTokenEntries = 1 << 20
)

// TokenKey is the key of a count: the SHA-256 of the encoding's name, a
// NUL, and the text.
type TokenKey [sha256.Size]byte

// KeyOf returns the key of text counted in an encoding.
func KeyOf(encoding, text string) TokenKey {
	h := sha256.New()
	h.Write([]byte(encoding))
	h.Write([]byte{0})
	h.Write([]byte(text))
	var k TokenKey
	h.Sum(k[:0])
	return k
}

// Tokens is the token count cache of a project. It is safe for concurrent
// use. A nil *Tokens caches nothing.
type Tokens struct {
	dir   string
	mu    sync.Mutex
	table []byte // sorted records as loaded
	added map[TokenKey]uint32
	used  map[TokenKey]bool
}

// LoadTokens reads a project's token count cache; a missing or damaged
// file gives an empty cache.
func LoadTokens(projectDir string) *Tokens {
	t := &Tokens{dir: projectDir, added: map[TokenKey]uint32{}, used: map[TokenKey]bool{}}
	if payload, ok := open(projectDir, kindTokens, tokensFormat, read(projectDir, tokensFile)); ok && len(payload)%tokenRecord == 0 {
		t.table = payload
	}
	return t
}

// Get returns the count of the text a key stands for.
func (t *Tokens) Get(k TokenKey) (int, bool) {
	if t == nil {
		return 0, false
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	if n, ok := t.added[k]; ok {
		t.used[k] = true
		return int(n), true
	}
	n := len(t.table) / tokenRecord
	lo, hi := 0, n
	for lo < hi {
		mid := int(uint(lo+hi) >> 1)
		rec := t.table[mid*tokenRecord : (mid+1)*tokenRecord]
		switch c := bytes.Compare(rec[:sha256.Size], k[:]); {
		case c == 0:
			t.used[k] = true
			return int(binary.BigEndian.Uint32(rec[sha256.Size:])), true
		case c < 0:
			lo = mid + 1
		default:
			hi = mid
		}
	}
	return 0, false
}

// Put records a count.
func (t *Tokens) Put(k TokenKey, count int) {
	if t == nil || count < 0 || count > 1<<31 {
		return
	}
	t.mu.Lock()
	t.added[k] = uint32(count)
	t.used[k] = true
	t.mu.Unlock()
}

// Save writes the cache when counts were added since it was loaded.
func (t *Tokens) Save() {
	if t == nil {
		return
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	if len(t.added) == 0 {
		return
	}
	type entry struct {
		key   TokenKey
		count uint32
		used  bool
	}
	var all []entry
	for i := 0; i+tokenRecord <= len(t.table); i += tokenRecord {
		var e entry
		copy(e.key[:], t.table[i:i+sha256.Size])
		if _, dup := t.added[e.key]; dup {
			continue
		}
		e.count = binary.BigEndian.Uint32(t.table[i+sha256.Size : i+tokenRecord])
		e.used = t.used[e.key]
		all = append(all, e)
	}
	for k, n := range t.added {
		all = append(all, entry{key: k, count: n, used: true})
	}
	if len(all) > maxTokenEntries {
		// Keep what this run used; drop the rest first.
		slices.SortStableFunc(all, func(a, b entry) int {
			switch {
			case a.used == b.used:
				return 0
			case a.used:
				return -1
			}
			return 1
		})
		all = all[:maxTokenEntries]
	}
	slices.SortFunc(all, func(a, b entry) int { return bytes.Compare(a.key[:], b.key[:]) })
	payload := make([]byte, 0, len(all)*tokenRecord)
	for _, e := range all {
		payload = append(payload, e.key[:]...)
		payload = binary.BigEndian.AppendUint32(payload, e.count)
	}
	if data := seal(t.dir, kindTokens, tokensFormat, payload); data != nil {
		write(t.dir, tokensFile, data)
	}
	t.table = payload
	t.added = map[TokenKey]uint32{}
}
