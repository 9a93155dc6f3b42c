package project

import (
	"errors"
	"io/fs"
	"maps"
	"os"
	"path"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"

	"github.com/hashicorp/hcl/v2"
	"github.com/kirofile/kirofile/internal/specdoc"
	"github.com/kirofile/kirofile/lang"
)

// CheckDocuments checks every spec document that exists on disk: the EARS
// form and numbering of requirements, the clauses of bug analyses, the
// sections of designs, that designs and tasks cite ids that exist in their
// feature's requirements or bug analysis, and that #[[file:]] references
// name files of the project.
// Documents not generated yet are skipped, without an attempt to read
// them: which exist is learnt from the listings of their directories, one
// listing per directory. Features are checked in parallel. The returned
// files hold the documents, so that diagnostics can show snippets of them.
func CheckDocuments(cfg *lang.Config) (map[string]*hcl.File, hcl.Diagnostics) {
	return CheckDocumentsRead(cfg, nil)
}

// CheckDocumentsRead is CheckDocuments taking the documents read ahead by
// ReadDocuments (nil for none) instead of reading them again.
func CheckDocumentsRead(cfg *lang.Config, ahead *Documents) (map[string]*hcl.File, hcl.Diagnostics) {
	names := slices.Sorted(maps.Keys(cfg.Features))
	type result struct {
		files map[string]*hcl.File
		diags hcl.Diagnostics
	}
	results := make([]result, len(names))
	ls := &listings{dir: cfg.Dir, names: map[string]listing{}}
	var read map[string][]byte
	if ahead != nil {
		<-ahead.done
		maps.Copy(ls.names, ahead.listed)
		read = ahead.read
	}
	var next sync.Mutex
	i := 0
	var wg sync.WaitGroup
	for range runtime.GOMAXPROCS(0) {
		wg.Go(func() {
			for {
				next.Lock()
				k := i
				i++
				next.Unlock()
				if k >= len(names) {
					return
				}
				files, diags := checkFeature(cfg, ls, read, cfg.Features[names[k]])
				results[k] = result{files, diags}
			}
		})
	}
	wg.Wait()
	files := map[string]*hcl.File{}
	var diags hcl.Diagnostics
	for _, r := range results {
		maps.Copy(files, r.files)
		diags = append(diags, r.diags...)
	}
	return files, diags
}

// checkFeature checks the documents of one feature.
func checkFeature(cfg *lang.Config, ls *listings, ahead map[string][]byte, f *lang.Feature) (map[string]*hcl.File, hcl.Diagnostics) {
	files := map[string]*hcl.File{}
	var diags hcl.Diagnostics
	read := func(s *lang.Spec) ([]byte, bool) {
		if src, ok := ahead[s.Path]; ok {
			files[s.Path] = &hcl.File{Bytes: src}
			return src, true
		}
		if !ls.exists(s.Path) {
			return nil, false
		}
		src, err := os.ReadFile(filepath.Join(cfg.Dir, filepath.FromSlash(s.Path)))
		if errors.Is(err, fs.ErrNotExist) {
			return nil, false
		}
		if err != nil {
			diags = append(diags, &hcl.Diagnostic{
				Severity: hcl.DiagError,
				Summary:  "Cannot read a spec document",
				Detail:   s.Addr.String() + ": " + err.Error() + ".",
			})
			return nil, false
		}
		files[s.Path] = &hcl.File{Bytes: src}
		return src, true
	}
	// A feature's documents are checked together: the design and the
	// tasks cite the ids of its requirements or bug analysis, and every
	// document's #[[file:]] references are resolved.
	var docs []specdoc.Document
	for _, label := range slices.Sorted(maps.Keys(f.Specs)) {
		s := f.Specs[label]
		if src, ok := read(s); ok {
			docs = append(docs, specdoc.Document{Kind: s.Kind, Path: s.Path, Src: src})
		}
	}
	diags = append(diags, specdoc.CheckFeature(cfg.Dir, docs)...)
	return files, diags
}

