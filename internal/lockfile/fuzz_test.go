package lockfile

import (
	"bytes"
	"reflect"
	"strings"
	"testing"
)

// FuzzParse checks the reader against arbitrary input: it must never
// panic, and whatever it accepts must survive a rewrite, since kirofile
// reads the lock, changes it and writes it back on every apply.
func FuzzParse(f *testing.F) {
	// Seeds are kept small: the fuzzer minimizes every new interesting
	// input, and on a few kilobytes of lock that takes the whole run.
	small := New()
	small.Plugins["p"] = &Plugin{Name: "p", Source: "s", Hashes: map[string]string{"": digest("p")}}
	small.SetNode(&Node{
		Address:     "f.a",
		Fingerprint: h("f"),
		Status:      StatusFailed,
		Attempts:    2,
		Error:       "x\n${y}",
		Inputs:      map[string]string{"config": h("c"), "up.f.b": h("u")},
		Outputs:     map[string]string{"a/ü.go": h("o")},
		Usage:       Usage{PromptTokens: 1, CachedTokens: 1, CompletionTokens: 2, Estimated: true, Cost: "0.000003", Currency: "USD"},
		Approval:    &Approval{SHA256: h("d"), Fingerprint: h("f"), By: "a@b", At: approvedAt},
	})
	for _, l := range []*Lock{New(), small} {
		f.Add(l.Bytes())
	}
	broken := []string{
		"",
		"version = 1\nnode \"a\" {\n",
		"version = 2\n",
		"version = 1\nnode \"a\" {}\nnode \"a\" {}\n",
		"version = 1\nnode \"a\" {\n  status = var.x\n  attempts = -1\n}\n",
		"version = 1\nnode \"a\" {\n  inputs = { config = \"sha256:00\", \"config\" = 1 }\n}\n",
		"version = 1\nnode \"a\" {\n  outputs = { \"../x\" = sha256(\"x\") }\n}\n",
		"version = 1\nnode \"a\" {\n  approval {\n    sha256 = \"x\"\n    at = \"2026-13-01T00:00:00Z\"\n  }\n}\n",
		"version = 1\nplugin \"p\" {\n  source = <<EOT\nx\nEOT\n  sha256 = \"sha256:x\"\n}\n",
		"version = 1\nnode \"a$${b}\" { error = \"%%{x}\\u0085\" }\n",
		`{"version": 1}`,
	}
	for _, s := range broken {
		f.Add([]byte(s))
	}

	f.Fuzz(func(t *testing.T, data []byte) {
		l, _, diags := Parse(data, FileName)
		if diags.HasErrors() {
			if l != nil {
				t.Fatal("Parse returned a lock along with errors")
			}
			for _, d := range diags {
				if d.Subject == nil {
					t.Fatalf("diagnostic without a subject: %s", d.Error())
				}
			}
			return
		}
		if err := l.Validate(); err != nil {
			t.Fatalf("Parse accepted a lock that Validate rejects: %v\ninput: %q", err, data)
		}
		out := l.Bytes()
		if want := referenceBytes(l); !bytes.Equal(out, want) {
			t.Fatalf("Bytes differs from hclwrite build + Format:\n%s\n--- want ---\n%s", out, want)
		}
		l2, _, diags := Parse(out, FileName)
		if diags.HasErrors() {
			t.Fatalf("Bytes of a parsed lock does not parse: %s\ninput: %q\noutput:\n%s", diags.Error(), data, out)
		}
		if !reflect.DeepEqual(l, l2) {
			t.Fatalf("rewritten lock differs\n got: %s\nwant: %s\ninput: %q", dump(l2), dump(l), data)
		}
		if out2 := l2.Bytes(); !bytes.Equal(out, out2) {
			t.Fatalf("Bytes is not stable:\n%s\n---\n%s", out, out2)
		}
	})
}

