package openai

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kirofile/kirofile/providers"
)

const testKey = "sk-test-SECRET-0123456789"

// fake is an OpenAI-compatible endpoint whose answers are scripted, one
// handler per request in order; it records every request body.
type fake struct {
	t        *testing.T
	mu       sync.Mutex
	handlers []http.HandlerFunc
	bodies   []map[string]any
	headers  []http.Header
	srv      *httptest.Server
}

func newFake(t *testing.T, handlers ...http.HandlerFunc) *fake {
	f := &fake{t: t, handlers: handlers}
	f.srv = httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(f.srv.Close)
	return f
}

func (f *fake) serve(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path != "/v1/chat/completions" {
		http.Error(w, "wrong path "+r.URL.Path, http.StatusNotFound)
		return
	}
	var body map[string]any
	raw, _ := io.ReadAll(r.Body)
	_ = json.Unmarshal(raw, &body)
	f.mu.Lock()
	n := len(f.bodies)
	f.bodies = append(f.bodies, body)
	f.headers = append(f.headers, r.Header.Clone())
	f.mu.Unlock()
	if n >= len(f.handlers) {
		http.Error(w, "unexpected request", http.StatusTeapot)
		return
	}
	f.handlers[n](w, r)
}

func (f *fake) requests() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.bodies)
}

// sse streams chunks in the OpenAI wire format; the final usage chunk and
// [DONE] are sent when finish is set and done is true.
func sse(deltas []string, finish string, done bool) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/event-stream")
		fl := w.(http.Flusher)
		for _, d := range deltas {
			b, _ := json.Marshal(map[string]any{
				"id": "c1", "object": "chat.completion.chunk", "model": "m-answer",
				"choices": []any{map[string]any{"index": 0, "delta": map[string]any{"content": d}, "finish_reason": nil}},
			})
			fmt.Fprintf(w, "data: %s\n\n", b)
			fl.Flush()
		}
		if finish != "" {
			b, _ := json.Marshal(map[string]any{
				"id": "c1", "object": "chat.completion.chunk", "model": "m-answer",
				"choices": []any{map[string]any{"index": 0, "delta": map[string]any{}, "finish_reason": finish}},
			})
			fmt.Fprintf(w, "data: %s\n\n", b)
			b, _ = json.Marshal(map[string]any{
				"id": "c1", "object": "chat.completion.chunk", "model": "m-answer", "choices": []any{},
				"usage": map[string]any{"prompt_tokens": 11, "completion_tokens": 7, "total_tokens": 18},
			})
			fmt.Fprintf(w, "data: %s\n\n", b)
		}
		if done {
			fmt.Fprint(w, "data: [DONE]\n\n")
		}
	}
}

func jsonReply(text, finish string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(map[string]any{
			"id": "c1", "object": "chat.completion", "model": "m-answer",
			"choices": []any{map[string]any{"index": 0, "message": map[string]any{"role": "assistant", "content": text}, "finish_reason": finish}},
			"usage":   map[string]any{"prompt_tokens": 3, "completion_tokens": 2, "total_tokens": 5},
		})
	}
}

func status(code int, retryAfter string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if retryAfter != "" {
			w.Header().Set("Retry-After", retryAfter)
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(code)
		// Real endpoints echo part of a bad key; this one echoes it whole.
		fmt.Fprintf(w, `{"error":{"message":"Incorrect API key provided: %s","type":"invalid_request_error"}}`, testKey)
	}
}

// hangup closes the connection without any HTTP response.
func hangup(w http.ResponseWriter, r *http.Request) {
	conn, _, err := w.(http.Hijacker).Hijack()
	if err == nil {
		conn.Close()
	}
}

type harness struct {
	sleeps []time.Duration
}

func (h *harness) provider(t *testing.T, f *fake, mutate func(*Config)) *Provider {
	t.Helper()
	cfg := Config{BaseURL: f.srv.URL + "/v1", Model: "m-1"}
	if mutate != nil {
		mutate(&cfg)
	}
	p, err := New(cfg, Options{
		HTTPClient: f.srv.Client(),
		Sleep: func(ctx context.Context, d time.Duration) error {
			h.sleeps = append(h.sleeps, d)
			return ctx.Err()
		},
		Jitter: func() float64 { return 0.5 },
		Getenv: func(k string) string {
			if k == DefaultAPIKeyEnv {
				return testKey
			}
			return ""
		},
	})
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return p
}

func req() providers.Request {
	return providers.Request{
		NodeAddress: "feature.f.spec.design",
		Messages:    []providers.Message{{Role: providers.RoleSystem, Content: "sys"}, {Role: providers.RoleUser, Content: "task"}},
	}
}

