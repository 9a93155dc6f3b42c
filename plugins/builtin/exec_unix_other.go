//go:build unix && !linux

package builtin

import "syscall"

// setParentDeathSignal: there is no parent-death signal here; the plugin
// kills the command's group when its host goes away (sdk.OnHostExit).
func setParentDeathSignal(*syscall.SysProcAttr) {}
