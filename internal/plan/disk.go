package plan

import (
	"errors"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"runtime"
	"slices"
	"sort"
	"strings"
	"sync"

	"github.com/bmatcuk/doublestar/v4"

	"github.com/kirofile/kirofile/internal/cache"
	"github.com/kirofile/kirofile/internal/digest"
	"github.com/kirofile/kirofile/internal/fsutil"
	"github.com/kirofile/kirofile/internal/lockfile"
	"github.com/kirofile/kirofile/lang"
)

// disk is a snapshot of the files a plan looks at, hashed once. Every path
// is project-relative with forward slashes. Plan gathers every path first
// and hashes them in parallel, so a project with thousands of generated
// files costs one pass over them, spread over every core.
type disk struct {
	dir string
	// cache, when not nil, supplies hashes of files whose size, times and
	// inode did not change; rehash ignores it (and refreshes it).
	cache  *cache.Hashes
	rehash bool
	hashes map[string]string // path -> "sha256:<hex>", "" when absent
	sizes  map[string]int64  // path -> size in bytes, as last seen
	known  map[string]bool   // paths whose hash is computed
	errs   map[string]error  // read errors other than "does not exist"
	globs  map[string][]string
	// globsIn indexes the patterns of globs by the directory their
	// matches are under (doublestar.SplitPattern), so that a file written
	// during apply updates only the listings it can belong to.
	globsIn map[string][]string

	statMu sync.Mutex
	stats  []statResult // freshly hashed files, for the cache

	// What the plan looked at, for a cache.Stamp: every path hashed or
	// found absent, as it was seen, and every path a glob walk looked at
	// (directories whose listing it read, paths it checked).
	seen     map[string]cache.PathStat
	walked   map[string]bool
	unstamps bool // something was read that a stamp cannot record
}

func newDisk(dir string) *disk {
	return &disk{dir: dir, hashes: map[string]string{}, sizes: map[string]int64{}, known: map[string]bool{}, errs: map[string]error{},
		globs: map[string][]string{}, globsIn: map[string][]string{}, seen: map[string]cache.PathStat{}, walked: map[string]bool{}}
}

// want registers a path to hash.
func (d *disk) want(p string) {
	if _, ok := d.hashes[p]; !ok {
		d.hashes[p] = ""
	}
}

// expand lists the files a glob matches, sorted, and registers them.
func (d *disk) expand(pattern string) []string {
	if files, ok := d.globs[pattern]; ok {
		return files
	}
	matches, err := doublestar.Glob(walkFS{d}, pattern, doublestar.WithFilesOnly(), doublestar.WithNoFollow())
	if err != nil {
		matches = nil
	}
	// Only regular files: a symlink may lead out of the project, and its
	// target is not the project's to send to a model.
	var files []string
	for _, m := range matches {
		if strings.HasPrefix(m, ".git/") || strings.HasPrefix(m, ".kirofile/") {
			continue // version control and kirofile's own state are never inputs
		}
		if fi, err := os.Lstat(filepath.Join(d.dir, filepath.FromSlash(m))); err == nil && fi.Mode().IsRegular() {
			files = append(files, m)
			d.sizes[m] = fi.Size()
		}
	}
	sort.Strings(files)
	d.globs[pattern] = files
	base, _ := doublestar.SplitPattern(pattern)
	d.globsIn[base] = append(d.globsIn[base], pattern)
	for _, f := range files {
		d.want(f)
	}
	return files
}

// hashAll hashes every registered path, in parallel.
func (d *disk) hashAll() {
	paths := make([]string, 0, len(d.hashes))
	for p := range d.hashes {
		if !d.known[p] {
			paths = append(paths, p)
		}
	}
	type result struct {
		path, hash string
		size       int64
		seen       cache.PathStat
		err        error
	}
	jobs := make(chan string)
	results := make(chan result)
	var wg sync.WaitGroup
	workers := runtime.GOMAXPROCS(0) * 2
	for i := 0; i < workers; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			buf := make([]byte, 64<<10)
			for p := range jobs {
				h, size, seen, err := d.hashOne(p, buf)
				results <- result{p, h, size, seen, err}
			}
		}()
	}
	go func() {
		for _, p := range paths {
			jobs <- p
		}
		close(jobs)
		wg.Wait()
		close(results)
	}()
	for r := range results {
		d.hashes[r.path], d.known[r.path] = r.hash, true
		if r.size >= 0 {
			d.sizes[r.path] = r.size
		}
		d.saw(r.path, r.seen, r.size)
		if r.err != nil {
			d.errs[r.path] = r.err
		}
	}
	for _, st := range d.stats {
		d.cache.Put(st.path, st.stat, d.hashes[st.path])
	}
}

type statResult struct {
	path string
	stat cache.FileStat
}

// hashOne hashes a file, or takes its hash from the cache when its stat
// matches. Newly hashed files are queued for the cache. The size is -1 for
// a file that does not exist, and -2 when it was not looked at.
func (d *disk) hashOne(p string, buf []byte) (string, int64, cache.PathStat, error) {
	full := filepath.Join(d.dir, filepath.FromSlash(p))
	if d.cache == nil {
		h, err := hashFile(full, buf)
		return h, -2, cache.PathStat{}, err
	}
	st, err := cache.Stat(full)
	if errors.Is(err, fs.ErrNotExist) {
		return "", -1, cache.PathStat{}, nil
	}
	if err != nil {
		return "", -2, cache.PathStat{}, err
	}
	seen := cache.PathStat{Exists: true, Stat: st}
	if !d.rehash {
		if h, ok := d.cache.Get(p, st); ok {
			return h, st.Size, seen, nil
		}
	}
	h, err := hashFile(full, buf)
	if err == nil && h != "" {
		d.statMu.Lock()
		d.stats = append(d.stats, statResult{p, st})
		d.statMu.Unlock()
	}
	return h, st.Size, seen, err
}