func f64(v float64) *float64 { return &v }

func TestGenerateSuccess(t *testing.T) {
	for _, streaming := range []bool{true, false} {
		t.Run(fmt.Sprintf("stream=%v", streaming), func(t *testing.T) {
			h := sse([]string{"Hel", "lo"}, "stop", true)
			if !streaming {
				h = jsonReply("Hello", "stop")
			}
			f := newFake(t, h)
			var hs harness
			p := hs.provider(t, f, func(c *Config) {
				c.Stream = &streaming
				c.Temperature = f64(0)
				c.MaxTokens = 99
				c.Headers = map[string]string{"X-Org": "acme"}
			})
			var events []providers.Event
			resp, err := p.Generate(context.Background(), req(), func(e providers.Event) { events = append(events, e) })
			if err != nil {
				t.Fatal(err)
			}
			if resp.Text != "Hello" || resp.FinishReason != "stop" || resp.Model != "m-answer" {
				t.Fatalf("resp = %+v", resp)
			}
			if resp.Usage.TotalTokens == 0 {
				t.Fatalf("no usage: %+v", resp.Usage)
			}
			var text strings.Builder
			var sawUsage, sawFinish bool
			for _, e := range events {
				switch e.Kind {
				case providers.EventTextDelta:
					text.WriteString(e.Text)
				case providers.EventUsage:
					sawUsage = true
				case providers.EventFinish:
					sawFinish = true
				}
			}
			if text.String() != "Hello" || !sawUsage || !sawFinish {
				t.Fatalf("events = %+v", events)
			}
			body := f.bodies[0]
			if v, ok := body["temperature"]; !ok || v != float64(0) {
				t.Errorf("temperature on the wire = %v (present %v), want 0", v, ok)
			}
			if body["max_tokens"] != float64(99) || body["model"] != "m-1" {
				t.Errorf("body = %v", body)
			}
			if streaming {
				so, _ := body["stream_options"].(map[string]any)
				if so["include_usage"] != true {
					t.Errorf("stream_options = %v", body["stream_options"])
				}
			}
			if got := f.headers[0].Get("X-Org"); got != "acme" {
				t.Errorf("X-Org = %q", got)
			}
			if got := f.headers[0].Get("Authorization"); got != "Bearer "+testKey {
				t.Errorf("Authorization = %q", got)
			}
		})
	}
}

func TestTemperatureOmittedWhenUnset(t *testing.T) {
	f := newFake(t, sse([]string{"x"}, "stop", true), sse([]string{"x"}, "stop", true))
	var hs harness
	p := hs.provider(t, f, nil)
	if _, err := p.Generate(context.Background(), req(), nil); err != nil {
		t.Fatal(err)
	}
	if _, ok := f.bodies[0]["temperature"]; ok {
		t.Errorf("temperature sent although unset: %v", f.bodies[0])
	}
	r := req()
	r.Temperature = f64(0.7)
	r.Model = "m-override"
	if _, err := p.Generate(context.Background(), r, nil); err != nil {
		t.Fatal(err)
	}
	if f.bodies[1]["temperature"] != 0.7 || f.bodies[1]["model"] != "m-override" {
		t.Errorf("body = %v", f.bodies[1])
	}
}

