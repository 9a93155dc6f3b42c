// Package sdk is kirofile's plugin protocol, and all that a third-party
// plugin imports: the handshake, the interfaces a plugin implements, the
// gRPC adapters on both sides of the connection (protocol in
// ../pluginv1/plugin.proto), and the functions that serve a plugin.
//
// It imports nothing of the kirofile host or of its built-in plugins, so a
// plugin binary carries only the protocol. A plugin is a binary named
// kirofile-provider-NAME or kirofile-action-NAME whose main calls
// ServeProvider or ServeAction:
//
//	func main() { sdk.ServeAction(sdk.ActionFunc(run)) }
//
// The host starts the binary, negotiates the protocol (go-plugin handshake,
// gRPC with mutual TLS) and calls it until the run ends. Run by hand, the
// binary explains that it is a plugin and exits.
package sdk

import (
	plugin "github.com/hashicorp/go-plugin"

	"github.com/kirofile/kirofile/providers"
)

// ProtocolVersion is the plugin protocol version negotiated in the
// handshake; it changes only with a new proto package (kirofile.plugin.vN).
const ProtocolVersion = 1

// Handshake is shared by the host and every plugin. The cookie is not a
// secret: it only stops a user from running a plugin binary by hand.
var Handshake = plugin.HandshakeConfig{
	ProtocolVersion:  ProtocolVersion,
	MagicCookieKey:   "KIROFILE_PLUGIN_MAGIC_COOKIE",
	MagicCookieValue: "9f1c3b0e6d2a4e87b5c1kirofile",
}

// Kind says which service a plugin serves.
type Kind string

const (
	KindProvider Kind = "provider"
	KindAction   Kind = "action"
)

// BinaryName is the file name a third-party plugin binary must have.
func BinaryName(kind Kind, name string) string {
	return "kirofile-" + string(kind) + "-" + name
}

// PluginMap is what a go-plugin client or server of kirofile's protocol
// dispenses: one entry per kind. A server fills in the implementation it
// serves; a client passes the map empty.
func PluginMap(p *ProviderPlugin, a *ActionPlugin) map[string]plugin.Plugin {
	m := map[string]plugin.Plugin{}
	if p != nil {
		m[string(KindProvider)] = p
	}
	if a != nil {
		m[string(KindAction)] = a
	}
	return m
}

// The provider types a plugin implements and receives, from the providers
// package (which holds types only and imports nothing of kirofile).
type (
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
