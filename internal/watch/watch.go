// Package watch reports which project files were saved, in debounced batches.
//
// It exists for `kirofile watch`, which runs hooks declared with
// on = ["file.saved"] when matching project files change. Editors and tools do
// not save a file in one step: they write temporary files, rename them over the
// target, touch swap files, and often save several files at once. Running a
// hook for every raw file-system event would run it many times for one save,
// so this package turns the raw event stream into batches of real, existing
// project files that settled after a quiet period.
package watch

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/bmatcuk/doublestar/v4"
	"github.com/fsnotify/fsnotify"
)

// DefaultDebounce is the quiet period used when Options.Debounce is zero.
// It is long enough to cover an editor's temp-write-then-rename sequence and a
// multi-file "save all", and short enough to feel immediate.
const DefaultDebounce = 300 * time.Millisecond

// errBuffer is how many errors may wait unread on Errors before newer ones are
// dropped. Errors are advisory, and a consumer that never reads them must not
// stall change delivery.
const errBuffer = 16

// Options tunes a Watcher. The zero value is ready to use.
type Options struct {
	// Debounce is the quiet period after the last change before a batch is
	// delivered; zero or negative means DefaultDebounce.
	Debounce time.Duration
	// Ignore reports whether a project-relative slash path is excluded. An
	// ignored directory is not watched at all, so nothing beneath it is
	// reported. Nil means DefaultIgnore.
	Ignore func(rel string, isDir bool) bool
}

// Watcher watches dir and every subdirectory (including ones created later),
// and delivers batches of project-relative slash paths of files that were
// written, created or renamed into place (deduplicated, sorted), after the
// debounce quiet period. Removed files are not reported, and an atomic save
// (write a temporary file, rename it over the target) shows as one change of
// the target.
type Watcher struct {
	root     string
	debounce time.Duration
	ignore   func(rel string, isDir bool) bool
	fsw      *fsnotify.Watcher
	// dirs holds the project-relative paths of the watched directories. It
	// is only touched by New and then by the loop goroutine.
	dirs map[string]struct{}

	batches chan []string
	errs    chan error

	done      chan struct{} // closed by Close to stop the loop
	loopDone  chan struct{} // closed by the loop when it has exited
	closeOnce sync.Once
	closeErr  error // result of closing fsw; read after loopDone
}

// New starts watching dir and its subdirectories. Changes made before New
// returns are not reported.
func New(dir string, opts Options) (*Watcher, error) {
	root, err := filepath.Abs(dir)
	if err != nil {
		return nil, fmt.Errorf("watch: %w", err)
	}
	fi, err := os.Stat(root)
	if err != nil {
		return nil, fmt.Errorf("watch: %w", err)
	}
	if !fi.IsDir() {
		return nil, fmt.Errorf("watch: %s is not a directory", dir)
	}
	fsw, err := fsnotify.NewWatcher()
	if err != nil {
		return nil, fmt.Errorf("watch: %w", err)
	}
	w := &Watcher{
		root:     root,
		debounce: opts.Debounce,
		ignore:   opts.Ignore,
		fsw:      fsw,
		dirs:     map[string]struct{}{},
		batches:  make(chan []string),
		errs:     make(chan error, errBuffer),
		done:     make(chan struct{}),
		loopDone: make(chan struct{}),
	}
	if w.debounce <= 0 {
		w.debounce = DefaultDebounce
	}
	if w.ignore == nil {
		w.ignore = DefaultIgnore
	}
	// Watches are added before the loop starts; the initial walk's files are
	// discarded because they existed before New and were not changed.
	if err := w.addTree(root, nil); err != nil {
		fsw.Close()
		return nil, fmt.Errorf("watch: %w", err)
	}
	go w.loop()
	return w, nil
}

// Batches delivers the changed files, one slice per settled burst of
// changes. It is closed after Close or a fatal error (for example when the
// watched directory itself is removed).
func (w *Watcher) Batches() <-chan []string { return w.batches }

// Errors delivers non-fatal problems (a subdirectory that could not be
// watched, a kernel event-queue overflow) and, last, the fatal error if any.
// It is closed together with Batches. Reading it is optional: when its small
// buffer is full, further non-fatal errors are dropped rather than stalling
// change delivery.
func (w *Watcher) Errors() <-chan error { return w.errs }

// Close stops watching, waits for the internal goroutine to exit and closes
// both channels. It is safe to call more than once and from any goroutine;
// every call returns the same result.
func (w *Watcher) Close() error {
	w.closeOnce.Do(func() { close(w.done) })
	<-w.loopDone
	return w.closeErr
}

