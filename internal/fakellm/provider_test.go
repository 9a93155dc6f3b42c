package fakellm_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kirofile/kirofile/internal/fakellm"
	"github.com/kirofile/kirofile/providers"
	"github.com/kirofile/kirofile/providers/openai"
)

// These tests drive the server with kirofile's real provider, so that they
// prove the fake speaks the wire format the CLI understands.

const testKey = "sk-fake-key"

// client is a provider pointed at a server, recording the waits between
// attempts instead of sleeping.
type client struct {
	p      *openai.Provider
	mu     sync.Mutex
	sleeps []time.Duration
}

func newClient(t *testing.T, s *fakellm.Server, stream bool, key string) *client {
	t.Helper()
	c := &client{}
	p, err := openai.New(openai.Config{BaseURL: s.URL, Model: "m-1", Stream: &stream}, openai.Options{
		Sleep: func(ctx context.Context, d time.Duration) error {
			c.mu.Lock()
			c.sleeps = append(c.sleeps, d)
			c.mu.Unlock()
			return ctx.Err()
		},
		Jitter: func() float64 { return 0.5 },
		Getenv: func(k string) string {
			if k == openai.DefaultAPIKeyEnv {
				return key
			}
			return ""
		},
	})
	if err != nil {
		t.Fatalf("openai.New: %v", err)
	}
	c.p = p
	return c
}

// ask sends task as the user message, and returns the reply and the text
// deltas streamed.
func (c *client) ask(task string) (*providers.Response, []string, error) {
	var deltas []string
	resp, err := c.p.Generate(context.Background(), providers.Request{
		NodeAddress: "feature.f.spec.requirements",
		Messages: []providers.Message{
			{Role: providers.RoleSystem, Content: "You write specs."},
			{Role: providers.RoleUser, Content: task},
		},
	}, func(e providers.Event) {
		if e.Kind == providers.EventTextDelta {
			deltas = append(deltas, e.Text)
		}
	})
	return resp, deltas, err
}

