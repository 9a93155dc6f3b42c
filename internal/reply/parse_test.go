package reply

import (
	"errors"
	"fmt"
	"strings"
	"testing"
)

// describe renders edits compactly so that table entries can state the
// expected result as one readable string.
func describe(edits []Edit) string {
	var b strings.Builder
	for i, e := range edits {
		if i > 0 {
			b.WriteString("; ")
		}
		b.WriteString(e.Path)
		if e.Whole != nil {
			fmt.Fprintf(&b, " whole=%q", *e.Whole)
		}
		for _, sr := range e.Blocks {
			fmt.Fprintf(&b, " [%q->%q]", sr.Search, sr.Replace)
		}
	}
	return b.String()
}

const goFile = "```go\npackage x\n```\n"

func TestParseHeaderForms(t *testing.T) {
	const want = `services/x.go whole="package x\n"`
	tests := []struct {
		name, reply string
	}{
		{"File label", "File: services/x.go\n" + goFile},
		{"lower-case label", "file: services/x.go\n" + goFile},
		{"Path label", "Path: services/x.go\n" + goFile},
		{"Filename label", "Filename: services/x.go\n" + goFile},
		{"bare path", "services/x.go\n" + goFile},
		{"backticks", "`services/x.go`\n" + goFile},
		{"bold", "**services/x.go**\n" + goFile},
		{"bold backticks", "**`services/x.go`**\n" + goFile},
		{"bold label", "**File:** `services/x.go`\n" + goFile},
		{"heading 1", "# services/x.go\n" + goFile},
		{"heading 2", "## services/x.go\n" + goFile},
		{"heading with label", "### File: services/x.go\n" + goFile},
		{"trailing colon", "services/x.go:\n" + goFile},
		{"backticks and colon", "`services/x.go`:\n" + goFile},
		{"list item", "- `services/x.go`\n" + goFile},
		{"numbered list item", "2. services/x.go\n" + goFile},
		{"trailing note", "services/x.go (new file)\n" + goFile},
		{"blank lines between", "File: services/x.go\n\n\n" + goFile},
		{"indented header", "   File: services/x.go   \n" + goFile},
		{"backslashes", "File: services\\x.go\n" + goFile},
		{"leading dot slash", "File: ./services/x.go\n" + goFile},
		{"quoted", "File: \"services/x.go\"\n" + goFile},
		{"unclean", "File: services//y/../x.go\n" + goFile},
		{"info title", "```go title=\"services/x.go\"\npackage x\n```\n"},
		{"info filename unquoted", "```go filename=services/x.go\npackage x\n```\n"},
		{"info attribute in braces", "```go {title=\"services/x.go\"}\npackage x\n```\n"},
		{"info attribute in braces unquoted", "```go {filename=services/x.go, linenos=true}\npackage x\n```\n"},
		{"info path", "```services/x.go\npackage x\n```\n"},
		{"info language and path", "```go:services/x.go\npackage x\n```\n"},
		{"prose before header", "Here is the file.\n\nFile: services/x.go\n" + goFile + "\nThat is all.\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			edits, err := Parse(tt.reply)
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			if got := describe(edits); got != want {
				t.Errorf("got  %s\nwant %s", got, want)
			}
		})
	}
}

func TestParseHeaderWithSpaces(t *testing.T) {
	for _, reply := range []string{
		"File: docs/my notes.md\n```\nhi\n```\n",
		"`docs/my notes.md`\n```\nhi\n```\n",
	} {
		edits, err := Parse(reply)
		if err != nil {
			t.Fatalf("Parse(%q): %v", reply, err)
		}
		if got, want := describe(edits), `docs/my notes.md whole="hi\n"`; got != want {
			t.Errorf("Parse(%q) = %s, want %s", reply, got, want)
		}
	}
}