// loop owns all mutable state: it collects events into pending, restarts the
// debounce timer on each relevant one, and turns pending into a batch when
// the timer fires. A finished batch that the consumer has not taken yet is
// kept in ready and merged with later ones, so a slow consumer never blocks
// event draining (which would overflow the kernel queue and lose changes).
func (w *Watcher) loop() {
	defer close(w.loopDone)
	defer close(w.batches)
	defer close(w.errs)
	defer func() { w.closeErr = w.fsw.Close() }()

	pending := map[string]struct{}{}
	var ready []string
	timer := time.NewTimer(w.debounce)
	timer.Stop()
	defer timer.Stop()

	for {
		var out chan []string
		if len(ready) > 0 {
			out = w.batches
		}
		select {
		case <-w.done:
			return
		case out <- ready:
			ready = nil
		case ev, ok := <-w.fsw.Events:
			if !ok {
				w.fatal(errors.New("watch: event stream closed unexpectedly"))
				return
			}
			relevant, err := w.handle(ev, pending)
			if err != nil {
				w.fatal(err)
				return
			}
			if relevant {
				timer.Reset(w.debounce)
			}
		case err, ok := <-w.fsw.Errors:
			if !ok {
				w.fatal(errors.New("watch: error stream closed unexpectedly"))
				return
			}
			w.report(fmt.Errorf("watch: %w", err))
		case <-timer.C:
			ready = mergeSorted(ready, w.settle(pending))
			clear(pending)
		}
	}
}

// handle records one raw event. It reports whether the event may change the
// next batch (and so should restart the quiet period), or a fatal error when
// the watched root itself went away.
func (w *Watcher) handle(ev fsnotify.Event, pending map[string]struct{}) (bool, error) {
	rel, ok := w.rel(ev.Name)
	if !ok {
		return false, nil
	}
	if rel == "." {
		if ev.Has(fsnotify.Remove) || ev.Has(fsnotify.Rename) {
			return false, fmt.Errorf("watch: %s was removed or renamed", w.root)
		}
		return false, nil
	}
	// Remove and Rename describe the old name, which no longer exists; the
	// new name of a rename arrives as its own Create. Chmod alone (touch,
	// permission changes, some indexers) does not change content.
	if !ev.Has(fsnotify.Create) && !ev.Has(fsnotify.Write) {
		if _, watched := w.dirs[rel]; watched {
			w.forget(rel)
		}
		// A vanished file may still be pending from earlier in the burst;
		// restarting the timer lets settle see the final state.
		_, was := pending[rel]
		return was, nil
	}
	fi, err := os.Lstat(ev.Name)
	if err != nil {
		// Already gone again (a temporary file): nothing to report, but a
		// burst is in progress.
		return true, nil
	}
	if fi.IsDir() {
		if !ev.Has(fsnotify.Create) || w.ignore(rel, true) {
			return false, nil
		}
		// Files may have been created in the new directory before its watch
		// was added; the walk picks them up so they are not lost.
		if err := w.addTree(ev.Name, pending); err != nil && !errors.Is(err, fs.ErrNotExist) {
			w.report(fmt.Errorf("watch: %w", err))
		}
		return true, nil
	}
	if w.ignore(rel, false) {
		return false, nil
	}
	pending[rel] = struct{}{}
	return true, nil
}

// addTree watches dir and every non-ignored directory below it. When files is
// not nil, the regular files found are added to it. Problems below dir (a
// subdirectory without permission, the kernel's watch limit) go to Errors and
// the walk goes on, so that one bad directory does not leave the rest
// unwatched; only a failure to watch dir itself is returned. Directories that
// vanish mid-walk are not problems: their removal is the change.
func (w *Watcher) addTree(dir string, files map[string]struct{}) error {
	skip := func(err error) {
		if !errors.Is(err, fs.ErrNotExist) {
			w.report(fmt.Errorf("watch: %w", err))
		}
	}
	return filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			if p == dir {
				return err
			}
			skip(err)
			return nil
		}
		rel, ok := w.rel(p)
		if !ok {
			return nil
		}
		if d.IsDir() {
			if rel != "." && w.ignore(rel, true) {
				return filepath.SkipDir
			}
			if err := w.fsw.Add(p); err != nil {
				if p == dir {
					return err
				}
				skip(fmt.Errorf("%s: %w", p, err))
				return filepath.SkipDir
			}
			w.dirs[rel] = struct{}{}
			return nil
		}
		if files != nil && d.Type().IsRegular() && !w.ignore(rel, false) {
			files[rel] = struct{}{}
		}
		return nil
	})
}

