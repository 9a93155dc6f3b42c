package sdk

import (
	"context"
	"encoding/json"

	"github.com/kirofile/kirofile/providers"
)

// SpecDocument is one spec document of a feature.
type SpecDocument struct {
	// Name is the spec block's label: "requirements", "design", "tasks"...
	Name string `json:"name"`
	// Path is relative to the project directory.
	Path string `json:"path"`
}

// ActionRequest is what a hook action is run with.
type ActionRequest struct {
	// Event is the hook event, e.g. "codegen.completed".
	Event       string `json:"event"`
	NodeAddress string `json:"node_address"`
	Feature     string `json:"feature,omitempty"`
	// ProjectDir is the absolute project directory.
	ProjectDir string `json:"project_dir"`
	// FilesWritten are the node's files, relative to ProjectDir.
	FilesWritten []string `json:"files_written,omitempty"`
	// SpecDocuments are the feature's spec documents, in dependency order.
	SpecDocuments []SpecDocument `json:"spec_documents,omitempty"`
	// FeatureOutputs are the outputs globs of the feature's codegen steps,
	// in node order: the files the feature writes or will write. A host
	// older than the field sends none.
	FeatureOutputs []string `json:"feature_outputs,omitempty"`
	// Config is the action block's configuration as a JSON object.
	Config json.RawMessage `json:"config,omitempty"`
	// Task is the id of the task the hook runs after ("2.1"), when the
	// node is a task of a codegen with each = "task"; "" otherwise. A
	// host older than the field sends none.
	Task string `json:"task,omitempty"`
}

// ActionResult is the outcome of a hook action.
type ActionResult struct {
	Passed bool
	// Output is captured output; a failing hook with feedback = true sends it
	// back to the model.
	Output []byte
	// Diagnostics are warnings, or errors explaining a failure to run at all
	// (bad configuration); a check that ran and failed is Passed = false
	// with its Output, not an error.
	Diagnostics providers.Diagnostics
	// ExitCode is the exit status of the command the action ran, when it
	// ran one (exec); nil otherwise. The lock records it as evidence of a
	// task's hooks.
	ExitCode *int
}

// HookAction runs one action. Implementations must be safe for concurrent
// use. An error means the action could not run (bad configuration, crash);
// a check that ran and failed returns Passed = false.
type HookAction interface {
	Run(ctx context.Context, req ActionRequest) (*ActionResult, error)
}

// ProviderFactory builds a provider from a provider block's configuration
// (JSON). A plugin process calls it once per provider block that uses it.
type ProviderFactory func(config []byte) (providers.Provider, error)

// ActionFunc adapts a function to HookAction.
type ActionFunc func(ctx context.Context, req ActionRequest) (*ActionResult, error)

// Run implements HookAction.
func (f ActionFunc) Run(ctx context.Context, req ActionRequest) (*ActionResult, error) {
	return f(ctx, req)
}
