package cache

import (
	"encoding/binary"
	"encoding/hex"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"
)

// hashesFile is the cache of content hashes; hashesFormat versions its
// payload, and a change discards old caches. 2: content hashes read CRLF
// as LF (internal/digest).
const (
	hashesFile   = "hashes"
	hashesFormat = 2
)

// FileStat is what identifies a file's content without reading it.
type FileStat struct {
	Size    int64
	ModTime int64 // nanoseconds
	Inode   uint64
	// ChangeTime moves with every write and cannot be set by tools such
	// as touch, so an edit that restores the size and modification time
	// still shows here.
	ChangeTime int64
}

// Stat returns the FileStat of a file. The inode and change time come
// from the system (stat_*.go); where it has none, they stay zero and the
// size and modification time decide alone.
func Stat(name string) (FileStat, error) {
	fi, err := os.Stat(name)
	if err != nil {
		return FileStat{}, err
	}
	st := FileStat{Size: fi.Size(), ModTime: fi.ModTime().UnixNano()}
	st.Inode, st.ChangeTime = identity(name, fi)
	return st, nil
}

// StatFile is Stat of the file open as f, whose name is name: a file
// about to be read anyway is stat-ed without looking its path up again.
func StatFile(f *os.File, name string) (FileStat, error) {
	fi, err := f.Stat()
	if err != nil {
		return FileStat{}, err
	}
	st := FileStat{Size: fi.Size(), ModTime: fi.ModTime().UnixNano()}
	st.Inode, st.ChangeTime = identity(name, fi)
	return st, nil
}

// Hashes remembers content hashes of project files by their FileStat.
//
// The cache file is a table sorted by path that lookups search in place:
// a run reads it and checks its seal, and decodes only the entries it asks
// for, so a plan that looks at a few files of a large project does not pay
// for the rest. Get is safe for concurrent use.
type Hashes struct {
	// Now is the clock that decides which modifications are too recent
	// to remember; nil means time.Now.
	Now func() time.Time
	dir string

	mu    sync.Mutex
	table table
	used  []bool               // table entries looked up and still valid
	stale map[int]bool         // table entries whose file changed
	puts  map[string]hashEntry // hashed in this run
	prune bool                 // at Save, drop entries nobody looked up
	dirty bool
}

type hashEntry struct {
	Stat FileStat
	Sum  [32]byte
}

// LoadHashes reads the hash cache of a project. A missing cache, or one
// that fails its seal, is an empty one.
func LoadHashes(projectDir string) *Hashes {
	if abs, err := filepath.Abs(projectDir); err == nil {
		projectDir = abs
	}
	h := &Hashes{dir: projectDir, puts: map[string]hashEntry{}, stale: map[int]bool{}}
	if payload, ok := open(projectDir, kindHashes, hashesFormat, read(projectDir, hashesFile)); ok {
		if t, ok := parseTable(payload); ok {
			h.table = t
			h.used = make([]bool, t.n)
		}
	}
	return h
}

// Get returns the cached hash ("sha256:<hex>") of a file whose stat is st.
func (h *Hashes) Get(path string, st FileStat) (string, bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if e, ok := h.puts[path]; ok {
		if e.Stat == st {
			return hashString(e.Sum[:]), true
		}
		return "", false
	}
	i := h.table.find(path)
	if i < 0 {
		return "", false
	}
	est, sum, ok := h.table.entry(i)
	if !ok || est != st {
		if !h.stale[i] {
			h.stale[i] = true
			h.dirty = true
		}
		return "", false
	}
	h.used[i] = true
	return hashString(sum), true
}

// Has reports whether the cache holds a hash of path, whatever its stat:
// a file it does not know is read without being stat-ed by name first.
func (h *Hashes) Has(path string) bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	if _, ok := h.puts[path]; ok {
		return true
	}
	return h.table.find(path) >= 0
}

func hashString(sum []byte) string { return "sha256:" + hex.EncodeToString(sum) }

// racyWindow is how recent a modification may be for its hash not to be
// remembered: a file written within the same clock tick as it was hashed
// could change again without its stat changing (git's "racily clean"
// problem).
const racyWindow = 2 * time.Second

// Put remembers the hash of a file, unless it was modified too recently to
// be trusted later.
func (h *Hashes) Put(path string, st FileStat, hash string) {
	now := time.Now()
	if h.Now != nil {
		now = h.Now()
	}
	sum, ok := parseHash(hash)
	h.mu.Lock()
	defer h.mu.Unlock()
	if i := h.table.find(path); i >= 0 && !h.stale[i] {
		// Whatever happens below supersedes the table's entry.
		h.stale[i] = true
		h.dirty = true
	}
	if !ok || now.UnixNano()-st.ModTime < int64(racyWindow) || now.UnixNano()-st.ChangeTime < int64(racyWindow) {
		if _, had := h.puts[path]; had {
			delete(h.puts, path)
			h.dirty = true
		}
		return
	}
	if e, had := h.puts[path]; had && e.Stat == st && e.Sum == sum {
		return
	}
	h.puts[path] = hashEntry{Stat: st, Sum: sum}
	h.dirty = true
}

// parseHash reads "sha256:<64 hex>".
func parseHash(s string) ([32]byte, bool) {
	var sum [32]byte
	hx, ok := strings.CutPrefix(s, "sha256:")
	if !ok || len(hx) != 64 {
		return sum, false
	}
	if _, err := hex.Decode(sum[:], []byte(hx)); err != nil {
		return sum, false
	}
	return sum, true
}

