package reply

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"

	"github.com/bmatcuk/doublestar/v4"

	"github.com/kirofile/kirofile/internal/fsutil"
)

// Change is the complete new content of every file a reply changes,
// checked and ready to write.
type Change struct {
	Files map[string][]byte // project-relative path -> new content
	// real maps a path of Files that leads through a symbolic link inside
	// the project to the path it really names, which is what Write writes
	// (through no link at all); a path missing here is written as it is.
	real map[string]string
	// scope is what Plan checked the change against, for Write to check
	// again.
	scope Scope
}

// Scope is where a reply may write.
type Scope struct {
	// Outputs are the node's outputs globs: the only paths it may write.
	Outputs []string
	// Protected are files no reply may write whatever the outputs say,
	// each with what it is ("the spec document of feature.a.spec.design",
	// "the steering file of steering.tech"): the documents a person
	// reviewed or wrote. They are compared ignoring case and what Windows
	// and macOS ignore in names, as a file system may.
	Protected map[string]string
	// Folded, when set (FoldProtected), is Protected indexed by folded
	// path: a run checking many replies folds the protected paths once,
	// instead of once per path checked.
	Folded map[string]string
}

// FoldProtected indexes protected paths by their folded form (see Scope).
func FoldProtected(protected map[string]string) map[string]string {
	out := make(map[string]string, len(protected))
	for q, what := range protected {
		out[foldPath(q)] = what
	}
	return out
}

