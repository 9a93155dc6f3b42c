// Package runlock keeps a second kirofile command that writes the lock file
// out of a project while one runs: an exclusive OS lock on
// .kirofile/run.lock, which the system releases when the process dies, so
// a crash never leaves a stale lock behind. The file holds who has it, for
// the message the second command prints.
package runlock

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/kirofile/kirofile/internal/cache"
)

// RunLock is a held run lock.
type RunLock struct {
	f *os.File
}

// Holder is written into the run lock.
type Holder struct {
	PID     int       `json:"pid"`
	Host    string    `json:"host"`
	Command string    `json:"command"`
	Started time.Time `json:"started"`
}

// ErrLocked is returned when another process holds the run lock.
var ErrLocked = errors.New("another kirofile run holds this project")

// retryInterval is how often a waiting Acquire tries again.
const retryInterval = 100 * time.Millisecond

// Acquire takes the project's run lock, waiting up to wait for another
// process to give it back (0: not at all).
func Acquire(projectDir, command string, wait time.Duration) (*RunLock, error) {
	if err := cache.EnsureWorkDir(projectDir); err != nil {
		return nil, fmt.Errorf("creating .kirofile/: %w", err)
	}
	path := filepath.Join(projectDir, ".kirofile", "run.lock")
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return nil, fmt.Errorf("opening the run lock: %w", err)
	}
	deadline := time.Now().Add(wait)
	for {
		err = tryLock(f)
		if err == nil || !errors.Is(err, errBusy) || !time.Now().Before(deadline) {
			break
		}
		time.Sleep(min(retryInterval, time.Until(deadline)))
	}
	if errors.Is(err, errBusy) {
		defer f.Close()
		var h Holder
		data, _ := os.ReadFile(path)
		waited := ""
		if wait > 0 {
			waited = fmt.Sprintf(" (waited %s)", wait)
		}
		if json.Unmarshal(data, &h) == nil && h.PID != 0 {
			return nil, fmt.Errorf("%w%s: %s (pid %d on %s) started %s; wait for it to finish, or stop it",
				ErrLocked, waited, h.Command, h.PID, h.Host, h.Started.Local().Format(time.DateTime))
		}
		return nil, fmt.Errorf("%w%s; wait for it to finish, or stop it", ErrLocked, waited)
	}
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("locking %s: %w", path, err)
	}
	host, _ := os.Hostname()
	info, _ := json.Marshal(Holder{PID: os.Getpid(), Host: host, Command: command, Started: time.Now().UTC()})
	if err := f.Truncate(0); err == nil {
		_, _ = f.WriteAt(append(info, '\n'), 0)
		_ = f.Sync()
	}
	return &RunLock{f: f}, nil
}

// Release gives the run lock back. It is safe on nil.
func (l *RunLock) Release() {
	if l == nil || l.f == nil {
		return
	}
	_ = l.f.Truncate(0)
	_ = unlock(l.f)
	_ = l.f.Close()
	l.f = nil
}
