// Package fakellm is an in-process fake of an OpenAI-compatible chat
// completions endpoint, for kirofile's CLI tests (testscript) and
// benchmarks.
//
// It speaks the real wire format over real HTTP on 127.0.0.1, so the whole
// path from the CLI through providers/openai and go-openai down to the
// socket is exercised: streaming (SSE with a final usage chunk) and plain
// JSON replies, OpenAI's error shape, Retry-After, truncation and streams cut
// mid-way. What it answers comes from a Script, usually kept as a file in a
// testscript .txtar archive; every request is recorded so that a test can
// assert what the CLI sent.
//
// # Script format
//
// A script is a list of rules. A rule starts with a match line and holds
// one or more replies:
//
//	# Lines starting with "#" between replies are comments.
//	match "Write the requirements"
//	reply
//	# Requirements
//
//	```go
//	func main() {}
//	```
//	end
//
//	match "design" once
//	reply status=429 retry-after=0
//	end
//	reply finish=length chunks=3
//	A design cut short
//	end
//
// The match line takes a Go string literal ("..." with escapes, or `...`
// raw); the rule answers requests whose last user message contains it, and
// match "" answers every request. Flags after the literal:
//
//	any    search every message (system included), not just the last user one
//	once   stop matching once every reply was used, letting later rules answer
//
// Rules are tried in order and the first that matches answers. Its replies
// are used in turn by successive matching requests; the last one repeats
// once they are exhausted, unless the rule is marked once. A reply before
// any match line belongs to an implicit match "" rule.
//
// Everything between a reply line and the next line reading exactly "end"
// is the reply's content, verbatim: Markdown headings, code fences and
// blank lines need no escaping, and "#" lines there are content, not
// comments. Each content line keeps its newline, so a reply body ends with
// one, as files usually do. Options on the reply line, all optional:
//
//	status=429          HTTP status (default 200); for an error status the
//	                    content, if any, is the error message
//	retry-after=0       Retry-After header; quote values with spaces:
//	                    retry-after="Wed, 21 Oct 2015 07:28:00 GMT"
//	finish=length       finish reason (default stop); none omits it
//	chunks=5            streaming: number of content chunks (default: one
//	                    per 64 bytes)
//	cut                 streaming: drop the connection half-way, without
//	                    a finish reason or [DONE]
//	delay=150ms         wait before answering (a Go duration)
//	prompt-tokens=12    usage reported (default: about 4 bytes a token)
//	completion-tokens=3
//	cached-tokens=8     prompt tokens reported as read from the prompt cache
//	no-usage            report no usage, even when the request asks for it
//	                    (stream_options.include_usage), as some endpoints do
//	trim                drop the content's final newline
//	repeat=1000         send the content this many times over
//	endless             streaming: send the content over and over, never
//	                    finishing, until the client goes away
//	plain               answer even a streaming request with a plain JSON
//	                    completion, not server-sent events
//	end=EOF             end the content at a line "EOF" instead of "end",
//	                    for content that itself has a line "end"
//
// ParseScript reports errors with the line number at fault. In a .txtar
// archive, a content line of the form "-- name --" would start a new file
// of the archive: indent it or avoid it.
//
// # Unexpected requests
//
// A request no rule matches gets HTTP 500 with a message quoting the start
// of its last user message, so that the test failure says what was not
// expected. (kirofile retries a 500 a few times before giving up.)
//
// # Request log
//
// Requests returns every request received, and WriteLog writes them as JSON
// lines, one request a line, for a script to grep:
//
//	{"method":"POST","path":"/v1/chat/completions","status":200,"model":"m-1","stream":true,"include_usage":true,"temperature":0,"messages":[...],"headers":{"Authorization":"Bearer sk-test","Content-Type":"application/json"}}
//
// temperature appears only when the request had one, so that a test can
// tell "not sent" from 0. Headers include Authorization, so that a test can
// check the key sent; use fake keys only.
//
// # Use from testscript
//
// The package does not import testscript; the test binary defines the
// commands. A command starting the server should parse its script with
// StartFromFile, point the CLI at it and stop it when the script ends:
//
//	"fakellm": func(ts *testscript.TestScript, neg bool, args []string) {
//		s, err := fakellm.StartFromFile(ts.MkAbs(args[0]), fakellm.Options{})
//		ts.Check(err)
//		ts.Setenv("OPENAI_BASE_URL", s.URL)
//		ts.Defer(s.Close)
//		servers[ts] = s // for fakellm-log; guard with a mutex
//	},
//	"fakellm-log": func(ts *testscript.TestScript, neg bool, args []string) {
//		ts.Check(servers[ts].WriteLog(ts.MkAbs(args[0])))
//	},
//
// after which a script asserts on the requests with grep:
//
//	fakellm llm.txt
//	exec kirofile apply
//	fakellm-log requests.jsonl
//	grep '"stream":true' requests.jsonl
//
// The server runs in the test process, so the CLI may run in-process
// (testscript.RunMain) or as a subprocess: either reaches it by its URL.
package fakellm
