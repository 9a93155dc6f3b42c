package main

import "github.com/kirofile/kirofile/internal/hook"

// The -json messages of "kirofile watch" (ui 2.1), part of the contract of
// messages.go and docs/json-output.schema.json.

// watchingMessage: the watch is set up.
type watchingMessage struct {
	envelope
	Dir   string   `json:"dir"`
	Hooks []string `json:"hooks"`
}

// filesSavedMessage: saved files whose content changed trigger hooks.
type filesSavedMessage struct {
	envelope
	Files []string `json:"files"`
}

// savedHookResultMessage: a file.saved hook ran for the files saved.
type savedHookResultMessage struct {
	envelope
	Hook   string `json:"hook"`
	Passed bool   `json:"passed"`
	Output string `json:"output,omitempty"`
	// Message says why the hook could not run.
	Message string `json:"message,omitempty"`
}

func newSavedHookResult(o hook.Outcome) *savedHookResultMessage {
	msg := &savedHookResultMessage{Hook: o.Hook, Passed: o.Passed && o.Err == nil, Output: o.Output}
	if o.Err != nil {
		msg.Message = o.Err.Error()
	}
	return msg
}

// watchErrorMessage: the file watcher met a problem and goes on.
type watchErrorMessage struct {
	envelope
	Message string `json:"message"`
}

// watchStoppedMessage: the watch ended (Ctrl-C).
type watchStoppedMessage struct {
	envelope
}
