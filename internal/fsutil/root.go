package fsutil

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"unicode/utf8"
)

// ErrSymlink is wrapped by the error of OpenDirIn when a directory on the
// way is a symbolic link, or became one while it was being opened.
var ErrSymlink = errors.New("it is a symbolic link, which kirofile does not follow when writing")

// OpenDirIn opens the directory rel (slash-separated, relative, clean; ""
// or "." for root itself) inside root without following a symbolic link
// anywhere on the way, and creates the missing directories when create is
// set. It returns the directory as a Root of its own, which the caller
// closes, and the directories it created, relative to root, parents first.
//
// Each component is opened as a Root confined to its parent, and then
// compared with what the parent holds under that name: if the name is a
// symbolic link, or was swapped for another directory while it was being
// opened, the walk fails with ErrSymlink. What the returned Root refers to
// is therefore a directory that was, at that moment, really at rel, and it
// stays that directory whatever is renamed or replaced afterwards: writes
// through it cannot be redirected by a concurrent process, inside the
// project or out of it. (os.Root alone would keep them inside root, but
// follow links within it.)
func OpenDirIn(root *os.Root, rel string, create bool) (*os.Root, []string, error) {
	cur, err := root.OpenRoot(".")
	if err != nil {
		return nil, nil, err
	}
	if rel == "" || rel == "." {
		return cur, nil, nil
	}
	var created []string
	parts := strings.Split(rel, "/")
	for i, name := range parts {
		shown := strings.Join(parts[:i+1], "/")
		fi, err := cur.Lstat(name)
		if errors.Is(err, fs.ErrNotExist) && create {
			err = cur.Mkdir(name, 0o755)
			switch {
			case err == nil:
				created = append(created, shown)
			case errors.Is(err, fs.ErrExist):
				// Made just now by someone else (a parallel node): a
				// directory is what is needed, whoever made it.
			default:
				cur.Close()
				return nil, created, &fs.PathError{Op: "mkdir", Path: shown, Err: unwrapPath(err)}
			}
			fi, err = cur.Lstat(name)
		}
		if err != nil {
			cur.Close()
			return nil, created, &fs.PathError{Op: "open", Path: shown, Err: unwrapPath(err)}
		}
		switch {
		case fi.Mode()&fs.ModeSymlink != 0:
			cur.Close()
			return nil, created, &fs.PathError{Op: "open", Path: shown, Err: ErrSymlink}
		case !fi.IsDir():
			cur.Close()
			return nil, created, &fs.PathError{Op: "open", Path: shown, Err: errNotDir}
		}
		sub, err := cur.OpenRoot(name)
		if err != nil {
			cur.Close()
			return nil, created, &fs.PathError{Op: "open", Path: shown, Err: unwrapPath(err)}
		}
		if !sameDir(cur, sub, name) {
			sub.Close()
			cur.Close()
			return nil, created, &fs.PathError{Op: "open", Path: shown, Err: ErrSymlink}
		}
		cur.Close()
		cur = sub
	}
	return cur, created, nil
}

var errNotDir = errors.New("not a directory")

// sameDir reports whether sub, opened as name in parent, is what parent
// holds under name now: not a symbolic link, and the same directory.
func sameDir(parent, sub *os.Root, name string) bool {
	after, err := parent.Lstat(name)
	if err != nil || after.Mode()&fs.ModeSymlink != 0 || !after.IsDir() {
		return false
	}
	if runtime.GOOS == "windows" {
		// os.SameFile needs a path to read a file's identity there; the
		// checks above and the Root's own confinement must do.
		return true
	}
	opened, err := sub.Stat(".")
	return err == nil && os.SameFile(opened, after)
}

