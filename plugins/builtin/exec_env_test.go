//go:build unix

package builtin

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kirofile/kirofile/plugins/sdk"

	"github.com/kirofile/kirofile/providers"
)

// runExecEnv runs `sh -c script` through the exec action with req and
// returns its output.
func runExecEnv(t *testing.T, req sdk.ActionRequest, script string, env map[string]string) string {
	t.Helper()
	b, err := json.Marshal(ExecConfig{Command: []string{"sh", "-c", script}, Env: env})
	if err != nil {
		t.Fatal(err)
	}
	req.Config = b
	res, err := ExecAction{}.Run(context.Background(), req)
	if err != nil {
		t.Fatal(err)
	}
	if !res.Passed {
		t.Fatalf("command failed: %q", res.Output)
	}
	return string(res.Output)
}

func TestExecActionEnv(t *testing.T) {
	dir := t.TempDir()
	codegen := sdk.ActionRequest{
		Event:        "codegen.completed",
		NodeAddress:  "feature.auth.codegen.api",
		Feature:      "auth",
		ProjectDir:   dir,
		FilesWritten: []string{"api/handler.go", "docs/read me.md"},
	}
	saved := sdk.ActionRequest{Event: "file.saved", ProjectDir: dir, FilesWritten: []string{"my file.go"}}
	tests := []struct {
		name string
		req  sdk.ActionRequest
		env  map[string]string
		// script prints something; want is its whole output.
		script string
		want   string
	}{
		{name: "files", req: codegen, script: `printf '%s' "$KIROFILE_FILES"`, want: "api/handler.go\ndocs/read me.md"},
		{name: "files one per line", req: codegen, script: `printf '%s\n' "$KIROFILE_FILES" | while IFS= read -r f; do printf '[%s]' "$f"; done`, want: "[api/handler.go][docs/read me.md]"},
		{name: "file with a space", req: saved, script: `printf '%s' "$KIROFILE_FILES"`, want: "my file.go"},
		{name: "event", req: codegen, script: `printf '%s' "$KIROFILE_EVENT"`, want: "codegen.completed"},
		{name: "node", req: codegen, script: `printf '%s' "$KIROFILE_NODE"`, want: "feature.auth.codegen.api"},
		{name: "feature", req: codegen, script: `printf '%s' "$KIROFILE_FEATURE"`, want: "auth"},
		{name: "project dir", req: codegen, script: `printf '%s' "$KIROFILE_PROJECT_DIR"`, want: dir},
		{name: "saved event", req: saved, script: `printf '%s' "$KIROFILE_EVENT"`, want: "file.saved"},
		// Empty values are still defined: ${X+set} expands only for a set X.
		{name: "empty node is set", req: saved, script: `printf '%s|%s' "${KIROFILE_NODE+set}" "$KIROFILE_NODE"`, want: "set|"},
		{name: "empty feature is set", req: saved, script: `printf '%s|%s' "${KIROFILE_FEATURE+set}" "$KIROFILE_FEATURE"`, want: "set|"},
		{name: "no files is set", req: sdk.ActionRequest{Event: "spec.approved", ProjectDir: dir}, script: `printf '%s|%s' "${KIROFILE_FILES+set}" "$KIROFILE_FILES"`, want: "set|"},
		{name: "task", req: sdk.ActionRequest{Event: "task.completed", NodeAddress: `feature.auth.codegen.api.task["2.1"]`, Feature: "auth", ProjectDir: dir, Task: "2.1"},
			script: `printf '%s %s' "$KIROFILE_TASK" "$KIROFILE_NODE"`, want: `2.1 feature.auth.codegen.api.task["2.1"]`},
		{name: "no task is set", req: codegen, script: `printf '%s|%s' "${KIROFILE_TASK+set}" "$KIROFILE_TASK"`, want: "set|"},
		{name: "user env beside them", req: codegen, env: map[string]string{"GREETING": "hi"}, script: `printf '%s %s' "$GREETING" "$KIROFILE_EVENT"`, want: "hi codegen.completed"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := runExecEnv(t, tt.req, tt.script, tt.env); got != tt.want {
				t.Errorf("output = %q, want %q", got, tt.want)
			}
		})
	}
}

