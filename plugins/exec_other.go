//go:build !unix

package plugins

import "os/exec"

// setProcessGroup: without process groups, the command alone is killed.
func setProcessGroup(cmd *exec.Cmd) {}
