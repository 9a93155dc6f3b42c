package host

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/kirofile/kirofile/lang"
	"github.com/kirofile/kirofile/plugins/internal/fakeplugin"
	"github.com/kirofile/kirofile/plugins/sdk"
	"github.com/kirofile/kirofile/providers"
	"github.com/zclconf/go-cty/cty"
)

func TestLimitsOf(t *testing.T) {
	p := &lang.Provider{Type: "mine", Name: "x", Config: map[string]cty.Value{}}
	if got := LimitsOf(p); got != (Limits{DefaultCallTimeout, DefaultMaxReplyBytes}) {
		t.Errorf("defaults = %+v", got)
	}
	p.Config["call_timeout"] = cty.StringVal("90s")
	p.Config["max_reply_bytes"] = cty.NumberIntVal(1000)
	if got := LimitsOf(p); got != (Limits{90 * time.Second, 1000}) {
		t.Errorf("set = %+v", got)
	}
}

// TestLimitedProvider runs a real provider plugin past each limit: a reply
// too large is cut off as it streams, a hung call ends at call_timeout.
func TestLimitedProvider(t *testing.T) {
	m := newTestManager(t, ManagerOptions{Dir: t.TempDir()}, helperLauncher(t, sdk.KindProvider, "fake"))
	raw, err := m.Provider(context.Background(), "fake", nil)
	if err != nil {
		t.Fatal(err)
	}
	p := &limitedProvider{p: raw, lim: Limits{CallTimeout: 300 * time.Millisecond, MaxReplyBytes: 10 << 10}, addr: "provider.fake.x"}

	delivered := 0
	_, err = p.Generate(context.Background(), fakeplugin.Request("big:10000000"), func(e providers.Event) {
		delivered += len(e.Text)
	})
	if err == nil || !strings.Contains(err.Error(), "larger than max_reply_bytes (10240 bytes)") || !strings.Contains(err.Error(), "raise max_reply_bytes in provider.fake.x") {
		t.Fatalf("err = %v", err)
	}
	if delivered > 10<<10 {
		t.Errorf("%d bytes passed on past the limit", delivered)
	}

	_, err = p.Generate(context.Background(), fakeplugin.Request("hang"), nil)
	if err == nil || !strings.Contains(err.Error(), "no complete reply within call_timeout (300ms)") {
		t.Fatalf("err = %v", err)
	}
	if !providers.Local(err) {
		t.Errorf("a call_timeout reached is recorded in the lock: %v", err)
	}

	resp, err := p.Generate(context.Background(), fakeplugin.Request("small"), nil)
	if err != nil || resp.Text != "small" {
		t.Fatalf("a reply within the limits: %v, %v", resp, err)
	}
}

// TestLimitedAction runs an action plugin that ignores its context: the
// run ends at the block's timeout plus the grace period.
func TestLimitedAction(t *testing.T) {
	old := actionGrace
	actionGrace = 50 * time.Millisecond
	t.Cleanup(func() { actionGrace = old })
	m := newTestManager(t, ManagerOptions{Dir: t.TempDir()}, helperLauncher(t, sdk.KindAction, "fakeaction"))
	raw, err := m.Action(context.Background(), "fakeaction")
	if err != nil {
		t.Fatal(err)
	}
	a := &limitedAction{a: raw}
	_, err = a.Run(context.Background(), sdk.ActionRequest{Config: []byte(`{"mode":"hang","timeout":"100ms"}`)})
	if err == nil || !strings.Contains(err.Error(), "did not finish within its timeout (100ms)") {
		t.Fatalf("err = %v", err)
	}
	if d := actionTimeout([]byte(`{}`)); d != DefaultActionTimeout {
		t.Errorf("default = %s", d)
	}
}