// forget drops the watches of a directory that was removed or renamed away,
// and of everything below it. For a removal this only tidies up. For a rename
// it is needed for correctness: the kernel keeps watching the moved
// directories under their old names, so without this the watches added for
// the new name would be merged into the old ones and changes below the new
// name would be reported under paths that no longer exist, that is, lost.
// Events arrive in order, so the old name is always forgotten before the new
// name's Create is handled.
func (w *Watcher) forget(rel string) {
	for d := range w.dirs {
		if d == rel || strings.HasPrefix(d, rel+"/") {
			delete(w.dirs, d)
			// The watch may already be gone (deleted directory, or the
			// watcher noticed the move itself); there is nothing to undo.
			_ = w.fsw.Remove(filepath.Join(w.root, filepath.FromSlash(d)))
		}
	}
}

// settle turns the paths touched in a burst into a batch: only paths that
// still exist as non-directories at the end of the quiet period are kept.
// This is what makes a temp-write-then-rename save show as the target alone,
// and a file created and deleted within one burst not show at all.
func (w *Watcher) settle(pending map[string]struct{}) []string {
	out := make([]string, 0, len(pending))
	for rel := range pending {
		fi, err := os.Lstat(filepath.Join(w.root, filepath.FromSlash(rel)))
		if err != nil || fi.IsDir() {
			continue
		}
		out = append(out, rel)
	}
	slices.Sort(out)
	return out
}

// rel converts an absolute event path to a project-relative slash path.
func (w *Watcher) rel(name string) (string, bool) {
	r, err := filepath.Rel(w.root, name)
	if err != nil || r == ".." || strings.HasPrefix(r, ".."+string(filepath.Separator)) {
		return "", false
	}
	return filepath.ToSlash(r), true
}

// report passes a non-fatal error on without ever blocking the loop.
func (w *Watcher) report(err error) {
	select {
	case w.errs <- err:
	default:
	}
}

// fatal delivers the error that ends the watcher. If the buffer is full, the
// oldest waiting error makes room, because the fatal one explains why the
// channels are about to close.
func (w *Watcher) fatal(err error) {
	for {
		select {
		case w.errs <- err:
			return
		default:
		}
		select {
		case <-w.errs:
		default:
		}
	}
}

// mergeSorted merges two sorted, duplicate-free slices into one.
func mergeSorted(a, b []string) []string {
	if len(a) == 0 {
		return b
	}
	out := append(a, b...)
	slices.Sort(out)
	return slices.Compact(out)
}

// ignoredNames are directories (and the odd file of the same name, such as
// the .git file of a worktree) that never hold project sources: version
// control data, kirofile's own state, and installed dependencies. Watching
// them would waste kernel watches and fire hooks on every git or npm command.
var ignoredNames = map[string]bool{
	".git":         true,
	".kirofile":    true,
	"node_modules": true,
}

// ignoredFilePatterns are the scratch files editors write next to the real
// one while saving: backups (*~), vim swap files (.*.swp and its siblings
// .swo, .swx), vim's write-permission probe (4913), emacs lock files (.#*),
// and generic temporary files (*.tmp). They are never the change a user means.
var ignoredFilePatterns = []string{
	"*~",
	".*.sw?",
	".#*",
	"4913",
	"*.tmp",
}

// DefaultIgnore is the Ignore used when Options.Ignore is nil. It matches on
// the last path element, so .git or node_modules are skipped at any depth.
func DefaultIgnore(rel string, isDir bool) bool {
	base := path.Base(rel)
	if ignoredNames[base] {
		return true
	}
	if isDir {
		return false
	}
	for _, p := range ignoredFilePatterns {
		if ok, _ := path.Match(p, base); ok {
			return true
		}
	}
	return false
}

// Match returns the paths of a batch matching any of the globs (doublestar
// syntax, e.g. "services/**/*.go"), in their original order. No globs means
// every path matches, so a hook without `match` runs for any saved file. A
// malformed glob matches nothing; globs are validated when the Kirofile is
// loaded, so this does not need to report it again.
func Match(paths []string, globs []string) []string {
	if len(globs) == 0 {
		return slices.Clone(paths)
	}
	var out []string
	for _, p := range paths {
		for _, g := range globs {
			if ok, _ := doublestar.Match(g, p); ok {
				out = append(out, p)
				break
			}
		}
	}
	return out
}
