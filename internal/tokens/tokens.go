// Package tokens counts the tokens of prompts the way OpenAI's models
// count them, offline: with the o200k_base and cl100k_base byte-pair
// encodings, embedded in the binary (github.com/tiktoken-go/tokenizer).
//
// Counting is slow next to everything else plan does (a few megabytes a
// second), so counts are cached by the exact bytes counted
// (internal/cache.Tokens). A prompt is cut into chunks at places where the
// encodings' pre-tokenizer always cuts too (before a line starting with
// "#": every document header kirofile writes, and every Markdown heading),
// so that the count of a prompt is the sum of the counts of its chunks, and
// a document that appears in many prompts is counted once.
package tokens

import (
	"fmt"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"

	"github.com/tiktoken-go/tokenizer/codec"

	"github.com/kirofile/kirofile/internal/cache"
	"github.com/kirofile/kirofile/providers"
)

// Encoding names a byte-pair encoding.
type Encoding string

// The encodings kirofile embeds.
const (
	O200kBase  Encoding = "o200k_base"
	Cl100kBase Encoding = "cl100k_base"
)

// Fallback is the encoding of a model kirofile does not know: o200k_base,
// that of every current OpenAI chat model. Other vendors' tokenizers differ
// from it by some percent either way; a provider block names its own with
// `tokenizer` when it matters.
const Fallback = O200kBase

// Encodings lists the encodings a provider block may name.
var Encodings = []Encoding{O200kBase, Cl100kBase}

// Valid reports whether e is an encoding kirofile has.
func Valid(e Encoding) bool { return e == O200kBase || e == Cl100kBase }

// ForModel returns the encoding of an OpenAI model, and false for a model
// it does not know (then Fallback applies).
func ForModel(model string) (Encoding, bool) {
	m := strings.ToLower(model)
	if i := strings.LastIndex(m, "/"); i >= 0 {
		m = m[i+1:] // "openai/gpt-4o" as routers name it
	}
	m = strings.TrimPrefix(m, "ft:")
	for _, p := range []string{"gpt-4o", "chatgpt-4o", "gpt-4.1", "gpt-4.5", "gpt-5", "o1", "o3", "o4", "gpt-oss"} {
		if m == p || strings.HasPrefix(m, p+"-") || strings.HasPrefix(m, p+":") {
			return O200kBase, true
		}
	}
	for _, p := range []string{"gpt-4", "gpt-3.5", "gpt-35"} {
		if m == p || strings.HasPrefix(m, p+"-") || strings.HasPrefix(m, p+":") {
			return Cl100kBase, true
		}
	}
	return Fallback, false
}

// The chat format adds tokens around every message (its role and
// delimiters) and primes the reply, as OpenAI documents for its chat
// models: three per message and three for the reply.
const (
	perMessage = 3
	perReply   = 3
)

// maxSpaceRun bounds the runs of white space the tokenizer is given: its
// regular expression takes time quadratic in the length of such a run (a
// megabyte of blanks would take minutes). Longer runs are counted as one
// token per byte past the bound, at least as many as they take.
const maxSpaceRun = 256

// Counter counts tokens in one encoding. It is safe for concurrent use.
type Counter struct {
	enc   Encoding
	codec *codec.Codec
	cache *cache.Tokens
}

var (
	codecsMu sync.Mutex
	codecs   = map[Encoding]*codec.Codec{}
)

// New returns a counter for an encoding, caching counts in c (which may be
// nil). The encoding's vocabulary is loaded on first use, once per
// process.
func New(enc Encoding, c *cache.Tokens) (*Counter, error) {
	if !Valid(enc) {
		return nil, fmt.Errorf("unknown tokenizer %q: kirofile has %s and %s", enc, O200kBase, Cl100kBase)
	}
	codecsMu.Lock()
	defer codecsMu.Unlock()
	cd, ok := codecs[enc]
	if !ok {
		// The two constructors only, not the library's registry of every
		// encoding, so that the binary holds only these two vocabularies.
		if enc == O200kBase {
			cd = codec.NewO200kBase()
		} else {
			cd = codec.NewCl100kBase()
		}
		codecs[enc] = cd
	}
	return &Counter{enc: enc, codec: cd, cache: c}, nil
}

