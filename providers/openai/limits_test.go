package openai

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/kirofile/kirofile/providers"
)

// flood answers with a reply of size bytes of text, written from one
// small buffer so that the endpoint itself allocates nothing: plain JSON,
// or, with stream, events of 1 KiB each, with endless never finishing.
// sent counts the text bytes written.
func flood(size int64, stream, endless bool, sent *atomic.Int64) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		piece := strings.Repeat("a", 1024)
		if !stream {
			w.Header().Set("Content-Type", "application/json")
			fmt.Fprint(w, `{"id":"x","object":"chat.completion","model":"m-1","choices":[{"index":0,"finish_reason":"stop","message":{"role":"assistant","content":"`)
			for n := int64(0); n < size; n += 1024 {
				if _, err := w.Write([]byte(piece)); err != nil {
					return
				}
				sent.Add(1024)
			}
			fmt.Fprint(w, `"}}]}`)
			return
		}
		w.Header().Set("Content-Type", "text/event-stream")
		event := []byte(`data: {"id":"x","object":"chat.completion.chunk","model":"m-1","choices":[{"index":0,"delta":{"content":"` + piece + `"}}]}` + "\n\n")
		for n := int64(0); endless || n < size; n += 1024 {
			if r.Context().Err() != nil {
				return
			}
			if _, err := w.Write(event); err != nil {
				return
			}
			sent.Add(1024)
		}
		fmt.Fprint(w, "data: {\"id\":\"x\",\"object\":\"chat.completion.chunk\",\"model\":\"m-1\",\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"stop\"}]}\n\ndata: [DONE]\n\n")
	}
}

// TestReplyLimit sends replies far over max_reply_bytes: 50 MB at once,
// and a stream without end. Each fails at once with a clear error, is not
// retried, and costs memory and bytes read in proportion to the limit,
// not to what the endpoint sends.
func TestReplyLimit(t *testing.T) {
	const limit = 1 << 20
	for _, tc := range []struct {
		name            string
		stream, endless bool
	}{
		{"50 MB in one reply", false, false},
		{"50 MB streamed", true, false},
		{"an endless stream", true, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var sent atomic.Int64
			f := newFake(t, flood(50<<20, tc.stream, tc.endless, &sent))
			var h harness
			p := h.provider(t, f, func(c *Config) {
				c.MaxReplyBytes = limit
				c.Stream = &tc.stream
			})
			var before, after runtime.MemStats
			runtime.GC()
			runtime.ReadMemStats(&before)
			_, err := p.Generate(context.Background(), req(), nil)
			runtime.ReadMemStats(&after)
			if err == nil || !strings.Contains(err.Error(), "larger than max_reply_bytes (1048576 bytes)") {
				t.Fatalf("err = %v, want the reply refused as too large", err)
			}
			if errors.Is(err, providers.ErrTruncated) {
				t.Errorf("a reply too large is reported as truncated: %v", err)
			}
			if n := f.requests(); n != 1 {
				t.Errorf("%d requests: a reply too large must not be asked for again", n)
			}
			// Allocation counts every byte the client held, once; a
			// bound of a few times the limit shows the flood was not read.
			alloc := after.TotalAlloc - before.TotalAlloc
			if alloc > 48*limit {
				t.Errorf("the client allocated %d MB for a reply capped at 1 MB", alloc>>20)
			}
			t.Logf("allocated %.1f MiB", float64(alloc)/(1<<20))
			f.srv.CloseClientConnections()
			if n := sent.Load(); n > 50<<20 && !tc.endless {
				t.Errorf("sent %d bytes", n)
			}
		})
	}
}

// TestStreamAnsweredPlain checks that an endpoint answering a stream with
// a plain JSON reply is reported as such, not as a truncated stream.
func TestStreamAnsweredPlain(t *testing.T) {
	f := newFake(t, jsonReply("hello", "stop"))
	var h harness
	p := h.provider(t, f, nil)
	_, err := p.Generate(context.Background(), req(), nil)
	if err == nil || !strings.Contains(err.Error(), `answered a streaming request with Content-Type "application/json", not a stream of server-sent events; if the endpoint does not stream, set stream = false`) {
		t.Fatalf("err = %v", err)
	}
}
