package fakellm

import (
	"encoding/json"
	"net/http"
)

// This file holds the JSON shapes of OpenAI's chat completions API, as far
// as kirofile's provider (through go-openai) reads them.

// Message is one chat message of a request.
type Message struct {
	Role    string `json:"role"`
	Content string `json:"content"`
}

// chatRequest is the part of a request body the server reads.
type chatRequest struct {
	Model         string    `json:"model"`
	Messages      []Message `json:"messages"`
	Stream        bool      `json:"stream"`
	Temperature   *float64  `json:"temperature"`
	MaxTokens     int       `json:"max_tokens"`
	MaxCompTokens int       `json:"max_completion_tokens"`
	StreamOptions *struct {
		IncludeUsage bool `json:"include_usage"`
	} `json:"stream_options"`
}

type usage struct {
	PromptTokens        int            `json:"prompt_tokens"`
	CompletionTokens    int            `json:"completion_tokens"`
	TotalTokens         int            `json:"total_tokens"`
	PromptTokensDetails *promptDetails `json:"prompt_tokens_details,omitempty"`
}

type promptDetails struct {
	CachedTokens int `json:"cached_tokens"`
}

// completion is a non-streaming reply.
type completion struct {
	ID      string             `json:"id"`
	Object  string             `json:"object"` // "chat.completion"
	Created int64              `json:"created"`
	Model   string             `json:"model"`
	Choices []completionChoice `json:"choices"`
	Usage   *usage             `json:"usage,omitempty"`
}

type completionChoice struct {
	Index        int     `json:"index"`
	Message      Message `json:"message"`
	FinishReason *string `json:"finish_reason"` // null when omitted
}

// chunk is one SSE event of a streaming reply. Usage is null on every
// chunk but the last when the client asked for usage, as OpenAI does, and
// absent when it did not.
type chunk struct {
	ID      string        `json:"id"`
	Object  string        `json:"object"` // "chat.completion.chunk"
	Created int64         `json:"created"`
	Model   string        `json:"model"`
	Choices []chunkChoice `json:"choices"`
	Usage   *usage        `json:"usage,omitempty"`
	// nullUsage writes "usage":null; see MarshalJSON.
	nullUsage bool
}

func (c chunk) MarshalJSON() ([]byte, error) {
	type plain chunk
	if c.Usage != nil || !c.nullUsage {
		return json.Marshal(plain(c))
	}
	return json.Marshal(struct {
		plain
		Usage *usage `json:"usage"`
	}{plain: plain(c)})
}

type chunkChoice struct {
	Index        int     `json:"index"`
	Delta        delta   `json:"delta"`
	FinishReason *string `json:"finish_reason"`
}

type delta struct {
	Role    string `json:"role,omitempty"`
	Content string `json:"content,omitempty"`
}

type modelList struct {
	Object string  `json:"object"` // "list"
	Data   []model `json:"data"`
}

type model struct {
	ID      string `json:"id"`
	Object  string `json:"object"` // "model"
	Created int64  `json:"created"`
	OwnedBy string `json:"owned_by"`
}

// apiError is OpenAI's error body: {"error":{"message","type","code"}}.
type apiError struct {
	Error struct {
		Message string  `json:"message"`
		Type    string  `json:"type"`
		Param   *string `json:"param"`
		Code    *string `json:"code"`
	} `json:"error"`
}

// writeError answers with OpenAI's error shape; type and code follow what
// OpenAI sends for the status, so that clients classify it as they would
// a real one.
func writeError(w http.ResponseWriter, status int, message string) {
	var e apiError
	e.Error.Message = message
	e.Error.Type, e.Error.Code = errorKind(status)
	if message == "" {
		e.Error.Message = http.StatusText(status)
	}
	writeJSON(w, status, e)
}

func errorKind(status int) (typ string, code *string) {
	str := func(s string) *string { return &s }
	switch {
	case status == http.StatusUnauthorized:
		return "invalid_request_error", str("invalid_api_key")
	case status == http.StatusForbidden:
		return "invalid_request_error", str("unsupported_country_region_territory")
	case status == http.StatusNotFound:
		return "invalid_request_error", nil
	case status == http.StatusTooManyRequests:
		return "requests", str("rate_limit_exceeded")
	case status >= 500:
		return "server_error", nil
	}
	return "invalid_request_error", nil
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(append(b, '\n'))
}
