package fakellm

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// These tests read the raw HTTP answers, for what the provider does not
// show: SSE framing and headers, error bodies, the other endpoints and the
// request log.

func startScript(t *testing.T, src string, opts Options) *Server {
	t.Helper()
	sc, err := ParseScript([]byte(src))
	if err != nil {
		t.Fatal(err)
	}
	s, err := Start(sc, opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	return s
}

func post(t *testing.T, s *Server, body string, header ...string) *http.Response {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, s.URL+"/chat/completions", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { resp.Body.Close() })
	return resp
}

func decodeError(t *testing.T, resp *http.Response) apiError {
	t.Helper()
	var e apiError
	if err := json.NewDecoder(resp.Body).Decode(&e); err != nil {
		t.Fatalf("error body: %v", err)
	}
	if resp.Header.Get("Content-Type") != "application/json" || e.Error.Message == "" || e.Error.Type == "" {
		t.Errorf("error answer: %s %+v", resp.Header.Get("Content-Type"), e)
	}
	return e
}

func TestSSEFraming(t *testing.T) {
	s := startScript(t, "reply chunks=2 trim\nabcd\nend\n", Options{})
	for _, withUsage := range []bool{true, false} {
		body := `{"model":"m","stream":true,"messages":[{"role":"user","content":"hi"}]}`
		if withUsage {
			body = `{"model":"m","stream":true,"stream_options":{"include_usage":true},"messages":[{"role":"user","content":"hi"}]}`
		}
		resp := post(t, s, body)
		if ct := resp.Header.Get("Content-Type"); resp.StatusCode != 200 || ct != "text/event-stream" {
			t.Fatalf("status %d, content type %q", resp.StatusCode, ct)
		}
		var events []string
		sc := bufio.NewScanner(resp.Body)
		for sc.Scan() {
			line := sc.Text()
			if line == "" {
				continue
			}
			data, ok := strings.CutPrefix(line, "data: ")
			if !ok {
				t.Fatalf("not an SSE data line: %q", line)
			}
			events = append(events, data)
		}
		want := []string{
			`{"id":"ID","object":"chat.completion.chunk","created":1700000000,"model":"m","choices":[{"index":0,"delta":{"role":"assistant"},"finish_reason":null}],"usage":null}`,
			`{"id":"ID","object":"chat.completion.chunk","created":1700000000,"model":"m","choices":[{"index":0,"delta":{"content":"ab"},"finish_reason":null}],"usage":null}`,
			`{"id":"ID","object":"chat.completion.chunk","created":1700000000,"model":"m","choices":[{"index":0,"delta":{"content":"cd"},"finish_reason":null}],"usage":null}`,
			`{"id":"ID","object":"chat.completion.chunk","created":1700000000,"model":"m","choices":[{"index":0,"delta":{},"finish_reason":"stop"}],"usage":null}`,
			`{"id":"ID","object":"chat.completion.chunk","created":1700000000,"model":"m","choices":[],"usage":{"prompt_tokens":1,"completion_tokens":1,"total_tokens":2}}`,
			`[DONE]`,
		}
		if !withUsage {
			want = append(want[:4], want[5])
			for i := range want {
				want[i] = strings.Replace(want[i], `,"usage":null`, "", 1)
			}
		}
		if len(events) != len(want) {
			t.Fatalf("usage=%v: events\n%s", withUsage, strings.Join(events, "\n"))
		}
		for i := range events {
			got := events[i]
			if j := strings.Index(got, `"id":"`); j >= 0 {
				k := strings.Index(got[j+6:], `"`)
				got = got[:j+6] + "ID" + got[j+6+k:]
			}
			if got != want[i] {
				t.Errorf("usage=%v: event %d\n got %s\nwant %s", withUsage, i, got, want[i])
			}
		}
	}
}

func TestJSONReply(t *testing.T) {
	s := startScript(t, "reply finish=none prompt-tokens=5 completion-tokens=2\nhi\nend\n", Options{})
	resp := post(t, s, `{"model":"m","messages":[{"role":"user","content":"x"}]}`)
	var c map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&c); err != nil {
		t.Fatal(err)
	}
	choice := c["choices"].([]any)[0].(map[string]any)
	if c["object"] != "chat.completion" || c["model"] != "m" || choice["finish_reason"] != nil ||
		choice["message"].(map[string]any)["content"] != "hi\n" || c["usage"].(map[string]any)["total_tokens"] != 7.0 {
		t.Errorf("reply = %v", c)
	}
}

