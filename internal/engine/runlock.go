package engine

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"syscall"
	"time"

	"github.com/kirofile/kirofile/internal/cache"
)

// RunLock keeps a second apply out of a project while one runs: an
// exclusive flock on .kirofile/run.lock, which the kernel releases when the
// process dies, so a crash never leaves a stale lock behind. The file holds
// who has it, for the message the second apply prints.
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

// AcquireRunLock takes the project's run lock without waiting.
func AcquireRunLock(projectDir, command string) (*RunLock, error) {
	if err := cache.EnsureWorkDir(projectDir); err != nil {
		return nil, fmt.Errorf("creating .kirofile/: %w", err)
	}
	path := filepath.Join(projectDir, ".kirofile", "run.lock")
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return nil, fmt.Errorf("opening the run lock: %w", err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		defer f.Close()
		var h Holder
		data, _ := os.ReadFile(path)
		if json.Unmarshal(data, &h) == nil && h.PID != 0 {
			return nil, fmt.Errorf("%w: %s (pid %d on %s) started %s; wait for it to finish, or stop it",
				ErrLocked, h.Command, h.PID, h.Host, h.Started.Local().Format(time.DateTime))
		}
		return nil, fmt.Errorf("%w; wait for it to finish, or stop it", ErrLocked)
	}
	host, _ := os.Hostname()
	info, _ := json.Marshal(Holder{PID: os.Getpid(), Host: host, Command: command, Started: time.Now().UTC()})
	if err := f.Truncate(0); err == nil {
		_, _ = f.WriteAt(append(info, '\n'), 0)
		_ = f.Sync()
	}
	return &RunLock{f: f}, nil
}

// Release gives the run lock back.
func (l *RunLock) Release() {
	if l == nil || l.f == nil {
		return
	}
	_ = l.f.Truncate(0)
	_ = syscall.Flock(int(l.f.Fd()), syscall.LOCK_UN)
	_ = l.f.Close()
	l.f = nil
}