// TestParseNotHeaders checks that prose and language tags before a block
// are not mistaken for paths: such blocks are examples and are ignored.
func TestParseNotHeaders(t *testing.T) {
	tests := []struct{ name, reply string }{
		{"no header", goFile},
		{"sentence", "Here is the code:\n" + goFile},
		{"heading word", "# Overview\n" + goFile},
		{"word with colon", "Example:\n" + goFile},
		{"end of sentence", "Done.\n" + goFile},
		{"url", "https://example.com/a.go\n" + goFile},
		{"heading without space", "#services/x.go\n" + goFile},
		{"language only", "```go\npackage x\n```\n"},
		{"language with symbol", "```c++\nint x;\n```\n"},
		{"info with spaces", "```go services/x.go\npackage x\n```\n"},
		{"header before another line", "File: services/x.go\nAnd now the code:\n" + goFile},
		{"header without fence", "File: services/x.go\npackage x\n"},
		{"command", "Run this:\n\n```sh\nmake test\n```\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			edits, err := Parse(tt.reply)
			if !errors.Is(err, ErrNoFiles) {
				t.Fatalf("Parse = %s, %v; want ErrNoFiles", describe(edits), err)
			}
		})
	}
}

func TestParseNoFilesExplainsFormat(t *testing.T) {
	_, err := Parse("I think the code is fine as it is.")
	var fe *FormatError
	if !errors.As(err, &fe) || !errors.Is(err, ErrNoFiles) {
		t.Fatalf("err = %T %v, want *FormatError wrapping ErrNoFiles", err, err)
	}
	for _, s := range []string{"File: path/to/file.go", "<<<<<<< SEARCH", "=======", ">>>>>>> REPLACE"} {
		if !strings.Contains(err.Error(), s) {
			t.Errorf("message lacks %q:\n%s", s, err)
		}
	}
}

