//go:build unix && !linux

package host

import "syscall"

// setParentDeathSignal: there is no parent-death signal here; the pipe
// does the work (see prepare).
func setParentDeathSignal(*syscall.SysProcAttr) {}
