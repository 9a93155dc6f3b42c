package starter

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"regexp/syntax"
	"strings"
	"unicode"

	"github.com/kirofile/kirofile/lang"
)

// Kiro's agent hooks live in .kiro/hooks, in two formats:
//
//   - the older *.kiro.hook file, one hook each:
//     {"name", "enabled", "when": {"type": "fileEdited", "patterns": [...]},
//     "then": {"type": "runCommand", "command": "npm run lint"}}
//   - the current *.json file, a list:
//     {"version": "v1", "hooks": [{"name", "trigger": "PostFileSave",
//     "matcher": "\\.ts$", "action": {"type": "command", "command": "..."}}]}
//
// (and variants of both in the wild: a "trigger" or an "action" given as a
// plain string, a "filePattern" instead of "patterns"). kirofile hooks run
// commands on its own events, so a hook becomes a kirofile hook when it
// runs a command on a saved or created file (file.saved, with its
// patterns) or when the agent or a task is done (codegen.completed, whose
// failures go back to the model). A hook that asks the agent something,
// or that runs on an event kirofile does not have (tool use, prompts,
// manual triggers, deleted files), is named in the report with the reason.

// adoptedHook is a Kiro hook written as a kirofile hook block.
type adoptedHook struct {
	name    string
	title   string // Kiro's name of the hook
	file    string
	event   string
	match   []string
	command []string
	timeout int // seconds, 0 for none
}

// kiroHook is one hook as Kiro wrote it, read from either format.
type kiroHook struct {
	file     string
	title    string
	disabled bool
	trigger  string   // the event type as written
	patterns []string // file globs (older format)
	matcher  string   // a regular expression (current format)
	action   string   // the action type as written
	command  string   // a command line, which Kiro runs in a shell
	argv     []string // or a command given as a list of arguments
	timeout  int
}

// scanHooks reads .kiro/hooks.
func (a *adoption) scanHooks() error {
	entries, err := readDir(a.dir, HooksDir)
	if err != nil {
		return err
	}
	var stems []string
	var hooks []adoptedHook
	for _, e := range entries {
		name := e.Name()
		rel := HooksDir + "/" + name
		lower := strings.ToLower(name)
		if isDir(a.dir, rel, e) || strings.HasPrefix(name, ".") ||
			!strings.HasSuffix(lower, ".kiro.hook") && !strings.HasSuffix(lower, ".json") && !strings.HasSuffix(lower, ".hook") {
			continue // named with the other files not adopted
		}
		a.used[rel] = true
		data, err := os.ReadFile(filepath.Join(a.dir, filepath.FromSlash(rel)))
		if err != nil {
			a.report = append(a.report, fmt.Sprintf("skipped %s: cannot be read (%v)", rel, err))
			continue
		}
		khs, err := parseHookFile(rel, data)
		if err != nil {
			a.report = append(a.report, fmt.Sprintf("skipped %s: %v", rel, err))
			continue
		}
		stem := strings.TrimSuffix(strings.TrimSuffix(strings.TrimSuffix(name, path.Ext(name)), ".kiro"), ".hook")
		for _, kh := range khs {
			h, why := convertHook(kh)
			if why != "" {
				a.report = append(a.report, fmt.Sprintf("skipped hook %q in %s: %s", kh.title, rel, why))
				continue
			}
			s := stem
			if len(khs) > 1 {
				s = stem + "-" + kh.title
			}
			hooks = append(hooks, h)
			stems = append(stems, s)
		}
	}
	for i, name := range assignNames(stems, nil) {
		h := hooks[i]
		h.name = name
		a.hooks = append(a.hooks, h)
		a.report = append(a.report, h.reportLine())
	}
	return nil
}

// parseHookFile reads a hook file of either format.
func parseHookFile(rel string, data []byte) ([]kiroHook, error) {
	var top map[string]json.RawMessage
	if err := json.Unmarshal(data, &top); err != nil {
		return nil, fmt.Errorf("not a hook: it is not a JSON object (%v)", err)
	}
	if raw, ok := top["hooks"]; ok {
		var list []map[string]json.RawMessage
		if err := json.Unmarshal(raw, &list); err != nil {
			return nil, fmt.Errorf("not a hook file: its \"hooks\" is not a list of hooks (%v)", err)
		}
		var out []kiroHook
		for i, h := range list {
			kh := readHook(rel, h)
			if kh.title == "" {
				kh.title = fmt.Sprintf("hook %d", i+1)
			}
			out = append(out, kh)
		}
		return out, nil
	}
	kh := readHook(rel, top)
	if kh.title == "" {
		kh.title = strings.TrimSuffix(path.Base(rel), path.Ext(rel))
	}
	return []kiroHook{kh}, nil
}

