package project

import (
	"errors"
	"io"
	"io/fs"
	"maps"
	"os"
	"path"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/hashicorp/hcl/v2"
	"github.com/kirofile/kirofile/internal/cache"
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
// ReadDocuments or ReadDocumentsCached (nil for none) instead of reading
// them again. With ReadDocumentsCached, the findings of documents that did
// not change are taken from the check cache, and the cache is saved.
func CheckDocumentsRead(cfg *lang.Config, ahead *Documents) (map[string]*hcl.File, hcl.Diagnostics) {
	names := slices.Sorted(maps.Keys(cfg.Features))
	type result struct {
		files map[string]*hcl.File
		sizes map[string]int64
		diags hcl.Diagnostics
	}
	results := make([]result, len(names))
	ls := &listings{dir: cfg.Dir, names: map[string]listing{}}
	c := &checker{cfg: cfg, ls: ls, now: time.Now}
	if ahead != nil {
		<-ahead.done
		maps.Copy(ls.names, ahead.listed)
		c.ahead = ahead
		c.checks, c.salt, c.recheck = ahead.checks, ahead.salt, ahead.recheck
		if ahead.now != nil {
			c.now = ahead.now
		}
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
				r := &results[k]
				r.files, r.sizes, r.diags = c.feature(cfg.Features[names[k]])
			}
		})
	}
	wg.Wait()
	files := map[string]*hcl.File{}
	var diags hcl.Diagnostics
	for _, r := range results {
		maps.Copy(files, r.files)
		diags = append(diags, r.diags...)
		if ahead != nil {
			maps.Copy(ahead.sizes, r.sizes)
		}
	}
	c.checks.Save()
	if ahead != nil {
		ahead.Replayed, ahead.Checked = int(c.replayed.Load()), int(c.checked.Load())
	}
	return files, diags
}

// checker checks the documents of features.
type checker struct {
	cfg   *lang.Config
	ls    *listings
	ahead *Documents // nil when nothing was read ahead
	// checks is the check cache, nil when there is none.
	checks  *cache.Checks
	salt    string
	recheck bool
	now     func() time.Time

	replayed, checked atomic.Int64
}

// docState is a spec document of the feature being checked.
type docState struct {
	spec   *lang.Spec
	exists bool
	st     cache.FileStat // known when exists and cached or read
	src    []byte
	read   bool
}

// feature checks the documents of one feature; it returns the documents it
// read (for snippets), the size of every document that exists and the
// findings.
func (c *checker) feature(f *lang.Feature) (map[string]*hcl.File, map[string]int64, hcl.Diagnostics) {
	files := map[string]*hcl.File{}
	sizes := map[string]int64{}
	var diags hcl.Diagnostics
	cached := c.checks != nil
	var docs []*docState
	for _, label := range slices.Sorted(maps.Keys(f.Specs)) {
		d := &docState{spec: f.Specs[label]}
		docs = append(docs, d)
		p := d.spec.Path
		if c.ahead != nil {
			if src, ok := c.ahead.read[p]; ok {
				d.exists, d.read, d.src, d.st = true, true, src, c.ahead.stats[p]
				continue
			}
			if st, ok := c.ahead.stats[p]; ok {
				d.exists, d.st = true, st
				continue
			}
		}
		if !c.ls.exists(p) {
			continue
		}
		if cached {
			st, err := cache.Stat(c.full(p))
			if errors.Is(err, fs.ErrNotExist) {
				continue
			}
			if err == nil {
				d.exists, d.st = true, st
				continue
			}
		}
		// Without a cache, or when the stat failed: the read decides.
		d.exists = true
		if !c.readDoc(d, &diags) {
			d.exists = false
		}
	}
	var cited []*docState
	for _, d := range docs {
		if d.spec.Kind == specdoc.KindRequirements || d.spec.Kind == specdoc.KindBugfix {
			cited = append(cited, d)
		}
	}
	var root *os.Root
	defer func() {
		if root != nil {
			root.Close()
		}
	}()
	if cached && !c.recheck {
		if found, ok := c.replay(docs, cited, &root, files); ok {
			for _, d := range docs {
				if d.exists {
					sizes[d.spec.Path] = d.st.Size
				}
			}
			c.replayed.Add(int64(len(sizes)))
			return files, sizes, append(diags, found...)
		}
	}
	// A feature's documents are checked together: the design and the
	// tasks cite the ids of its requirements or bug analysis, and every
	// document's #[[file:]] references are resolved.
	var checked []*docState
	var in []specdoc.Document
	for _, d := range docs {
		if d.exists && !d.read && !c.readDoc(d, &diags) {
			d.exists = false
		}
		if !d.exists {
			continue
		}
		files[d.spec.Path] = &hcl.File{Bytes: d.src}
		sizes[d.spec.Path] = int64(len(d.src))
		checked = append(checked, d)
		in = append(in, specdoc.Document{Kind: d.spec.Kind, Path: d.spec.Path, Src: d.src})
	}
	out := specdoc.CheckFeatureDocs(c.cfg.Dir, in)
	c.checked.Add(int64(len(in)))
	for i, d := range checked {
		diags = append(diags, out[i].Diags...)
		if cached {
			c.keep(d, cited, out[i])
		}
	}
	return files, sizes, diags
}

