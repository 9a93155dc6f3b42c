package fakellm

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"sync/atomic"
	"time"
	"unicode/utf8"
)

// created is the timestamp of every reply: fixed, so that whatever the CLI
// derives from a reply is reproducible.
const created = 1700000000

// defaultChunkBytes is the size of a streamed chunk when Reply.Chunks is 0.
const defaultChunkBytes = 64

// replyID numbers replies across servers; IDs need only be distinct.
var replyID atomic.Int64

// chat answers POST /v1/chat/completions.
func (s *Server) chat(w http.ResponseWriter, r *http.Request, req *chatRequest) {
	reply, ok := s.currentMatcher().pick(req.Messages)
	if !s.wait(r, s.opts.Latency+reply.Delay) {
		// Returning would send an empty 200; drop the connection instead.
		panic(http.ErrAbortHandler)
	}
	if !ok {
		writeError(w, http.StatusInternalServerError, fmt.Sprintf(
			"fakellm: no rule matches the request; its last user message starts %q",
			truncate(blank(lastUserMessage(req.Messages)), 80)))
		return
	}
	if reply.RetryAfter != "" {
		w.Header().Set("Retry-After", reply.RetryAfter)
	}
	if reply.Status != 0 && reply.Status != http.StatusOK {
		writeError(w, reply.Status, strings.TrimSpace(reply.Content))
		return
	}
	id := "chatcmpl-fake-" + strconv.FormatInt(replyID.Add(1), 10)
	if reply.Repeat > 1 {
		reply.Content = strings.Repeat(reply.Content, reply.Repeat)
	}
	if req.Stream && !reply.Plain {
		s.stream(w, r, req, reply, id)
		return
	}
	writeJSON(w, http.StatusOK, completion{
		ID: id, Object: "chat.completion", Created: created, Model: req.Model,
		Choices: []completionChoice{{
			Message:      Message{Role: "assistant", Content: reply.Content},
			FinishReason: finishReason(reply),
		}},
		Usage: plainUsage(req, reply),
	})
}

// wait sleeps for d unless the request is cancelled or the server closed
// first; it reports whether to go on answering.
func (s *Server) wait(r *http.Request, d time.Duration) bool {
	if d <= 0 {
		return true
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-r.Context().Done():
		return false
	case <-s.done:
		return false
	}
}

// stream answers in server-sent events, as OpenAI does: a first chunk
// with the role, the content chunks, a chunk with the finish reason, the
// usage chunk (choices empty) if asked for, then [DONE]. Each event is
// flushed at once so that the client sees the reply arrive in pieces.
func (s *Server) stream(w http.ResponseWriter, r *http.Request, req *chatRequest, reply Reply, id string) {
	h := w.Header()
	h.Set("Content-Type", "text/event-stream")
	h.Set("Cache-Control", "no-cache")
	w.WriteHeader(http.StatusOK)
	rc := http.NewResponseController(w)
	withUsage := req.StreamOptions != nil && req.StreamOptions.IncludeUsage
	send := func(c chunk) {
		c.ID, c.Object, c.Created, c.Model = id, "chat.completion.chunk", created, req.Model
		c.nullUsage = withUsage
		b, err := json.Marshal(c)
		if err != nil {
			panic(err) // plain data: cannot happen
		}
		fmt.Fprintf(w, "data: %s\n\n", b)
		_ = rc.Flush()
	}
	parts := split(reply.Content, reply.Chunks)
	if reply.CutStream {
		// Half the content, at least one piece, then a dropped
		// connection: the client sees the body end early.
		parts = parts[:(len(parts)+1)/2]
	}
	send(chunk{Choices: []chunkChoice{{Delta: delta{Role: "assistant"}}}})
	for _, p := range parts {
		send(chunk{Choices: []chunkChoice{{Delta: delta{Content: p}}}})
	}
	for reply.Endless && r.Context().Err() == nil {
		select {
		case <-s.done:
			panic(http.ErrAbortHandler)
		default:
		}
		for _, p := range parts {
			send(chunk{Choices: []chunkChoice{{Delta: delta{Content: p}}}})
		}
	}
	if reply.CutStream {
		// The documented way to abort a response: net/http drops the
		// connection without ending the chunked body.
		panic(http.ErrAbortHandler)
	}
	if fr := finishReason(reply); fr != nil {
		send(chunk{Choices: []chunkChoice{{FinishReason: fr}}})
	}
	if withUsage && !reply.NoUsage {
		u := replyUsage(req, reply)
		send(chunk{Choices: []chunkChoice{}, Usage: &u})
	}
	fmt.Fprint(w, "data: [DONE]\n\n")
	_ = rc.Flush()
}

func finishReason(r Reply) *string {
	switch r.FinishReason {
	case "":
		s := "stop"
		return &s
	case finishNone:
		return nil
	}
	s := r.FinishReason
	return &s
}

// replyUsage is the usage to report: the scripted counts, or an estimate
// of about four bytes a token, like OpenAI's rule of thumb.
func replyUsage(req *chatRequest, r Reply) usage {
	u := usage{PromptTokens: r.PromptTokens, CompletionTokens: r.CompletionTokens}
	if u.PromptTokens == 0 {
		n := 0
		for _, m := range req.Messages {
			n += len(m.Content)
		}
		u.PromptTokens = max(1, tokens(n))
	}
	if u.CompletionTokens == 0 {
		u.CompletionTokens = tokens(len(r.Content))
	}
	u.TotalTokens = u.PromptTokens + u.CompletionTokens
	if r.CachedTokens > 0 {
		u.PromptTokensDetails = &promptDetails{CachedTokens: r.CachedTokens}
	}
	return u
}

// plainUsage is the usage of a reply that is not streamed: none at all
// with no-usage.
func plainUsage(req *chatRequest, r Reply) *usage {
	if r.NoUsage {
		return nil
	}
	u := replyUsage(req, r)
	return &u
}

func tokens(bytes int) int { return (bytes + 3) / 4 }

// split cuts s into n pieces of about as many runes each (n = 0: about
// one piece per defaultChunkBytes), never inside a UTF-8 sequence, since
// each piece travels as a JSON string of its own. There are fewer pieces
// only when s has fewer runes than n, and none when s is empty.
func split(s string, n int) []string {
	if s == "" {
		return nil
	}
	if n <= 0 {
		n = (len(s) + defaultChunkBytes - 1) / defaultChunkBytes
	}
	runes := utf8.RuneCountInString(s)
	n = min(n, runes)
	parts := make([]string, 0, n)
	start, seen, next := 0, 0, 1
	for i := range s {
		if seen == runes*next/n {
			if i > start {
				parts = append(parts, s[start:i])
			}
			start = i
			next++
		}
		seen++
	}
	return append(parts, s[start:])
}

// truncate returns s's first n runes, with "..." when it was longer.
func truncate(s string, n int) string {
	i := 0
	for j := range s {
		if i == n {
			return s[:j] + "..."
		}
		i++
	}
	return s
}

// blank makes a message printable on one line.
func blank(s string) string {
	return strings.Join(strings.Fields(s), " ")
}
