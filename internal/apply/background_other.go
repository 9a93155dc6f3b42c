//go:build !linux

package apply

// inBackground runs f on a goroutine of its own: a thread's priority is
// the process's here.
func inBackground(f func()) { go f() }
