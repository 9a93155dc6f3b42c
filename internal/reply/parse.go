package reply

import (
	"errors"
	"path"
	"regexp"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"

	"github.com/kirofile/kirofile/lang"
)

// noFilesMsg is sent back to a model whose reply had no usable file, so it
// spells out the format rather than just saying what went wrong.
const noFilesMsg = `the reply contains no file. Send each file as a line with its path, relative to the project, followed by a fenced code block with the complete content of the file:

File: path/to/file.go
` + "```go" + `
...every line of the file...
` + "```" + `

To change only part of an existing file, put one or more SEARCH/REPLACE blocks in the fenced block instead; SEARCH repeats existing lines exactly:

path/to/file.go
` + "```go" + `
<<<<<<< SEARCH
lines as they are now
=======
lines as they should be
>>>>>>> REPLACE
` + "```"

// Parse reads a reply. It returns the edits in reply order, one per path:
// a path named twice keeps its first position, a later whole-file block
// replaces everything before it for that path, and SEARCH/REPLACE blocks
// accumulate in reply order.
//
// A file is a header line naming its path followed (blank lines allowed
// between) by a fenced block. The header may be the bare path, "File:",
// "Path:" or "Filename:" and the path, the path in backticks, in bold, as
// a Markdown heading, in a list item, with a trailing colon or a trailing
// "(new file)" note. Without a header the fence's info string may name the
// file: title="path", or a lone word with a slash or a dot in it
// ("```services/x.go", but never "```go"). Everything else is prose and
// ignored, including fenced blocks that name no file, unless they hold
// SEARCH/REPLACE blocks: then the edit is real but its file is unknown,
// which is an error. A block with a "<<<<<<< SEARCH" line always holds
// SEARCH/REPLACE blocks, so a file whose own content has such a line
// cannot be sent whole.
//
// A fence is a line of at least three backticks or tildes and closes with a
// bare line of the same character at least as long. Inside a block, a fence
// line with an info string ("```go") opens a nested fence that a bare one
// closes, so a Markdown file with code samples survives even in a plain
// ``` block; a bare nested opening cannot be told from a close, which is
// why a file with fences of its own is best sent in a longer fence.
//
// On any problem Parse returns no edits: a *SecurityError for a path that
// is absolute or climbs out of the project, which wins over everything
// else, or else a *FormatError describing every format problem found.
func Parse(text string) ([]Edit, error) {
	p := &parser{lines: splitLines(text), index: map[string]int{}}
	if err := p.run(); err != nil {
		return nil, err
	}
	if len(p.errs) > 0 {
		return nil, joinFormat(p.errs)
	}
	if len(p.edits) == 0 {
		return nil, &FormatError{Msg: noFilesMsg, Err: ErrNoFiles}
	}
	return p.edits, nil
}

// splitLines normalises line endings and splits the reply into lines
// without their newlines.
func splitLines(text string) []string {
	text = strings.ReplaceAll(text, "\r\n", "\n")
	lines := strings.Split(text, "\n")
	if lines[len(lines)-1] == "" {
		lines = lines[:len(lines)-1]
	}
	return lines
}

type parser struct {
	lines []string
	edits []Edit
	index map[string]int // path -> position in edits
	errs  []*FormatError
}

// header is the last non-blank line of prose before a block: the only
// place a file's path may be.
type header struct {
	text string
	line int // 1-based
}

// run walks the reply. It returns only a security error or a structural
// one after which nothing can be read; other format problems are
// collected so that the model hears about all of them at once.
func (p *parser) run() error {
	var last *header
	for i := 0; i < len(p.lines); {
		line := p.lines[i]
		if f, ok := parseFence(line); ok {
			end := closeFence(p.lines, i, f)
			if end < 0 {
				p.errs = append(p.errs, &FormatError{Line: i + 1, Msg: "the code block opened at line " +
					itoa(i+1) + " is never closed, so the reply looks cut off. Close every code block with a line of " +
					strings.Repeat(string(f.char), f.n) + " and send the complete reply again"})
				return nil
			}
			if err := p.fenced(last, f, i, end); err != nil {
				return err
			}
			last = nil
			i = end + 1
			continue
		}
		if markerOf(line) == markSearch {
			n, err := p.bareBlocks(last, i)
			if err != nil {
				return err
			}
			last = nil
			i += n
			continue
		}
		if strings.TrimSpace(line) != "" {
			last = &header{line, i + 1}
		}
		i++
	}
	return nil
}

