// Package digest computes the content hashes kirofile records in the lock:
// "sha256:" followed by 64 lowercase hexadecimal digits.
//
// Text is hashed with its line endings normalised: every CRLF counts as
// LF. Git converts line endings on checkout (core.autocrlf=true is Git for
// Windows' default), so the same committed document reaches one teammate
// with LF and another with CRLF; a hash of the raw bytes would void every
// approval and show every generated file as edited on one of the two
// machines. Content with a NUL byte in its first 8000 bytes is binary, as
// Git itself decides, and is hashed exactly as it is: Git never converts
// it, and a CR in it is data.
//
// This is the one place content is hashed: plan's disk snapshot, the
// files a reply writes, the spec documents apply writes, and approvals
// all use it, so that their hashes agree.
package digest

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"io/fs"
	"os"
	"sync"
)

// Prefix names the algorithm in every hash.
const Prefix = "sha256:"

// sniffLen is how much of the content decides text or binary: Git's own
// limit.
const sniffLen = 8000

// Bytes returns the hash of content.
func Bytes(content []byte) string {
	w := New()
	// The whole content is at hand: it decides text or binary in place,
	// without the copy Write keeps of a short first write.
	w.head = content
	w.decide()
	w.head = nil
	w.feed(content)
	return w.Sum()
}

// String returns the hash of content given as a string.
func String(content string) string { return Bytes([]byte(content)) }

// File returns the hash of the file at path, or "" with no error when it
// does not exist. buf, when not nil, is the copy buffer.
func File(path string, buf []byte) (string, error) {
	f, err := os.Open(path)
	if errors.Is(err, fs.ErrNotExist) {
		return "", nil
	}
	if err != nil {
		return "", err
	}
	defer f.Close()
	w := New()
	if buf == nil {
		b := buffers.Get().(*[]byte)
		defer buffers.Put(b)
		buf = *b
	}
	// Read into buf directly: io.CopyBuffer would hand the copy to
	// os.File's WriteTo, which allocates a buffer of its own per file.
	for {
		n, err := f.Read(buf)
		_, _ = w.Write(buf[:n])
		if err == io.EOF {
			break
		}
		if err != nil {
			return "", fmt.Errorf("reading %s: %w", path, err)
		}
	}
	return w.Sum(), nil
}

// buffers are the copy buffers of File's callers that bring none: a
// buffer of 64 KiB each, zeroed when made, was most of what apply
// allocated hashing the small files of each node it recorded.
var buffers = sync.Pool{New: func() any { b := make([]byte, 64<<10); return &b }}

// Writer hashes what is written to it, normalising the line endings of
// text. Its zero value is not ready: use New.
type Writer struct {
	h hash.Hash
	// head holds the first bytes until they decide text or binary.
	head    []byte
	decided bool
	binary  bool
	// cr is a CR held back at the end of a write: whether it stays
	// depends on the next byte.
	cr bool
}

// New returns a Writer.
func New() *Writer { return &Writer{h: sha256.New()} }

// Write implements io.Writer; it never fails.
func (w *Writer) Write(p []byte) (int, error) {
	n := len(p)
	if !w.decided && len(w.head) == 0 && len(p) >= sniffLen {
		// One write decides: no copy of it is kept.
		w.head = p
		w.decide()
		w.head = nil
	}
	if !w.decided {
		w.head = append(w.head, p...)
		if len(w.head) < sniffLen {
			return n, nil
		}
		w.decide()
		p, w.head = w.head, nil
	}
	w.feed(p)
	return n, nil
}

// decide settles text or binary on the bytes seen so far.
func (w *Writer) decide() {
	w.decided = true
	w.binary = bytes.IndexByte(w.head[:min(len(w.head), sniffLen)], 0) >= 0
}

// feed hashes p, as binary or as text.
func (w *Writer) feed(p []byte) {
	if w.binary {
		w.h.Write(p)
		return
	}
	for len(p) > 0 {
		if w.cr {
			w.cr = false
			if p[0] != '\n' {
				w.h.Write([]byte{'\r'})
			}
		}
		i := bytes.IndexByte(p, '\r')
		if i < 0 {
			w.h.Write(p)
			return
		}
		w.h.Write(p[:i])
		w.cr = true
		p = p[i+1:]
	}
}

// Sum returns the hash of everything written.
func (w *Writer) Sum() string {
	if !w.decided {
		w.decide()
		head := w.head
		w.head = nil
		w.feed(head)
	}
	if w.cr && !w.binary {
		w.h.Write([]byte{'\r'}) // a CR at the very end is data
		w.cr = false
	}
	return Prefix + hex.EncodeToString(w.h.Sum(nil))
}