// readHook reads one hook object of either format.
func readHook(rel string, h map[string]json.RawMessage) kiroHook {
	kh := kiroHook{file: rel}
	kh.title = jsonString(h["name"])
	if kh.title == "" {
		kh.title = jsonString(h["id"])
	}
	if raw, ok := h["enabled"]; ok && bytes.Equal(bytes.TrimSpace(raw), []byte("false")) {
		kh.disabled = true
	}
	kh.matcher = jsonString(h["matcher"])
	kh.timeout = jsonInt(h["timeout"])
	// The event: "when" (older) or "trigger" (current), an object with a
	// type or a bare string.
	for _, key := range []string{"when", "trigger"} {
		raw, ok := h[key]
		if !ok {
			continue
		}
		if s := jsonString(raw); s != "" {
			kh.trigger = s
			break
		}
		var obj map[string]json.RawMessage
		if json.Unmarshal(raw, &obj) == nil {
			kh.trigger = jsonString(obj["type"])
			kh.patterns = append(kh.patterns, jsonStrings(obj["patterns"])...)
			if p := jsonString(obj["filePattern"]); p != "" {
				kh.patterns = append(kh.patterns, p)
			}
			kh.patterns = append(kh.patterns, jsonStrings(obj["filePatterns"])...)
			break
		}
	}
	// The action: "then" (older) or "action" (current), an object with a
	// type or a bare string.
	for _, key := range []string{"then", "action"} {
		raw, ok := h[key]
		if !ok {
			continue
		}
		if s := jsonString(raw); s != "" {
			kh.action = s
			kh.command, kh.argv = jsonCommand(h["command"])
			break
		}
		var obj map[string]json.RawMessage
		if json.Unmarshal(raw, &obj) == nil {
			kh.action = jsonString(obj["type"])
			kh.command, kh.argv = jsonCommand(obj["command"])
			if t := jsonInt(obj["timeout"]); t > 0 {
				kh.timeout = t
			}
			break
		}
	}
	if kh.action == "" && (h["prompt"] != nil || h["message"] != nil) {
		kh.action = "askAgent"
	}
	return kh
}

// letters keeps the lower-case letters of s: Kiro's event and action
// names are compared without case, dashes or underscores.
func letters(s string) string {
	return strings.Map(func(r rune) rune {
		if unicode.IsLetter(r) {
			return unicode.ToLower(r)
		}
		return -1
	}, s)
}

// Kiro's events, by what they mean to kirofile.
var (
	savedEvents = map[string]bool{
		"fileedited": true, "fileedit": true, "filesaved": true, "filesave": true, "onfilesave": true, "postfilesave": true,
		"filechanged": true, "onfilechange": true, "filemodified": true, "onsave": true,
		"filecreated": true, "filecreate": true, "onfilecreate": true, "postfilecreate": true,
	}
	doneEvents = map[string]bool{
		"agentstop": true, "stop": true, "onagentcomplete": true, "agentcomplete": true, "posttaskexecution": true,
		"taskcompleted": true, "ontaskcomplete": true, "spectaskcompleted": true,
	}
	// unsupportedEvents say why kirofile cannot run a hook on them.
	unsupportedEvents = map[string]string{
		"filedeleted":      "it runs when a file is deleted (%s), an event kirofile has not",
		"filedelete":       "it runs when a file is deleted (%s), an event kirofile has not",
		"postfiledelete":   "it runs when a file is deleted (%s), an event kirofile has not",
		"pretooluse":       "it runs before the agent uses a tool (%s), an event kirofile has not: its model calls use no tools",
		"posttooluse":      "it runs after the agent uses a tool (%s), an event kirofile has not: its model calls use no tools",
		"promptsubmit":     "it runs when a prompt is submitted in Kiro's chat (%s), an event kirofile has not",
		"userpromptsubmit": "it runs when a prompt is submitted in Kiro's chat (%s), an event kirofile has not",
		"usertriggered":    "it is run by hand from Kiro's hook panel (%s), and kirofile runs hooks on events only",
		"manual":           "it is run by hand from Kiro's hook panel (%s), and kirofile runs hooks on events only",
		"pretaskexecution": "it runs before a spec task starts (%s), an event kirofile has not",
		"agentspawn":       "it runs when an agent starts (%s), an event kirofile has not",
	}
	commandActions = map[string]bool{"runcommand": true, "command": true, "shell": true, "runshellcommand": true, "exec": true}
	agentActions   = map[string]bool{"askagent": true, "agent": true, "sendmessage": true, "prompt": true}
)

