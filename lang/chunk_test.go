package lang

import (
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
)

// syntaxDump lists every node of a body with its type and range, and the
// names, labels and ranges that are not nodes: two bodies with the same
// dump are the same parse.
func syntaxDump(t testing.TB, f *hcl.File) []string {
	t.Helper()
	body, ok := f.Body.(*hclsyntax.Body)
	if !ok {
		t.Fatalf("body is %T", f.Body)
	}
	// The top-level blocks in order; then every node, sorted, since
	// arguments are visited in no fixed order.
	var order, out []string
	for _, b := range body.Blocks {
		order = append(order, fmt.Sprintf("block %v", b.Range()))
	}
	_ = hclsyntax.VisitAll(body, func(n hclsyntax.Node) hcl.Diagnostics {
		line := fmt.Sprintf("%T %v", n, n.Range())
		switch n := n.(type) {
		case hclsyntax.Attributes, hclsyntax.Blocks:
			return nil // their range is the first item met
		case *hclsyntax.Block:
			line += fmt.Sprintf(" %s %q %v %v", n.Type, n.Labels, n.TypeRange, n.OpenBraceRange)
		case *hclsyntax.Attribute:
			line += fmt.Sprintf(" %s %v %v", n.Name, n.NameRange, n.EqualsRange)
		case *hclsyntax.Body:
			line += fmt.Sprintf(" end %v, %d attributes, %d blocks", n.EndRange, len(n.Attributes), len(n.Blocks))
		case *hclsyntax.LiteralValueExpr:
			line += " " + n.Val.GoString()
		case *hclsyntax.TemplateExpr:
			line += fmt.Sprintf(" %d parts", len(n.Parts))
		}
		out = append(out, line)
		return nil
	})
	slices.Sort(out)
	return append(order, out...)
}

// feature is one top-level block, as a Kirofile holds thousands.
func feature(i int) string {
	return fmt.Sprintf(`feature "f%d" {
  description = "Feature ${%d + 1}."
  spec "requirements" {}
  codegen "service" {
    outputs = ["services/f%d/**"]
  }
}
`, i, i, i)
}

func features(from, to int, sep string) string {
	var b strings.Builder
	for i := from; i < to; i++ {
		b.WriteString(feature(i))
		b.WriteString(sep)
	}
	return b.String()
}

// TestParsePieces: wherever a file is cut, the pieces join into what the
// whole parse gives, or into nothing; never into something else.
func TestParsePieces(t *testing.T) {
	heredoc := "locals {\n  text = <<EOT\nsome text\n}\nfeature \"fake\" {\nEOT\n}\n"
	comment := "/* an old block:\nfeature \"old\" {\n}\nfeature \"older\" {\n}\n*/\n"
	nested := "feature \"n\" {\n  spec \"design\" {\n}\nhook \"h\" {\n}\n}\n"
	object := "x = {\n  a = 1\n}\ny = 2\n"
	tests := []struct {
		name string
		src  string
		// joined: the pieces join (the whole parse is clean and some cut
		// falls between top-level items).
		joined bool
	}{
		{"features", features(0, 40, ""), true},
		{"blank lines between", features(0, 40, "\n\n"), true},
		{"comments between", features(0, 40, "# next\n// and\n"), true},
		{"crlf", strings.ReplaceAll(features(0, 40, "\n"), "\n", "\r\n"), true},
		{"a heredoc holding a closing brace", features(0, 10, "\n") + heredoc + features(10, 20, "\n"), true},
		{"a comment holding blocks", features(0, 10, "") + comment + features(10, 20, ""), true},
		{"a nested block's brace in the first column", features(0, 10, "") + nested + features(10, 20, ""), true},
		{"a top-level object", object + features(0, 20, ""), true},
		{"an argument set twice", "x = 1\n" + features(0, 20, "") + "x = 2\n" + features(20, 40, ""), false},
		{"an unclosed block", features(0, 20, "") + "feature \"open\" {\n" + features(20, 40, ""), false},
		{"an unterminated heredoc", features(0, 20, "") + "locals {\n  t = <<EOT\n}\n" + features(20, 40, ""), false},
		{"one block", feature(0), false},
		{"empty", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			src := []byte(tt.src)
			whole, diags := hclsyntax.ParseConfig(src, "Kirofile", hcl.InitialPos)
			joinedOnce := false
			for n := 2; n <= 9; n++ {
				f := parsePieces(src, "Kirofile", n)
				if f == nil {
					continue
				}
				joinedOnce = true
				if diags.HasErrors() || len(diags) > 0 {
					t.Fatalf("%d pieces joined where the whole parse reports %v", n, diags)
				}
				if got, want := syntaxDump(t, f), syntaxDump(t, whole); !reflect.DeepEqual(got, want) {
					t.Fatalf("%d pieces: the joined parse differs from the whole one:\n%s\nwant\n%s", n, strings.Join(got, "\n"), strings.Join(want, "\n"))
				}
				if string(f.Bytes) != tt.src {
					t.Fatalf("%d pieces: the file's bytes are not the whole source", n)
				}
			}
			if joinedOnce != tt.joined {
				t.Fatalf("joined = %v, want %v", joinedOnce, tt.joined)
			}
		})
	}
}

