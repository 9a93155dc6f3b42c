package lang

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"strings"

	"github.com/bmatcuk/doublestar/v4"
	"github.com/hashicorp/hcl/v2"
)

// CheckGlob reports why a project-relative glob is unusable: malformed,
// absolute, or climbing out of the project with "..". It returns nil for a
// good pattern.
func CheckGlob(pattern string) error {
	if err := CheckRelPath(pattern); err != nil {
		return err
	}
	if !doublestar.ValidatePattern(pattern) {
		return fmt.Errorf("%q is not a valid glob: check its brackets and braces", pattern)
	}
	return nil
}

// CheckRelPath reports why a path is not a usable project-relative path.
func CheckRelPath(p string) error {
	switch {
	case strings.TrimSpace(p) == "":
		return errors.New("the path is empty")
	case strings.HasPrefix(p, "/") || strings.HasPrefix(p, "\\") || len(p) > 1 && p[1] == ':':
		return fmt.Errorf("%q is absolute; paths are relative to the project directory", p)
	case strings.Contains(p, "\\"):
		return fmt.Errorf("%q contains a backslash; write paths with forward slashes", p)
	}
	clean := path.Clean(p)
	if clean == ".." || strings.HasPrefix(clean, "../") {
		return fmt.Errorf("%q climbs out of the project directory with \"..\"", p)
	}
	return nil
}

// checkGlobs validates each pattern of a list attribute, pointing at the
// offending element.
func (l *loader) checkGlobs(attr *hcl.Attribute, patterns []string) bool {
	ok := true
	ranges := elementRanges(attr.Expr, len(patterns))
	for i, p := range patterns {
		if err := CheckGlob(p); err != nil {
			l.errorf(ranges[i], "Invalid glob in "+attr.Name, "%s.", capitalize(err.Error()))
			ok = false
		}
	}
	return ok
}

// warnUnmatched warns about each pattern that matches no file: a context
// or steering glob that matches nothing is almost always a typo, and
// silently sending a prompt without that context would hide it. A pattern
// that covers some codegen's outputs is spared: it names files a node
// generates, which exist by the time they are needed.
func (l *loader) warnUnmatched(attr *hcl.Attribute, patterns []string) {
	ranges := elementRanges(attr.Expr, len(patterns))
	for i, p := range patterns {
		if !l.globMatchesAny(p) && !l.generated(p) {
			l.warnf(ranges[i], "Glob matches no file",
				"The pattern %q in %s matches no file in the project, so nothing from it reaches the prompt.", p, attr.Name)
		}
	}
}

var errFound = errors.New("found")

func (l *loader) globMatchesAny(pattern string) bool {
	err := doublestar.GlobWalk(os.DirFS(l.dir), pattern, func(string, fs.DirEntry) error {
		return errFound
	}, doublestar.WithFilesOnly())
	return errors.Is(err, errFound)
}

// GlobsOverlap reports whether some path could match a glob of each list:
// when one glob matches the other literally, or when the directories they
// are rooted at are one inside the other. It is deliberately generous, as
// deciding the exact intersection of two globs is not worth its cost here.
func GlobsOverlap(a, b []string) bool {
	for _, p := range a {
		pb, _ := doublestar.SplitPattern(p)
		for _, o := range b {
			if ok, _ := doublestar.Match(p, o); ok {
				return true
			}
			if ok, _ := doublestar.Match(o, p); ok {
				return true
			}
			ob, _ := doublestar.SplitPattern(o)
			if dirWithin(pb, ob) || dirWithin(ob, pb) {
				return true
			}
		}
	}
	return false
}

// dirWithin reports whether directory a is b or inside b.
func dirWithin(a, b string) bool {
	a, b = path.Clean(a), path.Clean(b)
	return b == "." || a == b || strings.HasPrefix(a, b+"/")
}

// generated reports whether a glob overlaps the outputs of some codegen.
func (l *loader) generated(pattern string) bool {
	for _, fd := range l.featureDecls {
		for _, cd := range fd.codegens {
			if GlobsOverlap([]string{pattern}, cd.codegen.Outputs) {
				return true
			}
		}
	}
	return false
}
