package specdoc

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"strings"

	"github.com/hashicorp/hcl/v2"
)

// Kiro's steering files and spec documents pull other files into the
// model's context with a reference of their own: #[[file:PATH]], the path
// relative to the project ("#[[file:api/openapi.yaml]]"). A reference
// inside code (a fenced block or a `code span`) is an example, not a
// reference.

// FileRef is one #[[file:PATH]] reference.
type FileRef struct {
	Path  string    // as written
	Range hcl.Range // the whole reference, from "#" to "]]"
}

const (
	refOpen  = "#[[file:"
	refClose = "]]"
)

// FileRefs returns the file references of a Markdown document, in order.
func FileRefs(filename string, src []byte) []FileRef {
	if !bytes.Contains(src, []byte(refOpen)) {
		return nil
	}
	d := newDocument(filename, src)
	var refs []FileRef
	for _, n := range d.nodes {
		if n.skipped() || n.kind == nodeItem {
			continue
		}
		for _, l := range n.lines {
			refs = append(refs, lineRefs(d, l)...)
		}
	}
	return refs
}

// lineRefs finds the references on one line, outside code spans.
func lineRefs(d *document, l text) []FileRef {
	s := l.s
	var refs []FileRef
	spans := codeSpans(s)
	for i := 0; i < len(s); {
		k := strings.Index(s[i:], refOpen)
		if k < 0 {
			break
		}
		start := i + k
		end := strings.Index(s[start+len(refOpen):], refClose)
		if end < 0 {
			break
		}
		end += start + len(refOpen)
		i = end + len(refClose)
		if inSpans(spans, start) {
			continue
		}
		p := strings.TrimSpace(s[start+len(refOpen) : end])
		refs = append(refs, FileRef{Path: p, Range: *d.rng(l.at(start), l.at(i))})
	}
	return refs
}

// codeSpans returns the byte ranges of the code spans of a line: a run of
// backticks up to the next run of the same length.
func codeSpans(s string) [][2]int {
	var spans [][2]int
	for i := 0; i < len(s); {
		if s[i] != '`' {
			i++
			continue
		}
		n := 0
		for i+n < len(s) && s[i+n] == '`' {
			n++
		}
		closeAt := -1
		for j := i + n; j < len(s); {
			if s[j] != '`' {
				j++
				continue
			}
			m := 0
			for j+m < len(s) && s[j+m] == '`' {
				m++
			}
			if m == n {
				closeAt = j
				break
			}
			j += m
		}
		if closeAt < 0 {
			i += n
			continue
		}
		spans = append(spans, [2]int{i, closeAt + n})
		i = closeAt + n
	}
	return spans
}

func inSpans(spans [][2]int, off int) bool {
	for _, sp := range spans {
		if off >= sp[0] && off < sp[1] {
			return true
		}
	}
	return false
}

// ResolvedRef is a file reference and the file it names.
type ResolvedRef struct {
	FileRef
	// File is the referenced file, relative to the project directory,
	// with forward slashes.
	File string
}

// ErrOutsideProject is wrapped by a FileRefError whose path is absolute or
// climbs out of the project directory: a document may not pull a file
// from elsewhere into a prompt.
var ErrOutsideProject = errors.New("the path leaves the project directory")

// ErrNotAFile is wrapped by a FileRefError whose path names a directory or
// another file that is not a regular file.
var ErrNotAFile = errors.New("not a regular file")

// FileRefError is a reference that names no readable file of the project.
// Err wraps fs.ErrNotExist, ErrOutsideProject, ErrNotAFile or the error
// of reading the file.
type FileRefError struct {
	Ref FileRef
	// Tried are the project-relative paths looked at.
	Tried []string
	Err   error
}

func (e *FileRefError) Error() string {
	return fmt.Sprintf("%s:%d:%d: file reference %q: %v", e.Ref.Range.Filename, e.Ref.Range.Start.Line, e.Ref.Range.Start.Column, e.Ref.Path, e.Err)
}

func (e *FileRefError) Unwrap() error { return e.Err }

// ResolveFileRefs resolves the references of the document filename (a
// project-relative path) against the project directory dir. A path is
// relative to the project, as in Kiro; one that names no file there is
// tried relative to the document's own directory, where writers put the
// files a spec refers to ("#[[file:openapi.yaml]]" beside the spec). Each
// file is looked up inside the project: a symbolic link out of it is not
// followed.
func ResolveFileRefs(dir, filename string, src []byte) ([]ResolvedRef, []*FileRefError) {
	return resolveFileRefs(dir, filename, FileRefs(filename, src), nil)
}

// resolveFileRefs resolves refs, calling look (when not nil) with every
// path looked up and what was found there.
func resolveFileRefs(dir, filename string, refs []FileRef, look func(Lookup)) ([]ResolvedRef, []*FileRefError) {
	if len(refs) == 0 {
		return nil, nil
	}
	root, err := os.OpenRoot(dir)
	if err != nil {
		if look != nil {
			look(Lookup{Path: ".", Found: FoundError})
		}
		errs := make([]*FileRefError, len(refs))
		for i, r := range refs {
			errs[i] = &FileRefError{Ref: r, Err: fmt.Errorf("opening the project directory: %w", err)}
		}
		return nil, errs
	}
	defer root.Close()
	var out []ResolvedRef
	var errs []*FileRefError
	for _, r := range refs {
		file, ferr := resolveRef(root, filename, r, look)
		if ferr != nil {
			errs = append(errs, ferr)
			continue
		}
		out = append(out, ResolvedRef{FileRef: r, File: file})
	}
	return out, errs
}