// TestParseChunkedContext: a diagnostic in a block of the last piece is
// placed in that block, as the whole parse places it.
func TestParseChunkedContext(t *testing.T) {
	src := []byte(features(0, 2000, "\n"))
	if len(src) < chunkedMinSize {
		t.Fatalf("the source is %d bytes, under %d", len(src), chunkedMinSize)
	}
	f := parsePieces(src, "Kirofile", 4)
	if f == nil {
		t.Fatal("the pieces did not join")
	}
	at := strings.Index(string(src), `feature "f1999"`) + 30
	nav, ok := f.Nav.(interface{ ContextString(offset int) string })
	if !ok {
		t.Fatalf("navigation is %T", f.Nav)
	}
	if got := nav.ContextString(at); got != `feature "f1999"` {
		t.Fatalf("context %q", got)
	}
}

// TestLoadChunked: a large Kirofile with an error in its last block loads
// with the same diagnostics as when parsed whole, and a clean one with the
// same configuration.
func TestLoadChunked(t *testing.T) {
	for _, tt := range []struct {
		name, tail string
	}{
		{"clean", ""},
		{"a syntax error", "feature \"bad\" {\n  description = \n}\n"},
		{"a decoding error", "feature \"bad\" {\n  descripton = \"typo\"\n}\n"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			src := "provider \"openai\" \"main\" {\n  model = \"m\"\n}\n" + features(0, 1500, "\n") + tt.tail
			if len(src) < chunkedMinSize {
				t.Fatalf("the source is %d bytes", len(src))
			}
			dir := writeProject(t, map[string]string{"Kirofile": src})
			cfg, diags := Load(dir, LoadOptions{})
			whole, wdiags := hclsyntax.ParseConfig([]byte(src), "Kirofile", hcl.InitialPos)
			if wdiags.HasErrors() {
				if fmt.Sprint(diags) != fmt.Sprint(wdiags) {
					t.Fatalf("diagnostics %v, want the whole parse's %v", diags, wdiags)
				}
				return
			}
			if got, want := syntaxDump(t, cfg.Files["Kirofile"]), syntaxDump(t, whole); !reflect.DeepEqual(got, want) {
				t.Fatal("the loaded file's syntax differs from the whole parse")
			}
			if tt.tail != "" && !diags.HasErrors() {
				t.Fatal("no error for the last block")
			}
			if tt.tail == "" && (diags.HasErrors() || len(cfg.Features) != 1500) {
				t.Fatalf("%d features, %v", len(cfg.Features), diags)
			}
			for _, d := range diags {
				if d.Subject != nil && d.Subject.Start.Line < 3+1500*8 {
					t.Fatalf("diagnostic placed at line %d, before the last block: %v", d.Subject.Start.Line, d)
				}
			}
		})
	}
}

// FuzzParsePieces: whatever the source and the number of pieces, pieces
// that join give the whole parse.
func FuzzParsePieces(f *testing.F) {
	f.Add([]byte(features(0, 6, "\n")), uint8(3))
	f.Add([]byte("locals {\n  t = <<EOT\n}\nx {\nEOT\n}\n"+features(0, 3, "")), uint8(2))
	f.Add([]byte("/*\n}\nx {\n*/\n"+features(0, 3, "")), uint8(4))
	f.Add([]byte("a = {\n}\nb = [\n}\n]\n"), uint8(2))
	f.Fuzz(func(t *testing.T, src []byte, n uint8) {
		p := parsePieces(src, "Kirofile", 2+int(n%7))
		if p == nil {
			return
		}
		whole, diags := hclsyntax.ParseConfig(src, "Kirofile", hcl.InitialPos)
		if len(diags) > 0 {
			t.Fatalf("pieces joined where the whole parse reports %v", diags)
		}
		if got, want := syntaxDump(t, p), syntaxDump(t, whole); !reflect.DeepEqual(got, want) {
			t.Fatalf("the joined parse differs:\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
		}
	})
}
