package plan

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kirofile/kirofile/internal/digest"
	"github.com/kirofile/kirofile/internal/specdoc"
)

// readHash gives the hash digest gives, and what the read learnt of the
// content is what reading it again would learn.
func TestReadHash(t *testing.T) {
	large := bytes.Repeat([]byte("#[[file:x]] line\r\n"), wholeLimit/16)
	tests := []struct {
		name    string
		file    string
		content []byte
		size    int64 // as stat-ed; -2 for the true size
		scan    scan
		norm    bool // a hash with checkboxes cleared is computed
	}{
		{"code", "a.go", []byte("package a\n"), -2, scanClean, false},
		{"CRLF text", "a.txt", []byte("one\r\ntwo\r\n"), -2, scanClean, false},
		{"binary", "a.bin", []byte("a\x00b\r\n"), -2, scanClean, false},
		{"empty", "e.go", nil, -2, scanClean, false},
		{"reference", "design.md", []byte("# Design\n\nSee #[[file:api.yaml]].\n"), -2, scanRefs, true},
		{"ticked tasks", "tasks.md", []byte("# Tasks\n\n- [x] 1. One\n- [ ] 2. Two\n"), -2, scanClean, true},
		{"tasks in a fence", "t.md", []byte("```\n- [x] 1. One\n```\n"), -2, scanClean, true},
		{"size not known", "u.md", []byte("- [x] 1. One\n"), -1, scanClean, true},
		{"grew since its stat", "g.go", bytes.Repeat([]byte("x"), 5000), 10, scanClean, false},
		{"larger than read whole", "big.md", large, -2, scanNone, false},
	}
	dir := t.TempDir()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			full := filepath.Join(dir, tt.file)
			if err := os.WriteFile(full, tt.content, 0o644); err != nil {
				t.Fatal(err)
			}
			f, err := os.Open(full)
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			size := tt.size
			if size == -2 {
				size = int64(len(tt.content))
			}
			var buf []byte
			h, sc, err := readHash(f, full, size, &buf)
			if err != nil {
				t.Fatal(err)
			}
			if want := digest.Bytes(tt.content); h != want {
				t.Errorf("hash %s, want %s", h, want)
			}
			if want, _ := digest.File(full, nil); h != want {
				t.Errorf("hash %s, digest.File %s", h, want)
			}
			if sc.scan != tt.scan {
				t.Errorf("scan %d, want %d", sc.scan, tt.scan)
			}
			switch {
			case !tt.norm && sc.norm != "":
				t.Errorf("norm %s, want none", sc.norm)
			case tt.norm && sc.norm != digest.Bytes(specdoc.ClearCheckboxes(tt.content)):
				t.Errorf("norm %s, want the hash with checkboxes cleared", sc.norm)
			}
			if tt.norm && strings.Contains(string(tt.content), "- [x] 1. One\n- [ ]") && sc.norm == h {
				t.Errorf("norm of a ticked document equals its hash")
			}
		})
	}
}