// Prune makes Save keep only the entries of files looked up or hashed in
// this run: a plan of the whole project calls it, so that the cache of a
// project follows its files instead of growing with every file it ever had.
func (h *Hashes) Prune() {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.prune = true
}

// Save writes the cache when it changed.
func (h *Hashes) Save() {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.prune {
		for i := 0; i < h.table.n; i++ {
			if !h.used[i] && !h.stale[i] {
				h.stale[i] = true
				h.dirty = true
			}
		}
	}
	if !h.dirty {
		return
	}
	var recs []record
	for i := 0; i < h.table.n; i++ {
		if h.stale[i] {
			continue
		}
		path, ok := h.table.path(i)
		st, sum, ok2 := h.table.entry(i)
		if !ok || !ok2 {
			continue
		}
		if _, replaced := h.puts[string(path)]; replaced {
			continue
		}
		r := record{path: string(path), st: st}
		copy(r.sum[:], sum)
		recs = append(recs, r)
	}
	for p, e := range h.puts {
		recs = append(recs, record{path: p, st: e.Stat, sum: e.Sum})
	}
	if data := seal(h.dir, kindHashes, hashesFormat, encodeTable(recs)); data != nil {
		write(h.dir, hashesFile, data)
	}
	h.dirty = false
}

// The table is
//
//	count (u32) | offsets (count x u32) | records
//
// with records sorted by path, each
//
//	size (i64) | mtime (i64) | inode (u64) | ctime (i64) | sha256 (32) | path length (u16) | path
//
// all little-endian, and every offset relative to the start of the records.
// The decoder checks every bound it reads, so even a table that passed its
// seal but was written by a buggy version cannot make it panic.
type table struct {
	n    int
	offs []byte
	recs []byte
}

const fixedRecord = 8*4 + 32 + 2

type record struct {
	path string
	st   FileStat
	sum  [32]byte
}

func encodeTable(recs []record) []byte {
	slices.SortFunc(recs, func(a, b record) int { return strings.Compare(a.path, b.path) })
	recs = slices.CompactFunc(recs, func(a, b record) bool { return a.path == b.path })
	n := 0
	for _, r := range recs {
		if len(r.path) <= 0xffff {
			n++
		}
	}
	size := 4 + 4*n
	for _, r := range recs {
		size += fixedRecord + len(r.path)
	}
	out := make([]byte, 4+4*n, size)
	binary.LittleEndian.PutUint32(out, uint32(n))
	i := 0
	le := binary.LittleEndian
	for _, r := range recs {
		if len(r.path) > 0xffff {
			continue
		}
		le.PutUint32(out[4+4*i:], uint32(len(out)-(4+4*n)))
		out = appendStat(out, r.st)
		out = append(out, r.sum[:]...)
		out = le.AppendUint16(out, uint16(len(r.path)))
		out = append(out, r.path...)
		i++
	}
	return out
}

// parseTable checks the table's header; entries are checked as they are
// read.
func parseTable(payload []byte) (table, bool) {
	if len(payload) < 4 {
		return table{}, false
	}
	n := binary.LittleEndian.Uint32(payload)
	if uint64(n)*4 > uint64(len(payload)-4) {
		return table{}, false
	}
	end := 4 + 4*int(n)
	return table{n: int(n), offs: payload[4:end], recs: payload[end:]}, true
}

// record returns the bytes of entry i, or false when they are out of bounds.
func (t table) record(i int) ([]byte, bool) {
	if i < 0 || i >= t.n {
		return nil, false
	}
	off := binary.LittleEndian.Uint32(t.offs[4*i:])
	if uint64(off)+fixedRecord > uint64(len(t.recs)) {
		return nil, false
	}
	r := t.recs[off:]
	plen := int(binary.LittleEndian.Uint16(r[fixedRecord-2:]))
	if fixedRecord+plen > len(r) {
		return nil, false
	}
	return r[:fixedRecord+plen], true
}

func (t table) path(i int) ([]byte, bool) {
	r, ok := t.record(i)
	if !ok {
		return nil, false
	}
	return r[fixedRecord:], true
}

func (t table) entry(i int) (FileStat, []byte, bool) {
	r, ok := t.record(i)
	if !ok {
		return FileStat{}, nil, false
	}
	return statAt(r), r[statSize : statSize+32], true
}

// find returns the index of path's entry, or -1. An entry that cannot be
// read ends the search as a miss.
func (t table) find(path string) int {
	lo, hi := 0, t.n
	for lo < hi {
		mid := int(uint(lo+hi) >> 1)
		p, ok := t.path(mid)
		if !ok {
			return -1
		}
		switch c := compare(p, path); {
		case c == 0:
			return mid
		case c < 0:
			lo = mid + 1
		default:
			hi = mid
		}
	}
	return -1
}

// compare is bytes.Compare of b and s, without converting either.
func compare(b []byte, s string) int {
	for i := 0; i < len(b) && i < len(s); i++ {
		if b[i] != s[i] {
			if b[i] < s[i] {
				return -1
			}
			return 1
		}
	}
	switch {
	case len(b) < len(s):
		return -1
	case len(b) > len(s):
		return 1
	}
	return 0
}
