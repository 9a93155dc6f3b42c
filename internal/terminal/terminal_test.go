package terminal

import "testing"

func TestSanitize(t *testing.T) {
	for _, tc := range []struct{ name, in, want string }{
		{"plain", "hello, world\n\tindented", "hello, world\n\tindented"},
		{"unicode", "café — naïve ✓", "café — naïve ✓"},
		{"title", "\x1b]0;pwned\x07rest", `\x1b]0;pwned\x07rest`},
		{"clear screen", "a\x1b[2Jb", `a\x1b[2Jb`},
		{"crlf", "one\r\ntwo\r\n", "one\ntwo\n"},
		{"lone cr", "visible\rhidden", `visible\rhidden`},
		{"del and nul", "a\x7fb\x00c", `a\x7fb\x00c`},
		{"c1 csi", "a\u009b2Jb", `a\u009b2Jb`},
		{"bidi override", "access\u202e level", `access\u202e level`},
		{"isolate", "x\u2066y\u2069", `x\u2066y\u2069`},
		{"invalid utf8", "a\xffb\x9bc", `a\xffb\x9bc`},
		{"empty", "", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := Sanitize(tc.in); got != tc.want {
				t.Errorf("Sanitize(%q) = %q, want %q", tc.in, got, tc.want)
			}
		})
	}
}

func TestSanitizeNoEscapeSurvives(t *testing.T) {
	var all []byte
	for c := 0; c < 256; c++ {
		all = append(all, byte(c))
	}
	out := Sanitize(string(all) + "\u009b\u202e")
	for i := 0; i < len(out); i++ {
		if c := out[i]; c < 0x20 && c != '\n' && c != '\t' || c == 0x7f {
			t.Fatalf("control byte %#x survives at %d in %q", c, i, out)
		}
	}
	if Sanitize(out) != out {
		t.Fatalf("sanitizing twice changes the text: %q", out)
	}
}

func FuzzSanitize(f *testing.F) {
	f.Add("\x1b]0;x\x07")
	f.Add("ok\r\n")
	f.Fuzz(func(t *testing.T, s string) {
		out := Sanitize(s)
		for _, r := range out {
			if r < 0x20 && r != '\n' && r != '\t' || r == 0x7f || unsafeRune(r) {
				t.Fatalf("Sanitize(%q) = %q keeps %U", s, out, r)
			}
		}
	})
}
