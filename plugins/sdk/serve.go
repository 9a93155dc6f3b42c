package sdk

import (
	"os"

	"github.com/hashicorp/go-hclog"
	plugin "github.com/hashicorp/go-plugin"
)

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
		GRPCServer:      plugin.DefaultGRPCServer,
		// Logs go to stderr as JSON, which the host's go-plugin client
		// parses and forwards to its own logger.
		Logger: hclog.New(&hclog.LoggerOptions{Output: os.Stderr, Level: hclog.Warn, JSONFormat: true}),
	})
}
