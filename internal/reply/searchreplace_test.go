package reply

import "testing"

func TestApply(t *testing.T) {
	tests := []struct {
		name, content, search, replace, want string
		ok                                   bool
	}{
		{"exact", "a\nb\nc\n", "b\n", "B\n", "a\nB\nc\n", true},
		{"several lines", "a\nb\nc\nd\n", "b\nc\n", "x\n", "a\nx\nd\n", true},
		{"delete", "a\nb\nc\n", "b\n", "", "a\nc\n", true},
		{"first of several matches", "x\ny\nx\n", "x\n", "z\n", "z\ny\nx\n", true},
		{"whole lines only", "foox\nx\n", "x\n", "z\n", "foox\nz\n", true},
		{"exact wins over lenient earlier", "b  \nb\n", "b\n", "B\n", "b  \nB\n", true},
		{"trailing whitespace", "a\nb  \t\nc\n", "b\n", "B\n", "a\nB\nc\n", true},
		{"trailing whitespace before indentation", "\tb\nb  \n", "b\n", "B\n", "\tb\nB\n", true},
		{"trailing whitespace in search", "a\nb\nc\n", "b   \n", "B\n", "a\nB\nc\n", true},
		{"crlf file", "a\r\nb\r\nc\r\n", "b\n", "B\nB2\n", "a\r\nB\r\nB2\r\nc\r\n", true},
		{"indentation missing in search", "func f() {\n\tif x {\n\t\treturn\n\t}\n}\n", "if x {\n\treturn\n}\n", "if y {\n\treturn 1\n}\n",
			"func f() {\n\tif y {\n\t\treturn 1\n\t}\n}\n", true},
		{"indentation added in search", "if x {\n  y()\n}\n", "    if x {\n      y()\n    }\n", "    if z {\n      y()\n    }\n",
			"if z {\n  y()\n}\n", true},
		{"blank lines inside indented match", "\tA\n\n\tB\n", "A\n\nB\n", "A\nB\n", "\tA\n\tB\n", true},
		{"indentation added and removed", "\ta\nb\n", "a\n\tb\n", "x\n", "\ta\nb\n", false},
		{"relative indentation differs", "\ta\n\t\tb\n", "a\nb\n", "x\n", "\ta\n\t\tb\n", false},
		{"spaces for tabs", "func f() {\n\tif x {\n\t\treturn\n\t}\n}\n", "    if x {\n        return\n    }\n", "    if y {\n        return 1\n    }\n",
			"func f() {\n\tif y {\n\t\treturn 1\n\t}\n}\n", true},
		{"spaces for tabs, new level", "\ta()\n\tb()\n", "    a()\n", "    if c {\n        a()\n    }\n", "\tif c {\n\t    a()\n\t}\n\tb()\n", true},
		{"one indentation for two", "\ta\n\t\tb\n", "  a\n  b\n", "x\n", "\ta\n\t\tb\n", false},
		{"not found", "a\nb\n", "c\n", "x\n", "a\nb\n", false},
		{"longer than file", "a\n", "a\nb\n", "x\n", "a\n", false},
		{"empty search appends", "a\n", "", "b\n", "a\nb\n", true},
		{"blank search appends", "a\n", "\n\n", "b\n", "a\nb\n", true},
		{"append adds missing newline", "a", "", "b\n", "a\nb\n", true},
		{"append to empty", "", "", "b\n", "b\n", true},
		{"append to crlf", "a\r\n", "", "b\n", "a\r\nb\r\n", true},
		{"unterminated last line", "a\nb", "b\n", "c\n", "a\nc", true},
		{"unterminated last line, more lines", "a\nb", "b\n", "c\nd\n", "a\nc\nd", true},
		{"match before unterminated line", "a\nb", "a\n", "c\n", "c\nb", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := apply(tt.content, SearchReplace{Search: tt.search, Replace: tt.replace})
			if ok != tt.ok || got != tt.want {
				t.Errorf("apply = %q, %v; want %q, %v", got, ok, tt.want, tt.ok)
			}
		})
	}
}

func TestMarkerOf(t *testing.T) {
	tests := []struct {
		line string
		want marker
	}{
		{"<<<<<<< SEARCH", markSearch},
		{"<<<<< SEARCH", markSearch},
		{"<<<<<<<<< SEARCH", markSearch},
		{"<<<<<<<SEARCH", markSearch},
		{"  <<<<<<< search  ", markSearch},
		{"<<<< SEARCH", markNone},
		{"<<<<<<<<<< SEARCH", markNone},
		{"<<<<<<< HEAD", markNone},
		{"=======", markDivider},
		{"=====", markDivider},
		{"======= x", markNone},
		{"====", markNone},
		{">>>>>>> REPLACE", markReplace},
		{">>>>>>> REPLACE   ", markReplace},
		{">>>>>>> main", markNone},
		{"", markNone},
	}
	for _, tt := range tests {
		if got := markerOf(tt.line); got != tt.want {
			t.Errorf("markerOf(%q) = %d, want %d", tt.line, got, tt.want)
		}
	}
}
