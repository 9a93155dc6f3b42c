//go:build unix

package runlock

import (
	"errors"
	"os"
	"syscall"
)

// errBusy: another process holds the lock.
var errBusy = errors.New("run lock busy")

func tryLock(f *os.File) error {
	err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
	if errors.Is(err, syscall.EWOULDBLOCK) {
		return errBusy
	}
	return err
}

func unlock(f *os.File) error {
	return syscall.Flock(int(f.Fd()), syscall.LOCK_UN)
}