func start(t *testing.T, script string, opts fakellm.Options) *fakellm.Server {
	t.Helper()
	sc, err := fakellm.ParseScript([]byte(script))
	if err != nil {
		t.Fatalf("ParseScript: %v", err)
	}
	s, err := fakellm.Start(sc, opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	return s
}

const fenced = "# Design 設計 🚀\n\n```go\nfunc main() {\n\tfmt.Println(\"héllo\")\n}\n```\n\n- naïve list ✓\n"

func TestWithProvider(t *testing.T) {
	type exchange struct {
		task string
		want string // the reply's text, or "error: SUBSTRING"
	}
	tests := []struct {
		name     string
		script   string
		opts     fakellm.Options
		stream   []bool // the modes to run in
		key      string // default testKey
		asks     []exchange
		is       error           // the last exchange's error wraps it
		requests int             // per mode; default len(asks)
		sleeps   []time.Duration // per mode
	}{
		{
			name:   "plain reply",
			script: "match \"requirements\"\nreply\nHello\nend\n",
			stream: []bool{false, true},
			asks:   []exchange{{"Write the requirements", "Hello\n"}},
		},
		{
			name:   "multi-chunk content reassembles exactly",
			script: "reply chunks=7\n" + fenced + "end\n",
			stream: []bool{true, false},
			asks:   []exchange{{"x", fenced}},
		},
		{
			name:   "default chunking of a long reply",
			script: "reply\n" + strings.Repeat("line of text 😀\n", 40) + "end\n",
			stream: []bool{true},
			asks:   []exchange{{"x", strings.Repeat("line of text 😀\n", 40)}},
		},
		{
			name:     "429 with Retry-After then success",
			script:   "match \"design\"\nreply status=429 retry-after=2\nslow down\nend\nreply\nDesign\nend\n",
			stream:   []bool{true, false},
			asks:     []exchange{{"Write the design", "Design\n"}},
			requests: 2,
			sleeps:   []time.Duration{2 * time.Second},
		},
		{
			name:     "503 with Retry-After 0 falls back to backoff",
			script:   "reply status=503 retry-after=0\nend\nreply trim\nok\nend\n",
			stream:   []bool{true},
			asks:     []exchange{{"x", "ok"}},
			requests: 2,
			sleeps:   []time.Duration{375 * time.Millisecond},
		},
		{
			name:   "finish length is truncation",
			script: "reply finish=length\npartial\nend\n",
			stream: []bool{true, false},
			asks:   []exchange{{"x", "error: token limit"}},
			is:     providers.ErrTruncated,
		},
		{
			name:   "finish none is truncation",
			script: "reply finish=none\npartial\nend\n",
			stream: []bool{true, false},
			asks:   []exchange{{"x", "error: without a finish reason"}},
			is:     providers.ErrTruncated,
		},
		{
			name:   "cut stream is an error, never retried",
			script: "reply cut chunks=4\nabcdefgh\nend\nreply\nnot reached\nend\n",
			stream: []bool{true},
			asks:   []exchange{{"x", "error: truncated after 4 bytes"}},
			is:     providers.ErrTruncated,
		},
		{
			name:   "wrong API key is 401",
			script: "reply\nfine\nend\n",
			opts:   fakellm.Options{APIKey: "sk-other"},
			stream: []bool{true, false},
			asks:   []exchange{{"x", "error: HTTP 401"}},
			is:     providers.ErrAuth,
		},
		{
			name:   "right API key",
			script: "reply\nfine\nend\n",
			opts:   fakellm.Options{APIKey: testKey},
			stream: []bool{true},
			asks:   []exchange{{"x", "fine\n"}},
		},
		{
			name: "rules in order, replies in turn, the last repeats",
			script: `match "alpha"
reply trim
A1
end
reply trim
A2
end
match "alp"
reply trim
shadowed
end
match ""
reply trim
fallback
end
`,
			stream: []bool{true, false},
			asks: []exchange{
				{"alpha", "A1"}, {"alpha", "A2"}, {"alpha", "A2"}, {"beta", "fallback"},
			},
		},
		{
			name: "once rule retires, any searches the system message",
			script: `match "alpha" once
reply trim
A1
end
match "write specs" any
reply trim
from system
end
`,
			stream: []bool{true},
			asks:   []exchange{{"alpha", "A1"}, {"alpha", "from system"}},
		},
		{
			name:     "unmatched request names the message",
			script:   "match \"requirements\"\nreply\nR\nend\n",
			stream:   []bool{true},
			asks:     []exchange{{"Write the\ndesign of " + strings.Repeat("z", 100), `error: its last user message starts "Write the design of zzz`}},
			requests: 4, // the provider retries a 500
			sleeps:   []time.Duration{375 * time.Millisecond, 750 * time.Millisecond, 1500 * time.Millisecond},
		},
	}
	for _, tt := range tests {
		for _, stream := range tt.stream {
			t.Run(fmt.Sprintf("%s/stream=%v", tt.name, stream), func(t *testing.T) {
				s := start(t, tt.script, tt.opts)
				key := tt.key
				if key == "" {
					key = testKey
				}
				c := newClient(t, s, stream, key)
				for i, ex := range tt.asks {
					resp, deltas, err := c.ask(ex.task)
					if want, ok := strings.CutPrefix(ex.want, "error: "); ok {
						if err == nil {
							t.Fatalf("ask %d: got %q, want an error with %q", i, resp.Text, want)
						}
						if !strings.Contains(err.Error(), want) {
							t.Errorf("ask %d: error %q does not contain %q", i, err, want)
						}
						if tt.is != nil && !errors.Is(err, tt.is) {
							t.Errorf("ask %d: error %q is not %v", i, err, tt.is)
						}
						continue
					}
					if err != nil {
						t.Fatalf("ask %d: %v", i, err)
					}
					if resp.Text != ex.want || strings.Join(deltas, "") != ex.want {
						t.Errorf("ask %d: text %q, deltas %q, want %q", i, resp.Text, deltas, ex.want)
					}
					if resp.FinishReason != "stop" || resp.Model != "m-1" {
						t.Errorf("ask %d: finish %q, model %q", i, resp.FinishReason, resp.Model)
					}
					if u := resp.Usage; u.PromptTokens == 0 || u.TotalTokens != u.PromptTokens+u.CompletionTokens {
						t.Errorf("ask %d: usage %+v", i, u)
					}
				}
				want := tt.requests
				if want == 0 {
					want = len(tt.asks)
				}
				if got := s.Count(); got != want {
					t.Errorf("requests = %d, want %d", got, want)
				}
				if fmt.Sprint(c.sleeps) != fmt.Sprint(tt.sleeps) {
					t.Errorf("sleeps = %v, want %v", c.sleeps, tt.sleeps)
				}
			})
		}
	}
}

func TestStreamingUsageAndChunks(t *testing.T) {
	s := start(t, "reply chunks=7 prompt-tokens=12 completion-tokens=3\n"+fenced+"end\n", fakellm.Options{})
	c := newClient(t, s, true, testKey)
	var deltas []string
	var usage []providers.Usage
	resp, err := c.p.Generate(context.Background(), providers.Request{
		Messages: []providers.Message{{Role: providers.RoleUser, Content: "go"}},
	}, func(e providers.Event) {
		switch e.Kind {
		case providers.EventTextDelta:
			deltas = append(deltas, e.Text)
		case providers.EventUsage:
			usage = append(usage, e.Usage)
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(deltas) != 7 || strings.Join(deltas, "") != fenced || resp.Text != fenced {
		t.Errorf("deltas = %q", deltas)
	}
	want := providers.Usage{PromptTokens: 12, CompletionTokens: 3, TotalTokens: 15}
	if resp.Usage != want || len(usage) != 1 || usage[0] != want {
		t.Errorf("usage = %+v, events %+v", resp.Usage, usage)
	}
	r := s.Requests()[0]
	if !r.Stream || !r.IncludeUsage || r.Model != "m-1" {
		t.Errorf("recorded %+v", r)
	}
}

// The usage an endpoint reports reaches the caller, cached prompt tokens
// included; an endpoint that ignores stream_options.include_usage (or
// sends no usage in a plain reply) leaves it zero, for kirofile to count.
func TestUsageReportedOrNot(t *testing.T) {
	for _, tc := range []struct {
		name   string
		stream bool
		opts   string
		want   providers.Usage
	}{
		{"stream", true, "prompt-tokens=12 completion-tokens=3 cached-tokens=8", providers.Usage{PromptTokens: 12, CompletionTokens: 3, TotalTokens: 15, CachedTokens: 8}},
		{"plain", false, "prompt-tokens=12 completion-tokens=3 cached-tokens=8", providers.Usage{PromptTokens: 12, CompletionTokens: 3, TotalTokens: 15, CachedTokens: 8}},
		{"stream without usage", true, "no-usage", providers.Usage{}},
		{"plain without usage", false, "no-usage", providers.Usage{}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := start(t, "reply "+tc.opts+"\n"+fenced+"end\n", fakellm.Options{})
			c := newClient(t, s, tc.stream, testKey)
			resp, err := c.p.Generate(context.Background(), providers.Request{
				Messages: []providers.Message{{Role: providers.RoleUser, Content: "go"}},
			}, nil)
			if err != nil {
				t.Fatal(err)
			}
			if resp.Usage != tc.want || resp.Usage.Reported() != (tc.want != providers.Usage{}) {
				t.Errorf("usage = %+v, want %+v", resp.Usage, tc.want)
			}
			if r := s.Requests()[0]; r.IncludeUsage != tc.stream {
				t.Errorf("include_usage = %v, want %v", r.IncludeUsage, tc.stream)
			}
		})
	}
}

// TestConcurrent runs many requests at once, as apply does for parallel
// nodes: each must get its own answer, and a sequence of replies must be
// handed out once each.
func TestConcurrent(t *testing.T) {
	var script strings.Builder
	script.WriteString("match \"seq\" once\n")
	const seq = 20
	for i := range seq {
		fmt.Fprintf(&script, "reply trim chunks=3\nreply-%02d\nend\n", i)
	}
	script.WriteString("match \"echo \"\nreply delay=5ms\necho\nend\n")
	s := start(t, script.String(), fakellm.Options{Latency: time.Millisecond})
	clients := map[bool]*client{true: newClient(t, s, true, testKey), false: newClient(t, s, false, testKey)}

	var wg sync.WaitGroup
	var mu sync.Mutex
	got := map[string]int{}
	for i := range 2 * seq {
		wg.Go(func() {
			c := clients[i%2 == 0]
			task := "seq"
			if i >= seq {
				task = fmt.Sprintf("echo %d", i)
			}
			resp, _, err := c.ask(task)
			if err != nil {
				t.Errorf("%s: %v", task, err)
				return
			}
			mu.Lock()
			got[resp.Text]++
			mu.Unlock()
		})
	}
	wg.Wait()
	for i := range seq {
		if n := got[fmt.Sprintf("reply-%02d", i)]; n != 1 {
			t.Errorf("reply-%02d answered %d times", i, n)
		}
	}
	if got["echo\n"] != seq {
		t.Errorf("echo answered %d times, want %d", got["echo\n"], seq)
	}
	if s.Count() != 2*seq || len(s.Requests()) != 2*seq {
		t.Errorf("count = %d", s.Count())
	}
}
