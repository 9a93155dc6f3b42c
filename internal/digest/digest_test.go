package digest

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func raw(b []byte) string {
	sum := sha256.Sum256(b)
	return Prefix + hex.EncodeToString(sum[:])
}

func TestBytes(t *testing.T) {
	long := strings.Repeat("x", 9000)
	tests := []struct {
		name string
		in   string
		want string // the raw content whose plain sha256 is expected
	}{
		{"empty", "", ""},
		{"lf text is its plain hash", "a\nb\n", "a\nb\n"},
		{"crlf counts as lf", "a\r\nb\r\n", "a\nb\n"},
		{"mixed endings", "a\r\nb\nc\r\n", "a\nb\nc\n"},
		{"a lone cr is data", "a\rb\n", "a\rb\n"},
		{"a cr at the end is data", "a\r", "a\r"},
		{"cr cr lf keeps the first", "a\r\r\nb", "a\r\nb"},
		{"binary is hashed as is", "a\x00\r\nb", "a\x00\r\nb"},
		{"a nul after the sniffed bytes is text", long + "\x00\r\n", long + "\x00\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got, want := Bytes([]byte(tt.in)), raw([]byte(tt.want)); got != want {
				t.Errorf("Bytes(%q) = %s, want %s", tt.in, got, want)
			}
		})
	}
}

// TestChunked feeds content one byte at a time and in odd chunks: a CRLF
// split between two writes, and the text/binary decision spanning writes,
// give the same hash as one write.
func TestChunked(t *testing.T) {
	inputs := []string{
		"a\r\nb\r\n", "\r", "\r\n", "x\r", strings.Repeat("line\r\n", 3000),
		strings.Repeat("a", 7999) + "\x00\r\n", strings.Repeat("a\r\n", 2700) + "\x00",
	}
	for _, in := range inputs {
		want := Bytes([]byte(in))
		for _, size := range []int{1, 2, 3, 7, 4096, 8001} {
			w := New()
			for b := []byte(in); len(b) > 0; {
				n := min(size, len(b))
				_, _ = w.Write(b[:n])
				b = b[n:]
			}
			if got := w.Sum(); got != want {
				t.Errorf("chunks of %d of %q...: %s, want %s", size, in[:min(len(in), 12)], got, want)
			}
		}
	}
}

func TestFile(t *testing.T) {
	dir := t.TempDir()
	lf := filepath.Join(dir, "lf.md")
	crlf := filepath.Join(dir, "crlf.md")
	text := strings.Repeat("# Title\n\nSome text.\n", 5000)
	if err := os.WriteFile(lf, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(crlf, bytes.ReplaceAll([]byte(text), []byte("\n"), []byte("\r\n")), 0o644); err != nil {
		t.Fatal(err)
	}
	a, err := File(lf, nil)
	if err != nil {
		t.Fatal(err)
	}
	b, err := File(crlf, make([]byte, 3))
	if err != nil {
		t.Fatal(err)
	}
	if a != b || a != raw([]byte(text)) {
		t.Errorf("LF %s, CRLF %s, want both %s", a, b, raw([]byte(text)))
	}
	if h, err := File(filepath.Join(dir, "absent"), nil); h != "" || err != nil {
		t.Errorf("absent file: %q, %v; want \"\", nil", h, err)
	}
	if _, err := File(dir, nil); err == nil {
		t.Errorf("a directory hashed without error")
	}
}

func BenchmarkFile(b *testing.B) {
	path := filepath.Join(b.TempDir(), "f")
	data := bytes.Repeat([]byte("func main() { fmt.Println(\"hello\") }\n"), 30000)
	if err := os.WriteFile(path, data, 0o644); err != nil {
		b.Fatal(err)
	}
	buf := make([]byte, 64<<10)
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		if _, err := File(path, buf); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkRawSHA256 is the floor BenchmarkFile is measured against: the
// plain SHA-256 of the same file, without reading line endings.
func BenchmarkRawSHA256(b *testing.B) {
	path := filepath.Join(b.TempDir(), "f")
	data := bytes.Repeat([]byte("func main() { fmt.Println(\"hello\") }\n"), 30000)
	if err := os.WriteFile(path, data, 0o644); err != nil {
		b.Fatal(err)
	}
	buf := make([]byte, 64<<10)
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		f, err := os.Open(path)
		if err != nil {
			b.Fatal(err)
		}
		h := sha256.New()
		if _, err := io.CopyBuffer(h, f, buf); err != nil {
			b.Fatal(err)
		}
		f.Close()
	}
}