// convertHook turns a Kiro hook into a kirofile hook, or says why it cannot.
func convertHook(kh kiroHook) (adoptedHook, string) {
	h := adoptedHook{title: kh.title, file: kh.file, timeout: kh.timeout}
	var why []string
	ev := letters(kh.trigger)
	switch {
	case savedEvents[ev]:
		h.event = lang.EventFileSaved
	case doneEvents[ev]:
		h.event = lang.EventCodegenCompleted
	case unsupportedEvents[ev] != "":
		why = append(why, fmt.Sprintf(unsupportedEvents[ev], kh.trigger))
	case ev == "":
		why = append(why, "it names no event")
	default:
		why = append(why, fmt.Sprintf("its event %q is not one kirofile knows", kh.trigger))
	}
	act := letters(kh.action)
	switch {
	case commandActions[act] && len(kh.argv) > 0:
		h.command = kh.argv
	case commandActions[act] && strings.TrimSpace(kh.command) != "":
		h.command = commandArgs(kh.command)
	case commandActions[act]:
		why = append(why, "it runs a command but names none")
	case agentActions[act]:
		why = append(why, fmt.Sprintf("it asks the agent (%s), and kirofile hooks run commands, not prompts", kh.action))
	case act == "":
		why = append(why, "it names no action")
	default:
		why = append(why, fmt.Sprintf("its action %q is not one kirofile knows", kh.action))
	}
	if len(why) == 0 && h.event == lang.EventFileSaved {
		globs, err := hookGlobs(kh)
		if err != "" {
			why = append(why, err)
		}
		h.match = globs
	}
	if len(why) > 0 {
		if kh.disabled {
			why = append(why, "it is disabled in Kiro")
		}
		return h, strings.Join(why, "; ")
	}
	if kh.disabled {
		return h, "it is disabled in Kiro (enabled: false); enable it there, or add it by hand, to have kirofile run it"
	}
	return h, ""
}

// hookGlobs are the globs of a file hook: its patterns (a pattern without
// a slash matches a file name at any depth, as in Kiro), or its matcher
// regular expression rewritten as globs.
func hookGlobs(kh kiroHook) ([]string, string) {
	var globs []string
	for _, p := range kh.patterns {
		p = strings.TrimPrefix(strings.TrimSpace(p), "./")
		if p == "" {
			continue
		}
		if !strings.Contains(p, "/") {
			p = "**/" + p
		}
		if err := lang.CheckGlob(p); err != nil {
			return nil, fmt.Sprintf("its pattern %q cannot be used: %v", p, err)
		}
		globs = append(globs, p)
	}
	if kh.matcher != "" {
		g, ok := regexpGlobs(kh.matcher)
		if !ok {
			return nil, fmt.Sprintf("its matcher %q is a regular expression with no glob equivalent; write the hook by hand with match globs", kh.matcher)
		}
		for _, p := range g {
			if err := lang.CheckGlob(p); err != nil {
				return nil, fmt.Sprintf("its matcher %q cannot be used: %v", kh.matcher, err)
			}
		}
		globs = append(globs, g...)
	}
	return globs, ""
}

// regexpGlobs rewrites a regular expression over file paths as globs, when
// it is a plain one: literals, "." and ".*", alternations, and the "^" and
// "$" anchors ("\.ts$" is **/*.ts, "^src/.*\.(ts|tsx)$" is src/**.ts and
// src/**.tsx). An expression not anchored at the start matches anywhere in
// a path, and one not anchored at the end matches any continuation.
func regexpGlobs(expr string) ([]string, bool) {
	re, err := syntax.Parse(expr, syntax.Perl)
	if err != nil {
		return nil, false
	}
	re = re.Simplify()
	alts := []*syntax.Regexp{re}
	if re.Op == syntax.OpAlternate {
		alts = re.Sub
	}
	var out []string
	for _, alt := range alts {
		seqs, ok := globSeqs(alt)
		if !ok || len(out)+len(seqs) > 32 {
			return nil, false
		}
		out = append(out, seqs...)
	}
	return out, len(out) > 0
}

