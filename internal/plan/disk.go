package plan

import (
	"errors"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"runtime"
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
	known  map[string]bool   // paths whose hash is computed
	errs   map[string]error  // read errors other than "does not exist"
	globs  map[string][]string

	statMu sync.Mutex
	stats  []statResult // freshly hashed files, for the cache
}

func newDisk(dir string) *disk {
	return &disk{dir: dir, hashes: map[string]string{}, known: map[string]bool{}, errs: map[string]error{}, globs: map[string][]string{}}
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
	matches, err := doublestar.Glob(os.DirFS(d.dir), pattern, doublestar.WithFilesOnly(), doublestar.WithNoFollow())
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
		}
	}
	sort.Strings(files)
	d.globs[pattern] = files
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
				h, err := d.hashOne(p, buf)
				results <- result{p, h, err}
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
// matches. Newly hashed files are queued for the cache.
func (d *disk) hashOne(p string, buf []byte) (string, error) {
	full := filepath.Join(d.dir, filepath.FromSlash(p))
	if d.cache == nil {
		return hashFile(full, buf)
	}
	st, err := cache.Stat(full)
	if errors.Is(err, fs.ErrNotExist) {
		return "", nil
	}
	if err != nil {
		return "", err
	}
	if !d.rehash {
		if h, ok := d.cache.Get(p, st); ok {
			return h, nil
		}
	}
	h, err := hashFile(full, buf)
	if err == nil && h != "" {
		d.statMu.Lock()
		d.stats = append(d.stats, statResult{p, st})
		d.statMu.Unlock()
	}
	return h, err
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
	h, err := d.hashOne(p, make([]byte, 64<<10))
	if err != nil {
		d.errs[p] = err
	}
	d.hashes[p], d.known[p] = h, true
	return h
}

// set records the hash of a file just written.
func (d *disk) set(p, h string) {
	d.hashes[p], d.known[p] = h, true
	// A new file may match globs expanded before it existed.
	d.globs = map[string][]string{}
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
		out = append(out, fsutil.FindLeftovers(d.dir, dir)...)
	}
	sort.Strings(out)
	return out
}
