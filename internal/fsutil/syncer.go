package fsutil

import (
	"errors"
	"io/fs"
	"os"
	"path"
	"runtime"
	"sync"
)

// Syncer syncs files, and the directories holding their entries, some
// time after they were written: for a new file, waiting for the disk is
// the longest step of a write, and nothing needs the file durable until
// something records it as written. What records such files (the lock)
// calls Sync first, so that after a crash of the system no record names a
// file that did not reach the disk; until then, a file lost in a crash is
// one the record of an interrupted run names, as after a kill.
//
// Paths are relative to the root directory, with forward slashes, and are
// opened through it. A path gone by the time of the sync is skipped: it
// was removed, or renamed over by a later write that synced it.
type Syncer struct {
	root string
	// syncing is held through a Sync: a Sync that finds nothing queued
	// must still wait for one in progress, which took its files.
	syncing sync.Mutex

	mu     sync.Mutex
	files  []string
	dirs   []string
	queued map[string]bool // files and directories waiting, "/" ended for directories
}

// NewSyncer returns a Syncer for files under the directory root.
func NewSyncer(root string) *Syncer {
	return &Syncer{root: root, queued: map[string]bool{}}
}

// Add queues files, and the directories holding their entries, for the
// next Sync.
func (s *Syncer) Add(files ...string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, f := range files {
		s.addFileLocked(f)
		s.addDirLocked(path.Dir(f))
	}
}

func (s *Syncer) addFileLocked(f string) {
	if !s.queued[f] {
		s.queued[f] = true
		s.files = append(s.files, f)
	}
}

// AddDir queues a directory, whose entries changed, for the next Sync.
func (s *Syncer) AddDir(dir string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.addDirLocked(dir)
}

func (s *Syncer) addDirLocked(dir string) {
	if runtime.GOOS == "windows" {
		return // see SyncDir
	}
	if key := dir + "/"; !s.queued[key] {
		s.queued[key] = true
		s.dirs = append(s.dirs, dir)
	}
}

// Len is how many files and directories wait for the next Sync.
func (s *Syncer) Len() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.files) + len(s.dirs)
}

// syncWorkers is how many files Sync syncs at once: a sync mostly waits
// for the device, which takes several requests at a time.
const syncWorkers = 4

// Sync syncs everything queued before the call, files first and then
// directories, and waits for a Sync in progress. What fails to sync stays
// queued for the next call, and the errors are returned.
func (s *Syncer) Sync() error {
	s.syncing.Lock()
	defer s.syncing.Unlock()
	s.mu.Lock()
	files, dirs := s.files, s.dirs
	s.files, s.dirs = nil, nil
	for _, f := range files {
		delete(s.queued, f)
	}
	for _, d := range dirs {
		delete(s.queued, d+"/")
	}
	s.mu.Unlock()
	if len(files)+len(dirs) == 0 {
		return nil
	}
	root, err := os.OpenRoot(s.root)
	if err != nil {
		s.requeue(files, dirs)
		return err
	}
	defer root.Close()
	failedFiles, ferr := syncAll(root, files)
	// A directory is synced after the files whose entries it holds.
	failedDirs, derr := syncAll(root, dirs)
	s.requeue(failedFiles, failedDirs)
	return errors.Join(ferr, derr)
}

// syncAll syncs the paths, syncWorkers at a time, and returns those that
// failed with their errors.
func syncAll(root *os.Root, paths []string) ([]string, error) {
	var (
		mu     sync.Mutex
		failed []string
		errs   []error
		wg     sync.WaitGroup
	)
	next := make(chan string)
	for range min(syncWorkers, len(paths)) {
		wg.Go(func() {
			for p := range next {
				if err := syncOne(root, p); err != nil {
					mu.Lock()
					failed = append(failed, p)
					errs = append(errs, err)
					mu.Unlock()
				}
			}
		})
	}
	for _, p := range paths {
		next <- p
	}
	close(next)
	wg.Wait()
	return failed, errors.Join(errs...)
}

func syncOne(root *os.Root, p string) error {
	if err := syncIn(root, p); !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	return nil
}

func (s *Syncer) requeue(files, dirs []string) {
	if len(files)+len(dirs) == 0 {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, f := range files {
		s.addFileLocked(f)
	}
	for _, d := range dirs {
		s.addDirLocked(d)
	}
}
