// Package cache keeps what kirofile can recompute but would rather not,
// under the project's .kirofile/cache directory: the content hashes of
// files, keyed by their size, modification time, inode and change time.
//
// A cache may cost time, never change a result. Every cache file is sealed
// (see seal.go): it carries a keyed SHA-256 MAC over its whole content and
// the project directory it belongs to, and is checked before anything in it
// is used. A file that fails the check (a flipped bit, a torn write, an
// edit, a copy from another checkout or another user) is ignored as if it
// were missing, and rebuilt by the next run. Writes are atomic; a failed
// write is ignored.
//
// The committed lock is not cached: internal/lockfile reads the
// machine-written form with a dedicated parser fast enough that a cache of
// its parse would save little, and the lock is never derived from anything
// but its own bytes.
package cache

import (
	"os"
	"path/filepath"

	"github.com/kirofile/kirofile/internal/fsutil"
)

// Dir is the cache directory inside the project's work directory.
const Dir = ".kirofile/cache"

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

// write stores a cache file through a temporary file and a rename, so a
// reader sees the old file or the new one. There is no fsync: a file torn
// by a crash fails its seal and is rebuilt. Failures are ignored: a cache
// that cannot be written is only a slower next run.
func write(projectDir, name string, data []byte) {
	if EnsureWorkDir(projectDir) != nil {
		return
	}
	dir := filepath.Join(projectDir, Dir)
	tmp, err := os.CreateTemp(dir, "."+name+".tmp-*")
	if err != nil {
		return
	}
	_, werr := tmp.Write(data)
	cerr := tmp.Close()
	if werr != nil || cerr != nil || os.Rename(tmp.Name(), filepath.Join(dir, name)) != nil {
		_ = os.Remove(tmp.Name())
	}
}

// read returns a cache file's content, or nil.
func read(projectDir, name string) []byte {
	data, err := os.ReadFile(filepath.Join(projectDir, Dir, name))
	if err != nil {
		return nil
	}
	return data
}
