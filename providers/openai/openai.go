// Package openai is the built-in provider for any OpenAI-compatible chat
// completions endpoint, on top of go-openai.
//
// go-openai never retries, drops response headers on error and omits a zero
// temperature from the JSON it sends; this package makes up for all three
// with an HTTP client wrapper (see doer.go) and its own retry loop.
package openai

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"os"
	"strings"
	"time"

	goopenai "github.com/sashabaranov/go-openai"

	"github.com/kirofile/kirofile/providers"
)

// DefaultBaseURL is used when base_url is not set.
const DefaultBaseURL = "https://api.openai.com/v1"

// DefaultAPIKeyEnv is the variable read for the API key unless api_key_env
// names another.
const DefaultAPIKeyEnv = "OPENAI_API_KEY"

// Config is the `provider "openai"` block, as JSON.
type Config struct {
	BaseURL string `json:"base_url,omitempty"`
	Model   string `json:"model,omitempty"`
	// APIKey may be given directly (from a sensitive variable); it is held
	// in memory only. Otherwise the key is read from $APIKeyEnv.
	APIKey    string `json:"api_key,omitempty"`
	APIKeyEnv string `json:"api_key_env,omitempty"`
	// Temperature is nil for the endpoint's default; 0 is sent as 0.
	Temperature *float64          `json:"temperature,omitempty"`
	MaxTokens   int               `json:"max_tokens,omitempty"`
	Headers     map[string]string `json:"headers,omitempty"`
	// Timeout bounds one attempt (a Go duration such as "2m"); default 10m.
	Timeout string `json:"timeout,omitempty"`
	// Stream selects SSE streaming; default true.
	Stream *bool `json:"stream,omitempty"`
	// MaxAttempts bounds retries; default 4.
	MaxAttempts int `json:"max_attempts,omitempty"`
	// MaxReplyBytes bounds the reply's text; default DefaultMaxReplyBytes.
	// What the endpoint sends is bounded accordingly, so that a hostile
	// or broken endpoint cannot fill memory.
	MaxReplyBytes int `json:"max_reply_bytes,omitempty"`
}

// DefaultMaxReplyBytes is the longest reply accepted unless
// max_reply_bytes says otherwise: 2 MiB, about 500,000 tokens, beyond any
// model's output limit.
const DefaultMaxReplyBytes = 2 << 20

// Options are the seams tests use; the zero value is production behaviour.
type Options struct {
	// HTTPClient sends the requests; default a client that keeps enough
	// idle connections for apply's parallel nodes.
	HTTPClient goopenai.HTTPDoer
	// Sleep waits between attempts; default a timer honouring ctx.
	Sleep func(ctx context.Context, d time.Duration) error
	// Jitter returns a number in [0,1); default math/rand.
	Jitter func() float64
	// Now is the clock used to read an HTTP-date Retry-After.
	Now func() time.Time
	// Getenv reads the API key variable; default os.Getenv.
	Getenv func(string) string
}

const (
	defaultTimeout     = 10 * time.Minute
	defaultMaxAttempts = 4
	baseBackoff        = 500 * time.Millisecond
	maxBackoff         = 30 * time.Second
	// maxRetryAfter: a server asking for a longer pause fails the node
	// rather than stalling the run.
	maxRetryAfter = 2 * time.Minute
)

// Provider is the openai provider. It is safe for concurrent use.
type Provider struct {
	cfg         Config
	key         string
	keySource   string
	timeout     time.Duration
	stream      bool
	maxAttempts int
	maxReply    int
	client      *goopenai.Client
	opts        Options
}

var _ providers.Provider = (*Provider)(nil)

// NewFromJSON decodes a configuration and builds the provider.
func NewFromJSON(raw []byte, opts Options) (*Provider, error) {
	var cfg Config
	if len(raw) > 0 {
		dec := json.NewDecoder(strings.NewReader(string(raw)))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&cfg); err != nil {
			return nil, configErr(nil, "invalid openai provider configuration", err.Error())
		}
	}
	return New(cfg, opts)
}

func configErr(attr []string, summary, detail string) error {
	return providers.Diagnostics{{
		Severity: providers.SeverityError, Summary: summary, Detail: detail,
		Attribute: attr, Code: "config",
	}}.Err()
}