func TestParseFences(t *testing.T) {
	tests := []struct{ name, reply, want string }{
		{"tildes", "File: a.go\n~~~go\nx\n~~~\n", `a.go whole="x\n"`},
		{"long fence", "File: a.go\n`````\nx\n`````\n", `a.go whole="x\n"`},
		{"longer close", "File: a.go\n```\nx\n``````\n", `a.go whole="x\n"`},
		{"short line inside long fence", "File: a.md\n````md\na\n```\nb\n````\n", "a.md whole=\"a\\n```\\nb\\n\""},
		{"nested tagged fence", "File: a.md\n```markdown\n# T\n```go\nx := 1\n```\nend\n```\n",
			"a.md whole=\"# T\\n```go\\nx := 1\\n```\\nend\\n\""},
		{"tildes inside backticks", "File: a.md\n```\n~~~\nx\n```\n", "a.md whole=\"~~~\\nx\\n\""},
		{"backticks inside tildes", "File: a.md\n~~~\n```\nx\n~~~\n", "a.md whole=\"```\\nx\\n\""},
		{"empty file", "File: a.txt\n```\n```\n", `a.txt whole=""`},
		{"blank lines kept", "File: a.txt\n```\n\nx\n\n```\n", `a.txt whole="\nx\n\n"`},
		{"indented fence", "File: a.go\n  ```go\n  x\n  ```\n", `a.go whole="  x\n"`},
		{"crlf", "File: a.go\r\n```go\r\nx\r\ny\r\n```\r\n", `a.go whole="x\ny\n"`},
		{"no final newline", "File: a.go\n```go\nx\n```", `a.go whole="x\n"`},
		{"inline triple backticks are not a fence", "File: a.md\n```\n```x``` here\n```\n", "a.md whole=\"```x``` here\\n\""},
		{"two files with prose", "First:\n\nFile: a.go\n```go\na\n```\n\nThen the second one, which uses it.\n\nFile: b/b.go\n```go\nb\n```\nDone.",
			`a.go whole="a\n"; b/b.go whole="b\n"`},
		{"example between files ignored", "File: a.go\n```go\na\n```\nRun:\n```sh\ngo test\n```\nFile: b.go\n```go\nb\n```\n",
			`a.go whole="a\n"; b.go whole="b\n"`},
		{"later whole wins", "File: a.go\n```\n1\n```\nFile: b.go\n```\nb\n```\nFile: a.go\n```\n2\n```\n",
			`a.go whole="2\n"; b.go whole="b\n"`},
		{"equivalent paths merge", "File: a/b.go\n```\n1\n```\nFile: ./a//b.go\n```\n2\n```\n", `a/b.go whole="2\n"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			edits, err := Parse(tt.reply)
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			if got := describe(edits); got != tt.want {
				t.Errorf("got  %s\nwant %s", got, tt.want)
			}
		})
	}
}

func TestParseSearchReplace(t *testing.T) {
	tests := []struct{ name, reply, want string }{
		{"one block", "a.go\n```go\n<<<<<<< SEARCH\nold\n=======\nnew\n>>>>>>> REPLACE\n```\n", `a.go ["old\n"->"new\n"]`},
		{"two blocks", "a.go\n```go\n<<<<<<< SEARCH\n1\n=======\n2\n>>>>>>> REPLACE\n\n<<<<<<< SEARCH\n3\n=======\n>>>>>>> REPLACE\n```\n",
			`a.go ["1\n"->"2\n"] ["3\n"->""]`},
		{"marker lengths and spaces", "a.go\n```\n<<<<< SEARCH  \nold\n=========\nnew\n>>>>>>>>> REPLACE \n```\n", `a.go ["old\n"->"new\n"]`},
		{"marker case", "a.go\n```\n<<<<<<< search\nold\n=======\nnew\n>>>>>>> replace\n```\n", `a.go ["old\n"->"new\n"]`},
		{"empty search", "a.go\n```\n<<<<<<< SEARCH\n=======\nnew\n>>>>>>> REPLACE\n```\n", `a.go [""->"new\n"]`},
		{"divider in replace is content", "a.md\n```\n<<<<<<< SEARCH\nT\n=======\nT\n=======\n>>>>>>> REPLACE\n```\n", `a.md ["T\n"->"T\n=======\n"]`},
		{"path inside fence", "```go\na.go\n<<<<<<< SEARCH\nold\n=======\nnew\n>>>>>>> REPLACE\n```\n", `a.go ["old\n"->"new\n"]`},
		{"same path inside fence", "a.go\n```go\na.go\n<<<<<<< SEARCH\nold\n=======\nnew\n>>>>>>> REPLACE\n```\n", `a.go ["old\n"->"new\n"]`},
		{"without fence", "a.go\n<<<<<<< SEARCH\nold\n=======\nnew\n>>>>>>> REPLACE\n\nThat fixes it.\n", `a.go ["old\n"->"new\n"]`},
		{"blocks accumulate", "a.go\n```\n<<<<<<< SEARCH\n1\n=======\n2\n>>>>>>> REPLACE\n```\nb.go\n```\nb\n```\na.go\n```\n<<<<<<< SEARCH\n3\n=======\n4\n>>>>>>> REPLACE\n```\n",
			`a.go ["1\n"->"2\n"] ["3\n"->"4\n"]; b.go whole="b\n"`},
		{"whole then blocks", "a.go\n```\nw\n```\na.go\n```\n<<<<<<< SEARCH\nw\n=======\nv\n>>>>>>> REPLACE\n```\n", `a.go whole="w\n" ["w\n"->"v\n"]`},
		{"whole resets blocks", "a.go\n```\n<<<<<<< SEARCH\n1\n=======\n2\n>>>>>>> REPLACE\n```\na.go\n```\nw\n```\n", `a.go whole="w\n"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			edits, err := Parse(tt.reply)
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			if got := describe(edits); got != tt.want {
				t.Errorf("got  %s\nwant %s", got, tt.want)
			}
		})
	}
}

func TestParseLines(t *testing.T) {
	reply := "Intro\n\nFile: a.go\n```go\n<<<<<<< SEARCH\nx\n=======\ny\n>>>>>>> REPLACE\n\n<<<<<<< SEARCH\n=======\nz\n>>>>>>> REPLACE\n```\n"
	edits, err := Parse(reply)
	if err != nil {
		t.Fatal(err)
	}
	if len(edits) != 1 || edits[0].Line != 3 || len(edits[0].Blocks) != 2 ||
		edits[0].Blocks[0].Line != 5 || edits[0].Blocks[1].Line != 11 {
		t.Errorf("lines = %+v, want header 3, blocks 5 and 11", edits)
	}
}

