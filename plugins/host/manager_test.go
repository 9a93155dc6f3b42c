package host

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kirofile/kirofile/plugins/internal/fakeplugin"
	"github.com/kirofile/kirofile/plugins/sdk"
)

// helperLauncher starts this test binary as a plugin subprocess.
func helperLauncher(t testing.TB, kind sdk.Kind, name string) Launcher {
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	return Launcher{Name: name, Kind: kind, Path: exe, Env: []string{fakeplugin.HelperEnv + "=" + string(kind)}}
}

func newTestManager(t testing.TB, opts ManagerOptions, ls ...Launcher) *Manager {
	t.Helper()
	m := NewManager(opts)
	t.Cleanup(func() { m.Close() })
	for _, l := range ls {
		if err := m.Register(l); err != nil {
			t.Fatal(err)
		}
	}
	return m
}

func TestManagerLazyConcurrentOneProcess(t *testing.T) {
	m := newTestManager(t, ManagerOptions{Dir: t.TempDir()}, helperLauncher(t, sdk.KindProvider, "fake"), helperLauncher(t, sdk.KindAction, "fakeaction"))
	if got := m.Started(); len(got) != 0 {
		t.Fatalf("started before use: %v", got)
	}
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for i := 0; i < 8; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			p, err := m.Provider(context.Background(), "fake", []byte("c:"))
			if err != nil {
				errs <- err
				return
			}
			resp, err := p.Generate(context.Background(), fakeplugin.Request("hi"), nil)
			if err != nil {
				errs <- err
				return
			}
			if resp.Text != "c:hi" {
				errs <- errors.New("wrong text " + resp.Text)
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if got := m.Started(); len(got) != 1 || got[0] != "provider.fake" {
		t.Fatalf("started = %v", got)
	}
	m.mu.Lock()
	pid := m.running["provider.fake"].client.ReattachConfig().Pid
	m.mu.Unlock()
	// Same process for a later user.
	if _, err := m.Provider(context.Background(), "fake", nil); err != nil {
		t.Fatal(err)
	}
	m.mu.Lock()
	pid2 := m.running["provider.fake"].client.ReattachConfig().Pid
	m.mu.Unlock()
	if pid != pid2 {
		t.Errorf("plugin restarted: %d then %d", pid, pid2)
	}
	a, err := m.Action(context.Background(), "fakeaction")
	if err != nil {
		t.Fatal(err)
	}
	if res, err := a.Run(context.Background(), sdk.ActionRequest{Event: "e", Config: []byte(`"fail"`)}); err != nil || res.Passed {
		t.Fatalf("res = %+v, err %v", res, err)
	}
	m.Close()
	if !m.running["provider.fake"].client.Exited() {
		t.Error("plugin still running after Close")
	}
	if _, err := m.Provider(context.Background(), "fake", nil); err == nil {
		t.Error("closed manager started a plugin")
	}
}

func TestManagerCrashFailsNodeOnly(t *testing.T) {
	// A crashed plugin cannot remove its socket: keep it in the test's
	// own directory rather than the system's temporary one.
	t.Setenv("PLUGIN_UNIX_SOCKET_DIR", t.TempDir())
	m := newTestManager(t, ManagerOptions{}, helperLauncher(t, sdk.KindProvider, "fake"), helperLauncher(t, sdk.KindAction, "other"))
	p, err := m.Provider(context.Background(), "fake", nil)
	if err != nil {
		t.Fatal(err)
	}
	_, err = p.Generate(context.Background(), fakeplugin.Request("crash"), nil)
	if err == nil || !strings.Contains(err.Error(), `provider plugin "fake"`) || !strings.Contains(err.Error(), "crashed while generating for feature.f.codegen.c") {
		t.Fatalf("err = %v", err)
	}
	if !strings.Contains(err.Error(), "fake plugin: boom") {
		t.Errorf("crash error lacks the plugin's stderr: %v", err)
	}
	// Later users of the dead plugin get a clear error, not a hang.
	if _, err := m.Provider(context.Background(), "fake", nil); err == nil || !strings.Contains(err.Error(), "exited earlier in this run") {
		t.Fatalf("err = %v", err)
	}
	// An independent plugin still works.
	a, err := m.Action(context.Background(), "other")
	if err != nil {
		t.Fatal(err)
	}
	if res, err := a.Run(context.Background(), sdk.ActionRequest{}); err != nil || !res.Passed {
		t.Fatalf("res = %+v, err %v", res, err)
	}
}

func TestManagerHangTimesOut(t *testing.T) {
	m := newTestManager(t, ManagerOptions{CallTimeout: 300 * time.Millisecond}, helperLauncher(t, sdk.KindProvider, "fake"))
	p, err := m.Provider(context.Background(), "fake", nil)
	if err != nil {
		t.Fatal(err)
	}
	_, err = p.Generate(context.Background(), fakeplugin.Request("hang"), nil)
	if err == nil || !strings.Contains(err.Error(), `"fake" had not answered when the time ran out`) {
		t.Fatalf("err = %v", err)
	}
	// The plugin serves other requests meanwhile.
	if _, err := p.Generate(context.Background(), fakeplugin.Request("ok"), nil); err != nil {
		t.Fatal(err)
	}
}

func TestManagerChecksum(t *testing.T) {
	exe, _ := os.Executable()
	sum, err := Checksum(exe)
	if err != nil {
		t.Fatal(err)
	}
	// A copy so that the test can change it.
	bin := filepath.Join(t.TempDir(), sdk.BinaryName(sdk.KindProvider, "fake"))
	data, _ := os.ReadFile(exe)
	if err := os.WriteFile(bin, data, 0o755); err != nil {
		t.Fatal(err)
	}
	l := helperLauncher(t, sdk.KindProvider, "fake")
	l.Path, l.Checksum = bin, sum
	m := newTestManager(t, ManagerOptions{}, l)
	if _, err := m.Provider(context.Background(), "fake", nil); err != nil {
		t.Fatalf("pinned binary refused: %v", err)
	}
	m.Close()

	if err := os.WriteFile(bin, append(data, 0), 0o755); err != nil {
		t.Fatal(err)
	}
	m2 := newTestManager(t, ManagerOptions{}, l)
	_, err = m2.Provider(context.Background(), "fake", nil)
	if !errors.Is(err, ErrChecksumMismatch) {
		t.Fatalf("err = %v", err)
	}
	for _, want := range []string{`plugin "fake" at ` + bin + " changed since `kirofile init` pinned it", "expected " + sum, "kirofile init -upgrade"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q lacks %q", err, want)
		}
	}
	if got := m2.Started(); len(got) != 0 {
		t.Errorf("a refused plugin started: %v", got)
	}

	l.Checksum = "zz"
	m3 := newTestManager(t, ManagerOptions{}, l)
	if _, err := m3.Provider(context.Background(), "fake", nil); err == nil || !strings.Contains(err.Error(), "not a sha256") {
		t.Fatalf("err = %v", err)
	}
}

