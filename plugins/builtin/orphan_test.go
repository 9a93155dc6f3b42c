//go:build unix

package builtin

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/kirofile/kirofile/plugins/host"
	"github.com/kirofile/kirofile/plugins/sdk"
)

// hostHelper makes the test binary act as kirofile: a plugin host that
// runs one exec hook, whose command starts a child of its own and waits,
// and then waits itself until it is killed. The value is a directory
// where the hook's command writes the pids of the plugin, itself and its
// child.
const hostHelper = "KIROFILE_TEST_HOST"

func init() {
	if dir := os.Getenv(hostHelper); dir != "" {
		runHostHelper(dir)
	}
}

func runHostHelper(dir string) {
	// The plugins this host starts are this binary too: they must serve.
	_ = os.Unsetenv(hostHelper)
	exe, _ := os.Executable()
	m := host.NewManager(host.ManagerOptions{Dir: dir})
	_ = m.Register(host.Launcher{Name: "exec", Kind: sdk.KindAction, Path: exe,
		Env: []string{builtinHelper + "=1", builtinHelper + "_ARGS=action exec"}})
	a, err := m.Action(context.Background(), "exec")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	cfg, _ := json.Marshal(ExecConfig{Command: []string{"sh", "-c",
		"echo $PPID > plugin.pid; echo $$ > hook.pid; sleep 300 & echo $! > child.pid; wait"}})
	_, _ = a.Run(context.Background(), sdk.ActionRequest{Event: "codegen.completed", ProjectDir: dir, Config: cfg})
	select {}
}

// alive reports whether a process exists and is not a zombie (one that
// died and waits for a parent to reap it: in a container whose first
// process reaps nothing, orphans end as zombies).
func alive(pid int) bool {
	if syscall.Kill(pid, 0) != nil {
		return false
	}
	if runtime.GOOS == "linux" {
		stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
		if err != nil {
			return false
		}
		// The state follows the command name, which is in parentheses.
		if i := bytes.LastIndexByte(stat, ')'); i > 0 && i+2 < len(stat) {
			return stat[i+2] != 'Z'
		}
		return true
	}
	out, err := exec.Command("ps", "-o", "stat=", "-p", strconv.Itoa(pid)).Output()
	return err == nil && !strings.HasPrefix(strings.TrimSpace(string(out)), "Z")
}

// TestPluginsDieWithTheirHost kills a host with SIGKILL while a hook runs
// a command that started a child of its own: the plugin process, the
// command and its child must all end, though nothing ran in the host to
// end them.
func TestPluginsDieWithTheirHost(t *testing.T) {
	if testing.Short() {
		t.Skip("starts processes and waits for them to end")
	}
	dir := t.TempDir()
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	hostCmd := exec.Command(exe, "-test.run=^$")
	hostCmd.Env = append(os.Environ(), hostHelper+"="+dir)
	var stderr bytes.Buffer
	hostCmd.Stderr = &stderr
	if err := hostCmd.Start(); err != nil {
		t.Fatal(err)
	}
	pids := map[string]int{}
	deadline := time.Now().Add(20 * time.Second)
	for _, name := range []string{"plugin", "hook", "child"} {
		for {
			b, err := os.ReadFile(filepath.Join(dir, name+".pid"))
			if n, perr := strconv.Atoi(strings.TrimSpace(string(b))); err == nil && perr == nil {
				pids[name] = n
				break
			}
			if time.Now().After(deadline) {
				_ = hostCmd.Process.Kill()
				t.Fatalf("the hook did not start: %s", stderr.String())
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	if err := hostCmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	_ = hostCmd.Wait()
	deadline = time.Now().Add(10 * time.Second)
	for name, pid := range pids {
		for alive(pid) {
			if time.Now().After(deadline) {
				for _, p := range pids {
					_ = syscall.Kill(p, syscall.SIGKILL)
				}
				t.Fatalf("the %s process (pid %d) outlived its host by 10s: %v", name, pid, pids)
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
}
