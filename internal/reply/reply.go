// Package reply turns a code-generation reply from a model into file
// changes, checks them against the project and writes them as one set.
//
// A reply is untrusted text. It is read leniently, because models format
// their answers in many slightly different ways and a reply that is merely
// untidy should still work, but everything it asks for is checked strictly
// before a single byte reaches the disk:
//
//   - Parse finds the files: each is a line naming the path followed by a
//     fenced block that holds either the whole new file or SEARCH/REPLACE
//     blocks that edit the existing one (KIROFILE.md, section 5).
//   - Plan checks every path (relative, clean, inside the node's outputs,
//     not the configuration or the lock, no symbolic link leading out of
//     the project) and computes the complete new content of every file.
//   - Change.Write writes all files or none.
//
// Errors come in two kinds, because the caller must react differently. A
// *FormatError means the model did not follow the format (no file, a broken
// block, a SEARCH that matches nothing); its message is written to the
// model and can be sent back as feedback for another attempt. A
// *SecurityError means the reply asked for something it may never do
// (write outside the project, outside the node's outputs, or over the
// Kirofile); the node fails at once and nothing is written, since a reply
// that tries this once cannot be trusted to have been fixed by a retry.
package reply

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"unicode"
)

// Edit is one file change found in a reply.
type Edit struct {
	// Path is the file's project-relative path as cleaned by Parse:
	// forward slashes, no "." or ".." components, never absolute.
	Path string
	// Whole is the complete new content from a whole-file block, or nil
	// when the reply only edits the file with SEARCH/REPLACE blocks.
	Whole *string
	// Blocks are SEARCH/REPLACE edits, applied in order to Whole when it
	// is set and to the file's current content otherwise.
	Blocks []SearchReplace
	// Line is the reply line of the file's first header, for messages.
	Line int
}

// SearchReplace is one SEARCH/REPLACE block: the lines to find in the file
// and the lines to put in their place. Both end in a newline unless empty.
type SearchReplace struct {
	Search, Replace string
	// Line is the reply line of the block's SEARCH marker, so that a
	// message about a SEARCH that matches nothing can point at it.
	Line int
}

// ErrNoFiles is wrapped by the *FormatError that Parse returns for a reply
// in which it found no file at all.
var ErrNoFiles = errors.New("the reply contains no file")

// FormatError is a reply that does not follow the expected format. Its
// message speaks to the model, names the reply line and says what to send
// instead, so the caller can feed it back verbatim for another attempt.
type FormatError struct {
	Path string // the file concerned, "" when the problem is not tied to one
	Line int    // the reply line concerned (1-based), 0 when none
	Msg  string // what is wrong and how to fix it
	Err  error  // ErrNoFiles for a reply without files, otherwise nil
}

func (e *FormatError) Error() string {
	if e.Path == "" {
		return e.Msg
	}
	return e.Path + ": " + e.Msg
}

// Unwrap lets errors.Is(err, ErrNoFiles) recognise an empty reply.
func (e *FormatError) Unwrap() error { return e.Err }

// SecurityError is a reply that asks to write where it may not. The node
// fails at once and nothing of the reply is written.
type SecurityError struct {
	Path string // the path as the reply gave it
	Rule string // the rule it breaks, phrased to follow the path
	Line int    // the reply line that named it, 0 when unknown
}

func (e *SecurityError) Error() string {
	msg := displayPath(e.Path) + " " + e.Rule
	if e.Line > 0 {
		msg += fmt.Sprintf(" (reply line %d)", e.Line)
	}
	return msg
}

// displayPath shows a path as it is, unless it has characters that would
// garble a terminal or hide the trick being played (control characters,
// surrounding spaces), in which case it is quoted.
func displayPath(p string) string {
	if p == "" || strings.TrimSpace(p) != p || strings.ContainsFunc(p, func(r rune) bool {
		return r == unicode.ReplacementChar || !unicode.IsPrint(r) && r != ' '
	}) {
		return strconv.Quote(p)
	}
	return p
}

// joinFormat merges the format problems of one reply into one error, so
// that the model hears about all of them in one round trip instead of one
// per attempt.
func joinFormat(errs []*FormatError) *FormatError {
	switch len(errs) {
	case 0:
		return nil
	case 1:
		return errs[0]
	}
	var b strings.Builder
	fmt.Fprintf(&b, "the reply has %d problems; fix all of them:", len(errs))
	for _, e := range errs {
		b.WriteString("\n\n- ")
		b.WriteString(strings.ReplaceAll(e.Error(), "\n", "\n  "))
	}
	return &FormatError{Line: errs[0].Line, Msg: b.String()}
}

func itoa(n int) string { return strconv.Itoa(n) }
