package builtin

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"time"

	"github.com/kirofile/kirofile/plugins/sdk"
	"github.com/kirofile/kirofile/providers"
)

// ExecConfig is the configuration of the built-in `exec` action.
type ExecConfig struct {
	// Command is the argv; no shell is involved, so nothing in it is
	// expanded or interpreted.
	Command []string `json:"command"`
	// Timeout is a Go duration ("5m"); default DefaultExecTimeout.
	Timeout string `json:"timeout,omitempty"`
	// Env adds to (and overrides) the inherited environment. It may not
	// set the variables the action provides (execEnvVars).
	Env map[string]string `json:"env,omitempty"`
	// Dir is the working directory relative to the project; default the
	// project directory. It may not leave the project.
	Dir string `json:"dir,omitempty"`
}

// DefaultExecTimeout bounds a command whose block sets no timeout.
const DefaultExecTimeout = 10 * time.Minute

// MaxExecOutput caps the captured output: it goes to a model as feedback,
// and a runaway command must not flood memory or the prompt.
const MaxExecOutput = 64 << 10

// The environment variables the exec action gives its command, describing
// the request. Each is always set, empty when the request has no value, so
// that a script can rely on it being defined; they replace any inherited
// value, and a hook's env may not set them.
const (
	// envFiles holds sdk.ActionRequest.FilesWritten, relative to the project
	// directory, one per line (no trailing newline): paths may hold spaces.
	envFiles = "KIROFILE_FILES"
	// envEvent holds the hook event, e.g. "codegen.completed".
	envEvent = "KIROFILE_EVENT"
	// envNode holds the node address; empty for file.saved.
	envNode = "KIROFILE_NODE"
	// envFeature holds the node's feature; empty for file.saved.
	envFeature = "KIROFILE_FEATURE"
	// envProjectDir holds the absolute project directory.
	envProjectDir = "KIROFILE_PROJECT_DIR"
	// envTask holds the id of the task the hook runs after ("2.1"), empty
	// unless the node is a task of a codegen with each = "task".
	envTask = "KIROFILE_TASK"
)

// execEnvVars lists the variables the exec action sets, in the order it
// sets them.
var execEnvVars = []string{envFiles, envEvent, envNode, envFeature, envProjectDir, envTask}

// execEnv is the request's part of the command's environment.
func execEnv(req sdk.ActionRequest) []string {
	return []string{
		envFiles + "=" + strings.Join(req.FilesWritten, "\n"),
		envEvent + "=" + req.Event,
		envNode + "=" + req.NodeAddress,
		envFeature + "=" + req.Feature,
		envProjectDir + "=" + req.ProjectDir,
		envTask + "=" + req.Task,
	}
}

// reservedEnv reports whether a hook's env entry names a variable the
// action sets itself (case-insensitively where the environment is).
func reservedEnv(key string) bool {
	for _, v := range execEnvVars {
		if key == v || runtime.GOOS == "windows" && strings.EqualFold(key, v) {
			return true
		}
	}
	return false
}

// ExecAction is the built-in `exec` hook action: it runs a command and
// passes when it exits 0.
type ExecAction struct{}

func execConfigErr(attr, summary, detail string) error {
	var path []string
	if attr != "" {
		path = []string{attr}
	}
	return providers.Diagnostics{{Severity: providers.SeverityError, Summary: summary, Detail: detail, Attribute: path, Code: "config"}}.Err()
}

