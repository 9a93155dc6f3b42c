package reply

import (
	"errors"
	"path"
	"strings"
	"testing"
	"unicode"

	"github.com/kirofile/kirofile/lang"
)

// FuzzParse feeds arbitrary replies to Parse. Model output is untrusted,
// so Parse must never panic, must fail only with the two error types the
// caller knows how to handle, and must never hand out a path that is not
// a clean project-relative one: Plan checks again, but Parse's promise is
// what the messages and the merge of equal paths rely on.
func FuzzParse(f *testing.F) {
	seeds := []string{
		"",
		"File: a.go\n```go\npackage a\n```\n",
		"**`a/b.go`**\n````\n```\nx\n```\n````\n",
		"a.go\n```\n<<<<<<< SEARCH\nx\n=======\ny\n>>>>>>> REPLACE\n```\n",
		"```go\na.go\n<<<<<<< SEARCH\n=======\ny\n>>>>>>> REPLACE\n```\n",
		"a.go\n<<<<<<< SEARCH\nx\n=======\n>>>>>>> REPLACE\nprose\n",
		"```go title=\"x/y.go\"\nx\n```\n",
		"File: ../../etc/passwd\n```\nx\n```\n",
		"File: C:\\x\r\n~~~\r\nx\r\n~~~\r\n",
		"# a.md\n```md\n```go\nx\n```\n```\n",
		"File: a.go\n```go\n// ... existing code ...\n```\n",
		"File: a\x00.go\n```\n```\n",
		"- `./a//b/../c.go` (new file):\n```\n```\n",
		"```go:a.go\n<<<<<<< SEARCH\n",
	}
	for _, s := range seeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, reply string) {
		edits, err := Parse(reply)
		if err != nil {
			var fe *FormatError
			var se *SecurityError
			if !errors.As(err, &fe) && !errors.As(err, &se) {
				t.Fatalf("error of unexpected type %T: %v", err, err)
			}
			if edits != nil {
				t.Fatalf("edits returned with error %v", err)
			}
			if err.Error() == "" {
				t.Fatal("empty error message")
			}
			return
		}
		if len(edits) == 0 {
			t.Fatal("no edits and no error")
		}
		seen := map[string]bool{}
		for _, e := range edits {
			if err := lang.CheckRelPath(e.Path); err != nil {
				t.Fatalf("path %q: %v", e.Path, err)
			}
			if path.Clean(e.Path) != e.Path || e.Path == "." || strings.ContainsFunc(e.Path, unicode.IsControl) {
				t.Fatalf("path %q is not clean", e.Path)
			}
			if seen[e.Path] {
				t.Fatalf("path %q appears twice", e.Path)
			}
			seen[e.Path] = true
			if e.Whole == nil && len(e.Blocks) == 0 {
				t.Fatalf("edit of %q changes nothing", e.Path)
			}
			if e.Line < 1 {
				t.Fatalf("edit of %q has no line", e.Path)
			}
		}
	})
}

// FuzzApply checks that applying a block never panics, that an empty
// SEARCH only appends, and that a SEARCH taken from the file's own lines
// is always found.
func FuzzApply(f *testing.F) {
	f.Add("a\nb\nc\n", "b\n", "x\n")
	f.Add("\ta\r\n\t\tb", "  a\n    b\n", "  c\n")
	f.Add("", "", "y")
	f.Fuzz(func(t *testing.T, content, search, replace string) {
		got, ok := apply(content, SearchReplace{Search: search, Replace: replace})
		if isBlank(search) {
			if !ok || !strings.HasPrefix(got, content) {
				t.Fatalf("empty SEARCH did not append: %q", got)
			}
		}
		if !ok && got != content {
			t.Fatalf("failed apply changed the content")
		}
		lines := strings.SplitAfter(content, "\n")
		if len(lines) > 1 && strings.HasSuffix(lines[0], "\n") {
			if _, ok := apply(content, SearchReplace{Search: lines[0], Replace: replace}); !ok {
				t.Fatalf("first line %q not found", lines[0])
			}
		}
	})
}