// saw records how a hashed path was seen, for a stamp: size -1 is absent,
// -2 not looked at (no stamp then).
func (d *disk) saw(p string, seen cache.PathStat, size int64) {
	switch {
	case size == -2:
		d.unstamps = true
	case size == -1:
		d.seen[p] = cache.PathStat{}
		// Its absence holds while its directory's listing does.
		d.walked[path.Dir(p)] = true
	default:
		d.seen[p] = seen
	}
}

// size returns a file's size, -1 when it does not exist: as seen while
// hashing or listing, or from the file system now.
func (d *disk) size(p string) int64 {
	if s, ok := d.sizes[p]; ok {
		return s
	}
	s := int64(-1)
	if fi, err := os.Stat(filepath.Join(d.dir, filepath.FromSlash(p))); err == nil && fi.Mode().IsRegular() {
		s = fi.Size()
	}
	d.sizes[p] = s
	d.walked[p] = true
	return s
}

// walkFS is the project directory as glob walks see it, recording every
// path they look at, for a stamp: the listing of a directory holds while
// the directory's own stat does.
type walkFS struct{ d *disk }

func (w walkFS) look(name string) { w.d.walked[name] = true }

func (w walkFS) Open(name string) (fs.File, error) {
	w.look(name)
	return os.DirFS(w.d.dir).Open(name)
}

func (w walkFS) Stat(name string) (fs.FileInfo, error) {
	w.look(name)
	return fs.Stat(os.DirFS(w.d.dir), name)
}

func (w walkFS) ReadDir(name string) ([]fs.DirEntry, error) {
	w.look(name)
	entries, err := fs.ReadDir(os.DirFS(w.d.dir), name)
	for _, e := range entries {
		if e.Type()&fs.ModeSymlink != 0 {
			// A link's target can change without the listing
			// changing: what a walk found through it cannot be stamped.
			w.d.unstamps = true
		}
	}
	return entries, err
}

// hashFile returns the content hash of a file (see digest), or "" when it
// does not exist.
func hashFile(name string, buf []byte) (string, error) {
	return digest.File(name, buf)
}

// hash returns the content hash of a path ("" when absent). A path that
// was not hashed in advance, such as a file that appeared during apply, is
// hashed now.
func (d *disk) hash(p string) string {
	if h, ok := d.hashes[p]; ok && d.known[p] {
		return h
	}
	h, size, seen, err := d.hashOne(p, make([]byte, 64<<10))
	if err != nil {
		d.errs[p] = err
	}
	if size >= -1 {
		d.sizes[p] = size
	}
	d.saw(p, seen, size)
	d.hashes[p], d.known[p] = h, true
	return h
}

// set records the hash of a file just written. A new file joins the
// listings of the globs expanded before it existed that match it; only
// globs under one of its parent directories are looked at, so the cost
// does not grow with the number of globs in the project.
func (d *disk) set(p, h string) {
	d.hashes[p], d.known[p] = h, true
	delete(d.sizes, p) // looked up again when needed: hooks may rewrite it
	if strings.HasPrefix(p, ".git/") || strings.HasPrefix(p, ".kirofile/") {
		return // never in a listing (see expand)
	}
	for dir := p; ; {
		dir = path.Dir(dir)
		for _, pattern := range d.globsIn[dir] {
			files := d.globs[pattern]
			i, found := slices.BinarySearch(files, p)
			if found {
				continue
			}
			if ok, _ := doublestar.Match(pattern, p); ok {
				// A new slice: callers may hold the old one.
				d.globs[pattern] = slices.Insert(slices.Clip(files), i, p)
			}
		}
		if dir == "." || dir == "/" {
			return
		}
	}
}

// unset records that a file apply removed is gone: it leaves the
// listings of the globs that hold it.
func (d *disk) unset(p string) {
	d.hashes[p], d.known[p] = "", true
	delete(d.sizes, p)
	for dir := p; ; {
		dir = path.Dir(dir)
		for _, pattern := range d.globsIn[dir] {
			files := d.globs[pattern]
			if i, found := slices.BinarySearch(files, p); found {
				// A new slice: callers may hold the old one.
				d.globs[pattern] = slices.Delete(slices.Clone(files), i, i+1)
			}
		}
		if dir == "." || dir == "/" {
			return
		}
	}
}

// gather registers every file the plan of these nodes will look at.
func (d *disk) gather(cfg *lang.Config, nodes []lang.Node, lock *lockfile.Lock) {
	for _, s := range cfg.Steering {
		if s.File != "" {
			d.want(s.File)
		}
	}
	for _, n := range nodes {
		switch n := n.(type) {
		case *lang.Spec:
			d.want(n.Path)
		case *lang.Codegen:
			for _, c := range n.Context {
				d.expand(c)
			}
		}
		if rec := lock.Node(n.Address().String()); rec != nil {
			for p := range rec.Outputs {
				d.want(p)
			}
		}
	}
}

// leftovers lists the temporary and backup files (fsutil.IsLeftover) that
// interrupted writes left in the directories of the files the plan looked
// at, and in the project directory (the lock file's): wherever kirofile
// writes. Listing those directories costs about what hashing their files
// did.
func (d *disk) leftovers() []string {
	dirs := map[string]bool{".": true}
	for p := range d.hashes {
		dirs[path.Dir(p)] = true
	}
	var out []string
	for dir := range dirs {
		d.walked[dir] = true // what a listing finds holds while its stat does
		out = append(out, fsutil.FindLeftovers(d.dir, dir)...)
	}
	sort.Strings(out)
	return out
}
