package reply

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/bmatcuk/doublestar/v4"
)

// Change is the complete new content of every file a reply changes,
// checked and ready to write.
type Change struct {
	Files map[string][]byte // project-relative path -> new content
}

// Paths returns the changed paths in sorted order, the order Write uses.
func (c *Change) Paths() []string {
	paths := make([]string, 0, len(c.Files))
	for p := range c.Files {
		paths = append(paths, p)
	}
	sort.Strings(paths)
	return paths
}

// Plan checks every edit against the project before anything is written
// and returns the full new content of each file.
//
// Every path must be relative, in clean form, inside the project, matched
// by at least one of the outputs globs, and not protected (see
// protectedRule): outputs come from the Kirofile, but even "**" must not
// let a model rewrite the configuration that constrains it. Symbolic links
// in the part of the path that exists are followed: one that leads out of
// the project is refused, and one that stays inside must lead to a place
// that passes the same rules, or a link could smuggle a write into .git or
// outside the outputs.
//
// SEARCH/REPLACE blocks are applied to the Whole content when the edit has
// one and to the file on disk otherwise. A SEARCH on a missing file is an
// error, except an empty one, which creates the file.
//
// All edits are checked for security first, so a *SecurityError wins over
// any *FormatError; format problems of all files are reported together.
// Matching takes time linear in each file and block; the error is ctx's
// when it ends first (an interrupted run).
func Plan(ctx context.Context, projectDir string, outputs []string, edits []Edit) (*Change, error) {
	root, err := projectRoot(projectDir)
	if err != nil {
		return nil, err
	}
	targets := make([]target, len(edits))
	var problems []*FormatError
	for i, e := range edits {
		t, err := checkPath(root, outputs, e.Path)
		var fe *FormatError
		switch {
		case errors.As(err, &fe):
			fe.Line = e.Line
			problems = append(problems, fe)
		case err != nil:
			return nil, err
		}
		targets[i] = t
	}
	if len(problems) > 0 {
		return nil, joinFormat(problems)
	}

	files := map[string][]byte{}
	failed := map[string]bool{}
	for i, e := range edits {
		t := targets[i]
		if failed[e.Path] {
			continue // later blocks would only report the first failure again
		}
		cur, have := files[e.Path]
		exists := have || t.exists
		switch {
		case e.Whole != nil:
			cur, exists = []byte(*e.Whole), true
		case !have && t.exists:
			if cur, err = os.ReadFile(t.real); err != nil {
				return nil, fmt.Errorf("read %s: %w", e.Path, err)
			}
		}
		if len(e.Blocks) == 0 {
			files[e.Path] = cur
			continue
		}
		ed := newEditor(string(cur))
		for _, b := range e.Blocks {
			if err := ctx.Err(); err != nil {
				return nil, err
			}
			ok := false
			if exists || !ed.empty() || isBlank(b.Search) {
				if ok, err = ed.apply(ctx, b); err != nil {
					return nil, err
				}
			}
			if !ok {
				problems = append(problems, notFound(e.Path, b, ed.String(), exists || !ed.empty()))
				failed[e.Path] = true
				break
			}
		}
		files[e.Path] = []byte(ed.String())
	}
	if len(problems) > 0 {
		return nil, joinFormat(problems)
	}
	return &Change{Files: files}, nil
}

// projectRoot is the absolute project directory with its own symbolic
// links resolved, the reference every resolved path is compared with.
func projectRoot(projectDir string) (string, error) {
	abs, err := filepath.Abs(projectDir)
	if err != nil {
		return "", err
	}
	root, err := filepath.EvalSymlinks(abs)
	if err != nil {
		return "", fmt.Errorf("project directory: %w", err)
	}
	return root, nil
}

// target is where a checked path leads on disk.
type target struct {
	real   string // absolute path after following links in the existing part
	exists bool   // whether a file is there now
}

// checkPath applies every path rule to one path.
func checkPath(root string, outputs []string, p string) (target, error) {
	if rule := syntaxRule(p); rule != "" {
		return target{}, &SecurityError{Path: p, Rule: rule}
	}
	if rule := protectedRule(p); rule != "" {
		return target{}, &SecurityError{Path: p, Rule: rule}
	}
	if !matchAny(outputs, p) {
		return target{}, &SecurityError{Path: p, Rule: "is outside this codegen's outputs [" + strings.Join(outputs, ", ") + "]"}
	}
	t, realRel, err := resolve(root, p)
	if err != nil || realRel == p {
		return t, err
	}
	via := "leads through a symbolic link to " + realRel + ", which "
	if rule := protectedRule(realRel); rule != "" {
		return target{}, &SecurityError{Path: p, Rule: via + rule}
	}
	if !matchAny(outputs, realRel) {
		return target{}, &SecurityError{Path: p, Rule: via + "is outside this codegen's outputs [" + strings.Join(outputs, ", ") + "]"}
	}
	return t, nil
}

