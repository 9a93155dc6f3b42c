package fakellm

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"sort"
	"sync"
	"time"
)

// Options tune a Server.
type Options struct {
	// Latency is added to every chat reply, on top of Reply.Delay, to
	// simulate a remote endpoint in benchmarks.
	Latency time.Duration
	// APIKey, when set, makes requests without "Authorization: Bearer
	// APIKey" fail with 401, to test the CLI's key handling.
	APIKey string
}

// Server is a running fake endpoint. Its methods are safe for concurrent
// use.
type Server struct {
	// URL is the base URL to configure, ending in /v1.
	URL string

	opts   Options
	http   *http.Server
	done   chan struct{} // closed by Close, to end pending delays
	closed sync.Once
	// active counts running handlers; once stopped is set no handler
	// starts, so that Close can wait for them.
	active sync.WaitGroup

	mu       sync.Mutex
	stopped  bool
	matcher  *matcher
	requests []Request
}

// Request is one request as received; WriteLog writes them as JSON lines.
type Request struct {
	Method string `json:"method"`
	Path   string `json:"path"`
	// Status is the HTTP status answered; 0 while the answer is pending,
	// or when the connection was dropped before any (cancelled delay).
	Status       int       `json:"status"`
	Model        string    `json:"model,omitempty"`
	Stream       bool      `json:"stream"`
	IncludeUsage bool      `json:"include_usage,omitempty"`
	Temperature  *float64  `json:"temperature,omitempty"`
	MaxTokens    int       `json:"max_tokens,omitempty"`
	Messages     []Message `json:"messages,omitempty"`
	// Headers holds the request's headers but for transport ones
	// (Content-Length, Accept-Encoding, ...), first value only.
	Headers map[string]string `json:"headers,omitempty"`
	// Received is when the request's body had been read; benchmarks use
	// it to see when a client sent what. Not in the log: it would make
	// logs differ from run to run.
	Received time.Time `json:"-"`
}

// skippedHeaders say nothing about what the CLI asked for.
var skippedHeaders = map[string]bool{
	"Accept-Encoding": true, "Connection": true, "Content-Length": true,
	"User-Agent": true,
}

// Start serves script on a fresh port of 127.0.0.1 until Close.
func Start(script *Script, opts Options) (*Server, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("fakellm: %w", err)
	}
	s := &Server{
		URL:     "http://" + ln.Addr().String() + "/v1",
		opts:    opts,
		done:    make(chan struct{}),
		matcher: newMatcher(script),
	}
	s.http = &http.Server{Handler: s, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = s.http.Serve(ln) }()
	return s, nil
}

// StartFromFile parses the script at path and starts a server for it; it is
// what a testscript command calls.
func StartFromFile(path string, opts Options) (*Server, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("fakellm: %w", err)
	}
	script, err := ParseScript(data)
	if err != nil {
		return nil, fmt.Errorf("fakellm: %s: %w", path, err)
	}
	return Start(script, opts)
}

// Close stops the server, cutting pending replies short, and waits for the
// handlers to return, so that Requests is final afterwards. It may be
// called more than once.
func (s *Server) Close() {
	s.closed.Do(func() {
		// Not http.Server.Shutdown: it waits up to 5s for connections a
		// client dialled but never used. Dropping the connections and
		// ending the delays makes every handler return at once.
		_ = s.http.Close()
		close(s.done)
		s.mu.Lock()
		s.stopped = true
		s.mu.Unlock()
		s.active.Wait()
	})
}

// SetScript replaces the script; the replies used so far are forgotten.
func (s *Server) SetScript(script *Script) {
	m := newMatcher(script)
	s.mu.Lock()
	s.matcher = m
	s.mu.Unlock()
}

// Requests returns a copy of every request received, in arrival order.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Request(nil), s.requests...)
}

// Count is the number of requests received.
func (s *Server) Count() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.requests)
}

// WriteLog writes Requests to path as JSON lines, without HTML escaping so
// that grep finds text as it was sent.
func (s *Server) WriteLog(path string) error {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	for _, r := range s.Requests() {
		if err := enc.Encode(r); err != nil {
			return fmt.Errorf("fakellm: %w", err)
		}
	}
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		return fmt.Errorf("fakellm: %w", err)
	}
	return nil
}

// record appends r and returns a function setting the status it got.
func (s *Server) record(r Request) func(status int) {
	s.mu.Lock()
	i := len(s.requests)
	s.requests = append(s.requests, r)
	s.mu.Unlock()
	return func(status int) {
		s.mu.Lock()
		s.requests[i].Status = status
		s.mu.Unlock()
	}
}

