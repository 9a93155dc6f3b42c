package lockfile

import (
	"os"
	"regexp"
	"testing"
)

// TestDocumentedExample: the example of docs/lockfile.md is a lock that
// reads, in canonical form.
func TestDocumentedExample(t *testing.T) {
	doc, err := os.ReadFile("../../docs/lockfile.md")
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile("(?s)## Example\n\n```hcl\n(.*?)```").FindSubmatch(doc)
	if m == nil {
		t.Fatal("docs/lockfile.md has no example")
	}
	l, _, diags := Parse(m[1], FileName)
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	if got := l.Bytes(); string(got) != string(m[1]) {
		t.Errorf("the example is not in canonical form; it would be:\n%s", got)
	}
}
