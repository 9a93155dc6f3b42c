package reply

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"syscall"

	"github.com/kirofile/kirofile/internal/digest"
	"github.com/kirofile/kirofile/internal/fsutil"
)

// rename is the last step of a Write for each file; tests replace it to
// make one fail.
var rename = func(dir *os.Root, from, to string) error { return dir.Rename(from, to) }

// syncFile makes a file's content durable; tests count its calls.
var syncFile = (*os.File).Sync

// beforeWrite runs after Write checked the paths and before it touches
// the disk; tests use it to change the project in between, as a
// concurrent process could.
var beforeWrite = func() {}

// newFilePerm is the mode of a file the change creates. A model cannot
// ask for another: executable bits are the Kirofile's business.
const newFilePerm = 0o644

// pending is one file of a Write in progress.
type pending struct {
	rel     string   // the path as the change names it
	dst     string   // the path written, through no symbolic link
	dir     *os.Root // the directory of dst, opened through no link
	base    string   // dst's name in dir
	tmp     string   // temporary file in dir holding the new content
	backup  string   // second name of the old file in dir, "" when none
	renamed bool     // whether tmp has been renamed over base
	// later, for a file that did not exist, syncs it after Write returns
	// (see WriteSyncLater); nil to sync it before the rename.
	later *fsutil.Syncer
}

// Write writes every file of the change as a set: a failed Write leaves
// the project as it was, so that a node never ends half-applied with some
// files from the new reply and some from the old state.
//
// Every file is written relative to the project root, through
// directories opened one by one without following a symbolic link (see
// fsutil.OpenDirIn): a link that appears on the way after Plan checked the
// path, even between Write's own steps, makes the write fail; it cannot
// send it elsewhere, out of the project or onto a protected file. The
// links Plan resolved inside the project are written at the place they
// lead to, which Plan checked.
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
// file rather than written through, since a rename never follows a link.
// Write returns the "sha256:<hex>" digest of each written file. A name
// the file system refuses as too long is a *FormatError, for the model to
// pick another.
func (c *Change) Write(projectDir string) (map[string]string, error) {
	return c.write(projectDir, nil)
}

// WriteSyncLater is Write, except that the files it creates (a path where
// no file was) are not synced, nor the directories holding their entries:
// they are handed to later, whose Sync must run before anything records
// them as written. A file that replaces another is synced before its
// rename, as Write does: a crash must not leave an empty file in place of
// content that was there. A Write waits for the disk on every file it
// syncs, longer than for any other step.
func (c *Change) WriteSyncLater(projectDir string, later *fsutil.Syncer) (map[string]string, error) {
	return c.write(projectDir, later)
}

func (c *Change) write(projectDir string, later *fsutil.Syncer) (map[string]string, error) {
	rootDir, err := projectRoot(projectDir)
	if err != nil {
		return nil, err
	}
	paths := c.Paths()
	for _, p := range paths {
		if err := c.recheck(p); err != nil {
			return nil, err
		}
	}
	root, err := os.OpenRoot(rootDir)
	if err != nil {
		return nil, fmt.Errorf("project directory: %w", err)
	}
	defer root.Close()
	beforeWrite()

	w := &writer{root: root, later: later}
	defer w.close()
	if err := w.write(c, paths); err != nil {
		if rerr := w.rollback(); rerr != nil {
			err = fmt.Errorf("%w; restoring the project also failed, check it by hand: %w", err, rerr)
		}
		return nil, err
	}
	for _, f := range w.files {
		if f.backup != "" {
			_ = f.dir.Remove(f.backup) // a leftover hidden backup is harmless
		}
	}
	sums := make(map[string]string, len(paths))
	for _, p := range paths {
		sums[p] = digest.Bytes(c.Files[p])
	}
	return sums, nil
}

// recheck repeats the rules of Plan that need no look at the disk, in
// case the change was built or altered after Plan.
func (c *Change) recheck(p string) error {
	if rule := syntaxRule(p); rule != "" {
		return &SecurityError{Path: p, Rule: rule}
	}
	if rule := protectedRule(p); rule != "" {
		return &SecurityError{Path: p, Rule: rule}
	}
	if what := c.scope.protected(p); what != "" {
		return &SecurityError{Path: p, Rule: "is " + what + ", which only a person or its own node may write"}
	}
	if real := c.real[p]; real != "" {
		if rule := syntaxRule(real); rule != "" {
			return &SecurityError{Path: p, Rule: "leads to " + real + ", which " + rule}
		}
		if rule := protectedRule(real); rule != "" {
			return &SecurityError{Path: p, Rule: "leads to " + real + ", which " + rule}
		}
		if what := c.scope.protected(real); what != "" {
			return &SecurityError{Path: p, Rule: "leads to " + real + ", which is " + what}
		}
	}
	return nil
}

// writer holds what a Write has done so far, so that it can be undone.
type writer struct {
	root    *os.Root
	files   []*pending
	created []string            // directories created, parents first
	dirs    map[string]*os.Root // open directories, by path
	later   *fsutil.Syncer      // see WriteSyncLater; nil to sync everything now
}

func (w *writer) close() {
	for _, d := range w.dirs {
		d.Close()
	}
}

// fail turns an error of a write step into Write's error for file f.
func fail(f *pending, err error) error {
	switch {
	case errors.Is(err, fsutil.ErrSymlink):
		var pe *fs.PathError
		where := path.Dir(f.dst)
		if errors.As(err, &pe) {
			where = pe.Path
		}
		return &SecurityError{Path: f.rel, Rule: "leads through " + where + ", which is a symbolic link at the time of writing (made after the reply was checked?); nothing was written"}
	case errors.Is(err, syscall.ENAMETOOLONG):
		return &FormatError{Path: f.rel, Msg: "the file system refuses this name as too long; use a shorter name"}
	}
	return fmt.Errorf("write %s: %w", f.rel, err)
}

