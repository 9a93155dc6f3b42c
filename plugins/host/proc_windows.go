package host

import (
	"os"
	"os/exec"
	"syscall"
	"unsafe"

	"golang.org/x/sys/windows"
)

// lifeline ties a plugin process to kirofile through a job object.
type lifeline struct {
	job windows.Handle
}

// prepare sets a plugin command up to live no longer than kirofile: it
// runs in a process group of its own (a Ctrl-C at the console reaches
// kirofile alone), and once started it joins a job object that kills
// every process in it, the plugin's children too, when the job's last
// handle closes: when kirofile ends, however it ends.
func prepare(cmd *exec.Cmd) (*lifeline, error) {
	cmd.SysProcAttr = &syscall.SysProcAttr{CreationFlags: syscall.CREATE_NEW_PROCESS_GROUP}
	job, err := windows.CreateJobObject(nil, nil)
	if err != nil {
		return nil, err
	}
	info := windows.JOBOBJECT_EXTENDED_LIMIT_INFORMATION{
		BasicLimitInformation: windows.JOBOBJECT_BASIC_LIMIT_INFORMATION{LimitFlags: windows.JOB_OBJECT_LIMIT_KILL_ON_JOB_CLOSE},
	}
	if _, err := windows.SetInformationJobObject(job, windows.JobObjectExtendedLimitInformation,
		uintptr(unsafe.Pointer(&info)), uint32(unsafe.Sizeof(info))); err != nil {
		_ = windows.CloseHandle(job)
		return nil, err
	}
	return &lifeline{job: job}, nil
}

// started puts the plugin's process in the job. Processes it starts from
// then on are in the job too.
func (l *lifeline) started(p *os.Process) {
	if p == nil {
		return
	}
	h, err := windows.OpenProcess(windows.PROCESS_SET_QUOTA|windows.PROCESS_TERMINATE, false, uint32(p.Pid))
	if err != nil {
		return
	}
	_ = windows.AssignProcessToJobObject(l.job, h)
	_ = windows.CloseHandle(h)
}

// release: the job does what a pipe does elsewhere.
func (l *lifeline) release() {}

// kill ends every process of the job.
func (l *lifeline) kill() {
	if l.job != 0 {
		_ = windows.TerminateJobObject(l.job, 1)
		_ = windows.CloseHandle(l.job)
		l.job = 0
	}
}
