package fakellm

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func TestSplit(t *testing.T) {
	tests := []struct {
		s    string
		n    int
		want int
	}{
		{"", 3, 0},
		{"abc", 1, 1},
		{"abcdef", 3, 3},
		{"ab", 5, 2},
		{"𝄞ab", 3, 3},
		{"日本語のテキスト", 4, 4},
		{strings.Repeat("x", 130), 0, 3},
	}
	for _, tt := range tests {
		parts := split(tt.s, tt.n)
		if len(parts) != tt.want || strings.Join(parts, "") != tt.s {
			t.Errorf("split(%q, %d) = %q, want %d pieces", tt.s, tt.n, parts, tt.want)
		}
		for _, p := range parts {
			if p == "" || !utf8.ValidString(p) {
				t.Errorf("split(%q, %d): bad piece %q", tt.s, tt.n, p)
			}
		}
	}
}
