package host

import "syscall"

// setParentDeathSignal makes Linux send the plugin SIGTERM when kirofile
// dies; the plugin then stops what it started and exits (sdk).
func setParentDeathSignal(attr *syscall.SysProcAttr) {
	attr.Pdeathsig = syscall.SIGTERM
}
