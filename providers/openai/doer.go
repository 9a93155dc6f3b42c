package openai

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	goopenai "github.com/sashabaranov/go-openai"
)

// stateKey carries a *callState from Generate to the doer through the
// request context: go-openai offers no other way to reach its HTTP layer
// per request.
type stateKey struct{}

// callState is what one attempt tells the doer, and what the doer reports
// back from the HTTP response.
type callState struct {
	temperature *float64
	// stream says whether the request asked for a stream; maxBody bounds
	// the bytes read from the response (0: no bound).
	stream  bool
	maxBody int64
	// maxLine bounds one line of an event stream (0: no bound): go-openai
	// holds a whole line in memory before parsing it.
	maxLine int64

	retryAfter time.Duration
	// contentType is set when a streaming request got a reply that is not
	// an event stream, to say so instead of "truncated".
	contentType string
	// tooLarge is set when the response outgrew maxBody.
	tooLarge atomic.Bool
}

// doer wraps the HTTP client that go-openai uses:
//   - it writes the temperature into the JSON body, because go-openai's
//     `omitempty` drops 0 (and 0 is the value users ask for most);
//   - it adds the configured extra headers;
//   - it reads Retry-After, which go-openai discards on error.
type doer struct {
	base    goopenai.HTTPDoer
	headers map[string]string
	now     func() time.Time
}

func (d *doer) Do(req *http.Request) (*http.Response, error) {
	st, _ := req.Context().Value(stateKey{}).(*callState)
	if st != nil && st.temperature != nil && req.Body != nil && req.Method == http.MethodPost {
		if err := setTemperature(req, *st.temperature); err != nil {
			return nil, err
		}
	}
	for k, v := range d.headers {
		req.Header.Set(k, v)
	}
	resp, err := d.base.Do(req)
	if resp != nil && st != nil {
		now := time.Now
		if d.now != nil {
			now = d.now
		}
		st.retryAfter = parseRetryAfter(resp.Header.Get("Retry-After"), now())
		if ct := resp.Header.Get("Content-Type"); st.stream && resp.StatusCode == http.StatusOK && !strings.HasPrefix(ct, "text/event-stream") {
			st.contentType = ct
		}
		limit := st.maxBody
		if resp.StatusCode != http.StatusOK {
			limit = maxErrorBody // an error message, read whole by go-openai
		}
		if limit > 0 {
			resp.Body = &limitedBody{r: resp.Body, left: limit, maxLine: st.maxLine, st: st}
		}
	}
	return resp, err
}

// maxErrorBody bounds an error reply's body: a message, not a document.
const maxErrorBody = 1 << 20

// limitedBody fails the read of a response body once it has given the
// bytes allowed, so that an endpoint that sends without end, or a reply of
// fifty megabytes, costs neither memory nor time beyond the limit.
type limitedBody struct {
	r       io.ReadCloser
	left    int64
	maxLine int64 // 0: lines are not bounded
	line    int64 // bytes since the last newline
	st      *callState
}

func (b *limitedBody) Read(p []byte) (int, error) {
	if b.left <= 0 || b.maxLine > 0 && b.line > b.maxLine {
		b.st.tooLarge.Store(true)
		return 0, errTooLarge
	}
	if int64(len(p)) > b.left {
		p = p[:b.left]
	}
	n, err := b.r.Read(p)
	b.left -= int64(n)
	if b.maxLine > 0 {
		if i := bytes.LastIndexByte(p[:n], '\n'); i >= 0 {
			b.line = int64(n - i - 1)
		} else {
			b.line += int64(n)
		}
	}
	return n, err
}

func (b *limitedBody) Close() error { return b.r.Close() }

func setTemperature(req *http.Request, t float64) error {
	body, err := io.ReadAll(req.Body)
	req.Body.Close()
	if err != nil {
		return fmt.Errorf("reading request body: %w", err)
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(body, &m); err != nil {
		return fmt.Errorf("rewriting request body: %w", err)
	}
	m["temperature"] = json.RawMessage(strconv.FormatFloat(t, 'g', -1, 64))
	body, err = json.Marshal(m)
	if err != nil {
		return fmt.Errorf("rewriting request body: %w", err)
	}
	req.Body = io.NopCloser(bytes.NewReader(body))
	req.ContentLength = int64(len(body))
	req.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(body)), nil }
	return nil
}

// parseRetryAfter reads delay-seconds or an HTTP-date; 0 when absent or
// malformed (the caller then uses its own backoff).
func parseRetryAfter(v string, now time.Time) time.Duration {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0
	}
	if n, err := strconv.ParseFloat(v, 64); err == nil {
		if n <= 0 || n > 1e6 {
			return 0
		}
		return time.Duration(n * float64(time.Second))
	}
	if t, err := http.ParseTime(v); err == nil {
		if d := t.Sub(now); d > 0 {
			return d
		}
	}
	return 0
}