func (s *Server) currentMatcher() *matcher {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.matcher
}

// ServeHTTP records the request and routes it.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	if s.stopped {
		s.mu.Unlock()
		panic(http.ErrAbortHandler)
	}
	s.active.Add(1)
	s.mu.Unlock()
	defer s.active.Done()
	sw := &statusWriter{ResponseWriter: w}
	rec := Request{Method: r.Method, Path: r.URL.Path, Headers: headerSubset(r.Header)}
	var body *chatRequest
	var decodeErr error
	if r.URL.Path == chatPath && r.Method == http.MethodPost {
		body, decodeErr = decodeChat(r)
		if body != nil {
			rec.fill(body)
		}
	}
	// The status is logged as soon as it is decided, before any byte of
	// the answer leaves: a client that got its answer finds it in the log.
	rec.Received = time.Now()
	sw.onStatus = s.record(rec)

	if key := s.opts.APIKey; key != "" && r.Header.Get("Authorization") != "Bearer "+key {
		writeError(sw, http.StatusUnauthorized, "Incorrect API key provided.")
		return
	}
	switch r.URL.Path {
	case chatPath:
		switch {
		case r.Method != http.MethodPost:
			methodNotAllowed(sw, r, http.MethodPost)
		case decodeErr != nil:
			writeError(sw, http.StatusBadRequest, decodeErr.Error())
		default:
			s.chat(sw, r, body)
		}
	case modelsPath:
		if r.Method != http.MethodGet {
			methodNotAllowed(sw, r, http.MethodGet)
			return
		}
		writeJSON(sw, http.StatusOK, s.models())
	default:
		writeError(sw, http.StatusNotFound, fmt.Sprintf("Invalid URL (%s %s)", r.Method, r.URL.Path))
	}
}

func (rec *Request) fill(body *chatRequest) {
	rec.Model, rec.Messages, rec.Stream = body.Model, body.Messages, body.Stream
	rec.Temperature, rec.MaxTokens = body.Temperature, body.MaxTokens
	if rec.MaxTokens == 0 {
		rec.MaxTokens = body.MaxCompTokens
	}
	rec.IncludeUsage = body.StreamOptions != nil && body.StreamOptions.IncludeUsage
}

func methodNotAllowed(w http.ResponseWriter, r *http.Request, allow string) {
	w.Header().Set("Allow", allow)
	writeError(w, http.StatusMethodNotAllowed, fmt.Sprintf("Method %s not allowed on %s", r.Method, r.URL.Path))
}

const (
	chatPath   = "/v1/chat/completions"
	modelsPath = "/v1/models"
)

func decodeChat(r *http.Request) (*chatRequest, error) {
	var body chatRequest
	if err := json.NewDecoder(r.Body).Decode(&body); err != nil {
		return nil, fmt.Errorf("could not parse the JSON body of the request: %v", err)
	}
	if body.Model == "" {
		return nil, errors.New("you must provide a model parameter")
	}
	if len(body.Messages) == 0 {
		return nil, errors.New("'messages' must contain at least one message")
	}
	return &body, nil
}

// models lists the models requested so far, so that a client checking its
// configured model against the list finds it; "fakellm" when none was.
func (s *Server) models() modelList {
	seen := map[string]bool{}
	for _, r := range s.Requests() {
		if r.Model != "" {
			seen[r.Model] = true
		}
	}
	if len(seen) == 0 {
		seen["fakellm"] = true
	}
	list := modelList{Object: "list", Data: []model{}}
	for id := range seen {
		list.Data = append(list.Data, model{ID: id, Object: "model", Created: created, OwnedBy: "fakellm"})
	}
	sort.Slice(list.Data, func(i, j int) bool { return list.Data[i].ID < list.Data[j].ID })
	return list
}

func headerSubset(h http.Header) map[string]string {
	out := map[string]string{}
	for k, v := range h {
		if !skippedHeaders[k] && len(v) > 0 {
			out[k] = v[0]
		}
	}
	return out
}

// statusWriter remembers the status written, for the request log.
type statusWriter struct {
	http.ResponseWriter
	status   int
	onStatus func(int)
}

func (w *statusWriter) setStatus(code int) {
	if w.status != 0 {
		return
	}
	w.status = code
	if w.onStatus != nil {
		w.onStatus(code)
	}
}

func (w *statusWriter) WriteHeader(code int) {
	w.setStatus(code)
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	w.setStatus(http.StatusOK)
	return w.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach Flush through the wrapper.
func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }
