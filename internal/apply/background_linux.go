package apply

import (
	"runtime"
	"sync"
	"syscall"
)

// inBackground runs f on the background thread: one thread, kept for the
// life of the process, at the lowest priority (nice 19; on Linux a
// thread's own), for work that may wait when the run needs the CPU. It is
// never handed to other goroutines, nor cloned for new threads (the Go
// runtime starts those from a thread of its own). It never ends either: a
// plugin started from it would get its parent-death signal
// (host.setParentDeathSignal) when the thread ended, not the process.
func inBackground(f func()) {
	backgroundOnce.Do(func() {
		backgroundWork = make(chan func(), 64)
		go func() {
			runtime.LockOSThread()
			_ = syscall.Setpriority(syscall.PRIO_PROCESS, syscall.Gettid(), 19)
			for f := range backgroundWork {
				f()
			}
		}()
	})
	backgroundWork <- f
}

var (
	backgroundOnce sync.Once
	backgroundWork chan func()
)
