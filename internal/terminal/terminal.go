// Package terminal makes untrusted text safe to print on a terminal.
//
// Text kirofile prints comes partly from places nobody vetted: spec
// documents and code a model wrote, the output of hooks that ran that code,
// error texts an endpoint sent, and the lock file, which anyone with write
// access to the repository can edit. A terminal obeys the control sequences
// such text may hold: ESC ] 0; sets the window title, ESC [ 2J clears the
// screen, others move the cursor to overwrite what was printed, and some
// terminals answer queries by typing into the shell. Bidirectional-text
// controls reorder what a line appears to say. Sanitize shows all of them
// as visible escapes instead, so that what is printed is what the text
// holds.
package terminal

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// Sanitize returns s with every character a terminal would act on rather
// than print written as a visible escape: C0 controls but for newline and
// tab (as \x1b, \r, ...), DEL, C1 controls (\u009b), bidirectional
// controls (\u202e), and bytes that are not UTF-8 (\xff). A CRLF line end
// becomes a plain newline. Text without such characters is returned as it
// is, without copying.
func Sanitize(s string) string {
	if clean(s) {
		return s
	}
	var b strings.Builder
	b.Grow(len(s) + 16)
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			fmt.Fprintf(&b, `\x%02x`, s[i])
		case r == '\r' && i+1 < len(s) && s[i+1] == '\n':
			// A CRLF line end prints as one; only a lone CR rewrites the line.
		case r == '\r':
			b.WriteString(`\r`)
		case r < 0x20 && r != '\n' && r != '\t', r == 0x7f:
			fmt.Fprintf(&b, `\x%02x`, r)
		case unsafeRune(r):
			fmt.Fprintf(&b, `\u%04x`, r)
		default:
			b.WriteString(s[i : i+size])
		}
		i += size
	}
	return b.String()
}

// clean reports whether s has nothing Sanitize would change.
func clean(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < 0x20 && c != '\n' && c != '\t' || c == 0x7f {
			return false
		}
		if c >= 0x80 {
			// Decode only the non-ASCII part, rarely reached.
			for _, r := range s[i:] {
				if r == utf8.RuneError || r < 0x20 && r != '\n' && r != '\t' || r == 0x7f || unsafeRune(r) {
					return false
				}
			}
			return true
		}
	}
	return true
}

// unsafeRune reports a non-ASCII character a terminal acts on: the C1
// controls (U+0080 to U+009F, of which U+009B starts a control sequence
// on some terminals) and the controls of bidirectional text, which make a
// line display in another order than it is read ("Trojan Source").
func unsafeRune(r rune) bool {
	switch {
	case r >= 0x80 && r <= 0x9f:
		return true
	case r == 0x061c, r == 0x200e, r == 0x200f:
		return true
	case r >= 0x202a && r <= 0x202e:
		return true
	case r >= 0x2066 && r <= 0x2069:
		return true
	}
	return false
}
