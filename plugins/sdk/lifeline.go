package sdk

import (
	"io"
	"os"
	"os/signal"
	"strconv"
	"sync"
	"syscall"
)

// HostPipeEnv names the file descriptor of the pipe a plugin's host holds
// open for as long as it lives. The host never writes to it: when the host
// ends, however it ends (kill -9 included), the pipe closes, and the
// plugin ends too, after stopping what it started (OnHostExit). Hosts on
// Linux also set a parent-death signal (SIGTERM), which has the same
// effect; on Windows the host puts the plugin in a job object that ends
// with it.
const HostPipeEnv = "KIROFILE_HOST_PIPE"

// cleanups are the functions OnHostExit registered, by id.
var cleanups struct {
	sync.Mutex
	next int
	fns  map[int]func()
	done bool // the plugin is ending: what registers now is stopped at once
}

// OnHostExit registers f to run when the plugin stops serving: the host
// went away, sent SIGTERM, or closed the connection. A plugin that starts
// processes registers a function that stops them (and their own children),
// so that none outlives the run. The returned function unregisters f; call
// it once the process ended by itself.
func OnHostExit(f func()) (unregister func()) {
	cleanups.Lock()
	defer cleanups.Unlock()
	if cleanups.done {
		go f()
		return func() {}
	}
	if cleanups.fns == nil {
		cleanups.fns = map[int]func(){}
	}
	id := cleanups.next
	cleanups.next++
	cleanups.fns[id] = f
	return func() {
		cleanups.Lock()
		defer cleanups.Unlock()
		delete(cleanups.fns, id)
	}
}

// runCleanups runs every registered function, once.
func runCleanups() {
	cleanups.Lock()
	fns := cleanups.fns
	cleanups.fns = nil
	cleanups.done = true
	cleanups.Unlock()
	for _, f := range fns {
		f()
	}
}

// hostGone ends the plugin: its host is gone, and it serves no one.
func hostGone() {
	runCleanups()
	os.Exit(2)
}

// watchHost ends the plugin when its host does: when the pipe HostPipeEnv
// names closes, or on SIGTERM (the parent-death signal on Linux, and what
// a system sends when shutting down).
func watchHost() {
	term := make(chan os.Signal, 1)
	signal.Notify(term, syscall.SIGTERM)
	go func() {
		<-term
		hostGone()
	}()
	fd, err := strconv.Atoi(os.Getenv(HostPipeEnv))
	// Not passed on: the commands a plugin runs have hosts of their own.
	_ = os.Unsetenv(HostPipeEnv)
	if err != nil || fd < 3 {
		return
	}
	pipe := os.NewFile(uintptr(fd), "kirofile-host")
	if pipe == nil {
		return
	}
	go func() {
		// Nothing is ever written: this returns when the host's end closes.
		_, _ = io.Copy(io.Discard, pipe)
		hostGone()
	}()
}