// FuzzBytes comes from the other side: any lock that Validate accepts,
// whatever its strings hold, must be written in hclwrite's canonical form
// and read back. Strings not in NFC come back normalized, so equality is
// checked on the written text, and on the Lock when the input was NFC.
func FuzzBytes(f *testing.F) {
	f.Add("feature.a.spec.b", "config", "a/b.go", "failed: ${x}", "ana@example.com")
	f.Add("\ufeffn", "\ufeffk", "e\u0301/\u0301.md", "\x00\r\n\t\\\"", "%{}$${")
	f.Add("日本", "upstream.f.a", "👩‍👩‍👧/x", "\u2028", "")
	f.Fuzz(func(t *testing.T, addr, input, output, msg, by string) {
		l := New()
		l.Plugins[addr] = &Plugin{Name: addr, Source: msg, Hashes: map[string]string{"": digest(addr)}}
		l.SetNode(&Node{
			Address:  addr,
			Status:   StatusFailed,
			Error:    msg,
			Inputs:   map[string]string{input: h(input), "config": h("c")},
			Outputs:  map[string]string{output: h(output)},
			Approval: &Approval{SHA256: h(by), By: by, At: approvedAt},
		})
		if l.Validate() != nil {
			return
		}
		out := l.Bytes()
		if want := referenceBytes(l); !bytes.Equal(out, want) {
			t.Fatalf("Bytes differs from hclwrite build + Format:\n%s\n--- want ---\n%s", out, want)
		}
		got, _, diags := parseHCL(out, FileName)
		if diags.HasErrors() {
			t.Fatalf("a valid lock does not read back: %s\n%s", diags.Error(), out)
		}
		if fast, ok := parseWritten(out); ok && !reflect.DeepEqual(fast, got) {
			t.Fatalf("the parsers disagree\nfast: %s\n HCL: %s\ninput: %q", dump(fast), dump(got), out)
		}
		if again := got.Bytes(); !bytes.Equal(out, again) {
			t.Fatalf("rewrite changed the text:\n%s\n---\n%s", out, again)
		}
		allNFC := true
		for _, s := range []string{addr, input, output, msg, by} {
			allNFC = allNFC && nfc(s) == s
		}
		if allNFC && !reflect.DeepEqual(got, l) {
			t.Fatalf("read back differs\n got: %s\nwant: %s", dump(got), dump(l))
		}
	})
}

// FuzzParseWritten holds the dedicated parser of the written form to the
// HCL parser: on any input, what the fast path accepts, the HCL parser
// accepts too, with an equal Lock; and every lock Bytes writes goes the
// fast path (unless it holds a string the fast path leaves to HCL).
func FuzzParseWritten(f *testing.F) {
	for _, l := range []*Lock{New(), fullLock(), unicodeLock(), nastyLock(), manyLock(3, 2)} {
		f.Add(l.Bytes())
	}
	for _, s := range []string{
		"version = 1\n",
		"version=1\nnode \"a\" {\n}\n",
		"version = 1\nnode \"a\" {\n  attempts = 007\n}\n",
		"version = 1\nnode \"a\" {\n  inputs = {\n    true = \"sha256:" + strings.Repeat("0", 64) + "\"\n  }\n}\n",
		"version = 1\nnode \"e\\u0301\" {\n  error = \"a\\tb\"\n}\n",
		"# c\nversion = 1 # c\n",
		"version = 1\nplugin \"p\" {\n  source = \"\"\n  sha256 = \"" + strings.Repeat("a", 64) + "\"\n}\n",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		fast, ok := parseWritten(data)
		if !ok {
			return
		}
		slow, _, diags := parseHCL(data, FileName)
		if diags.HasErrors() {
			t.Fatalf("the fast path accepted what HCL rejects: %s\ninput: %q", diags.Error(), data)
		}
		if !reflect.DeepEqual(fast, slow) {
			t.Fatalf("the parsers disagree\nfast: %s\n HCL: %s\ninput: %q", dump(fast), dump(slow), data)
		}
	})
}
