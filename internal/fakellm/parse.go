package fakellm

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// ParseScript reads the text format described in the package
// documentation. Errors name the line at fault.
func ParseScript(data []byte) (*Script, error) {
	p := &parser{lines: strings.Split(string(data), "\n")}
	if err := p.parse(); err != nil {
		return nil, err
	}
	return &p.script, nil
}

type parser struct {
	lines  []string
	script Script
	// ruleLine is the line of each rule's match, to report an empty rule.
	ruleLine []int
}

func errorf(line int, format string, args ...any) error {
	return fmt.Errorf("line %d: %s", line, fmt.Sprintf(format, args...))
}

func (p *parser) parse() error {
	for i := 0; i < len(p.lines); i++ {
		line := strings.TrimSpace(p.lines[i])
		n := i + 1
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		word, rest, _ := strings.Cut(line, " ")
		rest = strings.TrimSpace(rest)
		switch word {
		case "match":
			r, err := parseMatch(rest)
			if err != nil {
				return errorf(n, "%v", err)
			}
			if err := p.checkLastRule(); err != nil {
				return err
			}
			p.script.Rules = append(p.script.Rules, r)
			p.ruleLine = append(p.ruleLine, n)
		case "reply":
			reply, marker, err := parseReplyOptions(rest)
			if err != nil {
				return errorf(n, "%v", err)
			}
			end := p.bodyEnd(i+1, marker)
			if end < 0 {
				return errorf(n, "reply has no closing %q line", marker)
			}
			if end > i+1 {
				reply.Content = strings.Join(p.lines[i+1:end], "\n") + "\n"
			}
			if reply.trim {
				reply.Content = strings.TrimSuffix(reply.Content, "\n")
			}
			if len(p.script.Rules) == 0 {
				p.script.Rules = append(p.script.Rules, Rule{})
				p.ruleLine = append(p.ruleLine, n)
			}
			last := &p.script.Rules[len(p.script.Rules)-1]
			last.Replies = append(last.Replies, reply.Reply)
			i = end
		case "end":
			return errorf(n, "%q without a reply line before it", line)
		default:
			return errorf(n, "unknown directive %q (want match, reply or a # comment)", word)
		}
	}
	return p.checkLastRule()
}

func (p *parser) checkLastRule() error {
	if k := len(p.script.Rules) - 1; k >= 0 && len(p.script.Rules[k].Replies) == 0 {
		return errorf(p.ruleLine[k], "match has no reply")
	}
	return nil
}

// bodyEnd returns the index of the line closing a reply body that starts
// at from, or -1. Trailing blanks (and a CR) on the closing line are
// forgiven; the body itself is kept verbatim.
func (p *parser) bodyEnd(from int, marker string) int {
	for j := from; j < len(p.lines); j++ {
		if strings.TrimRight(p.lines[j], " \t\r") == marker {
			return j
		}
	}
	return -1
}

func parseMatch(rest string) (Rule, error) {
	lit, err := strconv.QuotedPrefix(rest)
	if err != nil {
		return Rule{}, fmt.Errorf("match wants a quoted string such as \"Write the requirements\", got %q", rest)
	}
	s, err := strconv.Unquote(lit)
	if err != nil {
		return Rule{}, fmt.Errorf("match: %v", err)
	}
	r := Rule{Match: s}
	for _, flag := range strings.Fields(rest[len(lit):]) {
		switch flag {
		case "any":
			r.Any = true
		case "once":
			r.Once = true
		default:
			return Rule{}, fmt.Errorf("unknown match flag %q (want any or once)", flag)
		}
	}
	return r, nil
}

// parsedReply is a Reply with the options that only shape its parsing.
type parsedReply struct {
	Reply
	trim bool
}

