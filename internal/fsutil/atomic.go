// Package fsutil holds small file-system helpers shared by the commands and
// the engine.
package fsutil

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
)

// rename is os.Rename; tests replace it to make the last step fail.
var rename = os.Rename

// WriteFileAtomic replaces the file at path with data so that a reader, or
// the file system after a crash, sees either the old content or the new one,
// never a mix or a truncated file.
//
// The data goes to a temporary file in the same directory (a rename is only
// atomic within one file system), which is synced, closed, given its mode
// and renamed over path; the directory is then synced so that the rename
// itself survives a crash. When path already exists its permission bits are
// kept and perm is ignored; otherwise perm is applied as given (the umask is
// not consulted). The directory entry at path is replaced: a symbolic link
// there becomes a regular file, so callers that mean to write through a link
// resolve it first.
//
// On any failure the temporary file is removed and the file at path is left
// as it was.
func WriteFileAtomic(path string, data []byte, perm os.FileMode) (err error) {
	if fi, statErr := os.Stat(path); statErr == nil {
		if fi.IsDir() {
			return fmt.Errorf("write %s: is a directory", path)
		}
		perm = fi.Mode().Perm()
	} else if !errors.Is(statErr, os.ErrNotExist) {
		return fmt.Errorf("write %s: %w", path, statErr)
	}

	dir, base := filepath.Split(path)
	if dir == "" {
		dir = "."
	}
	// See TempName for the name, which IsLeftover recognises.
	tmp, err := createTemp(dir, base)
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	tmpName := tmp.Name()
	defer func() {
		if err != nil {
			_ = tmp.Close() // may already be closed; the first error matters
			_ = os.Remove(tmpName)
		}
	}()

	if _, err = tmp.Write(data); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err = tmp.Sync(); err != nil {
		return fmt.Errorf("write %s: sync: %w", path, err)
	}
	if err = tmp.Close(); err != nil {
		return fmt.Errorf("write %s: close: %w", path, err)
	}
	if err = os.Chmod(tmpName, perm); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err = rename(tmpName, path); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err = SyncDir(dir); err != nil {
		// The new content is in place; only its durability is in doubt.
		// Removing the temporary name is a no-op now, which is fine.
		return fmt.Errorf("write %s: sync directory: %w", path, err)
	}
	return nil
}

// SyncDir flushes a directory's entries to disk, so that a rename in it
// is durable.
func SyncDir(dir string) error {
	if runtime.GOOS == "windows" {
		// Directories cannot be opened for syncing on Windows, and
		// MoveFileEx is durable enough there.
		return nil
	}
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	err = d.Sync()
	if cerr := d.Close(); err == nil {
		err = cerr
	}
	return err
}

// createTemp creates a new file with a TempName for base in dir.
func createTemp(dir, base string) (*os.File, error) {
	for try := 0; ; try++ {
		f, err := os.OpenFile(filepath.Join(dir, TempName(base)), os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
		if err == nil || !errors.Is(err, os.ErrExist) || try == 100 {
			return f, err
		}
	}
}