// New checks cfg and builds the provider.
func New(cfg Config, opts Options) (*Provider, error) {
	if opts.HTTPClient == nil {
		opts.HTTPClient = defaultClient
	}
	if opts.Sleep == nil {
		opts.Sleep = sleepCtx
	}
	if opts.Jitter == nil {
		opts.Jitter = rand.Float64
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Getenv == nil {
		opts.Getenv = os.Getenv
	}
	p := &Provider{cfg: cfg, opts: opts, timeout: defaultTimeout, stream: true, maxAttempts: defaultMaxAttempts, maxReply: DefaultMaxReplyBytes}
	if p.cfg.BaseURL == "" {
		p.cfg.BaseURL = DefaultBaseURL
	}
	u, err := url.Parse(p.cfg.BaseURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, configErr([]string{"base_url"}, "base_url must be an http or https URL", fmt.Sprintf("got %q", p.cfg.BaseURL))
	}
	if cfg.Timeout != "" {
		d, err := time.ParseDuration(cfg.Timeout)
		if err != nil || d <= 0 {
			return nil, configErr([]string{"timeout"}, "timeout must be a positive duration such as \"2m\"", fmt.Sprintf("got %q", cfg.Timeout))
		}
		p.timeout = d
	}
	if cfg.Stream != nil {
		p.stream = *cfg.Stream
	}
	if cfg.MaxAttempts < 0 || cfg.MaxAttempts > 10 {
		return nil, configErr([]string{"max_attempts"}, "max_attempts must be between 1 and 10", fmt.Sprintf("got %d", cfg.MaxAttempts))
	}
	if cfg.MaxAttempts > 0 {
		p.maxAttempts = cfg.MaxAttempts
	}
	if cfg.MaxReplyBytes < 0 {
		return nil, configErr([]string{"max_reply_bytes"}, "max_reply_bytes must be at least 1", fmt.Sprintf("got %d", cfg.MaxReplyBytes))
	}
	if cfg.MaxReplyBytes > 0 {
		p.maxReply = cfg.MaxReplyBytes
	}
	if cfg.MaxTokens < 0 {
		return nil, configErr([]string{"max_tokens"}, "max_tokens must not be negative", fmt.Sprintf("got %d", cfg.MaxTokens))
	}
	if t := cfg.Temperature; t != nil && (*t < 0 || *t > 2) {
		return nil, configErr([]string{"temperature"}, "temperature must be between 0 and 2", fmt.Sprintf("got %v", *t))
	}
	for k := range cfg.Headers {
		if k == "" || strings.ContainsAny(k, " \r\n:") {
			return nil, configErr([]string{"headers", k}, "invalid header name", fmt.Sprintf("%q", k))
		}
	}
	p.keySource = "api_key"
	p.key = cfg.APIKey
	if p.key == "" {
		env := cfg.APIKeyEnv
		if env == "" {
			env = DefaultAPIKeyEnv
		}
		p.keySource = "$" + env
		p.key = opts.Getenv(env)
		if p.key == "" && !isLoopback(u.Hostname()) {
			return nil, providers.Diagnostics{{
				Severity: providers.SeverityError, Summary: "no API key", Attribute: []string{"api_key_env"}, Code: "no_key",
				Detail: fmt.Sprintf("the environment variable %s is empty or unset; set it to the key for %s", env, p.cfg.BaseURL),
			}}.Err()
		}
	}
	ccfg := goopenai.DefaultConfig(p.key)
	ccfg.BaseURL = strings.TrimRight(p.cfg.BaseURL, "/")
	ccfg.HTTPClient = &doer{base: opts.HTTPClient, headers: cfg.Headers, now: opts.Now}
	p.client = goopenai.NewClientWithConfig(ccfg)
	return p, nil
}

func isLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// Generate implements providers.Provider.
func (p *Provider) Generate(ctx context.Context, req providers.Request, onEvent providers.EventFunc) (*providers.Response, error) {
	resp, err := p.generate(ctx, req, onEvent)
	if err != nil {
		// Last line of defence: whatever an endpoint echoed, the key never
		// leaves this function.
		return nil, redactErr(err, p.key)
	}
	return resp, nil
}

func (p *Provider) generate(ctx context.Context, req providers.Request, onEvent providers.EventFunc) (*providers.Response, error) {
	if onEvent == nil {
		onEvent = func(providers.Event) {}
	}
	model := req.Model
	if model == "" {
		model = p.cfg.Model
	}
	// Errors name the node: the provider is also used on its own (record
	// mode, tests), where nothing else would.
	where := "openai"
	if req.NodeAddress != "" {
		where += ": " + req.NodeAddress
	}
	if model == "" {
		return nil, fmt.Errorf("%s: %w", where, configErr([]string{"model"}, "no model configured", "set model in the provider block"))
	}
	temp := req.Temperature
	if temp == nil {
		temp = p.cfg.Temperature
	}
	maxTokens := req.MaxTokens
	if maxTokens == 0 {
		maxTokens = p.cfg.MaxTokens
	}
	creq := goopenai.ChatCompletionRequest{Model: model, Stream: p.stream}
	// max_tokens, not its successor max_completion_tokens: OpenAI takes
	// both, while many OpenAI-compatible servers (vLLM, Ollama, llama.cpp,
	// LiteLLM proxies) know only the older name and would ignore the cap.
	creq.MaxTokens = maxTokens //lint:ignore SA1019 see above
	for _, m := range req.Messages {
		creq.Messages = append(creq.Messages, goopenai.ChatCompletionMessage{Role: string(m.Role), Content: m.Content})
	}
	if p.stream {
		creq.StreamOptions = &goopenai.StreamOptions{IncludeUsage: true}
	}
	for attempt := 1; ; attempt++ {
		st := &callState{temperature: temp, stream: p.stream, maxBody: p.bodyLimit()}
		if p.stream {
			st.maxLine = int64(p.maxReply)*6 + 1<<16
		}
		actx := context.WithValue(ctx, stateKey{}, st)
		resp, streamed, err := p.once(actx, creq, onEvent)
		if err == nil {
			return resp, nil
		}
		if ctx.Err() != nil {
			return nil, fmt.Errorf("%s: cancelled: %w", where, ctx.Err())
		}
		if st.tooLarge.Load() || errors.Is(err, errTooLarge) {
			// Asking again would only fetch the same flood.
			return nil, fmt.Errorf("%s: %w", where, p.tooLargeErr())
		}
		retry, why := p.classify(err)
		if errors.Is(err, providers.ErrTruncated) || errors.Is(err, providers.ErrAuth) {
			if st.contentType != "" && errors.Is(err, providers.ErrTruncated) {
				return nil, fmt.Errorf("%s: %s answered a streaming request with Content-Type %q, not a stream of server-sent events; if the endpoint does not stream, set stream = false in the provider block",
					where, p.cfg.BaseURL, st.contentType)
			}
			return nil, fmt.Errorf("%s: %w", where, err)
		}
		if streamed {
			return nil, providers.Unavailable(fmt.Errorf("%s: the stream broke after text arrived (not retried, nothing recorded): %w", where, err))
		}
		if !retry {
			if wrongAddress(httpStatus(err)) {
				// No such path or model at this base_url: a fact about the
				// endpoint this machine points at, not about the project.
				return nil, providers.Unavailable(fmt.Errorf("%s: %s (check base_url, and that the endpoint serves this model): %w", where, why, err))
			}
			return nil, fmt.Errorf("%s: %s: %w", where, why, err)
		}
		if attempt >= p.maxAttempts {
			return nil, providers.Unavailable(fmt.Errorf("%s: %s; gave up after %d attempt(s): %w", where, why, attempt, rootCause(err)))
		}
		wait := p.backoff(attempt)
		if st.retryAfter > 0 {
			if st.retryAfter > maxRetryAfter {
				return nil, providers.Unavailable(fmt.Errorf("%s: %s and the endpoint asked to retry after %s, longer than %s: %w", where, why, st.retryAfter, maxRetryAfter, err))
			}
			wait = st.retryAfter
		}
		if err := p.opts.Sleep(ctx, wait); err != nil {
			return nil, fmt.Errorf("%s: cancelled while waiting to retry: %w", where, err)
		}
	}
}

// errTooLarge is what reading a reply larger than max_reply_bytes fails
// with.
var errTooLarge = errors.New("the reply is larger than max_reply_bytes")

func (p *Provider) tooLargeErr() error {
	return fmt.Errorf("%s sent a reply larger than max_reply_bytes (%d bytes), which was not read further; nothing was recorded. If replies this long are expected, raise max_reply_bytes in the provider block",
		p.cfg.BaseURL, p.maxReply)
}

// bodyLimit bounds the bytes read from one HTTP response: the reply's text
// plus the JSON or event-stream framing around it. A streamed reply
// carries each few bytes of text in an event of its own, some two hundred
// bytes long; JSON may escape a byte as six.
func (p *Provider) bodyLimit() int64 {
	if p.stream {
		return int64(p.maxReply)*64 + 1<<20
	}
	return int64(p.maxReply)*6 + 1<<16
}

// backoff is exponential with jitter in [d/2, d), so that parallel nodes
// hitting the same rate limit do not retry in lockstep.
func (p *Provider) backoff(attempt int) time.Duration {
	d := baseBackoff << (attempt - 1)
	if d > maxBackoff || d <= 0 {
		d = maxBackoff
	}
	return d/2 + time.Duration(p.opts.Jitter()*float64(d/2))
}

// classify says whether err may be retried, and describes it.
func (p *Provider) classify(err error) (bool, string) {
	status := 0
	var apiErr *goopenai.APIError
	var reqErr *goopenai.RequestError
	switch {
	case errors.As(err, &apiErr):
		status = apiErr.HTTPStatusCode
	case errors.As(err, &reqErr):
		status = reqErr.HTTPStatusCode
	}
	if status == 0 {
		// No HTTP status: the connection failed, timed out or the body
		// could not be read. Nothing was generated, so retrying is safe.
		if errors.Is(err, context.DeadlineExceeded) {
			// The endpoint was reached, or may have been: it was the
			// reply that did not come in time.
			return true, fmt.Sprintf("no reply from %s within the provider's timeout (%s) for one attempt", p.cfg.BaseURL, p.timeout)
		}
		return true, "connection to " + p.cfg.BaseURL + " failed (check base_url and that the endpoint is up)"
	}
	desc := fmt.Sprintf("%s returned HTTP %d", p.cfg.BaseURL, status)
	switch {
	case status == http.StatusRequestTimeout, status == http.StatusConflict,
		status == http.StatusTooManyRequests, status >= 500:
		return true, desc
	}
	return false, desc
}

func (p *Provider) authError(status int) error {
	return fmt.Errorf("%w: %s answered HTTP %d; check the key in %s (it is missing, wrong, expired or lacks access to this model)",
		providers.ErrAuth, p.cfg.BaseURL, status, p.keySource)
}

// wrongAddress reports whether an HTTP status says the request went to
// the wrong place: no such path or model (404), or a path that does not
// take this method (405), as when base_url names /v1 twice or none.
func wrongAddress(status int) bool {
	return status == http.StatusNotFound || status == http.StatusMethodNotAllowed
}

func httpStatus(err error) int {
	var apiErr *goopenai.APIError
	var reqErr *goopenai.RequestError
	switch {
	case errors.As(err, &apiErr):
		return apiErr.HTTPStatusCode
	case errors.As(err, &reqErr):
		return reqErr.HTTPStatusCode
	}
	return 0
}

// once runs one attempt. streamed reports whether any stream chunk arrived,
// after which the attempt must not be retried.
func (p *Provider) once(ctx context.Context, creq goopenai.ChatCompletionRequest, onEvent providers.EventFunc) (resp *providers.Response, streamed bool, err error) {
	ctx, cancel := context.WithTimeout(ctx, p.timeout)
	defer cancel()
	if !p.stream {
		r, err := p.client.CreateChatCompletion(ctx, creq)
		if err != nil {
			if s := httpStatus(err); s == 401 || s == 403 {
				return nil, false, p.authError(s)
			}
			return nil, false, err
		}
		if len(r.Choices) == 0 {
			return nil, false, fmt.Errorf("%w: the reply has no choices", providers.ErrTruncated)
		}
		c := r.Choices[0]
		if len(c.Message.Content) > p.maxReply {
			return nil, false, errTooLarge
		}
		out := &providers.Response{
			Text: c.Message.Content, FinishReason: string(c.FinishReason), Model: r.Model,
			Usage: usageOf(r.Usage),
		}
		if out.FinishReason != providers.FinishStop {
			return nil, false, truncated(out.FinishReason, len(out.Text))
		}
		onEvent(providers.Event{Kind: providers.EventTextDelta, Text: out.Text})
		onEvent(providers.Event{Kind: providers.EventUsage, Usage: out.Usage})
		onEvent(providers.Event{Kind: providers.EventFinish, FinishReason: out.FinishReason})
		return out, false, nil
	}
	stream, err := p.client.CreateChatCompletionStream(ctx, creq)
	if err != nil {
		if s := httpStatus(err); s == 401 || s == 403 {
			return nil, false, p.authError(s)
		}
		return nil, false, err
	}
	defer stream.Close()
	var text strings.Builder
	out := &providers.Response{}
	for {
		chunk, err := stream.Recv()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			if streamed {
				return nil, true, fmt.Errorf("%w after %d bytes: %v", providers.ErrTruncated, text.Len(), err)
			}
			return nil, false, err
		}
		streamed = true
		if chunk.Model != "" {
			out.Model = chunk.Model
		}
		if u := chunk.Usage; u != nil {
			out.Usage = usageOf(*u)
			onEvent(providers.Event{Kind: providers.EventUsage, Usage: out.Usage})
		}
		if len(chunk.Choices) == 0 {
			continue
		}
		c := chunk.Choices[0]
		if text.Len()+len(c.Delta.Content) > p.maxReply {
			return nil, true, errTooLarge
		}
		if c.Delta.Content != "" {
			text.WriteString(c.Delta.Content)
			onEvent(providers.Event{Kind: providers.EventTextDelta, Text: c.Delta.Content})
		}
		if c.FinishReason != "" {
			out.FinishReason = string(c.FinishReason)
			onEvent(providers.Event{Kind: providers.EventFinish, FinishReason: out.FinishReason})
		}
	}
	if out.FinishReason != providers.FinishStop {
		return nil, streamed, truncated(out.FinishReason, text.Len())
	}
	out.Text = text.String()
	return out, streamed, nil
}

