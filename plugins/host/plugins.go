package host

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"sync"

	"github.com/kirofile/kirofile/internal/lockfile"
	"github.com/kirofile/kirofile/internal/secret"
	"github.com/kirofile/kirofile/lang"
	"github.com/kirofile/kirofile/plugins/sdk"
	"github.com/kirofile/kirofile/providers"
)

// BuiltinFunc returns the launcher of a plugin the kirofile binary serves
// itself; ok is false for a name that is not built in. cmd/kirofile passes
// the built-in registry's, so that this package links none of them.
type BuiltinFunc func(kind sdk.Kind, name string) (l Launcher, ok bool, err error)

// Plugins serves a configuration's providers and actions from plugin
// processes: the built-ins from the kirofile binary itself, third-party
// ones from their pinned binaries. Processes start on first use, one per
// plugin for the whole run.
type Plugins struct {
	cfg     *lang.Config
	lock    *lockfile.Lock
	manager *Manager
	builtin BuiltinFunc

	mu         sync.Mutex
	registered map[string]error
	providers  map[string]*providerOnce
}

type providerOnce struct {
	once sync.Once
	p    providers.Provider
	err  error
}

// NewPlugins returns the plugins of cfg over manager. Third-party plugins
// are launched with the checksum pinned in lock, so a binary swapped after
// `kirofile init` is refused by the launch itself.
func NewPlugins(cfg *lang.Config, lock *lockfile.Lock, manager *Manager, builtin BuiltinFunc) *Plugins {
	return &Plugins{cfg: cfg, lock: lock, manager: manager, builtin: builtin, registered: map[string]error{}, providers: map[string]*providerOnce{}}
}

// register makes a plugin known to the manager, once.
func (h *Plugins) register(kind sdk.Kind, name string) error {
	k := string(kind) + "." + name
	h.mu.Lock()
	defer h.mu.Unlock()
	if err, ok := h.registered[k]; ok {
		return err
	}
	l, builtin, err := h.builtin(kind, name)
	if builtin {
		// served by the running binary
	} else if decl, ok := h.cfg.Settings.Plugins[name]; ok {
		pin := h.lock.Plugins[name]
		switch {
		case pin == nil:
			err = fmt.Errorf("plugin %q is not pinned: run \"kirofile init\"", name)
		case pin.Hash(Platform) == "":
			err = fmt.Errorf("plugin %q is not pinned for %s: run \"kirofile init\"", name, Platform)
		default:
			l = ThirdPartyLauncher(kind, name, PluginPath(h.cfg, decl), pin.Hash(Platform))
		}
	} else {
		err = fmt.Errorf("no %s plugin %q", kind, name)
	}
	if err == nil {
		if kind == sdk.KindAction {
			l.Unset = actionUnset(h.cfg)
		}
		err = h.manager.Register(l)
	}
	h.registered[k] = err
	return err
}

// actionUnset lists the environment variables hook actions do not inherit:
// every provider's key variable, the KIRO_VAR_ of every sensitive
// variable, and every variable whose name marks a credential
// (secret.CredentialName: OPENAI_API_KEY, GITHUB_TOKEN, ...). Hooks run
// code a model wrote; a hook that needs a credential says so in its
// action's env.
func actionUnset(cfg *lang.Config) []string {
	names := []string{"OPENAI_API_KEY"}
	for _, p := range cfg.Providers {
		names = append(names, secret.KeyVariables(p)...)
	}
	for name, v := range cfg.Variables {
		if v.Sensitive {
			names = append(names, lang.VarEnvPrefix+name)
		}
	}
	for _, kv := range os.Environ() {
		if name, _, ok := strings.Cut(kv, "="); ok && secret.CredentialName(name) {
			names = append(names, name)
		}
	}
	return names
}

// Provider configures the provider of a block once per run.
func (h *Plugins) Provider(ctx context.Context, key string) (providers.Provider, error) {
	p, ok := h.cfg.Providers[key]
	if !ok {
		return nil, fmt.Errorf("no provider %q", key)
	}
	h.mu.Lock()
	po, ok := h.providers[key]
	if !ok {
		po = &providerOnce{}
		h.providers[key] = po
	}
	h.mu.Unlock()
	po.once.Do(func() {
		if po.err = h.register(sdk.KindProvider, p.Type); po.err != nil {
			return
		}
		config, err := ProviderConfigJSON(p)
		if err != nil {
			po.err = err
			return
		}
		po.p, po.err = h.manager.Provider(ctx, p.Type, config)
		if po.err != nil {
			po.err = fmt.Errorf("%s: %w", p.Addr(), po.err)
			return
		}
		po.p = &limitedProvider{p: po.p, lim: LimitsOf(p), addr: p.Addr()}
	})
	return po.p, po.err
}

// Action returns a hook action, each run bounded by its block's timeout.
func (h *Plugins) Action(ctx context.Context, typ string) (sdk.HookAction, error) {
	if err := h.register(sdk.KindAction, typ); err != nil {
		return nil, err
	}
	a, err := h.manager.Action(ctx, typ)
	if err != nil {
		return nil, err
	}
	return &limitedAction{a: a}, nil
}

// ProviderConfigJSON renders a provider block's attributes as the JSON its
// plugin is configured with. For replay, the attributes other than
// cassette and mode configure the openai provider it records through.
// Sensitive values (an api_key from a sensitive variable) travel to the
// plugin only, over the plugin's private connection.
//
// The attributes kirofile applies itself (lang.HostProviderAttrs) are not
// sent, but for max_reply_bytes to the built-in providers, which bound
// what they read from the network with it.
func ProviderConfigJSON(p *lang.Provider) ([]byte, error) {
	attrs := map[string]json.RawMessage{}
	for name, v := range p.Config {
		if lang.HostProviderAttrs[name] && !(name == "max_reply_bytes" && (p.Type == "openai" || p.Type == "replay")) {
			continue
		}
		raw, err := lang.ValueJSON(v)
		if err != nil {
			return nil, fmt.Errorf("provider %s: attribute %s: %w", p.Addr(), name, err)
		}
		attrs[name] = raw
	}
	if p.Type != "replay" {
		return json.Marshal(attrs)
	}
	out := map[string]json.RawMessage{}
	inner := map[string]json.RawMessage{}
	for name, raw := range attrs {
		switch name {
		case "cassette", "mode":
			out[name] = raw
		default:
			inner[name] = raw
		}
	}
	if len(inner) > 0 {
		out["provider"] = json.RawMessage(`"openai"`)
		b, err := json.Marshal(inner)
		if err != nil {
			return nil, err
		}
		out["provider_config"] = b
	}
	return json.Marshal(out)
}
