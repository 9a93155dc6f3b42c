package plugins

import (
	"fmt"
	"io"
	"os"
	"sort"
	"strings"

	"github.com/hashicorp/go-hclog"
	plugin "github.com/hashicorp/go-plugin"

	"github.com/kirofile/kirofile/providers"
	"github.com/kirofile/kirofile/providers/openai"
	"github.com/kirofile/kirofile/providers/replay"
)

// ServeProvider serves a provider plugin on this process's stdio until the
// host goes away. It is what sdk.ServeProvider calls.
func ServeProvider(f ProviderFactory) {
	serve(map[string]plugin.Plugin{string(KindProvider): &ProviderPlugin{Factory: f}})
}

// ServeAction serves a hook action plugin until the host goes away.
func ServeAction(a HookAction) {
	serve(map[string]plugin.Plugin{string(KindAction): &ActionPlugin{Action: a}})
}

func serve(ps map[string]plugin.Plugin) {
	plugin.Serve(&plugin.ServeConfig{
		HandshakeConfig: Handshake,
		Plugins:         ps,
		GRPCServer:      plugin.DefaultGRPCServer,
		// Logs go to stderr as JSON, which the host's go-plugin client
		// parses and forwards to its own logger.
		Logger: hclog.New(&hclog.LoggerOptions{Output: os.Stderr, Level: hclog.Warn, JSONFormat: true}),
	})
}

// builtinProviders are the providers the kirofile binary serves itself.
// Filled in init: replay's record mode looks the wrapped provider up here.
var builtinProviders map[string]ProviderFactory

func init() {
	builtinProviders = map[string]ProviderFactory{
		"openai": func(cfg []byte) (providers.Provider, error) {
			return openai.NewFromJSON(cfg, openai.Options{})
		},
		"replay": func(cfg []byte) (providers.Provider, error) {
			return replay.NewFromJSON(cfg, recordFactory)
		},
	}
}

// recordFactory builds the provider a replay cassette records from; it runs
// inside the replay plugin process, so a recording needs one process only.
func recordFactory(typ string, cfg []byte) (providers.Provider, error) {
	if typ == "replay" {
		return nil, fmt.Errorf("replay cannot record from replay")
	}
	f, ok := builtinProviders[typ]
	if !ok {
		return nil, fmt.Errorf("unknown built-in provider %q (built in: %s)", typ, strings.Join(BuiltinNames(KindProvider), ", "))
	}
	return f(cfg)
}

var builtinActions = map[string]HookAction{
	"exec":           &ExecAction{},
	"pr_description": &PRDescriptionAction{},
}

// BuiltinNames lists the built-in plugins of a kind, sorted.
func BuiltinNames(kind Kind) []string {
	var names []string
	switch kind {
	case KindProvider:
		for n := range builtinProviders {
			names = append(names, n)
		}
	case KindAction:
		for n := range builtinActions {
			names = append(names, n)
		}
	}
	sort.Strings(names)
	return names
}

// IsBuiltin reports whether kirofile serves the plugin itself.
func IsBuiltin(kind Kind, name string) bool {
	switch kind {
	case KindProvider:
		_, ok := builtinProviders[name]
		return ok
	case KindAction:
		_, ok := builtinActions[name]
		return ok
	}
	return false
}

// ServeBuiltin is the hidden command's entry point. cmd/kirofile calls it
// with the arguments after HiddenCommand:
//
//	kirofile internal-plugin provider openai   ->  ServeBuiltin([]string{"provider", "openai"})
//
// It serves the named built-in plugin until the host goes away and returns
// the process exit code. Run by hand (without the handshake cookie that the
// host sets) it explains itself and returns 1.
func ServeBuiltin(args []string) int {
	return serveBuiltin(args, os.Stderr)
}

func serveBuiltin(args []string, stderr io.Writer) int {
	if len(args) != 2 {
		fmt.Fprintf(stderr, "usage: kirofile %s provider|action NAME\n", HiddenCommand)
		return 1
	}
	kind, name := Kind(args[0]), args[1]
	if kind != KindProvider && kind != KindAction {
		fmt.Fprintf(stderr, "kirofile %s: unknown plugin kind %q (want provider or action)\n", HiddenCommand, args[0])
		return 1
	}
	if !IsBuiltin(kind, name) {
		fmt.Fprintf(stderr, "kirofile %s: no built-in %s %q (built in: %s)\n", HiddenCommand, kind, name, strings.Join(BuiltinNames(kind), ", "))
		return 1
	}
	if os.Getenv(Handshake.MagicCookieKey) != Handshake.MagicCookieValue {
		fmt.Fprintf(stderr, "kirofile %s is started by kirofile itself to serve a built-in plugin; it is not meant to be run by hand\n", HiddenCommand)
		return 1
	}
	if kind == KindProvider {
		ServeProvider(builtinProviders[name])
	} else {
		ServeAction(builtinActions[name])
	}
	return 0
}