// replay returns the findings of the feature's documents from the check
// cache, or false when one of them must be checked again. The documents
// with findings are read, for snippets.
func (c *checker) replay(docs, cited []*docState, root **os.Root, files map[string]*hcl.File) (hcl.Diagnostics, bool) {
	var diags hcl.Diagnostics
	for _, d := range docs {
		if !d.exists {
			continue
		}
		value, ok := c.checks.Get(d.spec.Path, d.st, checkKey(c.salt, d, citedBy(d, cited)))
		if !ok {
			return nil, false
		}
		found, ok := decodeChecked(d.spec.Path, d.st.Size, value)
		if !ok || !lookupsHold(c.cfg.Dir, root, found.Looked) {
			return nil, false
		}
		if len(found.Diags) > 0 {
			if !d.read {
				// The document as it is read must be the one checked.
				st := d.st
				if !c.readDoc(d, nil) || d.st != st {
					return nil, false
				}
			}
			files[d.spec.Path] = &hcl.File{Bytes: d.src}
		}
		diags = append(diags, found.Diags...)
	}
	return diags, true
}

// keep puts the findings of a document just checked into the check cache,
// unless it, or a document its checks cited, changed too recently to be
// recognised later by its stat.
func (c *checker) keep(d *docState, cited []*docState, found specdoc.Checked) {
	now := c.now()
	by := citedBy(d, cited)
	for _, x := range append([]*docState{d}, by...) {
		if x.exists && cache.Racy(cache.PathStat{Exists: true, Stat: x.st}, now) {
			return
		}
	}
	if value, ok := encodeChecked(d.spec.Path, found); ok {
		c.checks.Put(d.spec.Path, d.st, checkKey(c.salt, d, by), value)
	}
}

// citedBy returns the documents whose ids the checks of d read.
func citedBy(d *docState, cited []*docState) []*docState {
	if specdoc.CitesIDs(d.spec.Kind) {
		return cited
	}
	return nil
}

func (c *checker) full(p string) string { return filepath.Join(c.cfg.Dir, filepath.FromSlash(p)) }

// readDoc reads a document and its stat (taken before its content is
// read, so that the stat never describes newer content than was checked);
// false when it does not exist or cannot be read, which it reports in
// diags, when not nil.
func (c *checker) readDoc(d *docState, diags *hcl.Diagnostics) bool {
	src, st, err := readStat(c.full(d.spec.Path))
	if errors.Is(err, fs.ErrNotExist) {
		return false
	}
	if err != nil {
		if diags != nil {
			*diags = append(*diags, &hcl.Diagnostic{
				Severity: hcl.DiagError,
				Summary:  "Cannot read a spec document",
				Detail:   d.spec.Addr.String() + ": " + err.Error() + ".",
			})
		}
		return false
	}
	d.src, d.st, d.read = src, st, true
	return true
}