func unwrapPath(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

// WriteFileIn replaces the file rel inside root as WriteFileAtomic does,
// creating its missing parent directories, without following a symbolic
// link in any directory on the way (see OpenDirIn). A symbolic link at rel
// itself is replaced, not written through.
func WriteFileIn(root *os.Root, rel string, data []byte, perm os.FileMode) error {
	return writeFileIn(root, rel, data, perm, nil)
}

// WriteFileInSyncLater is WriteFileIn, except that a file it creates (no
// file was at rel) is not synced, nor the directories holding the new
// entries: they are handed to later, whose root must be root's directory,
// and whose Sync must run before anything records the file as written. A
// file replacing another is synced before its rename, as WriteFileIn
// does.
func WriteFileInSyncLater(root *os.Root, rel string, data []byte, perm os.FileMode, later *Syncer) error {
	return writeFileIn(root, rel, data, perm, later)
}

func writeFileIn(root *os.Root, rel string, data []byte, perm os.FileMode, later *Syncer) error {
	dir, created, err := OpenDirIn(root, path.Dir(rel), true)
	if err != nil {
		return fmt.Errorf("write %s: %w", rel, err)
	}
	defer dir.Close()
	base := path.Base(rel)
	if fi, err := dir.Lstat(base); err == nil {
		if fi.IsDir() {
			return fmt.Errorf("write %s: is a directory", rel)
		}
		if fi.Mode().IsRegular() {
			perm = fi.Mode().Perm()
		}
		later = nil // content in place: the new one must reach the disk before the rename
	}
	tmp, f, err := CreateTempIn(dir, base, perm)
	if err != nil {
		return fmt.Errorf("write %s: %w", rel, err)
	}
	_, err = f.Write(data)
	if err == nil && later == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = dir.Chmod(tmp, perm)
	}
	if err == nil {
		err = renameIn(dir, tmp, base)
	}
	if err != nil {
		_ = dir.Remove(tmp)
		return fmt.Errorf("write %s: %w", rel, unwrapPath(err))
	}
	if later != nil {
		later.Add(rel)
		for _, c := range created {
			later.AddDir(path.Dir(c))
		}
		return nil
	}
	if err := SyncDirIn(dir); err != nil {
		return fmt.Errorf("write %s: sync directory: %w", rel, err)
	}
	return nil
}

// renameIn is Root.Rename; tests replace it to make the last step fail.
var renameIn = func(dir *os.Root, from, to string) error { return dir.Rename(from, to) }

// ErrNotRegular is wrapped by the error of PatchFileIn when the file is
// not a regular file (a symbolic link): rewrite it whole instead.
var ErrNotRegular = errors.New("not a regular file")

// PatchFileIn changes, in place, the regular file rel inside root: edit is
// given its content and returns what it should hold, of the same length,
// and only the bytes that differ are written, each run of them where it
// is. The file keeps its inode and every byte edit left alone; nothing is
// synced. Where WriteFileIn makes a new file for each write (an inode
// allocated, one freed, two syncs), this suits small edits made often
// whose loss costs nothing, such as checkboxes a later run sets again: a
// write of one byte is whole or not made at all, so a process killed
// part-way leaves each changed byte either old or new. An error of edit is
// returned as it is, with nothing written.
func PatchFileIn(root *os.Root, rel string, edit func(data []byte) ([]byte, error)) ([]byte, error) {
	dir, _, err := OpenDirIn(root, path.Dir(rel), false)
	if err != nil {
		return nil, fmt.Errorf("write %s: %w", rel, err)
	}
	defer dir.Close()
	base := path.Base(rel)
	before, err := dir.Lstat(base)
	if err != nil {
		return nil, fmt.Errorf("write %s: %w", rel, unwrapPath(err))
	}
	if !before.Mode().IsRegular() {
		return nil, fmt.Errorf("write %s: %w", rel, ErrNotRegular)
	}
	f, err := dir.OpenFile(base, os.O_RDWR, 0)
	if err != nil {
		return nil, fmt.Errorf("write %s: %w", rel, unwrapPath(err))
	}
	defer f.Close()
	// What was opened is what was looked at: not a link put in its place.
	if fi, err := f.Stat(); err != nil || !os.SameFile(before, fi) {
		return nil, fmt.Errorf("write %s: %w", rel, ErrNotRegular)
	}
	data, err := io.ReadAll(f)
	if err != nil {
		return nil, fmt.Errorf("write %s: %w", rel, unwrapPath(err))
	}
	out, err := edit(data)
	if err != nil {
		return nil, err
	}
	if len(out) != len(data) {
		return nil, fmt.Errorf("write %s: an edit in place cannot change the length (%d to %d bytes)", rel, len(data), len(out))
	}
	for i := 0; i < len(out); i++ {
		if out[i] == data[i] {
			continue
		}
		j := i + 1
		for j < len(out) && out[j] != data[j] {
			j++
		}
		if _, err := f.WriteAt(out[i:j], int64(i)); err != nil {
			return nil, fmt.Errorf("write %s: %w", rel, unwrapPath(err))
		}
		i = j
	}
	return out, nil
}

