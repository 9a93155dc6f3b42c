package host

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/hashicorp/go-hclog"
	plugin "github.com/hashicorp/go-plugin"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/kirofile/kirofile/internal/logging"
	"github.com/kirofile/kirofile/plugins/sdk"
	"github.com/kirofile/kirofile/providers"
)

// Launcher says how to start one plugin.
type Launcher struct {
	// Name is the plugin's name: "openai", "exec", or a third-party NAME.
	Name string
	Kind sdk.Kind
	// Path is the executable; Args its arguments.
	Path string
	Args []string
	// Checksum is the pinned sha256 (hex) of Path. Required for third-party
	// plugins; empty for built-ins, which are the running binary itself.
	Checksum string
	// Env is added to the inherited environment.
	Env []string
	// Unset names variables of kirofile's environment the plugin does not
	// inherit: a hook action gets no provider key, so that code a model
	// wrote and a test hook runs cannot read one.
	Unset []string
}

// ThirdPartyLauncher starts a pinned third-party plugin binary.
func ThirdPartyLauncher(kind sdk.Kind, name, path, checksum string) Launcher {
	return Launcher{Name: name, Kind: kind, Path: path, Checksum: checksum}
}

// ManagerOptions configure a Manager.
type ManagerOptions struct {
	// Dir is the plugins' working directory: the project directory.
	Dir string
	// Logger receives the plugins' logs; default: discarded.
	Logger hclog.Logger
	// StartTimeout bounds starting a plugin and its handshake; default 20s.
	StartTimeout time.Duration
	// CallTimeout bounds each Generate/Run/Configure call whose context
	// has no deadline of its own; default 30m. A plugin that hangs fails
	// its node after this, never the whole run. (Plugins gives every call
	// the deadline of its block's settings.)
	CallTimeout time.Duration
}

// Manager starts plugins lazily, one process per plugin for the whole run,
// and hands out adapters. It is safe for concurrent use; plugins start
// concurrently with each other.
//
// Cleanup: call Close when the run ends. Because every client is started
// with go-plugin's Managed flag, the CLI must also call
// plugin.CleanupClients() on every exit path (deferred in main, in a
// recover for panics, and on SIGINT/SIGTERM) so that no plugin process
// outlives kirofile.
type Manager struct {
	opts      ManagerOptions
	mu        sync.Mutex
	launchers map[string]Launcher
	running   map[string]*running
	closed    bool
	closing   sync.Once
}

type running struct {
	l      Launcher
	once   sync.Once
	err    error
	client *plugin.Client
	raw    any
	stderr *tailBuffer
	// life ties the process to kirofile (proc_*.go); nil before launch.
	life *lifeline
	// started is read by Started while launch may still run.
	started atomic.Bool
	// autoMTLS: the plugin made its own certificate (go-plugin's
	// AutoMTLS: built with an earlier SDK) instead of the one it was given.
	autoMTLS bool
}

// NewManager returns a Manager with no plugins registered.
func NewManager(opts ManagerOptions) *Manager {
	if opts.Logger == nil {
		opts.Logger = hclog.NewNullLogger()
	}
	if opts.StartTimeout == 0 {
		opts.StartTimeout = 20 * time.Second
	}
	if opts.CallTimeout == 0 {
		opts.CallTimeout = 30 * time.Minute
	}
	return &Manager{opts: opts, launchers: map[string]Launcher{}, running: map[string]*running{}}
}

func key(kind sdk.Kind, name string) string { return string(kind) + "." + name }

