package reply

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/kirofile/kirofile/internal/digest"
	"github.com/kirofile/kirofile/internal/fsutil"
)

// rename is os.Rename; tests replace it to make one step fail.
var rename = os.Rename

// newFilePerm is the mode of a file the change creates. A model cannot
// ask for another: executable bits are the Kirofile's business.
const newFilePerm = 0o644

// pending is one file of a Write in progress.
type pending struct {
	rel     string // project-relative path
	dst     string // absolute path written
	tmp     string // temporary file holding the new content
	backup  string // second name of the old file, "" when there was none
	renamed bool   // whether tmp has been renamed over dst
}

// Write writes every file of the change as a set: a failed Write leaves
// the project as it was, so that a node never ends half-applied with some
// files from the new reply and some from the old state.
//
// The steps are ordered so that every change before the last can be
// undone cheaply. Missing parent directories are created first, then all
// new contents go to temporary files next to their targets and are synced;
// each existing target gets a second name (a hard link, or a copy where
// links are not supported) as a backup; only then are the temporary files
// renamed into place, in Paths order, and the directories synced. If any
// step fails, renamed files are put back from their backups (or removed
// when they are new), temporary files and backups are removed, and so are
// the directories Write created.
//
// A symbolic link as the last component of a path is replaced by a regular
// file rather than written through: Plan has checked where it led, and a
// rename never follows a link, so nothing changed since then can redirect
// the write. Write repeats the symbolic link checks of Plan for the same
// reason. It returns the "sha256:<hex>" digest of each written file.
func (c *Change) Write(projectDir string) (map[string]string, error) {
	root, err := projectRoot(projectDir)
	if err != nil {
		return nil, err
	}
	paths := c.Paths()
	for _, p := range paths {
		if rule := syntaxRule(p); rule != "" {
			return nil, &SecurityError{Path: p, Rule: rule}
		}
		if rule := protectedRule(p); rule != "" {
			return nil, &SecurityError{Path: p, Rule: rule}
		}
		// Only the escape matters here; a target that cannot be written
		// fails below and is rolled back like any other failure.
		var se *SecurityError
		if _, _, err := resolve(root, p); errors.As(err, &se) {
			return nil, err
		}
	}

	w := &writer{}
	if err := w.write(root, paths, c.Files); err != nil {
		if rerr := w.rollback(); rerr != nil {
			err = fmt.Errorf("%w; restoring the project also failed, check it by hand: %w", err, rerr)
		}
		return nil, err
	}
	for _, f := range w.files {
		if f.backup != "" {
			_ = os.Remove(f.backup) // a leftover hidden backup is harmless
		}
	}
	sums := make(map[string]string, len(paths))
	for _, p := range paths {
		sums[p] = digest.Bytes(c.Files[p])
	}
	return sums, nil
}

// writer holds what a Write has done so far, so that it can be undone.
type writer struct {
	files   []*pending
	created []string // directories created, parents first
	dirs    map[string]bool
}

func (w *writer) write(root string, paths []string, contents map[string][]byte) error {
	w.dirs = map[string]bool{}
	for _, p := range paths {
		if err := w.mkdirs(root, p); err != nil {
			return err
		}
	}
	for _, p := range paths {
		f := &pending{rel: p, dst: filepath.Join(root, filepath.FromSlash(p))}
		w.files = append(w.files, f)
		if err := f.stage(contents[p]); err != nil {
			return err
		}
		w.dirs[filepath.Dir(f.dst)] = true
	}
	for _, f := range w.files {
		if err := rename(f.tmp, f.dst); err != nil {
			return fmt.Errorf("write %s: %w", f.rel, err)
		}
		f.renamed = true
	}
	for d := range w.dirs {
		if err := fsutil.SyncDir(d); err != nil {
			return fmt.Errorf("write: sync %s: %w", d, err)
		}
	}
	return nil
}

