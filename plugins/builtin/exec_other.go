//go:build !unix

package builtin

import "os/exec"

// setProcessGroup: on Windows the command is in the plugin's job object
// (see plugins/host), which ends with kirofile; a timeout kills the
// command itself.
func setProcessGroup(cmd *exec.Cmd) {}

// killProcessGroup kills the command.
func killProcessGroup(cmd *exec.Cmd) {
	if cmd.Process != nil {
		_ = cmd.Process.Kill()
	}
}