func TestParseFormatErrors(t *testing.T) {
	tests := []struct {
		name, reply string
		line        int
		msg         []string
	}{
		{"unterminated fence", "File: a.go\n```go\npackage a\n", 2, []string{"line 2", "never closed", "```"}},
		{"unterminated long fence", "File: a.go\n````\nx\n```\n", 2, []string{"never closed", "````"}},
		{"search without file", "Change this:\n```go\n<<<<<<< SEARCH\nx\n=======\ny\n>>>>>>> REPLACE\n```\n", 2, []string{"does not say which file", "line 3"}},
		{"bare search without file", "<<<<<<< SEARCH\nx\n=======\ny\n>>>>>>> REPLACE\n", 1, []string{"does not say which file"}},
		{"missing divider", "a.go\n```\n<<<<<<< SEARCH\nx\n>>>>>>> REPLACE\n```\n", 5, []string{"a.go:", "line 3", "no ======="}},
		{"missing replace", "a.go\n```\n<<<<<<< SEARCH\nx\n=======\ny\n```\n", 3, []string{"line 3", "not closed with >>>>>>> REPLACE"}},
		{"search inside replace", "a.go\n```\n<<<<<<< SEARCH\nx\n=======\ny\n<<<<<<< SEARCH\n```\n", 7, []string{"before the next <<<<<<< SEARCH at line 7"}},
		{"stray replace marker", "a.go\n```\nx\n>>>>>>> REPLACE\n<<<<<<< SEARCH\nx\n=======\n>>>>>>> REPLACE\n```\n", 4, []string{"outside a SEARCH/REPLACE block"}},
		{"text mixed with blocks", "a.go\n```\n<<<<<<< SEARCH\nx\n=======\ny\n>>>>>>> REPLACE\nfunc main() {}\n```\n", 8, []string{"line 8", "not both"}},
		{"prose line inside fence", "a.go\n```\nchange it like so\n<<<<<<< SEARCH\nx\n=======\ny\n>>>>>>> REPLACE\n```\n", 3, []string{"line 3", "neither"}},
		{"other path inside fence", "a.go\n```\nb.go\n<<<<<<< SEARCH\nx\n=======\ny\n>>>>>>> REPLACE\n```\n", 3, []string{"names another file, b.go"}},
		{"diff", "File: a.go\n```diff\n--- a/a.go\n+++ b/a.go\n@@ -1 +1 @@\n-x\n+y\n```\n", 2, []string{"is a diff"}},
		{"hunk only diff", "File: a.go\n```diff\n@@ -1 +1 @@\n-x\n+y\n```\n", 2, []string{"is a diff"}},
		{"elided code", "File: a.go\n```go\npackage a\n\n// ... existing code ...\n\nfunc B() {}\n```\n", 5, []string{"line 5", "leaves part of the file out"}},
		{"elided rest", "File: a.py\n```python\nimport os\n# rest of the file unchanged\n```\n", 4, []string{"leaves part of the file out"}},
		{"control character", "File: a\x01b.go\n```\nx\n```\n", 1, []string{"control characters"}},
		{"directory", "File: services/\n```\nx\n```\n", 1, []string{"names a directory"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			edits, err := Parse(tt.reply)
			var fe *FormatError
			if !errors.As(err, &fe) {
				t.Fatalf("Parse = %s, %v; want *FormatError", describe(edits), err)
			}
			if edits != nil {
				t.Errorf("Parse returned edits with an error: %s", describe(edits))
			}
			if fe.Line != tt.line {
				t.Errorf("Line = %d, want %d (%v)", fe.Line, tt.line, err)
			}
			for _, s := range tt.msg {
				if !strings.Contains(err.Error(), s) {
					t.Errorf("message lacks %q:\n%v", s, err)
				}
			}
		})
	}
}

