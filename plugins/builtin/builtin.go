// Package builtin holds the plugins the kirofile binary serves itself: the
// providers openai and replay, and the hook actions exec and
// pr_description. The host starts them as plugin processes like any
// third-party plugin, from the running binary, through the hidden command
//
//	kirofile internal-plugin provider openai
//	kirofile internal-plugin action exec
//
// which cmd/kirofile hands to Serve, so that the protocol is always the one
// third parties speak and a crash never takes the run down.
package builtin

import (
	"fmt"
	"io"
	"maps"
	"os"
	"slices"
	"strings"

	"github.com/kirofile/kirofile/plugins/host"
	"github.com/kirofile/kirofile/plugins/sdk"
	"github.com/kirofile/kirofile/providers"
	"github.com/kirofile/kirofile/providers/openai"
	"github.com/kirofile/kirofile/providers/replay"
)

// HiddenCommand is the kirofile subcommand that serves built-in plugins.
const HiddenCommand = "internal-plugin"

// providerFactories are the providers the kirofile binary serves itself.
// Filled in init: replay's record mode looks the wrapped provider up here.
var providerFactories map[string]sdk.ProviderFactory

func init() {
	providerFactories = map[string]sdk.ProviderFactory{
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
	f, ok := providerFactories[typ]
	if !ok {
		return nil, fmt.Errorf("unknown built-in provider %q (built in: %s)", typ, strings.Join(Names(sdk.KindProvider), ", "))
	}
	return f(cfg)
}

var actions = map[string]sdk.HookAction{
	"exec":           &ExecAction{},
	"pr_description": &PRDescriptionAction{},
}

// Names lists the built-in plugins of a kind, sorted.
func Names(kind sdk.Kind) []string {
	switch kind {
	case sdk.KindProvider:
		return slices.Sorted(maps.Keys(providerFactories))
	case sdk.KindAction:
		return slices.Sorted(maps.Keys(actions))
	}
	return nil
}

// Is reports whether kirofile serves the plugin itself.
func Is(kind sdk.Kind, name string) bool {
	return slices.Contains(Names(kind), name)
}

// Launcher starts a built-in plugin from the running kirofile binary
// through the hidden command; ok is false for a name that is not built in.
func Launcher(kind sdk.Kind, name string) (l host.Launcher, ok bool, err error) {
	if !Is(kind, name) {
		return host.Launcher{}, false, nil
	}
	exe, err := os.Executable()
	if err != nil {
		return host.Launcher{}, true, fmt.Errorf("locating the kirofile binary to serve built-in %s %q: %w", kind, name, err)
	}
	return host.Launcher{Name: name, Kind: kind, Path: exe, Args: []string{HiddenCommand, string(kind), name}}, true, nil
}

// Serve is the hidden command's entry point. cmd/kirofile calls it with
// the arguments after HiddenCommand:
//
//	kirofile internal-plugin provider openai   ->  Serve([]string{"provider", "openai"})
//
// It serves the named built-in plugin until the host goes away and returns
// the process exit code. Run by hand (without the handshake cookie that the
// host sets) it explains itself and returns 1.
func Serve(args []string) int {
	return serve(args, os.Stderr)
}

func serve(args []string, stderr io.Writer) int {
	if len(args) != 2 {
		fmt.Fprintf(stderr, "usage: kirofile %s provider|action NAME\n", HiddenCommand)
		return 1
	}
	kind, name := sdk.Kind(args[0]), args[1]
	if kind != sdk.KindProvider && kind != sdk.KindAction {
		fmt.Fprintf(stderr, "kirofile %s: unknown plugin kind %q (want provider or action)\n", HiddenCommand, args[0])
		return 1
	}
	if !Is(kind, name) {
		fmt.Fprintf(stderr, "kirofile %s: no built-in %s %q (built in: %s)\n", HiddenCommand, kind, name, strings.Join(Names(kind), ", "))
		return 1
	}
	if os.Getenv(sdk.Handshake.MagicCookieKey) != sdk.Handshake.MagicCookieValue {
		fmt.Fprintf(stderr, "kirofile %s is started by kirofile itself to serve a built-in plugin; it is not meant to be run by hand\n", HiddenCommand)
		return 1
	}
	if kind == sdk.KindProvider {
		sdk.ServeProvider(providerFactories[name])
	} else {
		sdk.ServeAction(actions[name])
	}
	return 0
}
