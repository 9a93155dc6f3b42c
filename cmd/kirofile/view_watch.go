package main

import (
	"fmt"
	"strings"

	"github.com/kirofile/kirofile/internal/hook"
)

// watchView reports "kirofile watch".
type watchView interface {
	diagnosticsView
	// Watching says that the watch is set up and which hooks it serves.
	Watching(dir string, hooks []string)
	// Saved names the saved files that triggered hooks.
	Saved(files []string)
	// HookResult reports one hook run for them.
	HookResult(o hook.Outcome)
	// WatchError reports a problem of the file watcher, which goes on.
	WatchError(err error)
	// Stopped says that the watch ended (Ctrl-C).
	Stopped()
}

func newWatchView(m *meta, jsonOutput bool) watchView {
	if jsonOutput {
		return watchJSON{newJSONView(m)}
	}
	return watchHuman{newHumanView(m)}
}

type watchHuman struct{ *humanView }

func (v watchHuman) Watching(dir string, hooks []string) {
	fmt.Fprintf(v.stdout, "Watching %s for hooks %s. Press Ctrl-C to stop.\n", dir, strings.Join(hooks, ", "))
}

func (v watchHuman) Saved(files []string) {
	fmt.Fprintf(v.stdout, "Saved: %s\n", strings.Join(files, ", "))
}

func (v watchHuman) HookResult(o hook.Outcome) {
	switch {
	case o.Err != nil:
		fmt.Fprintf(v.stdout, "hook %s %s: %s\n", o.Hook, colorize(v.colorOut, ansiRed, "could not run"), o.Err)
	case o.Passed:
		fmt.Fprintf(v.stdout, "hook %s %s\n", o.Hook, colorize(v.colorOut, ansiGreen, "passed"))
	default:
		fmt.Fprintf(v.stdout, "hook %s %s\n%s\n", o.Hook, colorize(v.colorOut, ansiRed, "failed"), indent(strings.TrimRight(o.Output, "\n"), "    "))
	}
}

func (v watchHuman) WatchError(err error) {
	fmt.Fprintf(v.stderr, "watch: %s\n", err)
}

func (v watchHuman) Stopped() {
	fmt.Fprintln(v.stdout, "Stopped watching.")
}

type watchJSON struct{ *jsonView }

func (v watchJSON) Watching(dir string, hooks []string) {
	v.emit("watching", &watchingMessage{Dir: dir, Hooks: list(hooks)})
}

func (v watchJSON) Saved(files []string) {
	v.emit("files_saved", &filesSavedMessage{Files: list(files)})
}

func (v watchJSON) HookResult(o hook.Outcome) {
	v.emit("saved_hook_result", newSavedHookResult(o))
}

func (v watchJSON) WatchError(err error) {
	v.emit("watch_error", &watchErrorMessage{Message: err.Error()})
}

func (v watchJSON) Stopped() {
	v.emit("watch_stopped", &watchStoppedMessage{})
}
