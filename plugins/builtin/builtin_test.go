package builtin

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kirofile/kirofile/plugins/host"
	"github.com/kirofile/kirofile/plugins/internal/fakeplugin"
	"github.com/kirofile/kirofile/plugins/sdk"

	"github.com/kirofile/kirofile/providers"
	"github.com/kirofile/kirofile/providers/replay"
)

// builtinLauncher serves a built-in plugin from this test binary through
// ServeBuiltin, the code path of the hidden command.
func builtinLauncher(t *testing.T, kind sdk.Kind, name string) host.Launcher {
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	return host.Launcher{Name: name, Kind: kind, Path: exe, Env: []string{builtinHelper + "=1", builtinHelper + "_ARGS=" + string(kind) + " " + name}}
}

func TestBuiltinsOverTheProtocol(t *testing.T) {
	dir := t.TempDir()
	req := fakeplugin.Request("write the design")
	cassette := replay.Cassette{Version: replay.CassetteVersion, Interactions: []replay.Interaction{{
		Fingerprint: replay.Fingerprint(req), Request: req,
		Response: providers.Response{Text: strings.Repeat("design ", 2000), FinishReason: "stop", Usage: providers.Usage{TotalTokens: 9}},
	}}}
	b, _ := json.Marshal(cassette)
	if err := os.WriteFile(filepath.Join(dir, "c.json"), b, 0o644); err != nil {
		t.Fatal(err)
	}
	m := newTestManager(t, host.ManagerOptions{Dir: dir}, builtinLauncher(t, sdk.KindProvider, "replay"))

	// The cassette path is relative: the plugin runs in the project dir.
	p, err := m.Provider(context.Background(), "replay", []byte(`{"cassette":"c.json"}`))
	if err != nil {
		t.Fatal(err)
	}
	var streamed strings.Builder
	resp, err := p.Generate(context.Background(), req, func(e providers.Event) { streamed.WriteString(e.Text) })
	if err != nil {
		t.Fatal(err)
	}
	if resp.Text != cassette.Interactions[0].Response.Text || streamed.String() != resp.Text || resp.Usage.TotalTokens != 9 {
		t.Fatalf("resp %d bytes, streamed %d", len(resp.Text), streamed.Len())
	}
	_, err = p.Generate(context.Background(), fakeplugin.Request("something else"), nil)
	if !errors.Is(err, providers.ErrReplayMiss) || !strings.Contains(err.Error(), "feature.f.codegen.c") {
		t.Fatalf("err = %v", err)
	}
	if _, err := m.Provider(context.Background(), "replay", []byte(`{"cassette":"none.json"}`)); !errors.Is(err, providers.ErrConfig) {
		t.Fatalf("err = %v", err)
	}

}

func TestLauncherAndServe(t *testing.T) {
	l, ok, err := Launcher(sdk.KindProvider, "openai")
	if err != nil || !ok {
		t.Fatal(err)
	}
	if strings.Join(l.Args, " ") != "internal-plugin provider openai" || l.Checksum != "" {
		t.Errorf("launcher = %+v", l)
	}
	if _, ok, err := Launcher(sdk.KindAction, "nope"); ok || err != nil {
		t.Errorf("Launcher(action, nope) = %v, %v", ok, err)
	}
	tests := []struct {
		args []string
		want string
	}{
		{nil, "usage"},
		{[]string{"widget", "x"}, "unknown plugin kind"},
		{[]string{"provider", "nope"}, "built in: openai, replay"},
		{[]string{"action", "exec"}, "not meant to be run by hand"},
	}
	for _, tt := range tests {
		var b strings.Builder
		if code := serve(tt.args, &b); code != 1 || !strings.Contains(b.String(), tt.want) {
			t.Errorf("serve(%q) = %d, %q; want 1 and %q", tt.args, code, b.String(), tt.want)
		}
	}
}