// fenced handles the fenced block between lines open and end (0-based).
func (p *parser) fenced(h *header, f fence, open, end int) error {
	body := p.lines[open+1 : end]
	first := open + 2 // reply line of body[0]
	path, line, known, err := p.pathFor(h, f.info, open+1)
	if err != nil {
		return p.keep(err)
	}
	if hasSearchMarker(body) {
		pre, blocks, _, ferr := parseBlocks(body, first, false)
		if ferr != nil {
			ferr.Path = path
			p.errs = append(p.errs, ferr)
			return nil
		}
		if pre != nil {
			// Some models put the path inside the fence, right above the
			// first SEARCH marker.
			raw, ok := headerPath(pre.text)
			if !ok {
				p.errs = append(p.errs, &FormatError{Path: path, Line: pre.line, Msg: "line " + itoa(pre.line) +
					" is neither part of a SEARCH/REPLACE block nor a file path; put only SEARCH/REPLACE blocks in the code block"})
				return nil
			}
			inner, err := cleanPath(raw, pre.line)
			if err != nil {
				return p.keep(err)
			}
			switch {
			case !known:
				path, line, known = inner, pre.line, true
			case inner != path:
				p.errs = append(p.errs, &FormatError{Path: path, Line: pre.line, Msg: "the code block headed " + path +
					" names another file, " + inner + ", at line " + itoa(pre.line) + "; send each file under its own header"})
				return nil
			}
		}
		if !known {
			p.errs = append(p.errs, &FormatError{Line: open + 1, Msg: "the SEARCH/REPLACE block at line " + itoa(first) +
				" does not say which file it edits; put the file's path on its own line right before the opening " +
				strings.Repeat(string(f.char), f.n)})
			return nil
		}
		p.add(path, line, nil, blocks)
		return nil
	}
	if !known {
		return nil // an example or a command, not a file
	}
	if ferr := checkWhole(path, f.info, body, first); ferr != nil {
		p.errs = append(p.errs, ferr)
		return nil
	}
	content := strings.Join(body, "\n")
	if content != "" {
		content += "\n"
	}
	p.add(path, line, &content, nil)
	return nil
}

// bareBlocks handles SEARCH/REPLACE blocks written without a fence around
// them, starting at line i (0-based), and returns how many lines they use.
func (p *parser) bareBlocks(h *header, i int) (int, error) {
	_, blocks, n, ferr := parseBlocks(p.lines[i:], i+1, true)
	if ferr != nil {
		p.errs = append(p.errs, ferr)
		if n == 0 {
			n = len(p.lines) - i
		}
		return n, nil
	}
	var path string
	var line int
	ok := false
	if h != nil {
		var raw string
		if raw, ok = headerPath(h.text); ok {
			var err error
			if path, err = cleanPath(raw, h.line); err != nil {
				return n, p.keep(err)
			}
			line = h.line
		}
	}
	if !ok {
		p.errs = append(p.errs, &FormatError{Line: i + 1, Msg: "the SEARCH/REPLACE block at line " + itoa(i+1) +
			" does not say which file it edits; put the file's path on its own line right before it"})
		return n, nil
	}
	p.add(path, line, nil, blocks)
	return n, nil
}

// pathFor finds the path of a block from its header line, or failing that
// from the fence's info string. known is false when neither names a file.
func (p *parser) pathFor(h *header, info string, fenceLine int) (path string, line int, known bool, err error) {
	if h != nil {
		if raw, ok := headerPath(h.text); ok {
			path, err = cleanPath(raw, h.line)
			return path, h.line, err == nil, err
		}
	}
	if raw, ok := infoPath(info); ok {
		path, err = cleanPath(raw, fenceLine)
		return path, fenceLine, err == nil, err
	}
	return "", 0, false, nil
}

// keep records a format error and carries on, or stops the parse for a
// security error.
func (p *parser) keep(err error) error {
	var fe *FormatError
	if errors.As(err, &fe) {
		p.errs = append(p.errs, fe)
		return nil
	}
	return err
}

// add merges a file's block into the edits: a whole file replaces
// whatever came before for that path, SEARCH/REPLACE blocks accumulate.
func (p *parser) add(path string, line int, whole *string, blocks []SearchReplace) {
	i, ok := p.index[path]
	if !ok {
		i = len(p.edits)
		p.index[path] = i
		p.edits = append(p.edits, Edit{Path: path, Line: line})
	}
	e := &p.edits[i]
	if whole != nil {
		e.Whole = whole
		e.Blocks = nil
	}
	e.Blocks = append(e.Blocks, blocks...)
}

