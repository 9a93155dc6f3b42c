package engine

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"sync"

	"github.com/kirofile/kirofile/internal/lockfile"
	"github.com/kirofile/kirofile/lang"
	"github.com/kirofile/kirofile/plugins"
	"github.com/kirofile/kirofile/providers"
	"github.com/zclconf/go-cty/cty"
	ctyjson "github.com/zclconf/go-cty/cty/json"
)

// Host gives a run its providers and hook actions. PluginHost is the real
// one, over plugin processes; tests may substitute their own.
type Host interface {
	// Provider returns the configured provider of a provider block, by its
	// key "TYPE.NAME".
	Provider(ctx context.Context, key string) (providers.Provider, error)
	// Action returns the hook action of a type ("exec", a plugin name).
	Action(ctx context.Context, typ string) (plugins.HookAction, error)
}

// PluginHost serves providers and actions from plugin processes: the
// built-ins from the kirofile binary itself, third-party ones from their
// pinned binaries. Processes start on first use, one per plugin for the
// whole run.
type PluginHost struct {
	cfg     *lang.Config
	lock    *lockfile.Lock
	manager *plugins.Manager

	mu         sync.Mutex
	registered map[string]error
	providers  map[string]*providerOnce
}

type providerOnce struct {
	once sync.Once
	p    providers.Provider
	err  error
}

// NewPluginHost returns a host for cfg over manager. Third-party plugins
// are launched with the checksum pinned in lock, so a binary swapped after
// `kirofile init` is refused by the launch itself.
func NewPluginHost(cfg *lang.Config, lock *lockfile.Lock, manager *plugins.Manager) *PluginHost {
	return &PluginHost{cfg: cfg, lock: lock, manager: manager, registered: map[string]error{}, providers: map[string]*providerOnce{}}
}

// register makes a plugin known to the manager, once.
func (h *PluginHost) register(kind plugins.Kind, name string) error {
	k := string(kind) + "." + name
	h.mu.Lock()
	defer h.mu.Unlock()
	if err, ok := h.registered[k]; ok {
		return err
	}
	var l plugins.Launcher
	var err error
	if plugins.IsBuiltin(kind, name) {
		l, err = plugins.BuiltinLauncher(kind, name)
	} else if decl, ok := h.cfg.Settings.Plugins[name]; ok {
		pin := h.lock.Plugins[name]
		if pin == nil {
			err = fmt.Errorf("plugin %q is not pinned: run \"kirofile init\"", name)
		} else {
			l = plugins.ThirdPartyLauncher(kind, name, PluginPath(h.cfg, decl), pin.SHA256)
		}
	} else {
		err = fmt.Errorf("no %s plugin %q", kind, name)
	}
	if err == nil {
		err = h.manager.Register(l)
	}
	h.registered[k] = err
	return err
}

// Provider configures the provider of a block once per run.
func (h *PluginHost) Provider(ctx context.Context, key string) (providers.Provider, error) {
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
		if po.err = h.register(plugins.KindProvider, p.Type); po.err != nil {
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
		}
	})
	return po.p, po.err
}

// Action returns a hook action.
func (h *PluginHost) Action(ctx context.Context, typ string) (plugins.HookAction, error) {
	if err := h.register(plugins.KindAction, typ); err != nil {
		return nil, err
	}
	return h.manager.Action(ctx, typ)
}

// ProviderConfigJSON renders a provider block's attributes as the JSON its
// plugin is configured with. For replay, the attributes other than
// cassette and mode configure the openai provider it records through.
// Sensitive values (an api_key from a sensitive variable) travel to the
// plugin only, over the plugin's private connection.
func ProviderConfigJSON(p *lang.Provider) ([]byte, error) {
	attrs := map[string]json.RawMessage{}
	for name, v := range p.Config {
		raw, err := valueJSON(v)
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

// valueJSON renders a cty value as plain JSON.
func valueJSON(v cty.Value) (json.RawMessage, error) {
	v, _ = v.UnmarkDeep()
	if !v.IsWhollyKnown() {
		return nil, fmt.Errorf("value is not known")
	}
	return ctyjson.Marshal(v, v.Type())
}

// ActionConfigJSON renders an action block's attributes as JSON.
func ActionConfigJSON(a *lang.Action) (json.RawMessage, error) {
	names := make([]string, 0, len(a.Config))
	for n := range a.Config {
		names = append(names, n)
	}
	sort.Strings(names)
	attrs := map[string]json.RawMessage{}
	for _, n := range names {
		raw, err := valueJSON(a.Config[n])
		if err != nil {
			return nil, fmt.Errorf("action %s: attribute %s: %w", a.Type, n, err)
		}
		attrs[n] = raw
	}
	return json.Marshal(attrs)
}
