package apply

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/kirofile/kirofile/internal/digest"
	"github.com/kirofile/kirofile/internal/lockfile"
	"github.com/kirofile/kirofile/internal/plan"
	"github.com/kirofile/kirofile/lang"
	"github.com/kirofile/kirofile/providers"
)

// failingHost fails Provider or Generate with the errors given.
type failingHost struct {
	*fakeHost
	providerErr, generateErr error
	calls                    int
}

func (h *failingHost) Provider(ctx context.Context, key string) (providers.Provider, error) {
	if h.providerErr != nil {
		return nil, h.providerErr
	}
	return h, nil
}

func (h *failingHost) Generate(ctx context.Context, req providers.Request, on providers.EventFunc) (*providers.Response, error) {
	h.calls++
	if h.generateErr != nil {
		return nil, h.generateErr
	}
	return h.fakeHost.Generate(ctx, req, on)
}

const teamKirofile = `
provider "openai" "main" {
  model    = "m"
  base_url = "http://10.1.2.3:8080/v1"
}
feature "a" {
  description = "Feature a."
  spec "requirements" {}
  codegen "svc" {
    outputs = ["svc/**"]
  }
}
hook "notify" {
  on = ["spec.approved"]
  action "exec" {
    command = ["notify"]
  }
}
`

func loadTeam(t *testing.T, dir string) *lang.Config {
	t.Helper()
	cfg, diags := lang.Load(dir, lang.LoadOptions{RequireVariables: true})
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	return cfg
}

func TestLocalFailuresStayOutOfTheLock(t *testing.T) {
	tests := []struct {
		name   string
		err    error
		record bool
	}{
		{"endpoint unavailable", fmt.Errorf("connection to http://10.1.2.3:8080/v1 refused: %w", providers.ErrUnavailable), false},
		{"key refused", fmt.Errorf("%w: check $OPENAI_API_KEY", providers.ErrAuth), false},
		{"no key", fmt.Errorf("invalid configuration: %w", providers.ErrNoKey), false},
		{"a failure true for everyone", fmt.Errorf("http://10.1.2.3:8080/v1 has %w for this prompt", providers.ErrReplayMiss), true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			host := &failingHost{fakeHost: &fakeHost{reply: answer(goodRequirements)}, generateErr: tt.err}
			h := newApplyHarnessWith(t, teamKirofile, host.fakeHost)
			cfg := loadTeam(t, h.dir)
			res, diags := Apply(context.Background(), cfg, h.lock, Options{Host: host})
			if diags.HasErrors() {
				t.Fatal(diags)
			}
			if got := res.Nodes["feature.a.spec.requirements"].State; got != plan.Failed {
				t.Fatalf("state %s", got)
			}
			rec := h.lock.Node("feature.a.spec.requirements")
			if (rec != nil) != tt.record {
				t.Fatalf("record %+v, want one: %v", rec, tt.record)
			}
			if rec != nil && strings.Contains(rec.Error, "10.1.2.3") {
				t.Errorf("the endpoint reached the lock: %q", rec.Error)
			}
		})
	}
}

func TestProvidersCheckedBeforeAnyNode(t *testing.T) {
	host := &failingHost{fakeHost: &fakeHost{reply: answer(goodRequirements)},
		providerErr: fmt.Errorf("invalid configuration: no API key: %w", providers.ErrNoKey)}
	h := newApplyHarnessWith(t, teamKirofile, host.fakeHost)
	res, diags := Apply(context.Background(), loadTeam(t, h.dir), h.lock, Options{Host: host})
	if !diags.HasErrors() || diags[0].Summary != "Provider not ready" || !strings.Contains(diags[0].Detail, "feature.a.spec.requirements") {
		t.Fatalf("diags = %v", diags)
	}
	if host.calls != 0 || len(res.Nodes) != 0 || len(h.lock.Nodes) != 0 {
		t.Errorf("nodes ran: %d calls, %v, %v", host.calls, res.Nodes, h.lock.Nodes)
	}
}

func TestApplyRunsExactlyThePlan(t *testing.T) {
	host := &fakeHost{reply: projectReply(answer(fileReply("svc/main.go", "package svc\n")))}
	h := newApplyHarnessWith(t, teamKirofile, host)
	cfg := loadTeam(t, h.dir)
	h.apply(context.Background()) // the requirements, awaiting approval
	before, _ := plan.Build(cfg, h.lock, plan.Options{})
	if ch := before.Change("feature.a.codegen.svc"); ch.State != plan.Blocked {
		t.Fatalf("codegen planned %s", ch.State)
	}
	// Approved after the plan was made: the codegen is ready, but not in
	// the plan carried out.
	rec := h.lock.Node("feature.a.spec.requirements")
	rec.Approval = &lockfile.Approval{SHA256: rec.Outputs[".kiro/specs/a/requirements.md"], Fingerprint: rec.Fingerprint, By: "ana", At: time.Unix(0, 0)}
	res, diags := Apply(context.Background(), cfg, h.lock, Options{Host: host, Plan: before})
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	n := res.Nodes["feature.a.codegen.svc"]
	if n.State != plan.Blocked || !n.Deferred {
		t.Errorf("codegen %+v, want deferred", n)
	}
	if h.lock.Node("feature.a.codegen.svc") != nil {
		t.Errorf("the codegen ran")
	}
}