// SyncDirIn flushes the entries of the directory dir refers to, so that a
// rename in it is durable.
func SyncDirIn(dir *os.Root) error {
	if runtime.GOOS == "windows" {
		return nil // see SyncDir
	}
	return syncIn(dir, ".")
}

// syncIn opens name in dir and syncs it.
func syncIn(dir *os.Root, name string) error {
	f, err := dir.Open(name)
	if err != nil {
		return err
	}
	err = f.Sync()
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}

// maxTempBase is how much of a file's name its temporary name keeps: the
// rest of the temporary name takes 25 bytes, and a name may have 255.
const maxTempBase = 200

// TempName returns a name for a temporary file next to the file base: a
// hidden name that says which file it is for and that kirofile made it,
// ".BASE.kirofile-RANDOM.tmp", with BASE cut short enough (at a character
// boundary) that the whole fits the 255 bytes file systems allow even
// when base itself takes all of them. The leading dot keeps a temporary
// file a crash leaves behind out of globs and listings that skip hidden
// files; IsLeftover recognises it.
func TempName(base string) string {
	if len(base) > maxTempBase {
		cut := maxTempBase
		for cut > 0 && !utf8.RuneStart(base[cut]) {
			cut--
		}
		base = base[:cut]
	}
	var b [6]byte
	_, _ = rand.Read(b[:])
	return "." + base + ".kirofile-" + hex.EncodeToString(b[:]) + ".tmp"
}

// BackupName is the second name a file gets while it is being replaced,
// for undoing the replacement: its temporary name ending in ".old".
func BackupName(tmp string) string { return strings.TrimSuffix(tmp, ".tmp") + ".old" }

// leftover matches the temporary and backup names of TempName and
// BackupName.
var leftover = regexp.MustCompile(`^\..*\.kirofile-[0-9a-f]+\.(?:tmp|old)$`)

// IsLeftover reports whether a file name is one of kirofile's temporary or
// backup names, which only a crash leaves behind.
func IsLeftover(name string) bool {
	// Every such name is hidden: most names are settled without the
	// regular expression (plan asks of every file next to those it hashes).
	return strings.HasPrefix(name, ".") && leftover.MatchString(name)
}

// CreateTempIn creates a new file for writing in dir with a TempName for
// base and the permission bits perm, and returns its name and the open
// file.
func CreateTempIn(dir *os.Root, base string, perm os.FileMode) (string, *os.File, error) {
	for try := 0; ; try++ {
		name := TempName(base)
		f, err := dir.OpenFile(name, os.O_WRONLY|os.O_CREATE|os.O_EXCL, perm)
		if err == nil {
			return name, f, nil
		}
		if !errors.Is(err, fs.ErrExist) || try == 100 {
			return "", nil, unwrapPath(err)
		}
	}
}

// RemoveLeftovers removes the temporary and backup files (IsLeftover) that
// an interrupted write left in the directory rel inside root, without
// following symbolic links to it, and returns their paths relative to
// root. A directory that does not exist has none.
func RemoveLeftovers(root *os.Root, rel string) ([]string, error) {
	dir, _, err := OpenDirIn(root, rel, false)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	defer dir.Close()
	f, err := dir.Open(".")
	if err != nil {
		return nil, err
	}
	names, err := f.Readdirnames(-1)
	f.Close()
	if err != nil {
		return nil, err
	}
	var removed []string
	var errs []error
	for _, name := range names {
		if !IsLeftover(name) {
			continue
		}
		if fi, err := dir.Lstat(name); err != nil || !fi.Mode().IsRegular() {
			continue
		}
		if err := dir.Remove(name); err != nil {
			errs = append(errs, err)
			continue
		}
		removed = append(removed, path.Join(rel, name))
	}
	return removed, errors.Join(errs...)
}

// FindLeftovers is RemoveLeftovers without the removing: the paths of the
// leftover files in the directory rel of the project dir, for plan to
// report. It only reads names, so it lists the directory as it is, the
// cheapest way.
func FindLeftovers(dir, rel string) []string {
	f, err := OpenRead(filepath.Join(dir, filepath.FromSlash(rel)))
	if err != nil {
		return nil
	}
	names, _ := f.Readdirnames(-1)
	f.Close()
	var out []string
	for _, name := range names {
		if IsLeftover(name) {
			out = append(out, path.Join(rel, name))
		}
	}
	return out
}
