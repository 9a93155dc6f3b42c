// Package providers defines how kirofile talks to a language model: the
// Provider interface with its streamed events, the request and response
// types, and prompt building. Implementations live in subpackages (openai,
// replay); process isolation is the plugins package's business.
package providers

import (
	"context"
	"errors"
	"fmt"
	"strings"
)

// Role is the author of a chat message.
type Role string

const (
	RoleSystem    Role = "system"
	RoleUser      Role = "user"
	RoleAssistant Role = "assistant"
)

// Message is one chat message.
type Message struct {
	Role    Role   `json:"role"`
	Content string `json:"content"`
}

// Request is one generation.
type Request struct {
	// NodeAddress names the node asking, e.g. "feature.f.spec.design"; it is
	// used in error messages only and never changes what is generated.
	NodeAddress string `json:"-"`
	// Messages in order: system first, then user content (see BuildPrompt).
	Messages []Message `json:"messages"`
	// Model overrides the provider's configured model when not empty.
	Model string `json:"model,omitempty"`
	// Temperature is nil for the provider's default; a pointer so that 0
	// means 0.
	Temperature *float64 `json:"temperature,omitempty"`
	// MaxTokens caps the reply; 0 means the provider's default.
	MaxTokens int `json:"max_tokens,omitempty"`
}

// Usage counts tokens.
type Usage struct {
	PromptTokens     int `json:"prompt_tokens"`
	CompletionTokens int `json:"completion_tokens"`
	TotalTokens      int `json:"total_tokens"`
	// CachedTokens are the prompt tokens the endpoint read from its prompt
	// cache (part of PromptTokens); 0 when it reports none.
	CachedTokens int `json:"cached_tokens,omitempty"`
}

// Reported reports whether an endpoint reported u: one that streams
// without usage leaves it zero.
func (u Usage) Reported() bool {
	return u.PromptTokens > 0 || u.CompletionTokens > 0 || u.TotalTokens > 0
}

// FinishStop is the only finish reason of a complete reply.
const FinishStop = "stop"

// Response is a complete reply.
type Response struct {
	// Text is the whole reply; it equals the concatenation of the
	// EventTextDelta events that were streamed, if any.
	Text         string `json:"text"`
	Usage        Usage  `json:"usage"`
	FinishReason string `json:"finish_reason"`
	// Model is the model that answered, when known.
	Model string `json:"model,omitempty"`
}

// EventKind says which field of an Event is set.
type EventKind int

const (
	EventTextDelta EventKind = iota + 1
	EventUsage
	EventFinish
)

// Event is something that happened while a reply streamed in.
type Event struct {
	Kind         EventKind
	Text         string // EventTextDelta
	Usage        Usage  // EventUsage
	FinishReason string // EventFinish
}

// EventFunc receives streamed events in order. It may be nil. It must not
// block for long: the stream waits for it.
type EventFunc func(Event)

// Provider generates replies. Implementations must be safe for concurrent
// use: independent nodes generate at the same time.
type Provider interface {
	// Generate runs one generation, reporting events to onEvent as they
	// arrive, and returns the complete reply. A reply that did not finish
	// with FinishStop is an error wrapping ErrTruncated and must not be
	// recorded anywhere.
	Generate(ctx context.Context, req Request, onEvent EventFunc) (*Response, error)
}

// Sentinel errors that survive the plugin boundary (see plugins): test them
// with errors.Is.
var (
	// ErrTruncated: the reply ended without a "stop" finish reason (length
	// limit, missing finish reason, stream cut).
	ErrTruncated = errors.New("reply truncated")
	// ErrAuth: the endpoint refused the API key (401/403).
	ErrAuth = errors.New("API key refused")
	// ErrReplayMiss: a replay cassette has no answer for a request.
	ErrReplayMiss = errors.New("no recorded answer")
	// ErrConfig: the provider's configuration is invalid.
	ErrConfig = errors.New("invalid provider configuration")
	// ErrNoKey: the provider has no API key on this machine.
	ErrNoKey = errors.New("no API key")
	// ErrUnavailable: the endpoint could not be reached or did not answer
	// (connection refused, timeout, server errors after retries). Like
	// ErrNoKey and ErrAuth it says something about this machine and this
	// moment, not about the project: apply never records it in the lock.
	ErrUnavailable = errors.New("endpoint unavailable")
)

