package lang

import (
	"strings"
	"testing"

	"github.com/bmatcuk/doublestar/v4"
)

func TestGlobsIntersect(t *testing.T) {
	for _, tc := range []struct {
		a, b string
		want bool
	}{
		{"out/**", "out/**", true},
		{"out/**", "out/*.go", true},
		{"src/**/*.go", "src/**/*.md", false},
		{"src/*.go", "src/sub/*.go", false},
		{"src/**/*.go", "src/sub/x.go", true},
		{"a/**", "b/**", false},
		{"**", "docs/readme.md", true},
		{"*", "out/**", false},
		{"out/{a,b}/**", "out/b/x.txt", true},
		{"out/{a,b}/**", "out/c/x.txt", false},
		{"file[0-4].txt", "file[5-9].txt", false},
		{"file[0-5].txt", "file[5-9].txt", true},
		{"file[!0-4].txt", "file[0-4].txt", false},
		{"x?.go", "x.go", false},
		{"x?.go", "xy.go", true},
		{"Docs/README.md", "docs/readme.md", true}, // one file on macOS and Windows
		{`lit\*.txt`, "litx.txt", false},
		{`lit\*.txt`, "lit*.txt", true},
		{"a/**/b/*.go", "a/b/x.go", true},
		{"a/**/b/*.go", "a/c/d/b/x.go", true},
		{"a/**/b/*.go", "a/c/x.go", false},
		{"out", "out/**", false},
	} {
		ex, got := GlobsIntersect(tc.a, tc.b)
		if got != tc.want {
			t.Errorf("GlobsIntersect(%q, %q) = %q, %v; want %v", tc.a, tc.b, ex, got, tc.want)
			continue
		}
		if got {
			for _, g := range []string{tc.a, tc.b} {
				if ok, _ := doublestar.Match(strings.ToLower(g), ex); !ok {
					t.Errorf("GlobsIntersect(%q, %q): the example %q does not match %q", tc.a, tc.b, ex, g)
				}
			}
		}
	}
}

// TestGlobsIntersectExhaustive checks, on every pair of small globs, that
// GlobsIntersect finds an overlap exactly when some small path matches
// both (by doublestar, the matcher outputs use), and that its example
// does.
func TestGlobsIntersectExhaustive(t *testing.T) {
	globs := []string{"a", "b", "*", "**", "a/*", "*/b", "a/**", "**/b", "a/**/b", "?", "[ab]", "[!a]", "{a,b}/*", "a*", "*b", "a/b", "**/*", "*/*"}
	names := []string{"a", "b", "c", "ab", "ba"}
	var paths []string
	for _, x := range names {
		paths = append(paths, x)
		for _, y := range names {
			paths = append(paths, x+"/"+y)
			for _, z := range names[:3] {
				paths = append(paths, x+"/"+y+"/"+z)
			}
		}
	}
	for _, g1 := range globs {
		for _, g2 := range globs {
			brute := false
			for _, p := range paths {
				m1, m2 := fileMatch(g1, p), fileMatch(g2, p)
				if m1 && m2 {
					brute = true
					break
				}
			}
			ex, got := GlobsIntersect(g1, g2)
			if brute && !got {
				t.Errorf("GlobsIntersect(%q, %q) misses an overlap", g1, g2)
			}
			if got {
				m1, _ := doublestar.Match(g1, ex)
				m2, _ := doublestar.Match(g2, ex)
				if !m1 || !m2 {
					t.Errorf("GlobsIntersect(%q, %q): example %q matches %v, %v", g1, g2, ex, m1, m2)
				}
			}
		}
	}
}

// fileMatch is doublestar's Match for a file: "dir/**" matches the files
// under dir, not dir itself.
func fileMatch(g, p string) bool {
	ok, _ := doublestar.Match(g, p)
	if ok && strings.HasSuffix(g, "/**") {
		if self, _ := doublestar.Match(strings.TrimSuffix(g, "/**"), p); self {
			return false
		}
	}
	return ok
}