// Register declares a plugin; nothing starts until it is used. A later
// registration of the same kind and name replaces an earlier one that has
// not started.
func (m *Manager) Register(l Launcher) error {
	if l.Name == "" || l.Path == "" || (l.Kind != sdk.KindProvider && l.Kind != sdk.KindAction) {
		return fmt.Errorf("plugin launcher needs a name, a path and a kind: %+v", l)
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if _, ok := m.running[key(l.Kind, l.Name)]; ok {
		return fmt.Errorf("plugin %s %q already started", l.Kind, l.Name)
	}
	m.launchers[key(l.Kind, l.Name)] = l
	return nil
}

// Provider returns the provider plugin NAME configured with config (a
// provider block's attributes as JSON), starting the plugin if needed.
// Each provider block should call this once per run and reuse the result.
func (m *Manager) Provider(ctx context.Context, name string, config []byte) (providers.Provider, error) {
	r, err := m.start(sdk.KindProvider, name)
	if err != nil {
		return nil, err
	}
	pc, ok := r.raw.(*sdk.ProviderClient)
	if !ok {
		return nil, fmt.Errorf("plugin %q does not serve the provider protocol", name)
	}
	ctx, cancel := context.WithTimeout(ctx, m.opts.CallTimeout)
	defer cancel()
	p, err := pc.Configure(ctx, config)
	if err != nil {
		return nil, err
	}
	return &timeoutProvider{p: p, timeout: m.opts.CallTimeout}, nil
}

// Action returns the hook action plugin NAME, starting it if needed.
func (m *Manager) Action(ctx context.Context, name string) (sdk.HookAction, error) {
	r, err := m.start(sdk.KindAction, name)
	if err != nil {
		return nil, err
	}
	ac, ok := r.raw.(*sdk.ActionClient)
	if !ok {
		return nil, fmt.Errorf("plugin %q does not serve the hook action protocol", name)
	}
	return &timeoutAction{a: ac, timeout: m.opts.CallTimeout}, nil
}

// Start starts a registered plugin, if it is not running yet, and returns
// once it completed the handshake: `kirofile init` uses it to check that a
// plugin binary speaks kirofile's protocol before pinning it.
func (m *Manager) Start(kind sdk.Kind, name string) error {
	_, err := m.start(kind, name)
	return err
}

func (m *Manager) start(kind sdk.Kind, name string) (*running, error) {
	m.mu.Lock()
	if m.closed {
		m.mu.Unlock()
		return nil, fmt.Errorf("plugin %s %q: the plugin manager is closed", kind, name)
	}
	k := key(kind, name)
	r, ok := m.running[k]
	if !ok {
		l, ok := m.launchers[k]
		if !ok {
			m.mu.Unlock()
			return nil, fmt.Errorf("no %s plugin %q is registered", kind, name)
		}
		r = &running{l: l, stderr: &tailBuffer{max: 4 << 10}}
		m.running[k] = r
	}
	m.mu.Unlock()
	// Started outside the lock, so that different plugins start
	// concurrently; once makes concurrent first users share one process.
	r.once.Do(func() { r.err = m.launch(r) })
	if r.err != nil {
		return nil, r.err
	}
	if r.client.Exited() {
		return nil, fmt.Errorf("plugin %s %q (%s) exited earlier in this run%s", kind, name, r.l.Path, r.stderr.suffix())
	}
	return r, nil
}

func (m *Manager) launch(r *running) error {
	l := r.l
	cfg := &plugin.ClientConfig{
		HandshakeConfig:  sdk.Handshake,
		Plugins:          map[string]plugin.Plugin{string(sdk.KindProvider): &sdk.ProviderPlugin{}, string(sdk.KindAction): &sdk.ActionPlugin{}},
		AllowedProtocols: []plugin.Protocol{plugin.ProtocolGRPC},
		GRPCDialOptions:  sdk.DialOptions(), // prompts and replies of any size
		Managed:          true,
		StartTimeout:     m.opts.StartTimeout,
		Logger:           m.opts.Logger.Named(string(l.Kind) + "." + l.Name),
		// Stderr gets what the process writes to fd 2 (a Go panic);
		// SyncStderr what plugin code writes to os.Stderr.
		Stderr:     r.stderr,
		SyncStderr: r.stderr,
	}
	if l.Checksum != "" {
		// Checked here first for a clear error; SecureConfig checks again
		// right before exec.
		sum, err := verifyChecksum(l.Name, l.Path, l.Checksum)
		if err != nil {
			return err
		}
		cfg.SecureConfig = &plugin.SecureConfig{Checksum: sum, Hash: sha256.New()}
	}
	cmd := exec.Command(l.Path, l.Args...)
	cmd.Dir = m.opts.Dir
	cmd.Env = append(environWithout(os.Environ(), l.Unset), l.Env...)
	// go-plugin would add kirofile's whole environment back.
	cfg.SkipHostEnv = true
	life, err := prepare(cmd)
	if err != nil {
		return fmt.Errorf("starting %s plugin %q (%s): %w", l.Kind, l.Name, l.Path, err)
	}
	// Mutual TLS with certificates made here for both sides (see
	// sdk.HostTLS), or go-plugin's AutoMTLS with a plugin of an earlier
	// SDK.
	tlsConfig, tlsEnv, err := sdk.HostTLS()
	if err != nil {
		life.release()
		return fmt.Errorf("starting %s plugin %q (%s): making its certificates: %w", l.Kind, l.Name, l.Path, err)
	}
	cfg.TLSConfig = tlsConfig
	given := tlsConfig.RootCAs
	cmd.Env = append(cmd.Env, tlsEnv...)
	r.life = life
	cfg.Cmd = cmd
	client := plugin.NewClient(cfg)
	r.client = client
	rpc, err := client.Client()
	life.started(cmd.Process)
	if err != nil {
		// A process that died at once is the usual story: give it a moment
		// to be seen as dead, to say so.
		for i := 0; i < 50 && cmd.Process != nil && !client.Exited(); i++ {
			time.Sleep(10 * time.Millisecond)
		}
		exited := client.Exited()
		r.stop()
		if errors.Is(err, plugin.ErrChecksumsDoNotMatch) {
			got, _ := Checksum(l.Path)
			return &ChecksumError{Name: l.Name, Path: l.Path, Got: got, Expected: l.Checksum}
		}
		output := r.stderr.suffix()
		if output == "" {
			output = "; it wrote nothing on stderr"
		}
		if exited && cmd.ProcessState != nil && cmd.ProcessState.ExitCode() >= 0 {
			// It ended by itself (go-plugin kills one that spoke out of turn).
			return fmt.Errorf("%s plugin %q (%s) exited at start with %s, before completing kirofile's plugin handshake%s",
				l.Kind, l.Name, l.Path, cmd.ProcessState, output)
		}
		// go-plugin's own message runs on with generic advice after its
		// first line, which is the news.
		msg, _, _ := strings.Cut(err.Error(), "\n")
		return fmt.Errorf("starting %s plugin %q (%s): %s%s", l.Kind, l.Name, l.Path, strings.TrimSpace(msg), output)
	}
	// go-plugin trusts the certificate a plugin sends in its handshake
	// line instead of the one it was given.
	if r.autoMTLS = tlsConfig.RootCAs != given; r.autoMTLS {
		m.opts.Logger.Debug("plugin made its own certificate (AutoMTLS): built with an earlier SDK, its start is slower", "plugin", l.Name)
	}
	raw, err := rpc.Dispense(string(l.Kind))
	if err != nil {
		r.stop()
		return fmt.Errorf("%s plugin %q (%s) does not serve the %s protocol: %w", l.Kind, l.Name, l.Path, l.Kind, err)
	}
	wrap := func(op string, err error) error { return m.transportErr(r, op, err) }
	switch c := raw.(type) {
	case *sdk.ProviderClient:
		c.Identify(l.Name, wrap)
	case *sdk.ActionClient:
		c.Identify(l.Name, wrap)
	}
	r.raw = raw
	r.started.Store(true)
	return nil
}

// transportErr explains a failed call: the process died, or it did not
// answer in time, or the connection broke.
func (m *Manager) transportErr(r *running, op string, err error) error {
	l := r.l
	code := status.Code(err)
	switch {
	case code == codes.DeadlineExceeded || errors.Is(err, context.DeadlineExceeded):
		// The plugin may be waiting on a slow endpoint as well as hung.
		return fmt.Errorf("%s plugin %q had not answered when the time ran out, while %s: %w", l.Kind, l.Name, op, err)
	case code == codes.Canceled || errors.Is(err, context.Canceled):
		return fmt.Errorf("%s plugin %q: %s: cancelled: %w", l.Kind, l.Name, op, err)
	}
	if r.client != nil {
		// The process may still be going down; give it a moment so that a
		// crash is reported as one, with its stderr.
		for i := 0; i < 50 && !r.client.Exited() && code == codes.Unavailable; i++ {
			time.Sleep(10 * time.Millisecond)
		}
		if r.client.Exited() {
			return fmt.Errorf("%s plugin %q (%s) crashed while %s%s", l.Kind, l.Name, l.Path, op, r.stderr.suffix())
		}
	}
	return fmt.Errorf("%s plugin %q: %s: %w", l.Kind, l.Name, op, err)
}

// Close stops every plugin this manager started. It is safe to call more
// than once, and from several goroutines: each returns once they are
// stopped.
func (m *Manager) Close() error {
	m.closing.Do(m.close)
	return nil
}

func (m *Manager) close() {
	m.mu.Lock()
	m.closed = true
	rs := make([]*running, 0, len(m.running))
	names := make([]string, 0, len(m.running))
	for k := range m.running {
		names = append(names, k)
	}
	sort.Strings(names)
	for _, k := range names {
		rs = append(rs, m.running[k])
	}
	m.mu.Unlock()
	var wg sync.WaitGroup
	for _, r := range rs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r.once.Do(func() { r.err = errors.New("closed before start") })
			r.stop()
		}()
	}
	wg.Wait()
}