func TestFaults(t *testing.T) {
	ok := sse([]string{"fine"}, "stop", true)
	tests := []struct {
		name     string
		stream   bool
		timeout  string // one attempt's, when set
		attempts int    // max_attempts, when set
		handlers []http.HandlerFunc
		wantErr  string // substring; empty means success
		is       error
		requests int
		sleeps   []time.Duration
	}{
		{name: "429 honours Retry-After seconds", stream: true, handlers: []http.HandlerFunc{status(429, "7"), ok}, requests: 2, sleeps: []time.Duration{7 * time.Second}},
		{name: "503 then 500 backs off", stream: true, handlers: []http.HandlerFunc{status(503, ""), status(500, ""), ok}, requests: 3, sleeps: []time.Duration{375 * time.Millisecond, 750 * time.Millisecond}},
		{name: "408 retried", stream: false, handlers: []http.HandlerFunc{status(408, ""), jsonReply("fine", "stop")}, requests: 2, sleeps: []time.Duration{375 * time.Millisecond}},
		{name: "409 retried", stream: true, handlers: []http.HandlerFunc{status(409, ""), ok}, requests: 2, sleeps: []time.Duration{375 * time.Millisecond}},
		{name: "connection error retried", stream: true, handlers: []http.HandlerFunc{hangup, ok}, requests: 2, sleeps: []time.Duration{375 * time.Millisecond}},
		{name: "gives up after 4 attempts", stream: true, handlers: []http.HandlerFunc{status(502, ""), status(502, ""), status(502, ""), status(502, "")}, wantErr: "gave up after 4 attempt(s)", is: providers.ErrUnavailable, requests: 4, sleeps: []time.Duration{375 * time.Millisecond, 750 * time.Millisecond, 1500 * time.Millisecond}},
		{name: "Retry-After too long", stream: true, handlers: []http.HandlerFunc{status(429, "3600")}, wantErr: "asked to retry after 1h0m0s", is: providers.ErrUnavailable, requests: 1},
		{name: "400 not retried", stream: true, handlers: []http.HandlerFunc{status(400, "")}, wantErr: "returned HTTP 400", requests: 1},
		{name: "404: wrong base_url, not retried, never recorded", stream: true, handlers: []http.HandlerFunc{status(404, "")}, wantErr: "returned HTTP 404 (check base_url", is: providers.ErrUnavailable, requests: 1},
		{name: "405: wrong path, never recorded", stream: false, handlers: []http.HandlerFunc{status(405, "")}, wantErr: "returned HTTP 405", is: providers.ErrUnavailable, requests: 1},
		{name: "401 fails at once", stream: true, handlers: []http.HandlerFunc{status(401, "")}, wantErr: "check the key in $OPENAI_API_KEY", is: providers.ErrAuth, requests: 1},
		{name: "403 fails at once (non-streaming)", stream: false, handlers: []http.HandlerFunc{status(403, "")}, wantErr: "HTTP 403", is: providers.ErrAuth, requests: 1},
		{name: "stream finish length", stream: true, handlers: []http.HandlerFunc{sse([]string{"par"}, "length", true)}, wantErr: "token limit", is: providers.ErrTruncated, requests: 1},
		{name: "stream without finish reason", stream: true, handlers: []http.HandlerFunc{sse([]string{"par"}, "", true)}, wantErr: "without a finish reason", is: providers.ErrTruncated, requests: 1},
		{name: "stream cut mid-way is never retried", stream: true, handlers: []http.HandlerFunc{sse([]string{"par", "tial"}, "", false), ok}, wantErr: "truncated", is: providers.ErrTruncated, requests: 1},
		{name: "stream finish content_filter", stream: true, handlers: []http.HandlerFunc{sse([]string{"x"}, "content_filter", true)}, wantErr: `"content_filter"`, is: providers.ErrTruncated, requests: 1},
		{name: "reply finish length", stream: false, handlers: []http.HandlerFunc{jsonReply("par", "length")}, wantErr: "token limit", is: providers.ErrTruncated, requests: 1},
		{name: "reply without finish reason", stream: false, handlers: []http.HandlerFunc{jsonReply("par", "")}, wantErr: "without a finish reason", is: providers.ErrTruncated, requests: 1},
		{name: "reply without choices", stream: false, handlers: []http.HandlerFunc{func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, `{"choices":[]}`) }}, wantErr: "no choices", is: providers.ErrTruncated, requests: 1},
		{name: "a reply slower than timeout is not a failed connection", stream: true, timeout: "50ms", handlers: []http.HandlerFunc{func(w http.ResponseWriter, r *http.Request) {
			select {
			case <-r.Context().Done():
			case <-time.After(5 * time.Second):
			}
		}, ok}, requests: 2, sleeps: []time.Duration{375 * time.Millisecond}},
		{name: "the last attempt slower than timeout", stream: true, timeout: "50ms", attempts: 1, handlers: []http.HandlerFunc{func(w http.ResponseWriter, r *http.Request) {
			select {
			case <-r.Context().Done():
			case <-time.After(5 * time.Second):
			}
		}}, wantErr: "no reply from http://127.0.0.1", is: providers.ErrUnavailable, requests: 1},
		{name: "reply not JSON", stream: false, handlers: []http.HandlerFunc{func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, `<html>`) }, jsonReply("fine", "stop")}, requests: 2, sleeps: []time.Duration{375 * time.Millisecond}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFake(t, tt.handlers...)
			var hs harness
			p := hs.provider(t, f, func(c *Config) {
				c.Stream = &tt.stream
				c.Timeout = tt.timeout
				if tt.attempts > 0 {
					c.MaxAttempts = tt.attempts
				}
			})
			var deltas strings.Builder
			resp, err := p.Generate(context.Background(), req(), func(e providers.Event) { deltas.WriteString(e.Text) })
			if tt.wantErr == "" {
				if err != nil {
					t.Fatalf("unexpected error: %v", err)
				}
				if resp.Text != "fine" {
					t.Fatalf("text = %q", resp.Text)
				}
			} else {
				if err == nil {
					t.Fatalf("no error, want %q", tt.wantErr)
				}
				if !strings.Contains(err.Error(), tt.wantErr) {
					t.Errorf("error %q does not contain %q", err, tt.wantErr)
				}
				if !strings.Contains(err.Error(), "feature.f.spec.design") {
					t.Errorf("error %q does not name the node", err)
				}
				if tt.is == nil && providers.Local(err) {
					t.Errorf("error %q is taken for the local environment's", err)
				}
				if tt.is != nil && !errors.Is(err, tt.is) {
					t.Errorf("error %q is not %v", err, tt.is)
				}
				if strings.Contains(err.Error(), testKey) || strings.Contains(fmt.Sprintf("%+v", err), testKey) {
					t.Errorf("error leaks the API key: %q", err)
				}
			}
			if got := f.requests(); got != tt.requests {
				t.Errorf("requests = %d, want %d", got, tt.requests)
			}
			if fmt.Sprint(hs.sleeps) != fmt.Sprint(tt.sleeps) {
				t.Errorf("sleeps = %v, want %v", hs.sleeps, tt.sleeps)
			}
		})
	}
}

