package tokens

import (
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/kirofile/kirofile/internal/cache"
	"github.com/kirofile/kirofile/providers"
)

func counter(t testing.TB, enc Encoding, c *cache.Tokens) *Counter {
	t.Helper()
	n, err := New(enc, c)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// The counts below are OpenAI's: tiktoken's published example ("tiktoken
// is great!", 6 tokens), and the others checked against a second, independent
// implementation (github.com/pkoukk/tiktoken-go, which reads OpenAI's own
// vocabulary files).
func TestCountExact(t *testing.T) {
	for _, tc := range []struct {
		text          string
		o200k, cl100k int
	}{
		{"", 0, 0},
		{"hello world", 2, 2},
		{"tiktoken is great!", 6, 6},
		{"# Requirements Document\n\n## Introduction\n\nThe system SHALL send e-mail.\n", 14, 14},
		{"func main() {\n\tfmt.Println(\"héllo, 世界\")\n}\n", 13, 17},
	} {
		if got := counter(t, O200kBase, nil).Count(tc.text); got != tc.o200k {
			t.Errorf("o200k_base %q = %d, want %d", tc.text, got, tc.o200k)
		}
		if got := counter(t, Cl100kBase, nil).Count(tc.text); got != tc.cl100k {
			t.Errorf("cl100k_base %q = %d, want %d", tc.text, got, tc.cl100k)
		}
	}
}

func TestMessages(t *testing.T) {
	c := counter(t, O200kBase, nil)
	msgs := []providers.Message{{Role: providers.RoleSystem, Content: "hello world"}, {Role: providers.RoleUser, Content: "tiktoken is great!"}}
	// 3 per message + its role (1 token) + content, and 3 for the reply.
	if got, want := c.Messages(msgs), (3+1+2)+(3+1+6)+3; got != want {
		t.Errorf("Messages = %d, want %d", got, want)
	}
}

// Cutting at a line feed followed by "#" never changes a count: the
// property Count relies on, on text made of what moves the pre-tokenizer's
// boundaries (blanks, line feeds, "#", "/", letters, digits, punctuation).
func TestChunksAddUp(t *testing.T) {
	alphabet := []string{"\n", "\n\n", "#", "##", " ", "  ", "\t", "/", "//", "a", "Word", "42", "1234", ".", "```", "'s", "é", "世", "\r\n", "-", "*"}
	r := rand.New(rand.NewPCG(1, 2))
	for _, enc := range Encodings {
		c := counter(t, enc, nil)
		for range 300 {
			var b strings.Builder
			for range r.IntN(200) {
				b.WriteString(alphabet[r.IntN(len(alphabet))])
			}
			text := b.String()
			whole, err := c.codec.Count(text)
			if err != nil {
				t.Fatal(err)
			}
			sum := 0
			for _, ch := range Chunks(text) {
				n, _ := c.codec.Count(ch)
				sum += n
			}
			if sum != whole {
				t.Fatalf("%s: %q: chunks count %d, whole %d (chunks %q)", enc, text, sum, whole, Chunks(text))
			}
		}
	}
}

func FuzzChunksAddUp(f *testing.F) {
	f.Add("# a\n\n## b\n\n```\ncode\n```\n\n# Task\n\nx")
	f.Add("a\n#b\n/#c")
	c := counter(f, O200kBase, nil)
	f.Fuzz(func(t *testing.T, text string) {
		if len(text) > 4096 {
			return
		}
		whole, err := c.codec.Count(text)
		if err != nil {
			return
		}
		if strings.Join(Chunks(text), "") != text {
			t.Fatalf("chunks of %q do not make it up", text)
		}
		sum := 0
		for _, ch := range Chunks(text) {
			n, _ := c.codec.Count(ch)
			sum += n
		}
		if sum != whole {
			t.Fatalf("%q: chunks count %d, whole %d", text, sum, whole)
		}
	})
}

func TestCacheGivesTheSameCount(t *testing.T) {
	dir := t.TempDir()
	text := "# Design\n\n## Overview\n\nThe sender retries.\n\n## Errors\n\nNone are silent.\n"
	want := counter(t, O200kBase, nil).Count(text)
	tc := cache.LoadTokens(dir)
	if got := counter(t, O200kBase, tc).Count(text); got != want {
		t.Fatalf("cold: %d, want %d", got, want)
	}
	tc.Save()
	tc = cache.LoadTokens(dir)
	for _, ch := range Chunks(text) {
		if _, ok := tc.Get(cache.KeyOf(string(O200kBase), ch)); !ok {
			t.Fatalf("chunk %q not cached", ch)
		}
	}
	if got := counter(t, O200kBase, tc).Count(text); got != want {
		t.Fatalf("warm: %d, want %d", got, want)
	}
	// Another encoding's count is never taken for this one's.
	if _, ok := tc.Get(cache.KeyOf(string(Cl100kBase), Chunks(text)[0])); ok {
		t.Fatal("a count is shared between encodings")
	}
}

func TestLongSpaceRunsAreBounded(t *testing.T) {
	c := counter(t, O200kBase, nil)
	for _, text := range []string{strings.Repeat(" \t\n", 1<<16), "x" + strings.Repeat(" ", 1<<20) + "y"} {
		n := c.Count(text)
		// At least one token for every byte past the bound, at most one per
		// byte.
		if n < len(text)-maxSpaceRun*2 || n > len(text) {
			t.Errorf("%d bytes of blanks: %d tokens", len(text), n)
		}
	}
	// Runs up to the bound are counted exactly.
	text := "a" + strings.Repeat(" ", maxSpaceRun) + "b"
	if exact, _ := c.codec.Count(text); c.Count(text) != exact {
		t.Errorf("a run at the bound: %d, exact %d", c.Count(text), exact)
	}
}

func TestForModel(t *testing.T) {
	for _, tc := range []struct {
		model string
		enc   Encoding
		known bool
	}{
		{"gpt-4o-mini", O200kBase, true},
		{"gpt-4o", O200kBase, true},
		{"gpt-4.1-nano", O200kBase, true},
		{"gpt-5", O200kBase, true},
		{"o3-mini", O200kBase, true},
		{"openai/gpt-4o", O200kBase, true},
		{"ft:gpt-4o-mini:org::id", O200kBase, true},
		{"gpt-4", Cl100kBase, true},
		{"gpt-4-turbo", Cl100kBase, true},
		{"gpt-3.5-turbo", Cl100kBase, true},
		{"claude-sonnet-4", Fallback, false},
		{"llama3.1:8b", Fallback, false},
		{"gpt-40", Fallback, false},
	} {
		enc, known := ForModel(tc.model)
		if enc != tc.enc || known != tc.known {
			t.Errorf("ForModel(%q) = %s, %v; want %s, %v", tc.model, enc, known, tc.enc, tc.known)
		}
	}
	if _, err := New("p50k_base", nil); err == nil {
		t.Error("an encoding kirofile does not offer was accepted")
	}
}

func BenchmarkCount(b *testing.B) {
	text := strings.Repeat("# Section\n\nThe system SHALL retry a failed delivery three times.\n\n```go\nfunc send() error { return nil }\n```\n", 200)
	b.Run("cold", func(b *testing.B) {
		c := counter(b, O200kBase, nil)
		b.SetBytes(int64(len(text)))
		for b.Loop() {
			c.Count(text)
		}
	})
	b.Run("warm", func(b *testing.B) {
		c := counter(b, O200kBase, cache.LoadTokens(b.TempDir()))
		c.Count(text)
		b.SetBytes(int64(len(text)))
		for b.Loop() {
			c.Count(text)
		}
	})
}

// MaxMessages is never below the count.
func TestMaxMessages(t *testing.T) {
	c, err := New(O200kBase, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, text := range []string{
		"", "a", " ", "hello world", "# Heading\n\nSome text.\n", strings.Repeat(" ", 1000),
		"\xff\xfe\xfd", "a\xffb\xfec", "日本語のテキスト", "🙂🙃", strings.Repeat("x\n", 500), "\x00\x01\x02",
	} {
		msgs := []providers.Message{{Role: providers.RoleSystem, Content: text}, {Role: providers.RoleUser, Content: text + text}}
		if got, bound := c.Messages(msgs), MaxMessages(msgs); got > bound {
			t.Errorf("%q: counted %d, bound %d", text, got, bound)
		}
	}
}
