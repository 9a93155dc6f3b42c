package fakellm

import (
	"reflect"
	"strings"
	"testing"
	"time"
)

func TestParseScript(t *testing.T) {
	tests := []struct {
		name string
		src  string
		want Script
	}{
		{
			name: "markdown and fences verbatim",
			src:  "# a comment\n\nmatch \"Write the requirements\"\nreply\n# Requirements\n\n```go\nfunc f() {}\n```\n  indented\nend\n",
			want: Script{Rules: []Rule{{Match: "Write the requirements", Replies: []Reply{
				{Content: "# Requirements\n\n```go\nfunc f() {}\n```\n  indented\n"},
			}}}},
		},
		{
			name: "several replies and options",
			src: `match "design" once any
reply status=429 retry-after=0
end
reply finish=length chunks=3 delay=150ms prompt-tokens=12 completion-tokens=3
cut short
end
reply cut trim retry-after="Wed, 21 Oct 2015 07:28:00 GMT"
x
end
`,
			want: Script{Rules: []Rule{{Match: "design", Once: true, Any: true, Replies: []Reply{
				{Status: 429, RetryAfter: "0"},
				{FinishReason: "length", Chunks: 3, Delay: 150 * time.Millisecond, PromptTokens: 12, CompletionTokens: 3, Content: "cut short\n"},
				{CutStream: true, RetryAfter: "Wed, 21 Oct 2015 07:28:00 GMT", Content: "x"},
			}}}},
		},
		{
			name: "reply before any match answers all; custom end marker",
			src:  "reply end=EOF\nend\nEOF\nmatch `raw \"q\"`\nreply finish=none\nend",
			want: Script{Rules: []Rule{
				{Replies: []Reply{{Content: "end\n"}}},
				{Match: `raw "q"`, Replies: []Reply{{FinishReason: "none"}}},
			}},
		},
		{
			name: "escapes in match, CRLF closing line",
			src:  "match \"a\\tb\"\nreply\nbody\r\nend\r\n",
			want: Script{Rules: []Rule{{Match: "a\tb", Replies: []Reply{{Content: "body\r\n"}}}}},
		},
		{
			name: "usage options",
			src:  "reply cached-tokens=8 prompt-tokens=20\nx\nend\nreply no-usage\ny\nend\n",
			want: Script{Rules: []Rule{{Replies: []Reply{
				{CachedTokens: 8, PromptTokens: 20, Content: "x\n"},
				{NoUsage: true, Content: "y\n"},
			}}}},
		},
		{name: "empty", src: "\n# nothing\n", want: Script{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseScript([]byte(tt.src))
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(*got, tt.want) {
				t.Errorf("got  %#v\nwant %#v", *got, tt.want)
			}
		})
	}
}

func TestParseScriptErrors(t *testing.T) {
	tests := []struct{ name, src, want string }{
		{"unknown directive", "match \"x\"\nreply\nend\nanswer\n", `line 4: unknown directive "answer"`},
		{"unquoted match", "match design\nreply\nend", "line 1: match wants a quoted string"},
		{"bad match flag", "match \"x\" twice\nreply\nend", `line 1: unknown match flag "twice"`},
		{"match without reply", "match \"x\"\nmatch \"y\"\nreply\nend", "line 1: match has no reply"},
		{"last match without reply", "reply\nend\n\nmatch \"y\"\n", "line 4: match has no reply"},
		{"unclosed reply", "match \"x\"\nreply\n# Title\n", `line 2: reply has no closing "end" line`},
		{"unclosed custom marker", "reply end=EOF\nend\n", `line 1: reply has no closing "EOF" line`},
		{"stray end", "match \"x\"\nreply\nend\nend\n", `line 4: "end" without a reply line`},
		{"unknown option", "reply colour=red\nend", `line 1: unknown reply option "colour"`},
		{"bad status", "\nreply status=abc\nend", `line 2: invalid status="abc"`},
		{"status out of range", "reply status=42\nend", `invalid status="42": not an HTTP status`},
		{"bad delay", "reply delay=soon\nend", `line 1: invalid delay="soon"`},
		{"zero chunks", "reply chunks=0\nend", `invalid chunks="0": must be at least 1`},
		{"negative tokens", "reply prompt-tokens=-1\nend", `invalid prompt-tokens="-1"`},
		{"duplicate option", "reply status=500 status=503\nend", "line 1: option status given twice"},
		{"negative cached tokens", "reply cached-tokens=-2\nend", `invalid cached-tokens="-2"`},
		{"no-usage with value", "reply no-usage=1\nend", "line 1: option no-usage takes no value"},
		{"flag with value", "reply cut=yes\nend", "line 1: option cut takes no value"},
		{"option without value", "reply status\nend", "line 1: option status needs a value"},
		{"empty finish", "reply finish=\nend", "finish=none"},
		{"unterminated quote", "reply retry-after=\"soon\nend", "line 1: option retry-after: unterminated quoted value"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseScript([]byte(tt.src))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want %q", err, tt.want)
			}
		})
	}
}