// TestParseDiffFileIsContent checks that a patch file is not mistaken for
// a diff reply.
func TestParseDiffFileIsContent(t *testing.T) {
	edits, err := Parse("File: fix.patch\n```diff\n--- a/x\n+++ b/x\n@@ -1 +1 @@\n```\n")
	if err != nil || len(edits) != 1 {
		t.Fatalf("Parse = %s, %v", describe(edits), err)
	}
}

func TestParseCollectsProblems(t *testing.T) {
	reply := "a.go\n```\n<<<<<<< SEARCH\nx\n```\nb.go\n```\n// ... existing code ...\n```\n"
	_, err := Parse(reply)
	var fe *FormatError
	if !errors.As(err, &fe) {
		t.Fatalf("err = %v, want *FormatError", err)
	}
	for _, s := range []string{"2 problems", "a.go: the SEARCH/REPLACE block at line 3", "b.go: line 8"} {
		if !strings.Contains(err.Error(), s) {
			t.Errorf("message lacks %q:\n%v", s, err)
		}
	}
}

func TestParseSecurity(t *testing.T) {
	tests := []struct {
		name, header, msg string
	}{
		{"absolute", "File: /etc/passwd", "/etc/passwd is absolute"},
		{"absolute in backticks", "`/etc/passwd`", "/etc/passwd is absolute"},
		{"parent", "File: ../x.go", "../x.go climbs out of the project"},
		{"climb through a directory", "File: a/../../x", "a/../../x climbs out of the project"},
		{"dot and parents", "File: a/./../..", "a/./../.. climbs out of the project"},
		{"deep climb", "services/../../etc/passwd", "services/../../etc/passwd climbs out of the project"},
		{"backslash climb", `File: a\..\..\x`, `a\..\..\x climbs out of the project`},
		{"windows drive", `File: C:\x`, `C:\x is absolute`},
		{"windows drive slash", "File: C:/x", "C:/x is absolute"},
		{"drive relative", "File: C:x", "C:x is absolute"},
		{"unc", `File: \\server\share\x`, "is absolute"},
		{"info string", "", "/etc/passwd is absolute"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			reply := "File: ok.go\n```\nok\n```\n" + tt.header + "\n```\nx\n```\n"
			if tt.header == "" {
				reply = "File: ok.go\n```\nok\n```\n```sh title=\"/etc/passwd\"\nx\n```\n"
			}
			edits, err := Parse(reply)
			var se *SecurityError
			if !errors.As(err, &se) {
				t.Fatalf("Parse = %s, %v; want *SecurityError", describe(edits), err)
			}
			if edits != nil {
				t.Errorf("edits returned with a security error")
			}
			if !strings.Contains(err.Error(), tt.msg) {
				t.Errorf("message %q lacks %q", err, tt.msg)
			}
		})
	}
}

// TestParseSecurityWins checks that a security problem is reported even
// when the reply also has format problems, since it must fail the node.
func TestParseSecurityWins(t *testing.T) {
	reply := "a.go\n```\n<<<<<<< SEARCH\nx\n```\nFile: ../../x\n```\nx\n```\n"
	_, err := Parse(reply)
	var se *SecurityError
	if !errors.As(err, &se) || se.Line != 6 {
		t.Fatalf("err = %v, want *SecurityError at line 6", err)
	}
}

func TestHeaderPath(t *testing.T) {
	tests := []struct {
		line, want string
		ok         bool
	}{
		{"Makefile", "", false},
		{"`Makefile`", "Makefile", true},
		{"File: Makefile", "Makefile", true},
		{"__init__.py", "__init__.py", true},
		{"pkg/__init__.py:", "pkg/__init__.py", true},
		{"`a` and `b.go`", "", false},
		{"<br/>", "", false},
		{"i.e.", "", false},
		{"...", "", false},
		{"####### deep.go", "", false},
		{"###### deep.go", "deep.go", true},
	}
	for _, tt := range tests {
		got, ok := headerPath(tt.line)
		if got != tt.want || ok != tt.ok {
			t.Errorf("headerPath(%q) = %q, %v; want %q, %v", tt.line, got, ok, tt.want, tt.ok)
		}
	}
}
