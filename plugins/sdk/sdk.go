// Package sdk is what a third-party kirofile plugin imports. A plugin is a
// binary named kirofile-provider-NAME or kirofile-action-NAME whose main
// calls ServeProvider or ServeAction:
//
//	func main() { sdk.ServeAction(myAction{}) }
//
// The host starts the binary, negotiates the protocol (go-plugin handshake,
// gRPC with mutual TLS) and calls it until the run ends. Run by hand, the
// binary explains that it is a plugin and exits.
package sdk

import (
	"context"

	"github.com/kirofile/kirofile/plugins"
	"github.com/kirofile/kirofile/providers"
)

// The types a plugin implements and receives.
type (
	// Action is a hook action: Run is called once per hook event.
	Action = plugins.HookAction
	// ActionRequest is what Run receives; Config is the action block as JSON.
	ActionRequest = plugins.ActionRequest
	// ActionResult is what Run returns.
	ActionResult = plugins.ActionResult
	// Provider generates replies from a model.
	Provider = providers.Provider
	// Request, Response and Event are a provider's input, output and
	// streamed events.
	Request   = providers.Request
	Response  = providers.Response
	Event     = providers.Event
	EventFunc = providers.EventFunc
	// Diagnostic reports a problem to the user (severity, summary, detail,
	// attribute path).
	Diagnostic  = providers.Diagnostic
	Diagnostics = providers.Diagnostics
)

// ActionFunc adapts a function to Action.
type ActionFunc func(ctx context.Context, req ActionRequest) (*ActionResult, error)

// Run implements Action.
func (f ActionFunc) Run(ctx context.Context, req ActionRequest) (*ActionResult, error) {
	return f(ctx, req)
}

// ServeAction serves a hook action until kirofile stops the plugin.
func ServeAction(a Action) { plugins.ServeAction(a) }

// ServeProvider serves a provider. newProvider is called with each provider
// block's configuration (JSON) and returns the provider for that block;
// return an error wrapping providers.ErrConfig for bad settings.
func ServeProvider(newProvider func(config []byte) (Provider, error)) {
	plugins.ServeProvider(newProvider)
}