func TestErrorAnswers(t *testing.T) {
	s := startScript(t, "match \"known\"\nreply status=503 retry-after=7\nback later\nend\n", Options{})
	tests := []struct {
		name, method, path, body string
		status                   int
		message, typ             string
	}{
		{"unknown path", "GET", "/v1/embeddings", "", 404, "Invalid URL (GET /v1/embeddings)", "invalid_request_error"},
		{"outside /v1", "GET", "/", "", 404, "Invalid URL (GET /)", "invalid_request_error"},
		{"chat by GET", "GET", "/v1/chat/completions", "", 405, "Method GET not allowed", "invalid_request_error"},
		{"bad JSON", "POST", "/v1/chat/completions", "{", 400, "could not parse the JSON body", "invalid_request_error"},
		{"no messages", "POST", "/v1/chat/completions", `{"model":"m"}`, 400, "'messages' must contain", "invalid_request_error"},
		{"no model", "POST", "/v1/chat/completions", `{"messages":[{"role":"user","content":"x"}]}`, 400, "model parameter", "invalid_request_error"},
		{"scripted 503", "POST", "/v1/chat/completions", `{"model":"m","messages":[{"role":"user","content":"known"}]}`, 503, "back later", "server_error"},
		{
			"unmatched", "POST", "/v1/chat/completions",
			`{"model":"m","messages":[{"role":"user","content":"Write the tasks"},{"role":"assistant","content":"ok"}]}`,
			500, `no rule matches the request; its last user message starts "Write the tasks"`, "server_error",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req, _ := http.NewRequest(tt.method, strings.TrimSuffix(s.URL, "/v1")+tt.path, strings.NewReader(tt.body))
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			if resp.StatusCode != tt.status {
				t.Fatalf("status %d, want %d", resp.StatusCode, tt.status)
			}
			e := decodeError(t, resp)
			if !strings.Contains(e.Error.Message, tt.message) || e.Error.Type != tt.typ {
				t.Errorf("error = %+v, want message %q type %q", e.Error, tt.message, tt.typ)
			}
			if tt.status == 503 && resp.Header.Get("Retry-After") != "7" {
				t.Errorf("Retry-After = %q", resp.Header.Get("Retry-After"))
			}
		})
	}
}

func TestAPIKey(t *testing.T) {
	s := startScript(t, "reply\nok\nend\n", Options{APIKey: "k1"})
	body := `{"model":"m","messages":[{"role":"user","content":"x"}]}`
	for _, auth := range []string{"", "Bearer k2", "k1"} {
		resp := post(t, s, body, "Authorization", auth)
		if resp.StatusCode != 401 {
			t.Fatalf("Authorization %q: status %d", auth, resp.StatusCode)
		}
		if e := decodeError(t, resp); e.Error.Code == nil || *e.Error.Code != "invalid_api_key" {
			t.Errorf("error = %+v", e.Error)
		}
	}
	if resp := post(t, s, body, "Authorization", "Bearer k1"); resp.StatusCode != 200 {
		t.Fatalf("status %d", resp.StatusCode)
	}
}

func TestModels(t *testing.T) {
	s := startScript(t, "reply\nok\nend\n", Options{})
	list := func() string {
		resp, err := http.Get(s.URL + "/models")
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var l modelList
		if err := json.NewDecoder(resp.Body).Decode(&l); err != nil || l.Object != "list" {
			t.Fatalf("list %+v: %v", l, err)
		}
		var ids []string
		for _, m := range l.Data {
			ids = append(ids, m.ID)
		}
		return strings.Join(ids, ",")
	}
	if got := list(); got != "fakellm" {
		t.Errorf("before any request: %s", got)
	}
	post(t, s, `{"model":"m-2","messages":[{"role":"user","content":"x"}]}`)
	post(t, s, `{"model":"m-1","messages":[{"role":"user","content":"x"}]}`)
	if got := list(); got != "m-1,m-2" {
		t.Errorf("models = %s", got)
	}
}

