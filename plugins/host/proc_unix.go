//go:build unix

package host

import (
	"os"
	"os/exec"
	"strconv"
	"syscall"

	"github.com/kirofile/kirofile/plugins/sdk"
)

// lifeline ties a plugin process to kirofile (see prepare).
type lifeline struct {
	r, w *os.File // the pipe; the plugin holds r, kirofile w
	pid  int
}

// prepare sets a plugin command up to live no longer than kirofile:
//
//   - it runs in its own process group, so that a Ctrl-C at the terminal
//     reaches kirofile alone, which decides how plugins end, and so that
//     the group, with whatever the plugin started in it, can be killed;
//   - it holds the read end of a pipe whose other end only kirofile
//     holds: when kirofile ends, however it ends, the pipe closes and the
//     plugin stops what it started and exits (sdk.HostPipeEnv);
//   - on Linux, it also gets SIGTERM when kirofile dies.
func prepare(cmd *exec.Cmd) (*lifeline, error) {
	r, w, err := os.Pipe()
	if err != nil {
		return nil, err
	}
	cmd.ExtraFiles = append(cmd.ExtraFiles, r)
	cmd.Env = append(cmd.Env, sdk.HostPipeEnv+"="+strconv.Itoa(2+len(cmd.ExtraFiles)))
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	setParentDeathSignal(cmd.SysProcAttr)
	return &lifeline{r: r, w: w}, nil
}

// started notes the plugin's process, once it runs. The plugin has its
// copy of the pipe's read end; kirofile's would keep the pipe open.
func (l *lifeline) started(p *os.Process) {
	_ = l.r.Close()
	if p != nil {
		l.pid = p.Pid
	}
}

// release closes kirofile's end of the pipe: the plugin stops what it
// started and exits.
func (l *lifeline) release() {
	_ = l.r.Close()
	_ = l.w.Close()
}

// kill kills the plugin's process group: the plugin, and what it started
// without a group of its own.
func (l *lifeline) kill() {
	if l.pid > 0 {
		_ = syscall.Kill(-l.pid, syscall.SIGKILL)
	}
}