// readStat reads a file, with its stat as it was when the reading began.
func readStat(name string) ([]byte, cache.FileStat, error) {
	f, err := os.Open(name)
	if err != nil {
		return nil, cache.FileStat{}, err
	}
	defer f.Close()
	st, err := cache.StatFile(f, name)
	if err != nil {
		return nil, st, err
	}
	src := make([]byte, 0, st.Size+1)
	for {
		n, err := f.Read(src[len(src):cap(src)])
		src = src[:len(src)+n]
		if err == io.EOF {
			return src, st, nil
		}
		if err != nil {
			return nil, st, err
		}
		if len(src) == cap(src) {
			src = append(src, 0)[:len(src)]
		}
	}
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
	read   map[string][]byte         // project-relative slash path -> content
	stats  map[string]cache.FileStat // with a cache: the stat of every document seen
	listed map[string]listing        // directories listed on the way
	// sizes are the sizes of the documents that exist, known once
	// CheckDocumentsRead returned.
	sizes map[string]int64

	checks  *cache.Checks
	salt    string
	recheck bool
	now     func() time.Time
	// Replayed and Checked count the documents whose findings came from
	// the check cache and those checked, once CheckDocumentsRead returned.
	Replayed, Checked int
}

// SpecsDir is where spec documents are by default.
const SpecsDir = ".kiro/specs"

// ReadDocuments starts reading, in the background, every Markdown file
// under .kiro/specs of dir, where spec documents are by default: validate
// starts it before it loads the configuration, so that reading thousands
// of documents overlaps parsing it, on another core. What is read there
// is what CheckDocumentsRead checks; documents elsewhere are read then.
func ReadDocuments(dir string) *Documents {
	return readDocuments(dir, nil)
}

// CacheOptions are the settings of the check cache.
type CacheOptions struct {
	// Salt is what the findings depend on besides the documents, the
	// files they reference and the checks' version: kirofile's version
	// and the identity of its executable.
	Salt string
	// Recheck checks every document, ignoring the findings kept, and
	// keeps the new ones.
	Recheck bool
	// Now is the clock of the racy rule (cache.Racy); nil is time.Now.
	Now func() time.Time
}

// ReadDocumentsCached is ReadDocuments with the project's check cache: it
// loads the cache, stat-s every Markdown file under .kiro/specs and reads
// only those that changed since their findings were kept, or that have
// findings (their snippets are shown). CheckDocumentsRead then replays the
// findings of the documents that did not change, and saves the cache.
func ReadDocumentsCached(dir string, opts CacheOptions) *Documents {
	return readDocuments(dir, &opts)
}

func readDocuments(dir string, opts *CacheOptions) *Documents {
	d := &Documents{done: make(chan struct{}), read: map[string][]byte{}, stats: map[string]cache.FileStat{}, listed: map[string]listing{}, sizes: map[string]int64{}}
	if opts != nil {
		d.salt, d.recheck, d.now = opts.Salt, opts.Recheck, opts.Now
	}
	go func() {
		defer close(d.done)
		if opts != nil {
			d.checks = cache.LoadChecks(dir)
		}
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

// Size returns the size of a spec document found to exist by
// CheckDocumentsRead.
func (d *Documents) Size(path string) (int64, bool) {
	n, ok := d.sizes[path]
	return n, ok
}

// walk lists a directory and reads its Markdown files, and those of its
// subdirectories, each directory listed once. With a check cache, a file
// whose findings were kept, none, at its present stat is stat-ed only.
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
		full := filepath.Join(dir, filepath.FromSlash(p))
		switch {
		case e.IsDir():
			d.walk(dir, p)
		case !e.Type().IsRegular() || !strings.HasSuffix(p, ".md"):
		case d.checks == nil:
			if src, err := os.ReadFile(full); err == nil {
				d.read[p] = src
			}
		default:
			if !d.recheck {
				if entry, ok := d.checks.Entry(p); ok {
					if st, err := cache.Stat(full); err == nil && st == entry.Stat && clean(p, st.Size, entry.Value) {
						d.stats[p] = st
						continue
					}
				}
			}
			if src, st, err := readStat(full); err == nil {
				d.read[p], d.stats[p] = src, st
			}
		}
	}
}

// clean reports whether a kept entry holds no findings: its document need
// not be read if the rest of its key holds.
func clean(p string, size int64, value []byte) bool {
	c, ok := decodeChecked(p, size, value)
	return ok && len(c.Diags) == 0
}