// Run implements sdk.HookAction.
func (ExecAction) Run(ctx context.Context, req sdk.ActionRequest) (*sdk.ActionResult, error) {
	var cfg ExecConfig
	dec := json.NewDecoder(bytes.NewReader(req.Config))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&cfg); err != nil {
		return nil, execConfigErr("", "invalid exec action configuration", err.Error())
	}
	if len(cfg.Command) == 0 || cfg.Command[0] == "" {
		return nil, execConfigErr("command", "command is required", `set command to an argument list, e.g. ["go", "test", "./..."]`)
	}
	timeout := DefaultExecTimeout
	if cfg.Timeout != "" {
		d, err := time.ParseDuration(cfg.Timeout)
		if err != nil || d <= 0 {
			return nil, execConfigErr("timeout", "timeout must be a positive duration such as \"5m\"", fmt.Sprintf("got %q", cfg.Timeout))
		}
		timeout = d
	}
	keys := make([]string, 0, len(cfg.Env))
	for k := range cfg.Env {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if reservedEnv(k) {
			return nil, execConfigErr("env", "env may not set "+k, "kirofile sets "+strings.Join(execEnvVars, ", ")+" for the command itself; use another name")
		}
	}
	if req.ProjectDir == "" || !filepath.IsAbs(req.ProjectDir) {
		return nil, fmt.Errorf("exec: the project directory %q is not absolute", req.ProjectDir)
	}
	dir, err := insideProject(req.ProjectDir, cfg.Dir)
	if err != nil {
		return nil, execConfigErr("dir", "dir must stay inside the project", err.Error())
	}

	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, cfg.Command[0], cfg.Command[1:]...)
	cmd.Dir = dir
	cmd.Env = os.Environ()
	for _, k := range keys {
		cmd.Env = append(cmd.Env, k+"="+cfg.Env[k])
	}
	// Last, so that they replace any inherited value (a kirofile run from
	// another's hook): os/exec keeps the last of duplicate keys.
	cmd.Env = append(cmd.Env, execEnv(req)...)
	out := &cappedBuffer{max: MaxExecOutput}
	cmd.Stdout, cmd.Stderr = out, out
	setProcessGroup(cmd)
	// A child that keeps the pipes open (a test binary's own children)
	// must not keep the hook waiting past its timeout.
	cmd.WaitDelay = 2 * time.Second
	runErr := cmd.Start()
	if runErr == nil {
		// The command and everything it started die with kirofile, even
		// when kirofile is killed (see sdk.OnHostExit).
		unregister := sdk.OnHostExit(func() { killProcessGroup(cmd) })
		runErr = cmd.Wait()
		unregister()
	}
	res := &sdk.ActionResult{}
	var exitErr *exec.ExitError
	switch {
	case ctx.Err() == context.DeadlineExceeded:
		out.note(fmt.Sprintf("kirofile: %s timed out after %s and was killed", quoteArgv(cfg.Command), timeout))
	case runErr == nil:
		res.Passed = true
		code := 0
		res.ExitCode = &code
	case errors.As(runErr, &exitErr):
		out.note(fmt.Sprintf("kirofile: %s exited with status %d", quoteArgv(cfg.Command), exitErr.ExitCode()))
		if code := exitErr.ExitCode(); code >= 0 {
			res.ExitCode = &code
		}
	case errors.Is(runErr, exec.ErrNotFound), errors.Is(runErr, os.ErrNotExist), errors.Is(runErr, os.ErrPermission):
		return nil, fmt.Errorf("exec: cannot run %s in %s: %w", quoteArgv(cfg.Command), dir, runErr)
	default:
		if ctx.Err() != nil {
			return nil, fmt.Errorf("exec: %s: %w", quoteArgv(cfg.Command), ctx.Err())
		}
		out.note(fmt.Sprintf("kirofile: %s failed: %v", quoteArgv(cfg.Command), runErr))
	}
	res.Output = out.Bytes()
	return res, nil
}

func quoteArgv(argv []string) string {
	q := make([]string, len(argv))
	for i, a := range argv {
		if a == "" || strings.ContainsAny(a, " \t\n\"'\\$`") {
			a = fmt.Sprintf("%q", a)
		}
		q[i] = a
	}
	return "`" + strings.Join(q, " ") + "`"
}

// insideProject resolves rel against project and refuses absolute paths and
// any path that climbs out of it.
func insideProject(project, rel string) (string, error) {
	if rel == "" {
		return project, nil
	}
	if filepath.IsAbs(rel) || filepath.VolumeName(rel) != "" || strings.HasPrefix(rel, "/") || strings.HasPrefix(rel, `\`) {
		// A drive ("C:x") or a rooted path ("\x") is not relative on
		// Windows even where filepath.IsAbs says so.
		return "", fmt.Errorf("%q is absolute; give a path relative to the project", rel)
	}
	clean := filepath.Clean(rel)
	if clean == ".." || strings.HasPrefix(clean, ".."+string(filepath.Separator)) {
		return "", fmt.Errorf("%q leaves the project directory", rel)
	}
	return filepath.Join(project, clean), nil
}

// cappedBuffer keeps the first and last halves of what is written past
// max: the start says what ran, the end usually holds the failure.
type cappedBuffer struct {
	max     int
	head    []byte
	tail    []byte // ring of the last max/2 bytes once head is full
	dropped int64
	notes   []string
}

func (b *cappedBuffer) Write(p []byte) (int, error) {
	n := len(p)
	if room := b.max/2 - len(b.head); room > 0 {
		k := min(room, len(p))
		b.head = append(b.head, p[:k]...)
		p = p[k:]
	}
	if len(p) == 0 {
		return n, nil
	}
	b.tail = append(b.tail, p...)
	if over := len(b.tail) - b.max/2; over > 0 {
		b.dropped += int64(over)
		b.tail = append(b.tail[:0], b.tail[over:]...)
	}
	return n, nil
}

func (b *cappedBuffer) note(s string) { b.notes = append(b.notes, s) }

func (b *cappedBuffer) Bytes() []byte {
	var out bytes.Buffer
	out.Write(b.head)
	if b.dropped > 0 {
		fmt.Fprintf(&out, "\n[kirofile: output truncated, %d bytes omitted; the first and last %d KiB are kept]\n", b.dropped, b.max/2>>10)
	}
	out.Write(b.tail)
	for _, n := range b.notes {
		if out.Len() > 0 && !bytes.HasSuffix(out.Bytes(), []byte("\n")) {
			out.WriteByte('\n')
		}
		out.WriteString(n + "\n")
	}
	return out.Bytes()
}
