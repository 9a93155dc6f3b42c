package builtin

import "syscall"

// setParentDeathSignal kills the command when the plugin process that
// started it dies, however it dies.
func setParentDeathSignal(attr *syscall.SysProcAttr) {
	attr.Pdeathsig = syscall.SIGKILL
}