func TestRequestLog(t *testing.T) {
	s := startScript(t, "match \"a\"\nreply\nok\nend\n", Options{})
	post(t, s, `{"model":"m","temperature":0,"max_tokens":99,"stream":true,"stream_options":{"include_usage":true},"messages":[{"role":"system","content":"s"},{"role":"user","content":"a <b> & c"}]}`,
		"Authorization", "Bearer k", "X-Org", "acme")
	post(t, s, `{"model":"m","messages":[{"role":"user","content":"zzz"}]}`)
	reqs := s.Requests()
	if len(reqs) != 2 || s.Count() != 2 {
		t.Fatalf("requests = %+v", reqs)
	}
	r := reqs[0]
	if r.Temperature == nil || *r.Temperature != 0 || r.MaxTokens != 99 || !r.Stream || !r.IncludeUsage || r.Status != 200 || len(r.Messages) != 2 {
		t.Errorf("recorded %+v", r)
	}
	if r.Headers["Authorization"] != "Bearer k" || r.Headers["X-Org"] != "acme" || r.Headers["Content-Length"] != "" {
		t.Errorf("headers = %v", r.Headers)
	}
	if reqs[1].Status != 500 || reqs[1].Temperature != nil {
		t.Errorf("recorded %+v", reqs[1])
	}
	path := filepath.Join(t.TempDir(), "log.jsonl")
	if err := s.WriteLog(path); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSuffix(string(data), "\n"), "\n")
	if len(lines) != 2 {
		t.Fatalf("log:\n%s", data)
	}
	for _, want := range []string{`"status":200`, `"temperature":0`, `"content":"a <b> & c"`, `"X-Org":"acme"`} {
		if !strings.Contains(lines[0], want) {
			t.Errorf("log line %s lacks %s", lines[0], want)
		}
	}
	if strings.Contains(lines[1], "temperature") || !strings.Contains(lines[1], `"status":500`) {
		t.Errorf("log line %s", lines[1])
	}
}

func TestSetScript(t *testing.T) {
	s := startScript(t, "reply trim\nA1\nend\nreply trim\nA2\nend\n", Options{})
	body := `{"model":"m","messages":[{"role":"user","content":"x"}]}`
	content := func() string {
		var c completion
		if err := json.NewDecoder(post(t, s, body).Body).Decode(&c); err != nil {
			t.Fatal(err)
		}
		return c.Choices[0].Message.Content
	}
	if got := content(); got != "A1" {
		t.Fatalf("got %q", got)
	}
	s.SetScript(&Script{Rules: []Rule{{Replies: []Reply{{Content: "B"}}}}})
	if got := content(); got != "B" {
		t.Fatalf("after SetScript: %q", got)
	}
	sc, _ := ParseScript([]byte("reply trim\nA1\nend\nreply trim\nA2\nend\n"))
	s.SetScript(sc)
	if got := content(); got != "A1" {
		t.Fatalf("the new script starts afresh: %q", got)
	}
}

func TestDelay(t *testing.T) {
	s := startScript(t, "match \"slow\"\nreply delay=1h\nnever\nend\nmatch \"\"\nreply\nquick\nend\n", Options{Latency: 30 * time.Millisecond})
	body := `{"model":"m","messages":[{"role":"user","content":"%s"}]}`

	begin := time.Now()
	resp := post(t, s, strings.Replace(body, "%s", "fast", 1))
	if _, err := io.ReadAll(resp.Body); err != nil || time.Since(begin) < 30*time.Millisecond {
		t.Errorf("latency not applied: %v, %v", time.Since(begin), err)
	}

	// The delay gives way to the request's context...
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, s.URL+"/chat/completions", strings.NewReader(strings.Replace(body, "%s", "slow", 1)))
	if _, err := http.DefaultClient.Do(req); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err = %v", err)
	}

	// ...and to Close.
	errc := make(chan error, 1)
	go func() {
		resp, err := http.Post(s.URL+"/chat/completions", "application/json", strings.NewReader(strings.Replace(body, "%s", "slow", 1)))
		if err == nil {
			resp.Body.Close()
		}
		errc <- err
	}()
	for s.Count() < 3 {
		time.Sleep(time.Millisecond)
	}
	done := make(chan struct{})
	go func() { s.Close(); close(done) }()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("Close waits for a delayed reply")
	}
	if err := <-errc; err == nil {
		t.Error("the delayed request got an answer after Close")
	}
}

func TestStartFromFile(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "good.txt")
	bad := filepath.Join(dir, "bad.txt")
	os.WriteFile(good, []byte("reply\nok\nend\n"), 0o644)
	os.WriteFile(bad, []byte("match \"x\"\nreply status=ok\nend\n"), 0o644)
	s, err := StartFromFile(good, Options{})
	if err != nil {
		t.Fatal(err)
	}
	s.Close()
	s.Close() // twice is fine
	if !strings.HasSuffix(s.URL, "/v1") || !strings.HasPrefix(s.URL, "http://127.0.0.1:") {
		t.Errorf("URL = %s", s.URL)
	}
	if _, err := StartFromFile(bad, Options{}); err == nil || !strings.Contains(err.Error(), "bad.txt: line 2: invalid status") {
		t.Errorf("err = %v", err)
	}
	if _, err := StartFromFile(filepath.Join(dir, "missing"), Options{}); err == nil {
		t.Error("no error for a missing file")
	}
}