// usageOf reads an endpoint's usage, with the prompt tokens it read from
// its prompt cache when it says.
func usageOf(u goopenai.Usage) providers.Usage {
	out := providers.Usage{PromptTokens: u.PromptTokens, CompletionTokens: u.CompletionTokens, TotalTokens: u.TotalTokens}
	if d := u.PromptTokensDetails; d != nil {
		out.CachedTokens = d.CachedTokens
	}
	return out
}

func truncated(reason string, n int) error {
	switch reason {
	case "":
		return fmt.Errorf("%w: the reply ended after %d bytes without a finish reason (connection cut?); nothing was recorded", providers.ErrTruncated, n)
	case "length":
		return fmt.Errorf("%w: the model hit its token limit after %d bytes (finish reason \"length\"); raise max_tokens or split the task; nothing was recorded", providers.ErrTruncated, n)
	}
	return fmt.Errorf("%w: the reply ended with finish reason %q instead of \"stop\" after %d bytes; nothing was recorded", providers.ErrTruncated, reason, n)
}

// redactErr returns err with every occurrence of key replaced, keeping the
// sentinels err wraps.
func redactErr(err error, key string) error {
	if key == "" || !strings.Contains(err.Error(), key) {
		return err
	}
	return &redacted{msg: strings.ReplaceAll(err.Error(), key, "[REDACTED]"), err: err}
}