// listings tells which project paths exist from directory listings, each
// directory listed once and only when its parent lists it: a project
// without .kiro/specs costs one listing, not one failed read per document.
// Safe for concurrent use.
type listings struct {
	dir   string
	mu    sync.Mutex
	names map[string]listing
}

// listing is a directory's entries; unknown when it could be listed for a
// reason other than not existing, and then the reads decide.
type listing struct {
	entries map[string]bool
	unknown bool
}

func (l *listings) exists(p string) bool {
	p = path.Clean(p)
	if p == "." || path.IsAbs(p) || p == ".." || strings.HasPrefix(p, "../") {
		return true // not a plain project path: let the read decide
	}
	dir, name := path.Split(p)
	dir = path.Clean(dir)
	if dir != "." && !l.exists(dir) {
		return false
	}
	ls := l.list(dir)
	return ls.unknown || ls.entries[name]
}

func (l *listings) list(dir string) listing {
	l.mu.Lock()
	defer l.mu.Unlock()
	if ls, ok := l.names[dir]; ok {
		return ls
	}
	var ls listing
	entries, err := os.ReadDir(filepath.Join(l.dir, filepath.FromSlash(dir)))
	switch {
	case err == nil:
		ls.entries = make(map[string]bool, len(entries))
		for _, e := range entries {
			ls.entries[e.Name()] = true
		}
	case !errors.Is(err, fs.ErrNotExist):
		ls.unknown = true
	}
	l.names[dir] = ls
	return ls
}

// Documents are the Markdown files under .kiro/specs, read ahead.
type Documents struct {
	done   chan struct{}
	read   map[string][]byte  // project-relative slash path -> content
	listed map[string]listing // directories listed on the way
}

// SpecsDir is where spec documents are by default.
const SpecsDir = ".kiro/specs"

// ReadDocuments starts reading, in the background, every Markdown file
// under .kiro/specs of dir, where spec documents are by default: validate
// starts it before it loads the configuration, so that reading thousands
// of documents overlaps parsing it, on another core. What is read there
// is what CheckDocumentsRead checks; documents elsewhere are read then.
func ReadDocuments(dir string) *Documents {
	d := &Documents{done: make(chan struct{}), read: map[string][]byte{}, listed: map[string]listing{}}
	go func() {
		defer close(d.done)
		// The directories above .kiro/specs, as listings would see them.
		for _, p := range []string{".", ".kiro", SpecsDir} {
			entries, err := os.ReadDir(filepath.Join(dir, filepath.FromSlash(p)))
			if err != nil {
				if !errors.Is(err, fs.ErrNotExist) {
					return // the reads will say why
				}
				d.listed[p] = listing{}
				return
			}
			if p == SpecsDir {
				break // listed below, with its documents
			}
			ls := listing{entries: map[string]bool{}}
			for _, e := range entries {
				ls.entries[e.Name()] = true
			}
			d.listed[p] = ls
		}
		d.walk(dir, SpecsDir)
	}()
	return d
}

// walk lists a directory and reads its Markdown files, and those of its
// subdirectories, each directory listed once.
func (d *Documents) walk(dir, rel string) {
	entries, err := os.ReadDir(filepath.Join(dir, filepath.FromSlash(rel)))
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			d.listed[rel] = listing{}
		}
		return // else the reads will say why
	}
	ls := listing{entries: make(map[string]bool, len(entries))}
	for _, e := range entries {
		ls.entries[e.Name()] = true
	}
	d.listed[rel] = ls
	for _, e := range entries {
		p := rel + "/" + e.Name()
		switch {
		case e.IsDir():
			d.walk(dir, p)
		case e.Type().IsRegular() && strings.HasSuffix(p, ".md"):
			if src, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(p))); err == nil {
				d.read[p] = src
			}
		}
	}
}