func parseReplyOptions(rest string) (parsedReply, string, error) {
	var r parsedReply
	marker := "end"
	seen := map[string]bool{}
	opts, err := splitOptions(rest)
	if err != nil {
		return r, "", err
	}
	for _, opt := range opts {
		key, val, hasVal := strings.Cut(opt, "=")
		if seen[key] {
			return r, "", fmt.Errorf("option %s given twice", key)
		}
		seen[key] = true
		flag := key == "cut" || key == "trim" || key == "endless" || key == "plain" || key == "no-usage"
		if flag == hasVal {
			if flag {
				return r, "", fmt.Errorf("option %s takes no value", key)
			}
			if _, known := replyOptions[key]; known {
				return r, "", fmt.Errorf("option %s needs a value (%s=...)", key, key)
			}
		}
		var err error
		switch key {
		case "status":
			r.Status, err = strconv.Atoi(val)
			if err == nil && (r.Status < 100 || r.Status > 599) {
				err = fmt.Errorf("not an HTTP status")
			}
		case "retry-after":
			r.RetryAfter = val
		case "finish":
			r.FinishReason = val
			if val == "" {
				err = fmt.Errorf("empty (use finish=none to omit the finish reason)")
			}
		case "chunks":
			r.Chunks, err = strconv.Atoi(val)
			if err == nil && r.Chunks < 1 {
				err = fmt.Errorf("must be at least 1")
			}
		case "cut":
			r.CutStream = true
		case "delay":
			r.Delay, err = time.ParseDuration(val)
			if err == nil && r.Delay < 0 {
				err = fmt.Errorf("negative")
			}
		case "prompt-tokens":
			r.PromptTokens, err = parseCount(val)
		case "completion-tokens":
			r.CompletionTokens, err = parseCount(val)
		case "trim":
			r.trim = true
		case "repeat":
			r.Repeat, err = strconv.Atoi(val)
			if err == nil && r.Repeat < 1 {
				err = fmt.Errorf("must be at least 1")
			}
		case "endless":
			r.Endless = true
		case "plain":
			r.Plain = true
		case "no-usage":
			r.NoUsage = true
		case "cached-tokens":
			r.CachedTokens, err = parseCount(val)
		case "end":
			marker = val
			if val == "" || strings.ContainsAny(val, " \t") {
				err = fmt.Errorf("must be a single word")
			}
		default:
			return r, "", fmt.Errorf("unknown reply option %q (want one of %s)", key, replyOptionList)
		}
		if err != nil {
			return r, "", fmt.Errorf("invalid %s=%q: %v", key, val, err)
		}
	}
	return r, marker, nil
}

// replyOptions are the options taking a value; cut, trim, endless and
// plain are flags.
var replyOptions = map[string]struct{}{
	"status": {}, "retry-after": {}, "finish": {}, "chunks": {}, "delay": {},
	"prompt-tokens": {}, "completion-tokens": {}, "end": {}, "repeat": {}, "cached-tokens": {},
}

const replyOptionList = "status, retry-after, finish, chunks, cut, delay, prompt-tokens, completion-tokens, cached-tokens, no-usage, trim, end, repeat, endless, plain"

func parseCount(s string) (int, error) {
	n, err := strconv.Atoi(s)
	if err == nil && n < 0 {
		err = fmt.Errorf("negative")
	}
	return n, err
}

// splitOptions splits "a=1 b=\"x y\" c" into its words, unquoting quoted
// values so that a Retry-After HTTP date can hold spaces.
func splitOptions(s string) ([]string, error) {
	var out []string
	for {
		s = strings.TrimLeft(s, " \t")
		if s == "" {
			return out, nil
		}
		end := strings.IndexAny(s, " \t")
		if end < 0 {
			end = len(s)
		}
		word := s[:end]
		if key, val, ok := strings.Cut(word, "="); ok && strings.HasPrefix(val, `"`) {
			lit, err := strconv.QuotedPrefix(s[len(key)+1:])
			if err != nil {
				return nil, fmt.Errorf("option %s: unterminated quoted value", key)
			}
			end = len(key) + 1 + len(lit)
			if end < len(s) && s[end] != ' ' && s[end] != '\t' {
				return nil, fmt.Errorf("option %s: text after the closing quote", key)
			}
			v, _ := strconv.Unquote(lit)
			word = key + "=" + v
		}
		out = append(out, word)
		s = s[end:]
	}
}
