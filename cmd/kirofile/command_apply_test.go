//go:build unix

package main

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"syscall"
	"testing"
	"time"

	"github.com/kirofile/kirofile/internal/apply"
	"github.com/kirofile/kirofile/internal/lockfile"
	"github.com/kirofile/kirofile/lang"
)

// interruptView records that the run was told of an interrupt.
type interruptView struct {
	applyView
	told chan struct{}
}

func (v *interruptView) Interrupted() { close(v.told) }

// TestApplySignals checks the two steps of Ctrl-C: the first cancels the
// run, which then ends gracefully; a second one exits at once with 130.
func TestApplySignals(t *testing.T) {
	exited := make(chan int, 1)
	exitNow = func(code int) { exited <- code }
	defer func() { exitNow = os.Exit }()

	view := &interruptView{told: make(chan struct{})}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	stop := (&applyCmd{}).handleSignals(view, cancel)
	defer stop()

	wait := func(what string, ch <-chan struct{}) {
		t.Helper()
		select {
		case <-ch:
		case <-time.After(10 * time.Second):
			t.Fatalf("no %s", what)
		}
	}
	if err := syscall.Kill(os.Getpid(), syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	wait("interrupt message", view.told)
	wait("cancellation", ctx.Done())
	select {
	case code := <-exited:
		t.Fatalf("the first interrupt exited with %d", code)
	default:
	}
	if err := syscall.Kill(os.Getpid(), syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	select {
	case code := <-exited:
		if code != 130 {
			t.Errorf("exit code %d, want 130", code)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the second interrupt did not exit")
	}
}

// recordingView records the events and interrupts it is given.
type recordingView struct {
	applyView
	got []string
}

func (r *recordingView) Event(e apply.Event) { r.got = append(r.got, e.Address) }
func (r *recordingView) Interrupted()        { r.got = append(r.got, "interrupted") }

// A run started beside the estimate shows nothing before the plan: its
// events and interrupts wait for open, then pass in order.
func TestGatedView(t *testing.T) {
	rec := &recordingView{}
	g := &gatedView{applyView: rec}
	g.Event(apply.Event{Address: "feature.a.spec.requirements"})
	g.Interrupted()
	if len(rec.got) != 0 {
		t.Fatalf("shown before open: %v", rec.got)
	}
	g.open()
	g.Event(apply.Event{Address: "feature.b.spec.requirements"})
	want := []string{"feature.a.spec.requirements", "interrupted", "feature.b.spec.requirements"}
	if !slices.Equal(rec.got, want) {
		t.Fatalf("shown %v, want %v", rec.got, want)
	}
}

// The plugins started before the plan are those of nodes the lock does not
// record, or that -replace names.
func TestLikelyProviders(t *testing.T) {
	dir := t.TempDir()
	kirofile := `
provider "openai" "a" {
  model = "m"
}
provider "openai" "b" {
  model = "m"
}
feature "f" {
  spec "requirements" {
    provider = provider.openai.a
  }
  codegen "c" {
    provider = provider.openai.b
    outputs  = ["c/**"]
  }
}
`
	if err := os.WriteFile(filepath.Join(dir, "Kirofile"), []byte(kirofile), 0o644); err != nil {
		t.Fatal(err)
	}
	cfg, diags := lang.Load(dir, lang.LoadOptions{})
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	recorded := lockfile.New()
	recorded.SetNode(&lockfile.Node{Address: "feature.f.spec.requirements"})
	recorded.SetNode(&lockfile.Node{Address: "feature.f.codegen.c"})
	codegen, err := lang.ParseAddress("feature.f.codegen.c")
	if err != nil {
		t.Fatal(err)
	}
	task, err := lang.ParseAddress(`feature.f.codegen.c.task["2"]`)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name    string
		lock    *lockfile.Lock
		replace []lang.Address
		want    []string
	}{
		{"nothing recorded", lockfile.New(), nil, []string{"openai.a", "openai.b"}},
		{"everything recorded", recorded, nil, nil},
		{"a node replaced", recorded, []lang.Address{codegen}, []string{"openai.b"}},
		{"a task replaced", recorded, []lang.Address{task}, []string{"openai.b"}},
	} {
		if got := likelyProviders(cfg, tc.lock, tc.replace); !slices.Equal(got, tc.want) {
			t.Errorf("%s: %v, want %v", tc.name, got, tc.want)
		}
	}
}