func TestApprovedHooksRunOnceInApply(t *testing.T) {
	var runs []string
	fail := true
	host := &fakeHost{reply: projectReply(answer(fileReply("svc/main.go", "package svc\n"))), check: func(_ string, files []string) (bool, string) {
		runs = append(runs, strings.Join(files, ","))
		if fail {
			return false, "notify failed"
		}
		return true, ""
	}}
	h := newApplyHarnessWith(t, teamKirofile, host)
	cfg := loadTeam(t, h.dir)
	h.apply(context.Background())
	if len(runs) != 0 {
		t.Fatalf("hooks ran on generation: %v", runs)
	}
	rec := h.lock.Node("feature.a.spec.requirements").Clone()
	rec.Approval = &lockfile.Approval{SHA256: rec.Outputs[".kiro/specs/a/requirements.md"], Fingerprint: rec.Fingerprint, By: "ana", At: time.Unix(0, 0), Hooks: lockfile.HooksPending}
	h.lock.SetNode(rec)

	// A failing hook fails the node and keeps the hooks due.
	res, _ := Apply(context.Background(), cfg, h.lock, Options{Host: host})
	if res.Nodes["feature.a.spec.requirements"].State != plan.Failed || h.lock.Node("feature.a.spec.requirements").Approval.Hooks != lockfile.HooksPending {
		t.Fatalf("after a failing hook: %+v, %+v", res.Nodes["feature.a.spec.requirements"], h.lock.Node("feature.a.spec.requirements").Approval)
	}
	// Passing, they are recorded as run, and run no more.
	fail = false
	Apply(context.Background(), cfg, h.lock, Options{Host: host})
	if got := h.lock.Node("feature.a.spec.requirements").Approval.Hooks; got != lockfile.HooksRan {
		t.Fatalf("hooks = %q", got)
	}
	Apply(context.Background(), cfg, h.lock, Options{Host: host})
	if len(runs) != 2 || runs[0] != ".kiro/specs/a/requirements.md" {
		t.Errorf("runs = %v, want two (one failing, one passing)", runs)
	}
}

func TestForgetRemovedBlocks(t *testing.T) {
	for _, del := range []bool{false, true} {
		t.Run(fmt.Sprintf("delete=%v", del), func(t *testing.T) {
			host := &fakeHost{reply: answer(goodRequirements)}
			h := newApplyHarnessWith(t, teamKirofile, host)
			for name, content := range map[string]string{"old/kept.go": "as generated\n", "old/edited.go": "edited\n"} {
				p := filepath.Join(h.dir, name)
				if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			h.lock.SetNode(&lockfile.Node{Address: "feature.old.codegen.svc", Fingerprint: digestOf("fp"), Status: lockfile.StatusGenerated,
				Outputs: map[string]string{"old/kept.go": digestOf("as generated\n"), "old/edited.go": digestOf("as it was generated\n")}})
			cfg := loadTeam(t, h.dir)
			p, _ := plan.Build(cfg, h.lock, plan.Options{})
			if ch := p.Change("feature.old.codegen.svc"); ch == nil || ch.State != plan.Forget || !p.HasChanges() {
				t.Fatalf("plan: %+v", ch)
			}
			res, diags := Apply(context.Background(), cfg, h.lock, Options{Host: host, DeleteRemoved: del})
			if diags.HasErrors() {
				t.Fatal(diags)
			}
			if res.Nodes["feature.old.codegen.svc"].State != plan.Forgotten || h.lock.Node("feature.old.codegen.svc") != nil {
				t.Fatalf("not forgotten: %+v", res.Nodes["feature.old.codegen.svc"])
			}
			_, errKept := os.Stat(filepath.Join(h.dir, "old/kept.go"))
			_, errEdited := os.Stat(filepath.Join(h.dir, "old/edited.go"))
			if errEdited != nil {
				t.Errorf("an edited file was deleted")
			}
			if deleted := errors.Is(errKept, os.ErrNotExist); deleted != del {
				t.Errorf("old/kept.go deleted: %v, want %v", deleted, del)
			}
		})
	}
}

func digestOf(s string) string { return digest.String(s) }