// Encoding is the counter's encoding.
func (c *Counter) Encoding() Encoding { return c.enc }

// Count returns the tokens of text, from the cache where it has them.
func (c *Counter) Count(text string) int {
	n := 0
	for _, chunk := range Chunks(text) {
		n += c.chunk(chunk)
	}
	return n
}

// Messages returns the prompt tokens of a request's messages, as the
// endpoint counts them: each message's content and role, and the chat
// format's own tokens.
func (c *Counter) Messages(msgs []providers.Message) int {
	n := perReply
	for _, m := range msgs {
		n += perMessage + c.Count(string(m.Role)) + c.Count(m.Content)
	}
	return n
}

func (c *Counter) chunk(text string) int {
	if text == "" {
		return 0
	}
	k := cache.KeyOf(string(c.enc), text)
	if n, ok := c.cache.Get(k); ok {
		return n
	}
	n := c.count(text)
	c.cache.Put(k, n)
	return n
}

// count tokenizes text, its long runs of white space bounded.
func (c *Counter) count(text string) int {
	text, extra := boundSpaces(text)
	n, err := c.codec.Count(strings.ToValidUTF8(text, "\uFFFD"))
	if err != nil {
		// The tokenizer fails only on what it cannot read: count every
		// byte as a token, at least as many as there are.
		return len(text) + extra
	}
	return n + extra
}

// boundSpaces cuts every run of white space longer than maxSpaceRun to
// that length, and returns how many bytes it cut.
func boundSpaces(text string) (string, int) {
	run, start, long := 0, 0, false
	for i, r := range text {
		if unicode.IsSpace(r) {
			if run == 0 {
				start = i
			}
			run++
			if i+utf8.RuneLen(r)-start > maxSpaceRun {
				long = true
				break
			}
		} else {
			run = 0
		}
	}
	if !long {
		return text, 0
	}
	var b strings.Builder
	cut, runStart := 0, -1
	for i, r := range text {
		if unicode.IsSpace(r) {
			if runStart < 0 {
				runStart = i
			}
			if end := i + utf8.RuneLen(r); end-runStart > maxSpaceRun {
				cut += utf8.RuneLen(r)
				continue
			}
		} else {
			runStart = -1
		}
		b.WriteRune(r)
	}
	return b.String(), cut
}

// Chunks cuts text where the pre-tokenizer of both encodings always cuts:
// before a "#" that starts a line. No pre-token of o200k_base or
// cl100k_base holds a line feed followed by "#" (a line feed can only end
// a pre-token, or be followed by more line feeds, white space, or, in
// o200k_base, "/"), and byte-pair merges never cross pre-tokens, so the
// tokens of text are the tokens of its chunks, together.
func Chunks(text string) []string {
	var out []string
	start := 0
	for i := 1; i < len(text); i++ {
		if text[i] == '#' && text[i-1] == '\n' {
			out = append(out, text[start:i])
			start = i
		}
	}
	if start < len(text) {
		out = append(out, text[start:])
	}
	return out
}

// MaxMessages bounds Messages without counting: a token is at least one
// byte of the text counted, and text that is not valid UTF-8 is counted
// with each bad byte replaced by three (U+FFFD), so no message's content
// or role takes more tokens than three times its bytes, nor more than its
// bytes when it is valid UTF-8. A prompt within a limit by this bound is
// within it counted.
func MaxMessages(msgs []providers.Message) int {
	n := perReply
	for _, m := range msgs {
		n += perMessage + maxTokens(string(m.Role)) + maxTokens(m.Content)
	}
	return n
}

func maxTokens(s string) int {
	if utf8.ValidString(s) {
		return len(s)
	}
	return 3 * len(s)
}
