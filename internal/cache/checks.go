package cache

import (
	"crypto/sha256"
	"encoding/binary"
	"path/filepath"
	"slices"
	"sync"
)

// The check cache: what checking a file found, the way eslint --cache and
// golangci-lint keep their findings. An entry is named by the file it is
// about (a project-relative path) and holds
//
//   - the file's stat when it was checked, so that a reader can tell
//     whether the file is worth reading before it knows the rest of the
//     key (validate reads the documents while the configuration parses);
//   - a key, the SHA-256 of everything the checks read (the caller's to
//     compute: the file's identity, the identity of every other file the
//     checks consulted, the settings and the checker's version): an
//     entry stands only for inputs that hash to its key;
//   - the result, opaque here, which the caller encodes and must decode
//     as untrusted bytes.
//
// The file is sealed like the others (see seal.go); its payload is
//
//	count (u32) | records
//
// with records sorted by name, each
//
//	name length (u32) | name | size (i64) | mtime (i64) | inode (u64) | ctime (i64) | key (32) | value length (u32) | value
//
// all little-endian.
const (
	kindChecks   = 4
	checksFormat = 1
	checksFile   = "checks"
)

// CheckKey is the key of an entry.
type CheckKey [sha256.Size]byte

// CheckEntry is one entry of the check cache.
type CheckEntry struct {
	Stat  FileStat
	Key   CheckKey
	Value []byte
}

// Checks is a project's check cache. It is safe for concurrent use. A nil
// *Checks caches nothing.
type Checks struct {
	dir     string
	mu      sync.Mutex
	entries map[string]CheckEntry // as loaded
	puts    map[string]CheckEntry
	used    map[string]bool
	dirty   bool
}

// LoadChecks reads a project's check cache; a missing or damaged file
// gives an empty cache.
func LoadChecks(projectDir string) *Checks {
	if abs, err := filepath.Abs(projectDir); err == nil {
		projectDir = abs
	}
	c := &Checks{dir: projectDir, entries: map[string]CheckEntry{}, puts: map[string]CheckEntry{}, used: map[string]bool{}}
	if payload, ok := open(projectDir, kindChecks, checksFormat, read(projectDir, checksFile)); ok {
		if entries, ok := decodeChecks(payload); ok {
			c.entries = entries
		}
	}
	return c
}

// Entry returns the entry named name, whatever its key: a reader that
// knows only the file's stat so far asks with it whether the entry may
// still hold.
func (c *Checks) Entry(name string) (CheckEntry, bool) {
	if c == nil {
		return CheckEntry{}, false
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if e, ok := c.puts[name]; ok {
		return e, true
	}
	e, ok := c.entries[name]
	return e, ok
}

// Get returns the value of the entry named name when it has this key and
// stat, and keeps the entry at the next Save.
func (c *Checks) Get(name string, st FileStat, key CheckKey) ([]byte, bool) {
	e, ok := c.Entry(name)
	if !ok || e.Key != key || e.Stat != st {
		return nil, false
	}
	c.mu.Lock()
	c.used[name] = true
	c.mu.Unlock()
	return e.Value, true
}

// Put records the result of checking the file name, whose stat was st
// when it was read, under key. The caller leaves out files changed too
// recently to be recognised later by their stat (Racy).
func (c *Checks) Put(name string, st FileStat, key CheckKey, value []byte) {
	if c == nil {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.puts[name] = CheckEntry{Stat: st, Key: key, Value: slices.Clone(value)}
	c.used[name] = true
	c.dirty = true
}

// Save writes the cache when it changed: the entries put or used since it
// was loaded, and no others, so that the cache follows the project's files
// instead of growing with every file it ever had. The caller checks every
// file it keeps entries for in one run (validate checks them all).
func (c *Checks) Save() {
	if c == nil {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.dirty && len(c.used) == len(c.entries) {
		return
	}
	all := make(map[string]CheckEntry, len(c.used))
	for name := range c.used {
		if e, ok := c.puts[name]; ok {
			all[name] = e
		} else if e, ok := c.entries[name]; ok {
			all[name] = e
		}
	}
	if data := seal(c.dir, kindChecks, checksFormat, encodeChecks(all)); data != nil {
		write(c.dir, checksFile, data)
	}
	c.entries, c.puts, c.used = all, map[string]CheckEntry{}, map[string]bool{}
	c.dirty = false
}

func encodeChecks(entries map[string]CheckEntry) []byte {
	names := make([]string, 0, len(entries))
	size := 4
	for n, e := range entries {
		names = append(names, n)
		size += 4 + len(n) + 32 + len(e.Key) + 4 + len(e.Value)
	}
	slices.Sort(names)
	le := binary.LittleEndian
	out := make([]byte, 0, size)
	out = le.AppendUint32(out, uint32(len(names)))
	for _, n := range names {
		e := entries[n]
		out = le.AppendUint32(out, uint32(len(n)))
		out = append(out, n...)
		out = appendStat(out, e.Stat)
		out = append(out, e.Key[:]...)
		out = le.AppendUint32(out, uint32(len(e.Value)))
		out = append(out, e.Value...)
	}
	return out
}

// decodeChecks reads a payload, checking every bound, the order of the
// names and that nothing follows the last record.
func decodeChecks(b []byte) (map[string]CheckEntry, bool) {
	le := binary.LittleEndian
	if len(b) < 4 {
		return nil, false
	}
	n := le.Uint32(b)
	b = b[4:]
	// Every record takes at least 4+32+32+4 bytes: a count larger than
	// the payload allows is refused before anything is allocated for it.
	const minRecord = 4 + 32 + 32 + 4
	if uint64(n)*minRecord > uint64(len(b)) {
		return nil, false
	}
	out := make(map[string]CheckEntry, n)
	prev := ""
	for i := uint32(0); i < n; i++ {
		if len(b) < 4 {
			return nil, false
		}
		nl := le.Uint32(b)
		b = b[4:]
		if uint64(nl)+32+32+4 > uint64(len(b)) {
			return nil, false
		}
		name := string(b[:nl])
		b = b[nl:]
		if i > 0 && name <= prev {
			return nil, false
		}
		prev = name
		var e CheckEntry
		e.Stat = statAt(b)
		copy(e.Key[:], b[32:64])
		vl := le.Uint32(b[64:])
		b = b[68:]
		if uint64(vl) > uint64(len(b)) {
			return nil, false
		}
		e.Value = b[:vl:vl]
		b = b[vl:]
		out[name] = e
	}
	return out, len(b) == 0
}