// globSeqs rewrites one alternative of a regular expression.
func globSeqs(re *syntax.Regexp) ([]string, bool) {
	seqs, ok := expandRegexp(re)
	if !ok {
		return nil, false
	}
	for i, s := range seqs {
		begin := strings.HasPrefix(s, "\x02")
		end := strings.HasSuffix(s, "\x01")
		s = strings.TrimSuffix(strings.TrimPrefix(s, "\x02"), "\x01")
		if strings.ContainsAny(s, "\x01\x02") {
			return nil, false // an anchor in the middle
		}
		if !begin {
			s = "\x00" + s
		}
		if !end {
			s += "\x00"
		}
		seqs[i] = starsToGlob(s)
	}
	return seqs, true
}

// expandRegexp lists the strings a plain regular expression stands for,
// "\x00" standing for any run of characters (".*"), "\x02" and "\x01"
// for the anchors at its start and end. It fails on anything
// but literals, ".", ".*", groups, "?" and alternations, and past 32
// strings.
func expandRegexp(re *syntax.Regexp) ([]string, bool) {
	switch re.Op {
	case syntax.OpEmptyMatch:
		return []string{""}, true
	case syntax.OpBeginText, syntax.OpBeginLine:
		return []string{"\x02"}, true
	case syntax.OpEndText, syntax.OpEndLine:
		return []string{"\x01"}, true
	case syntax.OpLiteral:
		lit := string(re.Rune)
		if re.Flags&syntax.FoldCase != 0 || strings.ContainsAny(lit, "*?[]{}\\\x00\x01\x02") {
			return nil, false
		}
		return []string{lit}, true
	case syntax.OpCharClass:
		if len(re.Rune) == 2 && re.Rune[0] == re.Rune[1] {
			return []string{string(re.Rune[0])}, true
		}
		return nil, false
	case syntax.OpAnyChar, syntax.OpAnyCharNotNL:
		return []string{"?"}, true
	case syntax.OpStar:
		if len(re.Sub) == 1 && (re.Sub[0].Op == syntax.OpAnyChar || re.Sub[0].Op == syntax.OpAnyCharNotNL) {
			return []string{"\x00"}, true
		}
		return nil, false
	case syntax.OpCapture:
		return expandRegexp(re.Sub[0])
	case syntax.OpQuest:
		sub, ok := expandRegexp(re.Sub[0])
		return append(sub, ""), ok && len(sub) < 32
	case syntax.OpAlternate:
		var out []string
		for _, sub := range re.Sub {
			s, ok := expandRegexp(sub)
			if !ok || len(out)+len(s) > 32 {
				return nil, false
			}
			out = append(out, s...)
		}
		return out, true
	case syntax.OpConcat:
		out := []string{""}
		for _, sub := range re.Sub {
			s, ok := expandRegexp(sub)
			if !ok {
				return nil, false
			}
			var next []string
			for _, x := range out {
				for _, y := range s {
					next = append(next, x+y)
				}
			}
			if len(next) > 32 {
				return nil, false
			}
			out = next
		}
		return out, true
	}
	return nil, false
}

// starsToGlob replaces the markers of "any run of characters" with the
// glob that matches the same paths: "**" where the run may span
// directories, written "**/" before a file name.
func starsToGlob(s string) string {
	for strings.Contains(s, "\x00\x00") {
		s = strings.ReplaceAll(s, "\x00\x00", "\x00")
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] != 0 {
			b.WriteByte(s[i])
			continue
		}
		rest := s[i+1:]
		switch {
		case i == 0 && rest == "":
			b.WriteString("**")
		case i == 0:
			// A path that ends in what follows, in any directory.
			if strings.HasPrefix(rest, "/") {
				b.WriteString("**")
			} else {
				b.WriteString("**/*")
			}
		case rest == "":
			if strings.HasSuffix(b.String(), "/") {
				b.WriteString("**")
			} else {
				b.WriteString("*")
			}
		case strings.HasSuffix(b.String(), "/") && strings.HasPrefix(rest, "/"):
			b.WriteString("**")
		case strings.HasSuffix(b.String(), "/"):
			b.WriteString("**/*")
		default:
			b.WriteString("*")
		}
	}
	return b.String()
}

