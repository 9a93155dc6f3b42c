package main

import (
	"bytes"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/rogpeppe/go-internal/txtar"

	"github.com/kirofile/kirofile/lang"
)

// fmtCorpus holds inputs that exercise the formatter's corners; the
// property tests add every Kirofile of the repository to it.
var fmtCorpus = []string{
	"",
	"\n\n\n",
	"a=1",
	"a = 1\nbb = 2\nccc = 3\n",
	"# comment\na=1 # trailing\n// slashes\n/* block */ b=2\n",
	`feature "a" {
description="x"
    spec "requirements" {}
spec "design" { approval = "auto" }
  codegen "svc" {
    outputs = ["a/**",
  "b/**"]
      max_attempts=3
      hooks=[hook.fmt,hook.test]
  }
}
`,
	`locals {
  m = { a = 1, bb = { c = [1,2,3] }, "quoted key" = "v" }
  t = "${var.x}-%{ if true }y%{ endif }"
  f = file("x.md")
  h = <<EOT
  keep   this   spacing
EOT
  i = <<-EOT
    indented   heredoc
    EOT
  cond = var.a?1:2
  math = 1+2*3/4-5%6
  neg = -1
  list = [for s in var.l: upper(s) if s!=""]
  obj = {for k,v in var.m: k=>v...}
  splat = var.l[*].id
}
`,
	`hook "test" {
  on=["codegen.completed"]
  feedback=true
  action "exec" {
    command=["go","test","./..."]
    timeout="5m"
    env={A="1",BB="2"}
  }
}
`,
	"a = [\n  1,\n  2,\n]\nb = {\n  x = 1\n  yy = 2\n}\n",
	"block {\n}\nblock2 {}\nblock3 \"label\" \"two\" { a = 1 }\n",
	"a = 1\r\nbb = 2\r\n",
	"\ta\t=\t1\n\tblock {\n\t\tb = 2\n\t}\n",
}

// messyVariants returns src and layout-only mutations of it: what people
// and editors do to a file before fmt runs. Some variants may not parse
// (a heredoc whose marker lost its column); callers skip those.
func messyVariants(src string) []string {
	lines := strings.Split(src, "\n")
	mapLines := func(f func(i int, l string) string) string {
		out := make([]string, len(lines))
		for i, l := range lines {
			out[i] = f(i, l)
		}
		return strings.Join(out, "\n")
	}
	return []string{
		src,
		mapLines(func(_ int, l string) string { return strings.TrimLeft(l, " \t") }),
		mapLines(func(i int, l string) string { return strings.Repeat(" ", i%7) + strings.TrimLeft(l, " ") }),
		mapLines(func(_ int, l string) string { return strings.ReplaceAll(l, "  ", "\t") }),
		mapLines(func(_ int, l string) string { return l + "   " }),
		mapLines(func(_ int, l string) string { return strings.ReplaceAll(l, " = ", "=") }),
		mapLines(func(_ int, l string) string { return strings.ReplaceAll(l, " = ", "     =  ") }),
		mapLines(func(_ int, l string) string { return strings.ReplaceAll(l, ", ", ",") }),
		mapLines(func(_ int, l string) string { return l + "\n" }),
		strings.ReplaceAll(src, "\n", "\r\n"),
		strings.TrimRight(src, "\n"),
	}
}

// repoFmtInputs collects every native-syntax file of the module and every
// such file inside a txtar archive (the script tests), so that the property
// tests grow with the examples and test data.
func repoFmtInputs(t testing.TB) map[string]string {
	t.Helper()
	root := filepath.Join("..", "..")
	inputs := map[string]string{}
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return nil // a directory we cannot read is not this test's business
		}
		if d.IsDir() {
			if p != root && skipDir(d.Name()) {
				return filepath.SkipDir
			}
			return nil
		}
		switch {
		case lang.IsNativeSyntaxFile(d.Name()):
			if b, err := os.ReadFile(p); err == nil {
				inputs[p] = string(b)
			}
		case strings.HasSuffix(d.Name(), ".txtar"):
			a, err := txtar.ParseFile(p)
			if err != nil {
				return nil
			}
			for _, f := range a.Files {
				if lang.IsNativeSyntaxFile(filepath.Base(f.Name)) {
					inputs[p+":"+f.Name] = string(f.Data)
				}
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return inputs
}

// TestFormatProperties checks, over the corpus, the repository's Kirofiles
// and messy variants of all of them, that formatting is stable (formatting
// formatted output changes nothing), that its output parses, and that it
// changes layout only, never a token.
func TestFormatProperties(t *testing.T) {
	inputs := repoFmtInputs(t)
	for i, src := range fmtCorpus {
		inputs[fmt.Sprintf("corpus[%d]", i)] = src
	}
	checked := 0
	for name, src := range inputs {
		for j, v := range messyVariants(src) {
			if _, diags := hclsyntax.ParseConfig([]byte(v), "in", hcl.InitialPos); diags.HasErrors() {
				continue
			}
			checked++
			if err := checkFormat([]byte(v)); err != nil {
				t.Errorf("%s, variant %d: %v\ninput:\n%s", name, j, err, v)
			}
		}
	}
	if checked < 100 {
		t.Errorf("only %d inputs checked; the corpus has shrunk", checked)
	}
	t.Logf("%d inputs from %d sources", checked, len(inputs))
}

// FuzzFormat checks the same properties on generated inputs:
// go test -fuzz=FuzzFormat ./cmd/kirofile
func FuzzFormat(f *testing.F) {
	for _, src := range fmtCorpus {
		for _, v := range messyVariants(src) {
			f.Add(v)
		}
	}
	f.Fuzz(func(t *testing.T, src string) {
		if _, diags := hclsyntax.ParseConfig([]byte(src), "in", hcl.InitialPos); diags.HasErrors() {
			return
		}
		if err := checkFormat([]byte(src)); err != nil {
			t.Errorf("%v\ninput: %q", err, src)
		}
	})
}

// checkFormat formats src, which parses, and checks the properties.
func checkFormat(src []byte) error {
	out, _, diags := formatSource(src, "in")
	if diags.HasErrors() {
		return fmt.Errorf("format failed: %s", diags.Error())
	}
	again, _, diags := formatSource(out, "out")
	if diags.HasErrors() {
		return fmt.Errorf("formatted output does not parse: %s\noutput:\n%s", diags.Error(), out)
	}
	if !bytes.Equal(again, out) {
		return fmt.Errorf("formatting is not stable\nfirst:\n%s\nsecond:\n%s", out, again)
	}
	if a, b := significantTokens(src), significantTokens(out); a != b {
		return fmt.Errorf("tokens changed\nbefore: %s\nafter:  %s\noutput:\n%s", a, b, out)
	}
	return nil
}

// significantTokens renders the tokens of src that formatting must keep:
// everything but newlines and the spacing at the end of comments.
func significantTokens(src []byte) string {
	toks, _ := hclsyntax.LexConfig(src, "in", hcl.InitialPos)
	var b strings.Builder
	for _, tok := range toks {
		switch tok.Type {
		case hclsyntax.TokenNewline, hclsyntax.TokenEOF:
			continue
		case hclsyntax.TokenComment:
			fmt.Fprintf(&b, "%q ", strings.TrimRight(string(tok.Bytes), " \t\r\n"))
			continue
		}
		fmt.Fprintf(&b, "%q ", tok.Bytes)
	}
	return b.String()
}
