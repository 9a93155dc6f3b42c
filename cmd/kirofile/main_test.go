package main

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/kirofile/kirofile/internal/fakellm"
)

var update = flag.Bool("update", false, "rewrite the expected output of failing cmp commands in testdata/script")

// TestMain lets the test binary act as the kirofile command inside the
// scripts, so that they run the real entry point in a real process.
func TestMain(m *testing.M) {
	testscript.Main(cleanupM{m}, map[string]func(){
		"kirofile": func() { os.Exit(scriptMain()) },
	})
}

// cleanupM runs the tests, then removes what they left for the whole run:
// testscript.Main exits the process itself, so a deferred call in
// TestMain would never run.
type cleanupM struct{ m *testing.M }

func (c cleanupM) Run() int {
	defer func() {
		examplePluginMu.Lock()
		defer examplePluginMu.Unlock()
		for _, path := range examplePluginPaths {
			_ = os.RemoveAll(filepath.Dir(path))
		}
		for _, dir := range examplePluginDirs {
			_ = os.RemoveAll(dir)
		}
	}()
	return c.m.Run()
}

// TestScripts runs every testdata/script/*.txtar; adding a test is adding a
// file there. Run one with -run=TestScripts/NAME. Scripts start from a
// minimal environment (no NO_COLOR, no KIRO_VAR_*), so the developer's
// settings do not leak in.
//
// Besides testscript's own commands, scripts have:
//
//	status CODE COMMAND [ARGS...]
//
// which runs COMMAND like exec and fails unless it exits with CODE; its
// output is checked with stdout and stderr as usual, and
//
//	buildplugin [-untrimmed] PATH [PACKAGE]
//
// which puts a real build of a third-party plugin at PATH: the example
// (examples/plugin-action-wordcount) or the package named, such as
// ./testdata/plugins/leaky, built reproducibly with -trimpath as
// docs/plugins.md asks of plugin authors (-untrimmed: without it);
//
//	nosecret DIR SECRET...
//
// which fails when any file under DIR, at any depth, holds one of the
// SECRETs; and
//
//	fakellm SCRIPT [LATENCY]
//	fakellm-count N
//	fakellm-log FILE
//
// which start an in-process OpenAI-compatible server answering from SCRIPT
// (see internal/fakellm for its format) and set OPENAI_BASE_URL to it,
// check how many requests it received, and write its request log.
func TestScripts(t *testing.T) {
	// Every -json output of the scripts is checked against the schema
	// once they have all run.
	jsonLines := t.TempDir()
	t.Cleanup(func() { checkJSONLines(t, jsonLines) })
	testscript.Run(t, testscript.Params{
		Dir:           "testdata/script",
		UpdateScripts: *update,
		Setup: func(env *testscript.Env) error {
			env.Setenv(jsonLinesEnv, jsonLines)
			return nil
		},
		Cmds: map[string]func(ts *testscript.TestScript, neg bool, args []string){
			"status":        cmdStatus,
			"buildplugin":   cmdBuildPlugin,
			"nosecret":      cmdNoSecret,
			"fakellm":       cmdFakeLLM,
			"fakellm-count": cmdFakeLLMCount,
			"fakellm-log":   cmdFakeLLMLog,
		},
	})
}

// scriptMain is kirofile in the scripts: Main, with the stdout of a run
// given -json also copied to a file for checkJSONLines, after a first line
// holding the arguments.
func scriptMain() int {
	dir := os.Getenv(jsonLinesEnv)
	if dir == "" || !slices.ContainsFunc(os.Args[1:], func(a string) bool {
		return a == "-json" || a == "--json" || strings.HasPrefix(a, "-json=") || strings.HasPrefix(a, "--json=")
	}) {
		return Main()
	}
	f, err := os.CreateTemp(dir, "run-*.jsonl")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return exitError
	}
	defer f.Close()
	fmt.Fprintf(f, "%s\n", strings.Join(os.Args[1:], " "))
	r, w, err := os.Pipe()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return exitError
	}
	stdout := os.Stdout
	os.Stdout = w
	copied := make(chan struct{})
	go func() {
		_, _ = io.Copy(io.MultiWriter(stdout, f), r)
		close(copied)
	}()
	code := Main()
	w.Close()
	<-copied
	return code
}

func cmdStatus(ts *testscript.TestScript, neg bool, args []string) {
	if neg {
		ts.Fatalf("unsupported: ! status (the code says what is expected)")
	}
	if len(args) < 2 {
		ts.Fatalf("usage: status CODE COMMAND [ARGS...]")
	}
	want, err := strconv.Atoi(args[0])
	if err != nil {
		ts.Fatalf("status: invalid exit code %q", args[0])
	}
	got := 0
	if err := ts.Exec(args[1], args[2:]...); err != nil {
		var exitErr *exec.ExitError
		if !errors.As(err, &exitErr) {
			ts.Fatalf("status: %v", err)
		}
		got = exitErr.ExitCode()
	}
	if got != want {
		ts.Fatalf("exit status %d, want %d", got, want)
	}
}

