// Package cache keeps what kirofile can recompute but would rather not,
// under the project's .kirofile/cache directory: the parsed lock file, keyed
// by the hash of its bytes, and the content hashes of files, keyed by their
// size, modification time, inode and change time.
//
// Every entry is checked against the truth it stands for before use, so a
// stale, corrupt or missing cache only costs time: it can never change a
// result. Writes are atomic; a failed write is ignored.
package cache

import (
	"bytes"
	"encoding/gob"
	"os"
	"path/filepath"
	"time"

	"github.com/kirofile/kirofile/internal/fsutil"
	"github.com/kirofile/kirofile/internal/lockfile"
)

// Dir is the cache directory inside the project's work directory.
const Dir = ".kirofile/cache"

// format versions the cache files; a change discards old caches.
// 2: content hashes read CRLF as LF (internal/digest), plugin pins are per
// platform, approvals record check errors and hooks.
const format = 2

type lockEntry struct {
	Format int
	Hash   string
	Lock   *lockfile.Lock
}

// Lock returns the lock parsed from data, when the cache holds a parse of
// exactly these bytes.
func Lock(projectDir string, data []byte) (*lockfile.Lock, bool) {
	raw, err := os.ReadFile(filepath.Join(projectDir, Dir, "lock.gob"))
	if err != nil {
		return nil, false
	}
	var e lockEntry
	if gob.NewDecoder(bytes.NewReader(raw)).Decode(&e) != nil || e.Format != format || e.Lock == nil || e.Hash != lockfile.HashBytes(data) {
		return nil, false
	}
	return e.Lock, true
}

// SaveLock records the parse of data.
func SaveLock(projectDir string, data []byte, lock *lockfile.Lock) {
	var buf bytes.Buffer
	if gob.NewEncoder(&buf).Encode(lockEntry{Format: format, Hash: lockfile.HashBytes(data), Lock: lock}) != nil {
		return
	}
	write(projectDir, "lock.gob", buf.Bytes())
}

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

type hashEntry struct {
	Stat FileStat
	Hash string
}

type hashFile struct {
	Format  int
	Entries map[string]hashEntry
}

// Hashes remembers content hashes of project files by their FileStat.
type Hashes struct {
	// Now is the clock that decides which modifications are too recent
	// to remember; nil means time.Now.
	Now     func() time.Time
	dir     string
	entries map[string]hashEntry
	dirty   bool
}

// LoadHashes reads the hash cache of a project; a missing or unreadable
// cache is an empty one.
func LoadHashes(projectDir string) *Hashes {
	h := &Hashes{dir: projectDir, entries: map[string]hashEntry{}}
	raw, err := os.ReadFile(filepath.Join(projectDir, Dir, "hashes.gob"))
	if err != nil {
		return h
	}
	var f hashFile
	if gob.NewDecoder(bytes.NewReader(raw)).Decode(&f) == nil && f.Format == format && f.Entries != nil {
		h.entries = f.Entries
	}
	return h
}

// Get returns the cached hash of a file whose stat is st.
func (h *Hashes) Get(path string, st FileStat) (string, bool) {
	e, ok := h.entries[path]
	if !ok || e.Stat != st {
		return "", false
	}
	return e.Hash, true
}

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
	if now.UnixNano()-st.ModTime < int64(racyWindow) || now.UnixNano()-st.ChangeTime < int64(racyWindow) {
		if _, ok := h.entries[path]; ok {
			delete(h.entries, path)
			h.dirty = true
		}
		return
	}
	if e, ok := h.entries[path]; ok && e.Stat == st && e.Hash == hash {
		return
	}
	h.entries[path] = hashEntry{Stat: st, Hash: hash}
	h.dirty = true
}

// Save writes the cache when it changed.
func (h *Hashes) Save() {
	if !h.dirty {
		return
	}
	var buf bytes.Buffer
	if gob.NewEncoder(&buf).Encode(hashFile{Format: format, Entries: h.entries}) != nil {
		return
	}
	write(h.dir, "hashes.gob", buf.Bytes())
	h.dirty = false
}

// EnsureWorkDir creates the project's .kirofile/ directory (run lock,
// caches, logs, transcripts) with a .gitignore that keeps all of it out of
// version control.
func EnsureWorkDir(projectDir string) error {
	work := filepath.Join(projectDir, ".kirofile")
	if err := os.MkdirAll(filepath.Join(work, "cache"), 0o755); err != nil {
		return err
	}
	ignore := filepath.Join(work, ".gitignore")
	if _, err := os.Stat(ignore); os.IsNotExist(err) {
		return fsutil.WriteFileAtomic(ignore, []byte("# kirofile's run state: never committed.\n*\n"), 0o644)
	}
	return nil
}

// write stores a cache file. Failures are ignored: a cache that cannot be
// written is only a slower next run.
func write(projectDir, name string, data []byte) {
	if EnsureWorkDir(projectDir) != nil {
		return
	}
	_ = fsutil.WriteFileAtomic(filepath.Join(projectDir, Dir, name), data, 0o644)
}