func (w *writer) write(c *Change, paths []string) error {
	w.dirs = map[string]*os.Root{}
	for _, p := range paths {
		dst := p
		if real := c.real[p]; real != "" {
			dst = real
		}
		f := &pending{rel: p, dst: dst, base: path.Base(dst), later: w.later}
		w.files = append(w.files, f)
		dirPath := path.Dir(dst)
		dir, ok := w.dirs[dirPath]
		if !ok {
			var created []string
			var err error
			dir, created, err = fsutil.OpenDirIn(w.root, dirPath, true)
			w.created = append(w.created, created...)
			if err != nil {
				return fail(f, err)
			}
			w.dirs[dirPath] = dir
		}
		f.dir = dir
	}
	for _, f := range w.files {
		if err := f.stage(c.Files[f.rel]); err != nil {
			return fail(f, err)
		}
	}
	for _, f := range w.files {
		if err := rename(f.dir, f.tmp, f.base); err != nil {
			return fail(f, err)
		}
		f.renamed = true
	}
	// A directory is synced now when it holds a file synced now, and
	// later otherwise.
	syncNow := map[string]bool{}
	for _, f := range w.files {
		if f.later == nil {
			syncNow[path.Dir(f.dst)] = true
		} else {
			w.later.Add(f.dst)
		}
	}
	for p, d := range w.dirs {
		if !syncNow[p] {
			continue
		}
		if err := fsutil.SyncDirIn(d); err != nil {
			return fmt.Errorf("write: sync a directory: %w", err)
		}
	}
	// The entries of the directories Write made live in their parents.
	for _, c := range w.created {
		if w.later != nil {
			w.later.AddDir(path.Dir(c))
			continue
		}
		if d, ok := w.dirs[path.Dir(c)]; ok {
			_ = fsutil.SyncDirIn(d)
		} else if d, _, err := fsutil.OpenDirIn(w.root, path.Dir(c), false); err == nil {
			_ = fsutil.SyncDirIn(d)
			d.Close()
		}
	}
	return nil
}

// stage writes the new content to a synced temporary file next to the
// target and gives the existing target a backup name.
func (f *pending) stage(data []byte) error {
	perm := fs.FileMode(newFilePerm)
	old, statErr := f.dir.Lstat(f.base)
	switch {
	case statErr == nil && old.IsDir():
		return errors.New("it is a directory")
	case statErr == nil && old.Mode().IsRegular():
		perm = old.Mode().Perm()
	}
	if statErr == nil {
		f.later = nil // content in place: the new one must reach the disk before the rename
	}
	tmp, out, err := fsutil.CreateTempIn(f.dir, f.base, perm)
	if err != nil {
		return err
	}
	f.tmp = tmp
	_, err = out.Write(data)
	if err == nil && f.later == nil {
		err = syncFile(out)
	}
	if cerr := out.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = f.dir.Chmod(f.tmp, perm)
	}
	if err != nil {
		return err
	}
	if statErr != nil || !old.Mode().IsRegular() && old.Mode()&fs.ModeSymlink == 0 {
		return nil // nothing to keep, or nothing a rename could replace
	}
	backup := fsutil.BackupName(f.tmp)
	if err := f.dir.Link(f.base, backup); err != nil {
		if err := copyEntry(f.dir, f.base, backup, old); err != nil {
			return fmt.Errorf("back up the current file: %w", err)
		}
	}
	f.backup = backup
	return nil
}

// copyEntry copies a regular file or a symbolic link in dir to a new
// name, for file systems without hard links.
func copyEntry(dir *os.Root, src, dst string, fi fs.FileInfo) (err error) {
	if fi.Mode()&fs.ModeSymlink != 0 {
		link, err := dir.Readlink(src)
		if err != nil {
			return err
		}
		return dir.Symlink(link, dst)
	}
	data, err := dir.ReadFile(src)
	if err != nil {
		return err
	}
	out, err := dir.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_EXCL, fi.Mode().Perm())
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			_ = dir.Remove(dst)
		}
	}()
	_, err = out.Write(data)
	if err == nil {
		err = syncFile(out)
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
		if f.dir == nil {
			continue
		}
		switch {
		case f.renamed && f.backup != "":
			if err := rename(f.dir, f.backup, f.base); err != nil {
				errs = append(errs, fmt.Errorf("restore %s (its old content is in %s): %w", f.rel, path.Join(path.Dir(f.dst), f.backup), err))
				continue
			}
		case f.renamed:
			if err := f.dir.Remove(f.base); err != nil && !errors.Is(err, fs.ErrNotExist) {
				errs = append(errs, fmt.Errorf("remove %s: %w", f.rel, err))
			}
		default:
			if f.backup != "" {
				if err := f.dir.Remove(f.backup); err != nil && !errors.Is(err, fs.ErrNotExist) {
					errs = append(errs, err)
				}
			}
		}
		if !f.renamed && f.tmp != "" {
			if err := f.dir.Remove(f.tmp); err != nil && !errors.Is(err, fs.ErrNotExist) {
				errs = append(errs, err)
			}
		}
	}
	for _, d := range w.dirs {
		_ = fsutil.SyncDirIn(d) // best effort: the content is back already
	}
	// Closed first: Windows does not remove a directory that is open.
	w.close()
	w.dirs = nil
	for i := len(w.created) - 1; i >= 0; i-- {
		if err := w.root.Remove(w.created[i]); err != nil && !errors.Is(err, fs.ErrNotExist) {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}