// mkdirs creates the missing parent directories of p one at a time, so
// that exactly the ones it created are known and can be removed.
func (w *writer) mkdirs(root, p string) error {
	parts := strings.Split(p, "/")
	cur := root
	for _, part := range parts[:len(parts)-1] {
		parent := cur
		cur = filepath.Join(cur, part)
		if _, err := os.Lstat(cur); err == nil {
			continue
		}
		if err := os.Mkdir(cur, 0o755); err != nil {
			// Another writer (a parallel node) may have made it just now:
			// a directory is what is needed, whoever made it. It is not
			// ours to remove on rollback.
			if fi, lerr := os.Lstat(cur); errors.Is(err, fs.ErrExist) && lerr == nil && fi.IsDir() {
				continue
			}
			return fmt.Errorf("write %s: %w", p, err)
		}
		w.created = append(w.created, cur)
		w.dirs[parent] = true
	}
	return nil
}

// stage writes the new content to a synced temporary file next to the
// target and gives the existing target a backup name.
func (f *pending) stage(data []byte) (err error) {
	dir, base := filepath.Split(f.dst)
	perm := fs.FileMode(newFilePerm)
	old, statErr := os.Lstat(f.dst)
	if statErr == nil && old.Mode().IsRegular() {
		perm = old.Mode().Perm()
	}
	// The leading dot keeps a temporary file that a crash leaves behind
	// out of globs and listings that skip hidden files.
	tmp, err := os.CreateTemp(dir, "."+base+".kirofile-*.tmp")
	if err != nil {
		return fmt.Errorf("write %s: %w", f.rel, err)
	}
	f.tmp = tmp.Name()
	_, err = tmp.Write(data)
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Chmod(f.tmp, perm)
	}
	if err != nil {
		return fmt.Errorf("write %s: %w", f.rel, err)
	}
	if statErr != nil || !old.Mode().IsRegular() && old.Mode()&fs.ModeSymlink == 0 {
		return nil // nothing to keep, or nothing a rename could replace
	}
	backup := strings.TrimSuffix(f.tmp, ".tmp") + ".old"
	if err := os.Link(f.dst, backup); err != nil {
		if err := copyEntry(f.dst, backup, old); err != nil {
			return fmt.Errorf("write %s: back up the current file: %w", f.rel, err)
		}
	}
	f.backup = backup
	return nil
}

// copyEntry copies a regular file or a symbolic link to a new name, for
// file systems without hard links.
func copyEntry(src, dst string, fi fs.FileInfo) (err error) {
	if fi.Mode()&fs.ModeSymlink != 0 {
		link, err := os.Readlink(src)
		if err != nil {
			return err
		}
		return os.Symlink(link, dst)
	}
	data, err := os.ReadFile(src)
	if err != nil {
		return err
	}
	out, err := os.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_EXCL, fi.Mode().Perm())
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			_ = os.Remove(dst)
		}
	}()
	_, err = out.Write(data)
	if err == nil {
		err = out.Sync()
	}
	if cerr := out.Close(); err == nil {
		err = cerr
	}
	return err
}

// rollback undoes a failed write: renamed files get their old content
// back, then temporary files, backups and created directories go.
func (w *writer) rollback() error {
	var errs []error
	for i := len(w.files) - 1; i >= 0; i-- {
		f := w.files[i]
		switch {
		case f.renamed && f.backup != "":
			if err := rename(f.backup, f.dst); err != nil {
				errs = append(errs, fmt.Errorf("restore %s (its old content is in %s): %w", f.rel, f.backup, err))
				continue
			}
		case f.renamed:
			if err := os.Remove(f.dst); err != nil && !errors.Is(err, fs.ErrNotExist) {
				errs = append(errs, fmt.Errorf("remove %s: %w", f.rel, err))
			}
		default:
			if f.backup != "" {
				if err := os.Remove(f.backup); err != nil && !errors.Is(err, fs.ErrNotExist) {
					errs = append(errs, err)
				}
			}
		}
		if !f.renamed && f.tmp != "" {
			if err := os.Remove(f.tmp); err != nil && !errors.Is(err, fs.ErrNotExist) {
				errs = append(errs, err)
			}
		}
	}
	for i := len(w.created) - 1; i >= 0; i-- {
		if err := os.Remove(w.created[i]); err != nil && !errors.Is(err, fs.ErrNotExist) {
			errs = append(errs, err)
		}
	}
	for d := range w.dirs {
		if _, err := os.Stat(d); err == nil {
			_ = fsutil.SyncDir(d) // best effort: the content is back already
		}
	}
	return errors.Join(errs...)
}
