//go:build unix

package builtin

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kirofile/kirofile/plugins/host"
	"github.com/kirofile/kirofile/plugins/sdk"

	"github.com/kirofile/kirofile/providers"
)

// The exec action's tests run sh, so they run where there is one.

func execReq(t *testing.T, dir string, cfg ExecConfig) sdk.ActionRequest {
	b, err := json.Marshal(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return sdk.ActionRequest{Event: "codegen.completed", NodeAddress: "feature.f.codegen.c", ProjectDir: dir, Config: b}
}

func TestExecAction(t *testing.T) {
	dir := t.TempDir()
	if err := os.Mkdir(filepath.Join(dir, "sub"), 0o755); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		cfg     ExecConfig
		passed  bool
		output  []string
		wantErr string
		// exit is the exit status reported; -1 for none.
		exit int
	}{
		{name: "pass", cfg: ExecConfig{Command: []string{"sh", "-c", "echo out; echo err >&2"}}, passed: true, output: []string{"out\n", "err\n"}, exit: 0},
		{name: "no shell expansion", cfg: ExecConfig{Command: []string{"echo", "$HOME", "*"}}, passed: true, output: []string{"$HOME *"}},
		{name: "exit status", cfg: ExecConfig{Command: []string{"sh", "-c", "echo broken; exit 3"}}, output: []string{"broken", "exited with status 3"}, exit: 3},
		{name: "env and dir", cfg: ExecConfig{Command: []string{"sh", "-c", "echo $GREETING; pwd"}, Env: map[string]string{"GREETING": "hi"}, Dir: "sub"}, passed: true, output: []string{"hi\n", filepath.Join(dir, "sub")}},
		{name: "timeout", cfg: ExecConfig{Command: []string{"sh", "-c", "echo started; sleep 30"}, Timeout: "200ms"}, output: []string{"started", "timed out after 200ms and was killed"}, exit: -1},
		{name: "not found", cfg: ExecConfig{Command: []string{"kirofile-no-such-command"}}, wantErr: "cannot run"},
		{name: "no command", cfg: ExecConfig{}, wantErr: "command is required"},
		{name: "bad timeout", cfg: ExecConfig{Command: []string{"true"}, Timeout: "-1s"}, wantErr: "timeout"},
		{name: "dir escapes", cfg: ExecConfig{Command: []string{"true"}, Dir: "../x"}, wantErr: "leaves the project"},
		{name: "dir absolute", cfg: ExecConfig{Command: []string{"true"}, Dir: "/tmp"}, wantErr: "absolute"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, err := ExecAction{}.Run(context.Background(), execReq(t, dir, tt.cfg))
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if res.Passed != tt.passed {
				t.Errorf("passed = %v, output %q", res.Passed, res.Output)
			}
			for _, w := range tt.output {
				if !strings.Contains(string(res.Output), w) {
					t.Errorf("output %q lacks %q", res.Output, w)
				}
			}
			switch {
			case tt.exit < 0 && res.ExitCode != nil:
				t.Errorf("exit status %d reported for a command that did not exit", *res.ExitCode)
			case tt.exit >= 0 && (res.ExitCode == nil || *res.ExitCode != tt.exit):
				t.Errorf("exit status %v, want %d", res.ExitCode, tt.exit)
			}
		})
	}
	if _, err := (ExecAction{}).Run(context.Background(), sdk.ActionRequest{ProjectDir: dir, Config: []byte(`{"command":["true"],"shell":true}`)}); !errors.Is(err, providers.ErrConfig) {
		t.Errorf("unknown attribute: err = %v", err)
	}
}

func TestExecOutputCapped(t *testing.T) {
	dir := t.TempDir()
	res, err := ExecAction{}.Run(context.Background(), execReq(t, dir, ExecConfig{Command: []string{"sh", "-c", "echo FIRST; head -c 200000 /dev/zero | tr '\\0' x; echo; echo LAST; exit 1"}}))
	if err != nil {
		t.Fatal(err)
	}
	out := string(res.Output)
	if len(out) > MaxExecOutput+512 {
		t.Errorf("output is %d bytes", len(out))
	}
	for _, w := range []string{"FIRST", "LAST", "output truncated", "exited with status 1"} {
		if !strings.Contains(out, w) {
			t.Errorf("output lacks %q", w)
		}
	}
}

func TestBuiltinExecOverTheProtocol(t *testing.T) {
	dir := t.TempDir()
	m := newTestManager(t, host.ManagerOptions{Dir: dir}, builtinLauncher(t, sdk.KindAction, "exec"))
	a, err := m.Action(context.Background(), "exec")
	if err != nil {
		t.Fatal(err)
	}
	res, err := a.Run(context.Background(), sdk.ActionRequest{ProjectDir: dir, Config: []byte(`{"command":["sh","-c","echo from exec; exit 2"]}`)})
	if err != nil {
		t.Fatal(err)
	}
	if res.Passed || !strings.Contains(string(res.Output), "from exec") || !strings.Contains(string(res.Output), "status 2") {
		t.Fatalf("res = %+v %q", res, res.Output)
	}
}