// stop ends a plugin and everything it started: it is told to (the
// lifeline's pipe closes, so it stops its own children and exits), then
// go-plugin ends it, then whatever is left in its process group is killed.
func (r *running) stop() {
	if r.life != nil {
		r.life.release()
	}
	if r.client != nil {
		r.client.Kill()
	}
	if r.life != nil {
		r.life.kill()
	}
}

// Started lists the plugins started so far, as "KIND.NAME", sorted.
func (m *Manager) Started() []string {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []string
	for k, r := range m.running {
		if r.started.Load() {
			out = append(out, k)
		}
	}
	sort.Strings(out)
	return out
}

type timeoutProvider struct {
	p       providers.Provider
	timeout time.Duration
}

func (t *timeoutProvider) Generate(ctx context.Context, req providers.Request, on providers.EventFunc) (*providers.Response, error) {
	ctx, cancel := withCallTimeout(ctx, t.timeout)
	defer cancel()
	return t.p.Generate(ctx, req, on)
}

type timeoutAction struct {
	a       sdk.HookAction
	timeout time.Duration
}

func (t *timeoutAction) Run(ctx context.Context, req sdk.ActionRequest) (*sdk.ActionResult, error) {
	ctx, cancel := withCallTimeout(ctx, t.timeout)
	defer cancel()
	return t.a.Run(ctx, req)
}