// commandArgs turns Kiro's command line, which Kiro runs in a shell, into
// an argument list: split at white space when it is a plain command, and
// handed to sh -c when it uses the shell (pipes, redirections, quotes,
// variables, globs).
func commandArgs(cmd string) []string {
	cmd = strings.TrimSpace(cmd)
	if strings.ContainsAny(cmd, "|&;<>()$`\\\"'*?[]{}~#!\n=") {
		return []string{"sh", "-c", cmd}
	}
	return strings.Fields(cmd)
}

func (h adoptedHook) reportLine() string {
	cmd := strings.Join(h.command, " ")
	if len(h.command) == 3 && h.command[0] == "sh" && h.command[1] == "-c" {
		cmd = h.command[2] + " (through sh -c)"
	}
	switch h.event {
	case lang.EventFileSaved:
		where := "any file"
		if len(h.match) > 0 {
			where = strings.Join(h.match, ", ")
		}
		return fmt.Sprintf("hook %q: runs %s when %s is saved, from %s", h.name, cmd, where, h.file)
	default:
		line := fmt.Sprintf("hook %q: runs %s after each code generation, its failures fed back to the model, from %s", h.name, cmd, h.file)
		if h.pipeMasksFailure() {
			line += "; " + pipeNote
		}
		return line
	}
}

// pipeNote warns of a feedback command whose pipeline hides its failure.
const pipeNote = "its command ends in a pipe, whose exit status is the last command's (tail, head, grep...): a failure before it does not fail the hook, and nothing is fed back; make the checking command the last one, or run it through bash -o pipefail -c"

// pipeMasksFailure reports whether the hook's command is a shell pipeline
// ("go test ./... | tail -20"), whose exit status is its last command's.
func (h adoptedHook) pipeMasksFailure() bool {
	if len(h.command) != 3 || h.command[0] != "sh" || h.command[1] != "-c" {
		return false
	}
	return strings.Contains(strings.ReplaceAll(h.command[2], "||", ""), "|")
}

// block is the hook's block in the Kirofile.
func (h adoptedHook) block() string {
	var b strings.Builder
	fmt.Fprintf(&b, "\n# Kiro hook %q, from %s.\n", h.title, h.file)
	if h.event == lang.EventCodegenCompleted && h.pipeMasksFailure() {
		fmt.Fprintf(&b, "# Note: %s.\n", pipeNote)
	}
	fmt.Fprintf(&b, "hook %q {\n", h.name)
	fmt.Fprintf(&b, "  on = [%s]\n", hclString(h.event))
	if h.event == lang.EventCodegenCompleted {
		b.WriteString("  feedback = true\n")
	}
	if len(h.match) > 0 {
		fmt.Fprintf(&b, "  match = [%s]\n", hclList(h.match))
	}
	fmt.Fprintf(&b, "\n  action \"exec\" {\n    command = [%s]\n", hclList(h.command))
	if h.timeout > 0 {
		fmt.Fprintf(&b, "    timeout = %s\n", hclString(fmt.Sprintf("%ds", h.timeout)))
	}
	b.WriteString("  }\n}\n")
	return b.String()
}

func hclList(ss []string) string {
	q := make([]string, len(ss))
	for i, s := range ss {
		q[i] = hclString(s)
	}
	return strings.Join(q, ", ")
}

func jsonString(raw json.RawMessage) string {
	var s string
	if raw == nil || json.Unmarshal(raw, &s) != nil {
		return ""
	}
	return s
}

func jsonStrings(raw json.RawMessage) []string {
	var ss []string
	if raw == nil || json.Unmarshal(raw, &ss) != nil {
		if s := jsonString(raw); s != "" {
			return []string{s}
		}
		return nil
	}
	return ss
}

// jsonCommand reads a command given as a string (a command line) or as a
// list of arguments.
func jsonCommand(raw json.RawMessage) (string, []string) {
	if s := jsonString(raw); s != "" {
		return s, nil
	}
	var argv []string
	if raw == nil || json.Unmarshal(raw, &argv) != nil || len(argv) == 0 || argv[0] == "" {
		return "", nil
	}
	return "", argv
}

func jsonInt(raw json.RawMessage) int {
	var n float64
	if raw == nil || json.Unmarshal(raw, &n) != nil || n < 0 || n > 86400 {
		return 0
	}
	return int(n)
}
