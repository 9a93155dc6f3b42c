// Package plugins runs every provider and hook action of kirofile out of
// process, over hashicorp/go-plugin and gRPC (AutoMTLS), with the protocol
// in pluginv1/plugin.proto.
//
// Built-in plugins are served by the kirofile binary itself: the host starts
// os.Executable() with the hidden command
//
//	kirofile internal-plugin provider openai
//	kirofile internal-plugin provider replay
//	kirofile internal-plugin action exec
//	kirofile internal-plugin action pr_description
//
// which cmd/kirofile hands to ServeBuiltin(args[1:]). Third-party plugins are
// binaries named kirofile-provider-NAME or kirofile-action-NAME, written with
// the sdk package and pinned by sha256 (Checksum, Launcher.Checksum).
//
// The engine uses a Manager: it starts each plugin lazily on first use, one
// process per plugin for the whole run, and returns adapters implementing
// providers.Provider and HookAction.
package plugins

import (
	plugin "github.com/hashicorp/go-plugin"
)

// ProtocolVersion is the plugin protocol version negotiated in the
// handshake; it changes only with a new proto package (kirofile.plugin.vN).
const ProtocolVersion = 1

// HiddenCommand is the kirofile subcommand that serves built-in plugins.
const HiddenCommand = "internal-plugin"

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