// withCallTimeout bounds a call by d, unless its context has a deadline
// already: the caller's own bound, which may be longer.
func withCallTimeout(ctx context.Context, d time.Duration) (context.Context, context.CancelFunc) {
	if _, ok := ctx.Deadline(); ok {
		return context.WithCancel(ctx)
	}
	return context.WithTimeout(ctx, d)
}

// tailBuffer keeps the last max bytes of a plugin's stderr, for crash
// reports (a Go panic's message and first frames land here).
type tailBuffer struct {
	mu  sync.Mutex
	max int
	b   []byte
}

func (t *tailBuffer) Write(p []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.b = append(t.b, p...)
	if over := len(t.b) - t.max; over > 0 {
		t.b = append(t.b[:0], t.b[over:]...)
	}
	return len(p), nil
}

func (t *tailBuffer) suffix() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	s := strings.TrimSpace(string(t.b))
	if s == "" {
		return ""
	}
	// The output ends up in an error a user reads: a plugin that printed
	// its environment must not show a key there.
	return "; its last output:\n" + logging.RedactEnvSecrets(s)
}

// environWithout returns environ ("NAME=VALUE" entries) without the
// variables names lists; names compare as the system does (ignoring case
// on Windows).
func environWithout(environ, names []string) []string {
	if len(names) == 0 {
		return environ
	}
	out := make([]string, 0, len(environ))
	for _, kv := range environ {
		name, _, _ := strings.Cut(kv, "=")
		drop := false
		for _, n := range names {
			if name == n || runtime.GOOS == "windows" && strings.EqualFold(name, n) {
				drop = true
				break
			}
		}
		if !drop {
			out = append(out, kv)
		}
	}
	return out
}
