package main

import (
	"errors"
	"flag"
	"os"
	"os/exec"
	"strconv"
	"testing"

	"github.com/rogpeppe/go-internal/testscript"
)

var update = flag.Bool("update", false, "rewrite the expected output of failing cmp commands in testdata/script")

// TestMain lets the test binary act as the kirofile command inside the
// scripts, so that they run the real entry point in a real process.
func TestMain(m *testing.M) {
	testscript.Main(m, map[string]func(){
		"kirofile": func() { os.Exit(Main()) },
	})
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
// output is checked with stdout and stderr as usual.
func TestScripts(t *testing.T) {
	testscript.Run(t, testscript.Params{
		Dir:           "testdata/script",
		UpdateScripts: *update,
		Cmds: map[string]func(ts *testscript.TestScript, neg bool, args []string){
			"status": cmdStatus,
		},
	})
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
