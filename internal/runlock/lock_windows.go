//go:build windows

package runlock

import (
	"errors"
	"os"

	"golang.org/x/sys/windows"
)

// errBusy: another process holds the lock.
var errBusy = errors.New("run lock busy")

// Windows locks are mandatory: a locked byte cannot be read by another
// process. One byte far past the holder's record is locked, so that the
// process refused the lock can still read who holds it.
func lockRange() *windows.Overlapped {
	return &windows.Overlapped{OffsetHigh: 0x7fffffff}
}

func tryLock(f *os.File) error {
	err := windows.LockFileEx(windows.Handle(f.Fd()), windows.LOCKFILE_EXCLUSIVE_LOCK|windows.LOCKFILE_FAIL_IMMEDIATELY, 0, 1, 0, lockRange())
	if errors.Is(err, windows.ERROR_LOCK_VIOLATION) || errors.Is(err, windows.ERROR_IO_PENDING) {
		return errBusy
	}
	return err
}

func unlock(f *os.File) error {
	return windows.UnlockFileEx(windows.Handle(f.Fd()), 0, 1, 0, lockRange())
}
