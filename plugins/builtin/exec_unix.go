//go:build unix

package builtin

import (
	"os/exec"
	"syscall"
)

// setProcessGroup runs the command in its own process group, so that its
// timeout, an interrupted run or the end of kirofile kills the whole group
// (`go test`'s test binaries with it) and nothing else; on Linux the
// command also dies with the plugin process that started it.
func setProcessGroup(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	setParentDeathSignal(cmd.SysProcAttr)
	cmd.Cancel = func() error {
		killProcessGroup(cmd)
		return nil
	}
}

// killProcessGroup kills the command's process group.
func killProcessGroup(cmd *exec.Cmd) {
	if cmd.Process != nil {
		_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
	}
}