type redacted struct {
	msg string
	err error
}

func (r *redacted) Error() string { return r.msg }

// Is keeps errors.Is working for the sentinels without exposing the
// original (unredacted) error through Unwrap.
func (r *redacted) Is(target error) bool {
	return errors.Is(r.err, target)
}

// defaultClient keeps connections open for as many requests as apply runs
// at once: Go's default transport keeps two idle connections per host, so
// most of a parallel run's requests would open a new connection (and, over
// TLS, pay a new handshake).
var defaultClient = func() *http.Client {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.MaxIdleConns = 256
	t.MaxIdleConnsPerHost = 64
	return &http.Client{Transport: t}
}()

// rootCause strips the layers a failed HTTP call wraps its cause in
// ("Post URL: dial tcp ADDR: connect: connection refused"), so that an
// error says "connection refused" once, after kirofile's own context. The
// chain is kept for errors.Is and errors.As.
func rootCause(err error) error {
	var ue *url.Error
	if !errors.As(err, &ue) {
		return err
	}
	msg := ue.Err.Error()
	var op *net.OpError
	if errors.As(ue.Err, &op) {
		msg = op.Err.Error()
		var sys *os.SyscallError
		if errors.As(op.Err, &sys) {
			msg = sys.Err.Error()
		}
	}
	return &causeError{msg: msg, err: err}
}

type causeError struct {
	msg string
	err error
}

func (e *causeError) Error() string { return e.msg }
func (e *causeError) Unwrap() error { return e.err }