// A hook's env may not set a variable the action provides: it is a
// configuration error, not a silent override either way.
func TestExecActionEnvReserved(t *testing.T) {
	dir := t.TempDir()
	for _, name := range []string{"KIROFILE_FILES", "KIROFILE_EVENT", "KIROFILE_NODE", "KIROFILE_FEATURE", "KIROFILE_PROJECT_DIR", "KIROFILE_TASK"} {
		t.Run(name, func(t *testing.T) {
			cfg := ExecConfig{Command: []string{"sh", "-c", "echo ran"}, Env: map[string]string{"A": "1", name: "mine"}}
			res, err := ExecAction{}.Run(context.Background(), execReq(t, dir, cfg))
			if !errors.Is(err, providers.ErrConfig) || !strings.Contains(err.Error(), "env may not set "+name) {
				t.Fatalf("err = %v, result %+v; want a config error naming %s", err, res, name)
			}
			var de *providers.DiagnosticsError
			if !errors.As(err, &de) || len(de.Diags) != 1 || len(de.Diags[0].Attribute) != 1 || de.Diags[0].Attribute[0] != "env" {
				t.Errorf("err = %#v, want one diagnostic on attribute env", err)
			}
		})
	}
	// Other KIROFILE_ names (KIROFILE_LOG for a nested kirofile) stay free.
	b, _ := json.Marshal(ExecConfig{Command: []string{"sh", "-c", `printf '%s' "$KIROFILE_LOG"`}, Env: map[string]string{"KIROFILE_LOG": "debug"}})
	res, err := ExecAction{}.Run(context.Background(), sdk.ActionRequest{Event: "codegen.completed", ProjectDir: dir, Config: b})
	if err != nil || !res.Passed || string(res.Output) != "debug" {
		t.Errorf("KIROFILE_LOG: err = %v, result %+v", err, res)
	}
}

// The variables replace inherited ones: a kirofile run from another's
// hook must not see the outer run's files.
func TestExecActionEnvReplacesInherited(t *testing.T) {
	t.Setenv("KIROFILE_FILES", "outer.go")
	t.Setenv("KIROFILE_NODE", "feature.outer.codegen.c")
	dir := t.TempDir()
	got := runExecEnv(t, sdk.ActionRequest{Event: "file.saved", ProjectDir: dir, FilesWritten: []string{"inner.go"}},
		`printf '%s|%s' "$KIROFILE_FILES" "$KIROFILE_NODE"`, nil)
	if got != "inner.go|" {
		t.Errorf("output = %q, want %q", got, "inner.go|")
	}
}

// The docs/language.md example: gofmt the saved Go files, spaces in their
// names included, and nothing else.
func TestExecActionEnvGofmtExample(t *testing.T) {
	if _, err := exec.LookPath("gofmt"); err != nil {
		t.Skip("no gofmt on PATH")
	}
	dir := t.TempDir()
	ugly := "package x\nfunc  F( ) {}\n"
	for _, f := range []string{"a b.go", "c.go", "notes.txt"} {
		if err := os.WriteFile(filepath.Join(dir, f), []byte(ugly), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	script := `printf '%s\n' "$KIROFILE_FILES" | grep '\.go$' | tr '\n' '\0' | xargs -0 -r gofmt -w`
	runExecEnv(t, sdk.ActionRequest{Event: "file.saved", ProjectDir: dir, FilesWritten: []string{"a b.go", "notes.txt"}}, script, nil)
	for f, want := range map[string]string{"a b.go": "package x\n\nfunc F() {}\n", "c.go": ugly, "notes.txt": ugly} {
		b, err := os.ReadFile(filepath.Join(dir, f))
		if err != nil {
			t.Fatal(err)
		}
		if string(b) != want {
			t.Errorf("%s = %q, want %q", f, b, want)
		}
	}
	// No Go file saved: nothing runs, the hook passes.
	runExecEnv(t, sdk.ActionRequest{Event: "file.saved", ProjectDir: dir, FilesWritten: []string{"notes.txt"}}, script, nil)
	runExecEnv(t, sdk.ActionRequest{Event: "file.saved", ProjectDir: dir}, script, nil)
}