func TestManagerErrors(t *testing.T) {
	m := newTestManager(t, ManagerOptions{StartTimeout: 5 * time.Second},
		Launcher{Name: "missing", Kind: sdk.KindProvider, Path: filepath.Join(t.TempDir(), "nope")},
		Launcher{Name: "notaplugin", Kind: sdk.KindAction, Path: "/bin/true"},
		helperLauncher(t, sdk.KindProvider, "fake"),
	)
	tests := []struct {
		name string
		call func() error
		want string
	}{
		{"unregistered", func() error { _, err := m.Provider(context.Background(), "nobody", nil); return err }, `no provider plugin "nobody" is registered`},
		{"missing binary", func() error { _, err := m.Provider(context.Background(), "missing", nil); return err }, `starting provider plugin "missing"`},
		{"not a plugin", func() error { _, err := m.Action(context.Background(), "notaplugin"); return err }, `action plugin "notaplugin" (/bin/true) exited at start with exit status 0`},
		{"bad config", func() error { _, err := m.Provider(context.Background(), "fake", []byte("bad")); return err }, `invalid configuration: model: bad config`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.call()
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want %q", err, tt.want)
			}
		})
	}
	if err := m.Register(Launcher{Name: "x"}); err == nil {
		t.Error("incomplete launcher accepted")
	}
}