// protected says what p is when the scope protects it, or "".
func (s Scope) protected(p string) string {
	if s.Folded != nil {
		return s.Folded[foldPath(p)]
	}
	if len(s.Protected) == 0 {
		return ""
	}
	key := foldPath(p)
	for q, what := range s.Protected {
		if foldPath(q) == key {
			return what
		}
	}
	return ""
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
func Plan(ctx context.Context, projectDir string, scope Scope, edits []Edit) (*Change, error) {
	rootDir, err := projectRoot(projectDir)
	if err != nil {
		return nil, err
	}
	root, err := os.OpenRoot(rootDir)
	if err != nil {
		return nil, fmt.Errorf("project directory: %w", err)
	}
	defer root.Close()
	targets := make([]target, len(edits))
	var problems []*FormatError
	writtenBy := map[string]string{} // real path -> the path naming it
	for i, e := range edits {
		t, err := checkPath(rootDir, scope, e.Path)
		var fe *FormatError
		var se *SecurityError
		switch {
		case errors.As(err, &se):
			if se.Line == 0 {
				se.Line = e.Line
			}
			return nil, err
		case errors.As(err, &fe):
			fe.Line = e.Line
			problems = append(problems, fe)
		case err != nil:
			return nil, err
		}
		if other, ok := writtenBy[foldPath(t.write)]; ok && err == nil && other != e.Path {
			problems = append(problems, &FormatError{Path: e.Path, Line: e.Line, Msg: "names the same file as " + other + "; send each file once"})
		}
		writtenBy[foldPath(t.write)] = e.Path
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
			if cur, err = readIn(root, t.read); err != nil {
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
	c := &Change{Files: files, real: map[string]string{}, scope: scope}
	for i, e := range edits {
		if t := targets[i]; t.write != e.Path {
			c.real[e.Path] = t.write
		}
	}
	return c, nil
}

// readIn reads the file rel inside root through no symbolic link: the
// links on its way were resolved by checkPath, and one put there since
// makes the read fail rather than fetch another file's content.
func readIn(root *os.Root, rel string) ([]byte, error) {
	dir, _, err := fsutil.OpenDirIn(root, path.Dir(rel), false)
	if err != nil {
		return nil, err
	}
	defer dir.Close()
	base := path.Base(rel)
	fi, err := dir.Lstat(base)
	if err != nil {
		return nil, err
	}
	if !fi.Mode().IsRegular() {
		return nil, fmt.Errorf("%s is no longer a regular file", rel)
	}
	return dir.ReadFile(base)
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

// target is where a checked path leads on disk, relative to the project
// root and through no symbolic link.
type target struct {
	// write is the path to replace: the path with the links of its
	// directories resolved. A link as the last component is replaced, not
	// followed.
	write string
	// read is the file whose current content SEARCH/REPLACE blocks edit:
	// write, or where a link as the last component leads.
	read   string
	exists bool // whether a file is there now
}

// checkPath applies every path rule to one path: to the path as the
// reply wrote it and to the path it really names.
func checkPath(root string, scope Scope, p string) (target, error) {
	if err := pathRules(scope, p, ""); err != nil {
		return target{}, err
	}
	t, err := resolve(root, p)
	if err != nil {
		return t, err
	}
	if t.write != p {
		if err := pathRules(scope, p, t.write); err != nil {
			return t, err
		}
	}
	if t.read != t.write {
		// A link as the last component is replaced, not written through;
		// but a reply that names one leading to a file it may not write
		// is refused all the same, as an attempt to reach that file.
		return t, pathRules(scope, p, t.read)
	}
	return t, nil
}

// pathRules checks p, or when real is set the path real that p leads to
// through symbolic links, against every rule; a *SecurityError for what a
// reply may never do, a *FormatError for a name that cannot be written.
func pathRules(scope Scope, p, real string) error {
	checked, via := p, ""
	if real != "" {
		checked, via = real, "leads through a symbolic link to "+real+", which "
	}
	if rule := syntaxRule(checked); rule != "" {
		return &SecurityError{Path: p, Rule: via + rule}
	}
	// The scope's documents first: their message names the node.
	if what := scope.protected(checked); what != "" {
		return &SecurityError{Path: p, Rule: via + "is " + what + ", which only a person or its own node may write"}
	}
	if rule := protectedRule(checked); rule != "" {
		return &SecurityError{Path: p, Rule: via + rule}
	}
	if !matchAny(scope.Outputs, checked) {
		return &SecurityError{Path: p, Rule: via + "is outside this codegen's outputs [" + strings.Join(scope.Outputs, ", ") + "]"}
	}
	if msg := portableRule(checked); msg != "" {
		return &FormatError{Path: p, Msg: msg}
	}
	return nil
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
//
// Kiro's own directory, .kiro/, is protected whole: it holds the specs and
// steering a person reviewed, and Kiro's hooks and settings, which start
// commands in the editor.
func protectedRule(p string) string {
	parts := strings.Split(foldPath(p), "/")
	for i, name := range parts {
		switch {
		case name == ".git":
			return "is inside .git/, which kirofile never lets a model write"
		case name == ".kirofile":
			return "is inside .kirofile/, kirofile's own state, which a model may never write"
		case name == ".kiro":
			return "is inside .kiro/, the specs, steering, hooks and settings a person keeps, which a model may never write"
		case i == len(parts)-1 && (name == "kirofile" || strings.HasPrefix(name, "kirofile.") ||
			strings.HasSuffix(name, ".kiro.hcl") || strings.HasSuffix(name, ".kiro.json")):
			return "is kirofile's configuration or lock file, which a model may never rewrite"
		case shortName().MatchString(name):
			return "looks like a Windows short (8.3) name, which can stand for another file, such as .git"
		}
	}
	return ""
}

// shortName matches the form of a Windows 8.3 alias ("GIT~1",
// "KIROFI~2.HCL"), folded to lower case.
var shortName = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^[^~/]{1,8}~[0-9]+(\.[^.]{0,3})?$`) })

// foldPath is a path as a case-insensitive file system that ignores some
// characters sees it, for comparing with protected names: lower case;
// each component without the trailing dots and spaces Windows drops, or
// an NTFS stream suffix (".git::$INDEX_ALLOCATION" is .git); without the
// invisible characters macOS ignores in names (".g\u200cit" is .git).
func foldPath(p string) string {
	parts := strings.Split(p, "/")
	for i, part := range parts {
		part = strings.Map(func(r rune) rune {
			if ignorable(r) {
				return -1
			}
			return r
		}, part)
		if c := strings.IndexByte(part, ':'); c > 0 {
			part = part[:c]
		}
		parts[i] = strings.ToLower(strings.TrimRight(part, ". "))
	}
	return strings.Join(parts, "/")
}

// ignorable reports the code points HFS+ leaves out of file names (the
// list git uses to protect .git on macOS).
func ignorable(r rune) bool {
	switch {
	case r >= 0x200c && r <= 0x200f, r >= 0x202a && r <= 0x202e, r >= 0x206a && r <= 0x206f, r == 0xfeff:
		return true
	}
	return false
}

// portableRule says why a name cannot be written as it is on every system
// a project may be checked out on, or "": the model is told, and may pick
// another name. Windows refuses device names (CON, NUL, COM1, ...) and
// the characters <>:"|?*, and drops trailing dots and spaces, which would
// make two names one; file systems limit a name to 255 bytes.
func portableRule(p string) string {
	for _, part := range strings.Split(p, "/") {
		switch {
		case len(part) > maxNameBytes:
			return fmt.Sprintf("the name %q is %d bytes long; file systems allow at most %d bytes per name, so use a shorter name", shortened(part), len(part), maxNameBytes)
		case strings.ContainsAny(part, `<>:"|?*`):
			return fmt.Sprintf("the name %q has one of the characters <>:\"|?* that Windows does not allow in file names; use another name", part)
		case strings.HasSuffix(part, ".") || strings.HasSuffix(part, " "):
			return fmt.Sprintf("the name %q ends with a dot or a space, which Windows drops; use another name", part)
		case reservedName(part):
			return fmt.Sprintf("the name %q is a device name on Windows (CON, PRN, AUX, NUL, COM1-9, LPT1-9, with any extension); use another name", part)
		}
	}
	return ""
}

// maxNameBytes is the longest file name most file systems allow.
const maxNameBytes = 255

func shortened(s string) string {
	if len(s) <= 40 {
		return s
	}
	cut := 40
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "..."
}

// reservedName reports a Windows device name, whatever its extension.
func reservedName(name string) bool {
	base, _, _ := strings.Cut(name, ".")
	base = strings.ToUpper(strings.TrimRight(base, " "))
	switch base {
	case "CON", "PRN", "AUX", "NUL", "CONIN$", "CONOUT$":
		return true
	}
	if len(base) == 4 && (strings.HasPrefix(base, "COM") || strings.HasPrefix(base, "LPT")) {
		return base[3] >= '0' && base[3] <= '9'
	}
	if (strings.HasPrefix(base, "COM") || strings.HasPrefix(base, "LPT")) && len(base) > 3 {
		switch base[3:] {
		case "¹", "²", "³":
			return true
		}
	}
	return false
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
// EvalSymlinks and must stay inside root. A component that is a file where
// a directory is needed, or a final component that is not a regular file,
// is a format problem: the model named something that cannot be written.
func resolve(root, p string) (target, error) {
	cur := root
	parts := strings.Split(p, "/")
	var t target
	last := len(parts) - 1
	for i, part := range parts {
		next := filepath.Join(cur, part)
		fi, err := os.Lstat(next)
		if errors.Is(err, fs.ErrNotExist) {
			cur = filepath.Join(append([]string{cur}, parts[i:]...)...)
			rel, err := filepath.Rel(root, cur)
			if err != nil {
				return target{}, err
			}
			t.write = filepath.ToSlash(rel)
			t.read = t.write
			return t, nil
		}
		if err != nil {
			return target{}, fmt.Errorf("check %s: %w", p, err)
		}
		link := fi.Mode()&fs.ModeSymlink != 0
		dest := next
		if link {
			shown := strings.Join(parts[:i+1], "/")
			if dest, err = filepath.EvalSymlinks(next); err != nil {
				return target{}, &SecurityError{Path: p, Rule: "passes through the symbolic link " + shown + ", which leads nowhere that can be checked"}
			}
			if !inside(root, dest) {
				return target{}, &SecurityError{Path: p, Rule: "passes through the symbolic link " + shown + ", which leads out of the project"}
			}
			if fi, err = os.Stat(dest); err != nil {
				return target{}, fmt.Errorf("check %s: %w", p, err)
			}
		}
		switch {
		case i < last && !fi.IsDir():
			return target{}, &FormatError{Path: p, Msg: strings.Join(parts[:i+1], "/") + " is a file, so nothing can be created under it; check the path"}
		case i == last && fi.IsDir():
			return target{}, &FormatError{Path: p, Msg: "this is a directory, not a file; check the path"}
		case i == last && !fi.Mode().IsRegular():
			return target{}, &FormatError{Path: p, Msg: "this is not a regular file and cannot be written"}
		}
		if i < last {
			cur = dest
			continue
		}
		// The last component: a link there is replaced, and what it leads
		// to is only read.
		w, err := filepath.Rel(root, next)
		if err != nil {
			return target{}, err
		}
		r, err := filepath.Rel(root, dest)
		if err != nil {
			return target{}, err
		}
		t.write, t.read, t.exists = filepath.ToSlash(w), filepath.ToSlash(r), true
	}
	return t, nil
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