// fence is an opening or closing fence line.
type fence struct {
	char byte   // '`' or '~'
	n    int    // length of the run of char
	info string // the rest of the line, trimmed
}

// parseFence recognises a fence line. Indentation is allowed because
// models indent blocks inside list items.
func parseFence(line string) (fence, bool) {
	s := strings.TrimLeft(line, " \t")
	if len(s) < 3 || s[0] != '`' && s[0] != '~' {
		return fence{}, false
	}
	c := s[0]
	n := 0
	for n < len(s) && s[n] == c {
		n++
	}
	if n < 3 {
		return fence{}, false
	}
	info := strings.TrimSpace(s[n:])
	if c == '`' && strings.Contains(info, "`") {
		return fence{}, false // inline code such as ```x```, as in CommonMark
	}
	return fence{c, n, info}, true
}

// closeFence returns the index of the line closing the fence opened at
// line open, or -1 when the reply ends first.
func closeFence(lines []string, open int, f fence) int {
	depth := []int{f.n}
	for j := open + 1; j < len(lines); j++ {
		g, ok := parseFence(lines[j])
		if !ok || g.char != f.char {
			continue
		}
		if g.info != "" {
			depth = append(depth, g.n)
			continue
		}
		if g.n >= depth[len(depth)-1] {
			depth = depth[:len(depth)-1]
			if len(depth) == 0 {
				return j
			}
		}
	}
	return -1
}

var (
	listMarker   = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^(?:[-*+]|\d{1,3}[.)])\s+`) })
	pathLabel    = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`(?i)^(?:file|file ?name|file ?path|path)\s*:\s*`) })
	trailingNote = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`\s+\([^()]*\)$`) })
	infoAttr     = sync.OnceValue(func() *regexp.Regexp {
		return regexp.MustCompile(`(?i)(?:^|[\s{,])(?:title|file|filename|path)\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s},]+))`)
	})
	infoLang = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^[A-Za-z][A-Za-z0-9+#-]+:`) })
)

// headerPath reports whether a line is a file header and returns the path
// text it holds, not yet cleaned. A labelled ("File: ...") or quoted path
// may contain spaces; a bare one must look like a path (no spaces, a slash
// or a dot) so that ordinary prose before an example is not taken for one.
func headerPath(line string) (string, bool) {
	s := strings.TrimSpace(line)
	if strings.HasPrefix(s, "#") {
		t := strings.TrimLeft(s, "#")
		if len(s)-len(t) > 6 || t == "" || t[0] != ' ' && t[0] != '\t' {
			return "", false
		}
		s = strings.TrimSpace(t)
	}
	s = listMarker().ReplaceAllString(s, "")
	s = strings.ReplaceAll(s, "**", "")
	s = strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(s), ":"))
	labelled := false
	if m := pathLabel().FindString(s); m != "" {
		s, labelled = s[len(m):], true
	}
	s = strings.TrimSpace(strings.TrimSuffix(s, ":"))
	if !strings.HasSuffix(s, "`") && !strings.HasSuffix(s, `"`) && !strings.HasSuffix(s, "'") {
		s = trailingNote().ReplaceAllString(s, "")
	}
	s, quoted := unquote(strings.TrimSuffix(s, ":"))
	if strings.TrimSpace(s) == "" {
		return "", false
	}
	if !labelled && !quoted && !looksLikePath(s) {
		return "", false
	}
	return s, true
}

// unquote strips one pair of backticks (of any run length) or quotes.
func unquote(s string) (string, bool) {
	if len(s) < 2 {
		return s, false
	}
	q := s[0]
	if q != '`' && q != '"' && q != '\'' || s[len(s)-1] != q {
		return s, false
	}
	inner := strings.Trim(s, string(q))
	if inner == "" || strings.IndexByte(inner, q) >= 0 {
		return s, false
	}
	return strings.TrimSpace(inner), true
}

// looksLikePath is the test for an unmarked path: one word with a slash,
// backslash or dot in it and a letter or digit, not ending a sentence, not
// a URL and without characters no portable file name has.
func looksLikePath(s string) bool {
	return s != "" &&
		!strings.ContainsFunc(s, unicode.IsSpace) &&
		strings.ContainsAny(s, `/\.`) &&
		strings.ContainsFunc(s, func(r rune) bool { return unicode.IsLetter(r) || unicode.IsDigit(r) }) &&
		!strings.HasSuffix(s, ".") &&
		!strings.Contains(s, "://") &&
		!strings.ContainsAny(s, "<>|?*`\"")
}