// Unavailable marks err as ErrUnavailable, its text unchanged: what
// failed is the endpoint or the way to it, not the request.
func Unavailable(err error) error { return &unavailableError{err} }

type unavailableError struct{ err error }

func (e *unavailableError) Error() string   { return e.err.Error() }
func (e *unavailableError) Unwrap() []error { return []error{e.err, ErrUnavailable} }

// Local reports whether err is a failure of the local environment (no
// API key, a key refused, an endpoint unreachable or not answering)
// rather than of the project: what is true on this machine only, which a
// committed lock must not hold.
func Local(err error) bool {
	return errors.Is(err, ErrNoKey) || errors.Is(err, ErrAuth) || errors.Is(err, ErrUnavailable)
}

// Severity of a Diagnostic.
type Severity int

const (
	SeverityError Severity = iota + 1
	SeverityWarning
)

func (s Severity) String() string {
	switch s {
	case SeverityError:
		return "error"
	case SeverityWarning:
		return "warning"
	}
	return fmt.Sprintf("Severity(%d)", int(s))
}

// Diagnostic is a problem reported to the user, shaped like HCL's: a short
// summary, a detail, and the path of the attribute at fault.
type Diagnostic struct {
	Severity  Severity
	Summary   string
	Detail    string
	Attribute []string
	// Code classifies the failure ("truncated", "auth", "replay_miss",
	// "config", "no_key", "unavailable") so that it maps back to a
	// sentinel error across processes.
	Code string
}

// Diagnostics is a list of Diagnostic.
type Diagnostics []Diagnostic

// HasErrors reports whether any diagnostic is an error.
func (d Diagnostics) HasErrors() bool {
	for _, x := range d {
		if x.Severity == SeverityError {
			return true
		}
	}
	return false
}

// Err returns the error diagnostics as one error, or nil. The error wraps
// the sentinel named by each diagnostic's Code.
func (d Diagnostics) Err() error {
	if !d.HasErrors() {
		return nil
	}
	return &DiagnosticsError{Diags: d}
}

// DiagnosticsError carries error diagnostics as a Go error.
type DiagnosticsError struct {
	Diags Diagnostics
}

func (e *DiagnosticsError) Error() string {
	var parts []string
	for _, d := range e.Diags {
		if d.Severity != SeverityError {
			continue
		}
		s := d.Summary
		if len(d.Attribute) > 0 {
			s = strings.Join(d.Attribute, ".") + ": " + s
		}
		if d.Detail != "" {
			s += ": " + d.Detail
		}
		parts = append(parts, s)
	}
	return strings.Join(parts, "; ")
}

// Unwrap exposes the sentinels named by the diagnostics' codes.
func (e *DiagnosticsError) Unwrap() []error {
	var errs []error
	for _, d := range e.Diags {
		if d.Severity != SeverityError {
			continue
		}
		if s := SentinelForCode(d.Code); s != nil {
			errs = append(errs, s)
		}
	}
	return errs
}

var codes = []struct {
	code string
	err  error
}{
	{"truncated", ErrTruncated},
	{"auth", ErrAuth},
	{"replay_miss", ErrReplayMiss},
	{"config", ErrConfig},
	{"no_key", ErrNoKey},
	{"unavailable", ErrUnavailable},
}

// SentinelForCode maps a diagnostic code to its sentinel error, or nil.
func SentinelForCode(code string) error {
	for _, c := range codes {
		if c.code == code {
			return c.err
		}
	}
	return nil
}

// CodeOf returns the diagnostic code of the first sentinel err wraps, or "".
func CodeOf(err error) string {
	for _, c := range codes {
		if errors.Is(err, c.err) {
			return c.code
		}
	}
	return ""
}

// DiagnosticsFromError turns an error into error diagnostics. A
// DiagnosticsError keeps its own diagnostics; anything else becomes one.
func DiagnosticsFromError(err error) Diagnostics {
	if err == nil {
		return nil
	}
	// Only an unwrapped DiagnosticsError keeps its own list: a wrapper's
	// added context would otherwise be lost.
	if de, ok := err.(*DiagnosticsError); ok {
		return de.Diags
	}
	return Diagnostics{{Severity: SeverityError, Summary: err.Error(), Code: CodeOf(err)}}
}