// syntaxRule says why p is not a clean project-relative path, or "".
// Parse only produces clean paths; this guards edits built elsewhere.
func syntaxRule(p string) string {
	switch {
	case p == "" || p == ".":
		return "is not a file path"
	case !utf8.ValidString(p) || strings.ContainsFunc(p, unicode.IsControl):
		return "contains control characters or invalid text"
	case strings.Contains(p, `\`):
		return "contains a backslash; paths use forward slashes"
	}
	if rule := pathRule(p); rule != "" {
		return rule
	}
	if path.Clean(p) != p {
		return "is not in clean form (" + path.Clean(p) + ")"
	}
	return ""
}

// protectedRule says why a model may never write p whatever the outputs
// say, or returns "". Names are compared ignoring case and the trailing
// dots and spaces Windows drops, since on case-insensitive file systems
// ".GIT/config" is ".git/config"; and they are protected at any depth, as
// a nested Kirofile or .git is no less sensitive.
func protectedRule(p string) string {
	parts := strings.Split(p, "/")
	for i, part := range parts {
		name := strings.ToLower(strings.TrimRight(part, ". "))
		switch {
		case name == ".git":
			return "is inside .git/, which kirofile never lets a model write"
		case name == ".kirofile":
			return "is inside .kirofile/, kirofile's own state, which a model may never write"
		case i == len(parts)-1 && (name == "kirofile" || strings.HasPrefix(name, "kirofile.") ||
			strings.HasSuffix(name, ".kiro.hcl") || strings.HasSuffix(name, ".kiro.json")):
			return "is kirofile's configuration or lock file, which a model may never rewrite"
		}
	}
	return ""
}

// matchAny reports whether p matches one of the globs. A malformed glob
// matches nothing: the configuration checks globs when it loads, and a
// write permission must never come from an error.
func matchAny(globs []string, p string) bool {
	for _, g := range globs {
		if ok, err := doublestar.Match(g, p); err == nil && ok {
			return true
		}
	}
	return false
}

// resolve follows p component by component from root. Each existing
// component is examined with Lstat; a symbolic link is resolved with
// EvalSymlinks and must stay inside root. realRel is where p really leads,
// relative to root. A component that is a file where a directory is
// needed, or a final component that is not a regular file, is a format
// problem: the model named something that cannot be written.
func resolve(root, p string) (t target, realRel string, err error) {
	cur := root
	parts := strings.Split(p, "/")
	for i, part := range parts {
		next := filepath.Join(cur, part)
		fi, err := os.Lstat(next)
		if errors.Is(err, fs.ErrNotExist) {
			cur = filepath.Join(append([]string{cur}, parts[i:]...)...)
			break
		}
		if err != nil {
			return target{}, "", fmt.Errorf("check %s: %w", p, err)
		}
		last := i == len(parts)-1
		if fi.Mode()&fs.ModeSymlink != 0 {
			shown := strings.Join(parts[:i+1], "/")
			dest, err := filepath.EvalSymlinks(next)
			if err != nil {
				return target{}, "", &SecurityError{Path: p, Rule: "passes through the symbolic link " + shown + ", which leads nowhere that can be checked"}
			}
			if !inside(root, dest) {
				return target{}, "", &SecurityError{Path: p, Rule: "passes through the symbolic link " + shown + ", which leads out of the project"}
			}
			if fi, err = os.Stat(dest); err != nil {
				return target{}, "", fmt.Errorf("check %s: %w", p, err)
			}
			next = dest
		}
		switch {
		case !last && !fi.IsDir():
			return target{}, "", &FormatError{Path: p, Msg: strings.Join(parts[:i+1], "/") + " is a file, so nothing can be created under it; check the path"}
		case last && fi.IsDir():
			return target{}, "", &FormatError{Path: p, Msg: "this is a directory, not a file; check the path"}
		case last && !fi.Mode().IsRegular():
			return target{}, "", &FormatError{Path: p, Msg: "this is not a regular file and cannot be written"}
		case last:
			t.exists = true
		}
		cur = next
	}
	rel, err := filepath.Rel(root, cur)
	if err != nil {
		return target{}, "", err
	}
	t.real = cur
	return t, filepath.ToSlash(rel), nil
}

// inside reports whether path lies within root (both absolute and free of
// symbolic links).
func inside(root, p string) bool {
	rel, err := filepath.Rel(root, p)
	return err == nil && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator)) && !filepath.IsAbs(rel)
}

// notFound explains a SEARCH that matches nothing, with the part of the
// file the model most likely meant, so that the next attempt can copy it.
func notFound(p string, b SearchReplace, content string, exists bool) *FormatError {
	if !exists {
		return &FormatError{Path: p, Line: b.Line, Msg: fmt.Sprintf(
			"the SEARCH block at line %d edits a file that does not exist; to create it, send the whole file in a code block under its path (or use an empty SEARCH)", b.Line)}
	}
	lines := strings.Split(strings.TrimSuffix(strings.ReplaceAll(content, "\r\n", "\n"), "\n"), "\n")
	from, what := 0, "here are the file's first lines"
	want := ""
	for _, l := range strings.Split(b.Search, "\n") {
		if want = strings.TrimSpace(l); want != "" {
			break
		}
	}
	for i, l := range lines {
		if strings.TrimSpace(l) == want {
			from, what = max(i-2, 0), fmt.Sprintf("the file has the SEARCH block's first line at line %d; here is that part of the file", i+1)
			break
		}
	}
	to := min(from+30, len(lines))
	snippet := strings.Join(lines[from:to], "\n")
	tick := strings.Repeat("`", max(3, longestRun(snippet, '`')+1))
	return &FormatError{Path: p, Line: b.Line, Msg: fmt.Sprintf(
		"the SEARCH block at line %d matches nothing in the current file, even ignoring whitespace; %s:\n\n%s\n%s\n%s\n\nSEARCH must repeat existing lines exactly. Correct the block, or reply with the whole file instead",
		b.Line, what, tick, snippet, tick)}
}

// longestRun is the length of the longest run of c in s, so a fence
// around s can be made longer than any fence inside it.
func longestRun(s string, c byte) int {
	best, n := 0, 0
	for i := 0; i < len(s); i++ {
		if s[i] == c {
			n++
			best = max(best, n)
		} else {
			n = 0
		}
	}
	return best
}