// Found is what a lookup of a referenced path found: all that the
// findings about a reference depend on, besides the document itself.
type Found uint8

const (
	// FoundFile is a regular file.
	FoundFile Found = iota + 1
	// FoundNothing is a path that does not exist.
	FoundNothing
	// FoundOther is a directory or a special file.
	FoundOther
	// FoundError is any other outcome (a symbolic link out of the
	// project, a file that cannot be stat-ed): its finding quotes the
	// error, so it is never replayed from a cache.
	FoundError
)

// Lookup is one project-relative path a file reference check looked up,
// and what it found. Looking the same paths up again and finding the same
// things gives the same findings (LookUp).
type Lookup struct {
	Path  string
	Found Found
}

// LookUp looks a project-relative path up as the file reference checks do:
// inside root, without following a symbolic link out of it.
func LookUp(root *os.Root, p string) Found {
	return classify(root.Stat(p))
}

// classify says what a stat found.
func classify(fi fs.FileInfo, err error) Found {
	switch {
	case err == nil && fi.Mode().IsRegular():
		return FoundFile
	case err == nil:
		return FoundOther
	case errors.Is(err, fs.ErrNotExist):
		return FoundNothing
	}
	return FoundError
}

func resolveRef(root *os.Root, filename string, r FileRef, look func(Lookup)) (string, *FileRefError) {
	p := r.Path
	if p == "" || path.IsAbs(p) || strings.HasPrefix(p, "\\") || len(p) > 1 && p[1] == ':' || strings.Contains(p, "\\") {
		return "", &FileRefError{Ref: r, Err: ErrOutsideProject}
	}
	candidates := []string{path.Clean(p)}
	if docDir := path.Dir(filename); docDir != "." {
		candidates = append(candidates, path.Join(docDir, p))
	}
	ferr := &FileRefError{Ref: r}
	for _, c := range candidates {
		if c == ".." || strings.HasPrefix(c, "../") {
			if ferr.Err == nil {
				ferr.Err = ErrOutsideProject
			}
			continue
		}
		ferr.Tried = append(ferr.Tried, c)
		fi, err := root.Stat(c)
		found := classify(fi, err)
		if look != nil {
			look(Lookup{Path: c, Found: found})
		}
		switch found {
		case FoundFile:
			return c, nil
		case FoundOther:
			ferr.Err = ErrNotAFile
		case FoundNothing:
			if ferr.Err == nil || errors.Is(ferr.Err, fs.ErrNotExist) {
				ferr.Err = fs.ErrNotExist
			}
		default:
			// A symbolic link out of the project, or a file that cannot
			// be read.
			ferr.Err = err
		}
	}
	if ferr.Err == nil {
		ferr.Err = fs.ErrNotExist
	}
	return "", ferr
}

// CheckFileRefs reports the references of a document that name no file of
// the project: a warning for a file that does not exist (validate needs no
// more than the configuration and the documents, and a generated file may
// not exist yet), an error for a path out of the project.
func CheckFileRefs(dir, filename string, src []byte) hcl.Diagnostics {
	_, errs := ResolveFileRefs(dir, filename, src)
	return FileRefDiagnostics(errs)
}

// FileRefDiagnostics turns unresolved references into diagnostics.
func FileRefDiagnostics(errs []*FileRefError) hcl.Diagnostics {
	var diags hcl.Diagnostics
	for _, e := range errs {
		rng := e.Ref.Range
		d := &hcl.Diagnostic{Subject: &rng, Extra: RuleFileReference}
		switch {
		case errors.Is(e.Err, ErrOutsideProject):
			d.Severity = hcl.DiagError
			d.Summary = "File reference outside the project"
			d.Detail = fmt.Sprintf("#[[file:%s]] does not name a file of the project: file references are relative to the project directory and may not leave it.", e.Ref.Path)
		case errors.Is(e.Err, fs.ErrNotExist):
			d.Severity = hcl.DiagWarning
			d.Summary = "Referenced file not found"
			d.Detail = fmt.Sprintf("#[[file:%s]] names no file (looked for %s). Until it exists, a prompt that includes this document cannot be built; fix the path or remove the reference.", e.Ref.Path, strings.Join(e.Tried, " and "))
		case errors.Is(e.Err, ErrNotAFile):
			d.Severity = hcl.DiagError
			d.Summary = "Referenced path is not a file"
			d.Detail = fmt.Sprintf("#[[file:%s]] names a directory or a special file; a reference names one file.", e.Ref.Path)
		default:
			d.Severity = hcl.DiagError
			d.Summary = "Cannot read a referenced file"
			d.Detail = fmt.Sprintf("#[[file:%s]]: %v.", e.Ref.Path, e.Err)
		}
		diags = append(diags, d)
	}
	return diags
}
