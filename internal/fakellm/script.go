package fakellm

import (
	"strings"
	"sync"
	"time"
)

// Script is what the server answers. It is plain data, so a test may build
// one in Go as well as load it with ParseScript.
type Script struct {
	Rules []Rule
}

// Rule answers the requests it matches with its replies, in order.
type Rule struct {
	// Match is looked for (as a substring) in the last user message, or in
	// every message when Any is set; "" matches every request.
	Match string
	// Any widens the search to every message, the system one included.
	Any bool
	// Once retires the rule after its last reply was used, so that a later
	// rule answers the requests that follow; otherwise the last reply
	// repeats.
	Once bool
	// Replies are used by successive matching requests.
	Replies []Reply
}

// Reply is one scripted answer.
type Reply struct {
	Status     int    // HTTP status; 0 = 200
	RetryAfter string // Retry-After header value, for 429/503
	// Content is the assistant message, or the error message when Status
	// is an error.
	Content string
	// FinishReason defaults to "stop"; "length" simulates truncation and
	// "none" omits it.
	FinishReason string
	// Chunks splits Content into this many SSE chunks when streaming;
	// 0 means one chunk per 64 bytes.
	Chunks int
	// CutStream drops the connection half-way through a stream, without a
	// finish reason or [DONE].
	CutStream bool
	// Delay is waited before answering, or until the request is cancelled.
	Delay time.Duration
	// PromptTokens and CompletionTokens are the usage reported; 0 means an
	// estimate of about four bytes a token.
	PromptTokens, CompletionTokens int
	// CachedTokens are reported as read from the prompt cache
	// (prompt_tokens_details.cached_tokens).
	CachedTokens int
	// NoUsage reports no usage at all, as endpoints that ignore
	// stream_options.include_usage do.
	NoUsage bool
	// Repeat sends Content this many times over (0 or 1: once), for
	// replies too large to write into a script.
	Repeat int
	// Endless streams Content over and over until the client goes away,
	// as a hostile endpoint may.
	Endless bool
	// Plain answers a streaming request with a plain JSON completion, not
	// server-sent events, as a misconfigured endpoint may.
	Plain bool
}

// finishNone is the FinishReason that omits the finish reason.
const finishNone = "none"

// matcher picks the reply for each request. It keeps, per rule, how many
// replies were used; the state belongs to one script and is reset when the
// script is replaced.
type matcher struct {
	mu     sync.Mutex
	script *Script
	used   []int
}

func newMatcher(s *Script) *matcher {
	if s == nil {
		s = &Script{}
	}
	return &matcher{script: s, used: make([]int, len(s.Rules))}
}

// pick returns the reply for a request with these messages, or false when
// no rule matches. It is safe for concurrent use: each reply of a sequence
// goes to exactly one request.
func (m *matcher) pick(msgs []Message) (Reply, bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	last := lastUserMessage(msgs)
	for i, r := range m.script.Rules {
		if len(r.Replies) == 0 {
			continue
		}
		if r.Once && m.used[i] >= len(r.Replies) {
			continue
		}
		if !r.matches(last, msgs) {
			continue
		}
		n := min(m.used[i], len(r.Replies)-1)
		m.used[i]++
		return r.Replies[n], true
	}
	return Reply{}, false
}

func (r *Rule) matches(last string, msgs []Message) bool {
	if !r.Any {
		return strings.Contains(last, r.Match)
	}
	for _, msg := range msgs {
		if strings.Contains(msg.Content, r.Match) {
			return true
		}
	}
	return r.Match == ""
}

// lastUserMessage is what a rule is matched against: the task of the
// request, as kirofile puts it last.
func lastUserMessage(msgs []Message) string {
	for i := len(msgs) - 1; i >= 0; i-- {
		if msgs[i].Role == "user" {
			return msgs[i].Content
		}
	}
	return ""
}
