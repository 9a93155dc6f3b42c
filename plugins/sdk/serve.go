package sdk

import (
	"math"
	"os"

	"github.com/hashicorp/go-hclog"
	plugin "github.com/hashicorp/go-plugin"
	"google.golang.org/grpc"
	"google.golang.org/grpc/experimental"
	"google.golang.org/grpc/mem"
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

// The flow-control windows of the connection between host and plugin.
// HTTP/2's default windows (64 KiB, for the connection as for each
// stream) hold a prompt of a few hundred KiB, or the prompts of many nodes
// sent at once, to a window at a time, each waiting for the other process
// to read and grant the next: several wake-ups of both processes per
// request. gRPC grows the windows as it
// measures the connection, too late for a run's first requests. The
// connection is local and its peer trusted to read what it is sent: the
// windows hold a run's prompts in flight whole.
const (
	streamWindow = 16 << 20
	connWindow   = 64 << 20
)

// bufferPool holds the buffers gRPC encodes and decodes messages in, in
// sizes a power of two apart up to 16 MiB. gRPC's own pool has none
// between 32 KiB and 1 MiB, and clears a buffer whole before each use: a
// prompt of 100 KB took a buffer of 1 MiB, cleared on each side, ten
// times the work of the message itself.
var bufferPool = func() mem.BufferPool {
	p, err := mem.NewBinaryTieredBufferPool(8, 12, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24)
	if err != nil {
		panic(err) // constant arguments: cannot happen
	}
	return p
}()

// ServerOptions are the gRPC options a plugin serves with.
func ServerOptions() []grpc.ServerOption {
	return []grpc.ServerOption{
		grpc.MaxRecvMsgSize(MaxMessageSize), grpc.MaxSendMsgSize(MaxMessageSize),
		experimental.BufferPool(bufferPool), grpc.ForceServerCodecV2(codec{}),
		grpc.InitialWindowSize(streamWindow), grpc.InitialConnWindowSize(connWindow),
	}
}

// DialOptions are the gRPC options the host connects to a plugin with.
func DialOptions() []grpc.DialOption {
	return []grpc.DialOption{
		grpc.WithDefaultCallOptions(grpc.MaxCallRecvMsgSize(MaxMessageSize), grpc.MaxCallSendMsgSize(MaxMessageSize), grpc.ForceCodecV2(codec{})),
		experimental.WithBufferPool(bufferPool),
		grpc.WithInitialWindowSize(streamWindow), grpc.WithInitialConnWindowSize(connWindow),
	}
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
		TLSProvider:     serverTLS,
		GRPCServer: func(opts []grpc.ServerOption) *grpc.Server {
			return plugin.DefaultGRPCServer(append(opts, ServerOptions()...))
		},
		// Logs go to stderr as JSON, which the host's go-plugin client
		// parses and forwards to its own logger.
		Logger: hclog.New(&hclog.LoggerOptions{Output: os.Stderr, Level: hclog.Warn, JSONFormat: true}),
	})
}
