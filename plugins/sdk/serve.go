package sdk

import (
	"math"
	"os"

	"github.com/hashicorp/go-hclog"
	plugin "github.com/hashicorp/go-plugin"
	"google.golang.org/grpc"
)

// MaxMessageSize is the largest gRPC message either side of the protocol
// accepts: protobuf's own limit (2 GiB), instead of gRPC's default 4 MiB.
// A request carries a node's whole prompt and a reply may come back whole,
// so the default failed every node after a 4 MiB spec document. The size
// of a prompt is governed by max_prompt_tokens, which apply checks before
// sending, and that of a reply by the endpoint; the transport adds no
// tighter limit of its own. Plugins built with an earlier SDK still
// receive at most 4 MiB: rebuild them.
const MaxMessageSize = math.MaxInt32

// ServerOptions are the gRPC options a plugin serves with.
func ServerOptions() []grpc.ServerOption {
	return []grpc.ServerOption{grpc.MaxRecvMsgSize(MaxMessageSize), grpc.MaxSendMsgSize(MaxMessageSize)}
}

// DialOptions are the gRPC options the host connects to a plugin with.
func DialOptions() []grpc.DialOption {
	return []grpc.DialOption{grpc.WithDefaultCallOptions(grpc.MaxCallRecvMsgSize(MaxMessageSize), grpc.MaxCallSendMsgSize(MaxMessageSize))}
}

// ServeProvider serves a provider plugin on this process's stdio until the
// host goes away. newProvider is called with each provider block's
// configuration (JSON) and returns the provider for that block; return an
// error wrapping providers.ErrConfig for bad settings.
func ServeProvider(newProvider ProviderFactory) {
	serve(PluginMap(&ProviderPlugin{Factory: newProvider}, nil))
}

// ServeAction serves a hook action plugin until the host goes away.
func ServeAction(a HookAction) {
	serve(PluginMap(nil, &ActionPlugin{Action: a}))
}

// serve serves until the host closes the connection or goes away, then
// stops what the plugin started (OnHostExit).
func serve(ps map[string]plugin.Plugin) {
	watchHost()
	defer runCleanups()
	plugin.Serve(&plugin.ServeConfig{
		HandshakeConfig: Handshake,
		Plugins:         ps,
		GRPCServer: func(opts []grpc.ServerOption) *grpc.Server {
			return plugin.DefaultGRPCServer(append(opts, ServerOptions()...))
		},
		// Logs go to stderr as JSON, which the host's go-plugin client
		// parses and forwards to its own logger.
		Logger: hclog.New(&hclog.LoggerOptions{Output: os.Stderr, Level: hclog.Warn, JSONFormat: true}),
	})
}
