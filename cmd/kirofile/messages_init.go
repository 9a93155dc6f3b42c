package main

import "github.com/kirofile/kirofile/plugins/host"

// The -json messages of "kirofile init" (ui 2.1), part of the contract of
// messages.go and docs/json-output.schema.json.

// templateMessage is one starter template of "init -list-templates -json".
type templateMessage struct {
	envelope
	Name    string `json:"name"`
	Summary string `json:"summary"`
	// Default is true for the template init uses without -template.
	Default bool `json:"default"`
}

// starterWrittenMessage: init wrote a starter project.
type starterWrittenMessage struct {
	envelope
	Template string   `json:"template"`
	Files    []string `json:"files"`
}

// kiroAdoptedMessage: init wrote a Kirofile that adopts a Kiro project.
type kiroAdoptedMessage struct {
	envelope
	// Report says what was adopted, one line per document or steering
	// file, as the human output prints it.
	Report []string `json:"report"`
}

// pluginMessage: what init did with one third-party plugin.
type pluginMessage struct {
	envelope
	Name   string `json:"name"`
	Source string `json:"source"`
	// SHA256 is the pinned checksum, hex, and Platform the platform it
	// is pinned for (this machine's); both absent when the pin was
	// removed.
	SHA256   string `json:"sha256,omitempty"`
	Platform string `json:"platform,omitempty"`
	// Status is pinned (new), "pinned for this platform" (pinned on other
	// platforms before), upgraded, unchanged or removed.
	Status string `json:"status"`
}

func newPluginMessage(in host.PluginInstall) *pluginMessage {
	return &pluginMessage{Name: in.Name, Source: in.Source, SHA256: in.SHA256, Platform: in.Platform, Status: in.Status}
}

// gitAttributesMessage: init added kirofile's lines to .gitattributes.
type gitAttributesMessage struct {
	envelope
	// Change is created or updated.
	Change string `json:"change"`
}

// initCompleteMessage ends a successful init.
type initCompleteMessage struct {
	envelope
	// NextSteps are what to do next in a new project, in words.
	NextSteps []string `json:"next_steps"`
	// MergeDriverConfig are the git commands to run once in this clone so
	// that Git merges the lock record by record; empty when it is set up
	// or the project is not in a Git work tree.
	MergeDriverConfig []string `json:"merge_driver_config"`
}