func TestKeyNeverInErrors(t *testing.T) {
	// A 400 whose message echoes the key is not an auth error, so the
	// endpoint's text is kept: the key must still be scrubbed from it.
	f := newFake(t, status(400, ""))
	var hs harness
	p := hs.provider(t, f, nil)
	_, err := p.Generate(context.Background(), req(), nil)
	if err == nil || strings.Contains(err.Error(), testKey) {
		t.Fatalf("err = %v", err)
	}
	if !strings.Contains(err.Error(), "[REDACTED]") {
		t.Errorf("expected the echoed key to be redacted: %v", err)
	}
}

func TestRetryAfterHTTPDate(t *testing.T) {
	now := time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)
	if got := parseRetryAfter(now.Add(9*time.Second).Format(http.TimeFormat), now); got != 9*time.Second {
		t.Errorf("got %v", got)
	}
	for _, v := range []string{"", "-1", "soon", "1e99"} {
		if got := parseRetryAfter(v, now); got != 0 {
			t.Errorf("parseRetryAfter(%q) = %v", v, got)
		}
	}
}

func TestCancelWhileWaiting(t *testing.T) {
	f := newFake(t, status(500, ""), status(500, ""))
	ctx, cancel := context.WithCancel(context.Background())
	p, err := New(Config{BaseURL: f.srv.URL + "/v1", Model: "m"}, Options{
		HTTPClient: f.srv.Client(),
		Getenv:     func(string) string { return testKey },
		Sleep: func(ctx context.Context, d time.Duration) error {
			cancel()
			return ctx.Err()
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	_, err = p.Generate(ctx, req(), nil)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v", err)
	}
}

func TestConfigErrors(t *testing.T) {
	tests := []struct {
		name, json, want string
		env              string
	}{
		{name: "unknown attribute", json: `{"modle":"x"}`, want: "unknown field"},
		{name: "bad url", json: `{"base_url":"ftp://x"}`, want: "base_url"},
		{name: "bad timeout", json: `{"timeout":"soon"}`, want: "timeout"},
		{name: "bad temperature", json: `{"temperature":3}`, want: "temperature"},
		{name: "no key", json: `{"base_url":"https://api.example.com/v1"}`, want: "OPENAI_API_KEY is empty"},
		{name: "named key env", json: `{"api_key_env":"MY_KEY"}`, want: "MY_KEY is empty"},
		{name: "bad header", json: `{"headers":{"a b":"c"}}`, want: "invalid header"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := NewFromJSON([]byte(tt.json), Options{Getenv: func(string) string { return tt.env }})
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want %q", err, tt.want)
			}
			want := providers.ErrConfig
			if strings.Contains(tt.want, "is empty") {
				// A missing key is this machine's, not the project's.
				want = providers.ErrNoKey
			}
			if !errors.Is(err, want) {
				t.Errorf("not %v: %v", want, err)
			}
		})
	}
	// A loopback endpoint (a local model server) needs no key.
	if _, err := NewFromJSON([]byte(`{"base_url":"http://127.0.0.1:1/v1","model":"m"}`), Options{Getenv: func(string) string { return "" }}); err != nil {
		t.Fatal(err)
	}
}

func TestNoModel(t *testing.T) {
	f := newFake(t)
	var hs harness
	p := hs.provider(t, f, func(c *Config) { c.Model = "" })
	_, err := p.Generate(context.Background(), req(), nil)
	if !errors.Is(err, providers.ErrConfig) || f.requests() != 0 {
		t.Fatalf("err = %v, requests %d", err, f.requests())
	}
}