// infoPath finds a path in a fence's info string: title="path" and the
// like, or a single word that looks like a path, possibly after a
// language and a colon ("go:services/x.go"). A language name ("go",
// "c++") is never a path.
func infoPath(info string) (string, bool) {
	if m := infoAttr().FindStringSubmatch(info); m != nil {
		p := m[1] + m[2] + m[3]
		return p, strings.TrimSpace(p) != ""
	}
	if info == "" || strings.ContainsFunc(info, unicode.IsSpace) {
		return "", false
	}
	if m := infoLang().FindString(info); m != "" && len(info) > len(m) {
		info = info[len(m):]
	}
	return info, looksLikePath(info)
}

// cleanPath turns the path text of a header into a project-relative path
// in canonical form. It returns a *FormatError for text that cannot be a
// path and a *SecurityError for a path that points outside the project.
func cleanPath(raw string, line int) (string, error) {
	p := strings.Trim(raw, " \t\"'`")
	p = strings.ReplaceAll(p, `\`, "/")
	switch {
	case p == "":
		return "", &FormatError{Line: line, Msg: "the header at line " + itoa(line) + " names no file; write the path after \"File:\""}
	case !utf8.ValidString(p) || strings.ContainsFunc(p, unicode.IsControl):
		return "", &FormatError{Path: displayPath(p), Line: line, Msg: "the path at line " + itoa(line) +
			" contains control characters or invalid text; write the plain path"}
	}
	if rule := pathRule(p); rule != "" {
		return "", &SecurityError{Path: raw, Rule: rule, Line: line}
	}
	c := path.Clean(p)
	if rule := pathRule(c); rule != "" {
		return "", &SecurityError{Path: raw, Rule: rule, Line: line}
	}
	if c == "." || strings.HasSuffix(p, "/") {
		return "", &FormatError{Path: p, Line: line, Msg: "the header at line " + itoa(line) +
			" names a directory, not a file; give the path of the file"}
	}
	return c, nil
}

// pathRule says why a slash-separated path may not be written, or returns
// "" when it is relative and stays inside the project.
func pathRule(p string) string {
	if strings.HasPrefix(p, "/") || len(p) > 1 && p[1] == ':' {
		return "is absolute; only paths relative to the project may be written"
	}
	if c := path.Clean(p); c == ".." || strings.HasPrefix(c, "../") {
		return "climbs out of the project"
	}
	if err := lang.CheckRelPath(p); err != nil {
		return "is not a usable project path (" + err.Error() + ")"
	}
	return ""
}

var (
	// elision matches the comments models write instead of the code they
	// leave out ("// ... existing code ...", "# rest of the file unchanged").
	elision = sync.OnceValue(func() *regexp.Regexp {
		return regexp.MustCompile(`(?i)^\s*(?://+|#+|--|;+|/\*+|<!--|\*|\{/\*)\s*(?:(?:\.\.\.|…)\s*\(?\s*(?:the\s+)?(?:rest|remaining|existing|unchanged|omitted|same|other|previous)\b|(?:the\s+)?(?:rest of the (?:file|code)|existing code|remaining code)\b.*(?:unchanged|\.\.\.|…|as before))`)
	})
)

// checkWhole rejects whole-file blocks that would damage the file if
// written as they are: a unified diff, or a file with parts left out.
func checkWhole(p, info string, body []string, first int) *FormatError {
	ext := strings.ToLower(path.Ext(p))
	if ext != ".diff" && ext != ".patch" {
		k := 0
		for k < len(body) && strings.TrimSpace(body[k]) == "" {
			k++
		}
		lang := strings.ToLower(strings.Fields(info + " x")[0])
		diff := k+1 < len(body) && strings.HasPrefix(body[k], "--- ") && strings.HasPrefix(body[k+1], "+++ ")
		if !diff && (lang == "diff" || lang == "patch") {
			for _, l := range body {
				if strings.HasPrefix(l, "@@ ") {
					diff = true
					break
				}
			}
		}
		if diff {
			return &FormatError{Path: p, Line: first - 1, Msg: "the code block at line " + itoa(first-1) +
				" is a diff, which is not applied; send the whole file, or SEARCH/REPLACE blocks for the parts that change"}
		}
	}
	for i, l := range body {
		if elision().MatchString(l) {
			return &FormatError{Path: p, Line: first + i, Msg: "line " + itoa(first+i) + " (" + strings.TrimSpace(l) +
				") leaves part of the file out, but a code block under a file's path replaces the whole file; send every line of it, or SEARCH/REPLACE blocks for the parts that change"}
		}
	}
	return nil
}