// Each plugin is built once per test run and build flavour, then copied
// where each script wants it.
var (
	examplePluginMu    sync.Mutex
	examplePluginPaths = map[pluginFlavour]string{}
	examplePluginDirs  []string // of failed builds, to remove
)

// pluginFlavour is a package and how it is built.
type pluginFlavour struct {
	pkg       string
	untrimmed bool
}

func cmdBuildPlugin(ts *testscript.TestScript, neg bool, args []string) {
	untrimmed := len(args) >= 2 && args[0] == "-untrimmed"
	if untrimmed {
		args = args[1:]
	}
	if neg || len(args) < 1 || len(args) > 2 {
		ts.Fatalf("usage: buildplugin [-untrimmed] PATH [PACKAGE]")
	}
	flavour := pluginFlavour{pkg: "github.com/kirofile/kirofile/examples/plugin-action-wordcount", untrimmed: untrimmed}
	if len(args) == 2 {
		flavour.pkg = args[1]
	}
	examplePluginMu.Lock()
	path, ok := examplePluginPaths[flavour]
	if !ok {
		dir, err := os.MkdirTemp("", "kirofile-plugin-")
		if err != nil {
			examplePluginMu.Unlock()
			ts.Fatalf("%v", err)
		}
		// Set before the build, so that cleanupM removes the directory
		// even when the build fails.
		path = filepath.Join(dir, "plugin")
		examplePluginPaths[flavour] = path
		build := []string{"build", "-trimpath", "-o", path}
		if untrimmed {
			build = []string{"build", "-o", path}
		}
		out, err := exec.Command("go", append(build, flavour.pkg)...).CombinedOutput()
		if err != nil {
			delete(examplePluginPaths, flavour)
			examplePluginDirs = append(examplePluginDirs, dir)
			examplePluginMu.Unlock()
			ts.Fatalf("building the plugin %s: %v\n%s", flavour.pkg, err, out)
		}
	}
	examplePluginMu.Unlock()
	data, err := os.ReadFile(path)
	ts.Check(err)
	dest := ts.MkAbs(args[0])
	ts.Check(os.MkdirAll(filepath.Dir(dest), 0o755))
	ts.Check(os.WriteFile(dest, data, 0o755))
}

func cmdNoSecret(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) < 2 {
		ts.Fatalf("usage: nosecret DIR SECRET...")
	}
	root := ts.MkAbs(args[0])
	files, found := 0, 0
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil || !d.Type().IsRegular() {
			return err
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		files++
		for _, secret := range args[1:] {
			if n := bytes.Count(data, []byte(secret)); n > 0 {
				rel, _ := filepath.Rel(root, p)
				ts.Logf("%s holds %q %d time(s)", rel, secret, n)
				found += n
			}
		}
		return nil
	})
	ts.Check(err)
	if found > 0 {
		ts.Fatalf("%d secret marker(s) in the %d files under %s", found, files, args[0])
	}
	ts.Logf("no secret marker in the %d files under %s", files, args[0])
}

// fakeServers holds each script's fake model server.
var fakeServers sync.Map // *testscript.TestScript -> *fakellm.Server

func cmdFakeLLM(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) < 1 || len(args) > 2 {
		ts.Fatalf("usage: fakellm SCRIPT [LATENCY]")
	}
	var opts fakellm.Options
	if len(args) == 2 {
		d, err := time.ParseDuration(args[1])
		ts.Check(err)
		opts.Latency = d
	}
	if old, ok := fakeServers.Load(ts); ok {
		script, err := os.ReadFile(ts.MkAbs(args[0]))
		ts.Check(err)
		parsed, err := fakellm.ParseScript(script)
		ts.Check(err)
		old.(*fakellm.Server).SetScript(parsed)
		return
	}
	srv, err := fakellm.StartFromFile(ts.MkAbs(args[0]), opts)
	ts.Check(err)
	fakeServers.Store(ts, srv)
	ts.Defer(func() {
		srv.Close()
		fakeServers.Delete(ts)
	})
	ts.Setenv("OPENAI_BASE_URL", srv.URL)
}

func fakeServer(ts *testscript.TestScript) *fakellm.Server {
	srv, ok := fakeServers.Load(ts)
	if !ok {
		ts.Fatalf("no fake model server: run fakellm first")
	}
	return srv.(*fakellm.Server)
}

func cmdFakeLLMCount(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 1 {
		ts.Fatalf("usage: fakellm-count N")
	}
	want, err := strconv.Atoi(args[0])
	ts.Check(err)
	if got := fakeServer(ts).Count(); got != want {
		ts.Fatalf("the fake model server received %d requests, want %d", got, want)
	}
}

func cmdFakeLLMLog(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 1 {
		ts.Fatalf("usage: fakellm-log FILE")
	}
	ts.Check(fakeServer(ts).WriteLog(ts.MkAbs(args[0])))
}
