//go:build unix

package main

import (
	"context"
	"os"
	"slices"
	"syscall"
	"testing"
	"time"

	"github.com/kirofile/kirofile/internal/apply"
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
