package host

import (
	"context"
	"strings"
	"sync"
	"testing"

	"github.com/kirofile/kirofile/plugins/internal/fakeplugin"
	"github.com/kirofile/kirofile/plugins/sdk"

	"github.com/kirofile/kirofile/providers"
)

// BenchmarkPluginStart measures starting a plugin subprocess, the go-plugin
// handshake with AutoMTLS, and one Configure call; the helper process is
// this test binary, about the size of the kirofile binary.
func BenchmarkPluginStart(b *testing.B) {
	l := helperLauncher(b, sdk.KindProvider, "fake")
	for b.Loop() {
		m := NewManager(ManagerOptions{})
		if err := m.Register(l); err != nil {
			b.Fatal(err)
		}
		if _, err := m.Provider(context.Background(), "fake", nil); err != nil {
			b.Fatal(err)
		}
		m.Close()
	}
}

const streamSize = 100 << 10

// BenchmarkStream100KB compares one streamed 100 KB generation (1 KiB
// deltas) in process and through a plugin subprocess. "instant" streams
// as fast as the fake can, which isolates the plugin path's own cost;
// "paced" sends one delta per millisecond (about 100 ms for 100 KB, far
// faster than any model streams), which is what the overhead is a share of.
func BenchmarkStream100KB(b *testing.B) {
	for _, mode := range []string{"instant", "paced"} {
		b.Run(mode, func(b *testing.B) {
			req := fakeplugin.Request("big:102400")
			if mode == "paced" {
				req = fakeplugin.Request("paced:102400")
			}
			benchStream(b, req)
		})
	}
}

func benchStream(b *testing.B, req providers.Request) {
	run := func(b *testing.B, p providers.Provider) {
		b.SetBytes(streamSize)
		for b.Loop() {
			n := 0
			resp, err := p.Generate(context.Background(), req, func(e providers.Event) { n += len(e.Text) })
			if err != nil {
				b.Fatal(err)
			}
			if n != streamSize || len(resp.Text) != streamSize {
				b.Fatalf("streamed %d, text %d", n, len(resp.Text))
			}
		}
	}
	b.Run("in-process", func(b *testing.B) {
		p, _ := fakeplugin.NewProvider(nil)
		run(b, p)
	})
	b.Run("plugin", func(b *testing.B) {
		m := newTestManager(b, ManagerOptions{}, helperLauncher(b, sdk.KindProvider, "fake"))
		p, err := m.Provider(context.Background(), "fake", nil)
		if err != nil {
			b.Fatal(err)
		}
		run(b, p)
	})
}

// BenchmarkPrompts100KB sends 32 requests at once, each with a prompt of
// 100 KB and a short reply, through a plugin subprocess: the shape of a
// wave of tasks, whose prompts hold the specs and the files written so
// far. One op is the 32 requests.
func BenchmarkPrompts100KB(b *testing.B) {
	m := newTestManager(b, ManagerOptions{}, helperLauncher(b, sdk.KindProvider, "fake"))
	p, err := m.Provider(context.Background(), "fake", nil)
	if err != nil {
		b.Fatal(err)
	}
	req := providers.Request{NodeAddress: "feature.f.codegen.c", Messages: []providers.Message{
		{Role: providers.RoleSystem, Content: strings.Repeat("spec text ", 10<<10)},
		{Role: providers.RoleUser, Content: "short"},
	}}
	b.SetBytes(32 * int64(len(req.Messages[0].Content)))
	for b.Loop() {
		var wg sync.WaitGroup
		errs := make(chan error, 32)
		for range 32 {
			wg.Go(func() {
				if _, err := p.Generate(context.Background(), req, nil); err != nil {
					errs <- err
				}
			})
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			b.Fatal(err)
		}
	}
}