// A prompt and a reply far over gRPC's default 4 MiB pass between host and
// plugin process both ways: a 6 MiB prompt echoed back whole in one delta,
// and a 6 MiB reply sent only in the final message.
func TestManagerLargeMessages(t *testing.T) {
	m := newTestManager(t, ManagerOptions{Dir: t.TempDir()}, helperLauncher(t, sdk.KindProvider, "fake"))
	p, err := m.Provider(context.Background(), "fake", []byte(""))
	if err != nil {
		t.Fatal(err)
	}
	big := strings.Repeat("0123456789abcdef", 6<<20/16)
	resp, err := p.Generate(context.Background(), fakeplugin.Request(big), nil)
	if err != nil {
		t.Fatalf("6 MiB prompt: %v", err)
	}
	if resp.Text != big {
		t.Fatalf("echo of %d bytes came back as %d", len(big), len(resp.Text))
	}
	resp, err = p.Generate(context.Background(), fakeplugin.Request("whole:"+fmt.Sprint(len(big))), nil)
	if err != nil {
		t.Fatalf("6 MiB reply in one message: %v", err)
	}
	if len(resp.Text) != len(big) {
		t.Fatalf("reply of %d bytes, want %d", len(resp.Text), len(big))
	}
}

// TestManagerTLS: a plugin of this SDK serves with the certificate the
// host made for it; one built with an earlier SDK (go-plugin's own Serve,
// AutoMTLS) makes its own, and is served all the same.
func TestManagerTLS(t *testing.T) {
	for _, tc := range []struct {
		helper   string
		autoMTLS bool
	}{
		{"provider", false},
		{"provider-automtls", true},
	} {
		t.Run(tc.helper, func(t *testing.T) {
			l := helperLauncher(t, sdk.KindProvider, "fake")
			l.Env = []string{fakeplugin.HelperEnv + "=" + tc.helper}
			m := newTestManager(t, ManagerOptions{Dir: t.TempDir()}, l)
			p, err := m.Provider(context.Background(), "fake", []byte("c:"))
			if err != nil {
				t.Fatal(err)
			}
			resp, err := p.Generate(context.Background(), fakeplugin.Request("hi"), nil)
			if err != nil || resp.Text != "c:hi" {
				t.Fatalf("Generate = %v, %v", resp, err)
			}
			m.mu.Lock()
			got := m.running["provider.fake"].autoMTLS
			m.mu.Unlock()
			if got != tc.autoMTLS {
				t.Errorf("autoMTLS = %v, want %v", got, tc.autoMTLS)
			}
		})
	}
}

// TestPluginKeyNotInherited: the plugin's private key, handed over in its
// environment, is gone from it before the plugin runs anything (a hook's
// commands inherit what an action's process has).
func TestPluginKeyNotInherited(t *testing.T) {
	m := newTestManager(t, ManagerOptions{Dir: t.TempDir()}, helperLauncher(t, sdk.KindAction, "fakeaction"))
	a, err := m.Action(context.Background(), "fakeaction")
	if err != nil {
		t.Fatal(err)
	}
	res, err := a.Run(context.Background(), sdk.ActionRequest{Config: []byte(`"env"`)})
	if err != nil {
		t.Fatal(err)
	}
	env := string(res.Output)
	if !strings.Contains(env, fakeplugin.HelperEnv+"=") {
		t.Fatalf("the action did not report its environment: %q", env)
	}
	if strings.Contains(env, sdk.EnvTLS) || strings.Contains(env, "PRIVATE KEY") {
		t.Errorf("the plugin's environment still holds its key:\n%s", env)
	}
}

// TestManagerCloseTwice: a second Close, at the same time or later, waits
// for the first and stops nothing twice.
func TestManagerCloseTwice(t *testing.T) {
	m := NewManager(ManagerOptions{Dir: t.TempDir()})
	if err := m.Register(helperLauncher(t, sdk.KindProvider, "fake")); err != nil {
		t.Fatal(err)
	}
	if _, err := m.Provider(context.Background(), "fake", nil); err != nil {
		t.Fatal(err)
	}
	m.mu.Lock()
	client := m.running["provider.fake"].client
	m.mu.Unlock()
	var wg sync.WaitGroup
	for range 3 {
		wg.Go(func() {
			m.Close()
			if !client.Exited() {
				t.Error("Close returned before the plugin exited")
			}
		})
	}
	wg.Wait()
	m.Close()
	if _, err := m.Provider(context.Background(), "fake", nil); err == nil {
		t.Error("a closed manager started a plugin")
	}
}
