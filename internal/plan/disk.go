package plan

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"runtime"
	"slices"
	"sort"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/bmatcuk/doublestar/v4"

	"github.com/kirofile/kirofile/internal/cache"
	"github.com/kirofile/kirofile/internal/digest"
	"github.com/kirofile/kirofile/internal/fsutil"
	"github.com/kirofile/kirofile/internal/lockfile"
	"github.com/kirofile/kirofile/internal/specdoc"
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

	// scans records, for files read in full while hashing, what that
	// read found besides the hash (whether the content holds a
	// #[[file:]] reference; for Markdown, the hash with checkboxes
	// cleared), with the hash of the content scanned: a spec document is
	// not read again for its references (Planner.documentRefs) or its
	// checkboxes (Planner.docHash).
	scans map[string]refScan

	// What the plan looked at, for a cache.Stamp: every path hashed or
	// found absent, as it was seen, and every path a glob walk looked at
	// (directories whose listing it read, paths it checked).
	seen     map[string]cache.PathStat
	walked   map[string]bool
	unstamps bool // something was read that a stamp cannot record

	// listed holds the leftovers found in each directory listed so far.
	listed map[string][]string
}

func newDisk(dir string) *disk { return newDiskSized(dir, 0) }

// newDiskSized is newDisk for about n files.
func newDiskSized(dir string, n int) *disk {
	return &disk{dir: dir, hashes: make(map[string]string, n), sizes: make(map[string]int64, n), known: make(map[string]bool, n), errs: map[string]error{},
		globs: map[string][]string{}, globsIn: map[string][]string{}, seen: make(map[string]cache.PathStat, n), walked: map[string]bool{},
		scans: make(map[string]refScan, n)}
}

// refScan is what reading a file in full found besides its hash.
type refScan struct {
	hash string
	refs bool
	// norm, for a Markdown file, is its hash with every checkbox cleared
	// (what docHash gives a tasks document), "" when not computed.
	norm string
}

// noRefs reports whether the file at p, with content hash h, is known to
// hold no #[[file:]] reference.
func (d *disk) noRefs(p, h string) bool {
	sc, ok := d.scans[p]
	return ok && sc.hash == h && !sc.refs
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
		scan       scan
		norm       string
		err        error
	}
	// Each worker takes the next path and writes its own slot: no channel
	// hand-off per file.
	results := make([]result, len(paths))
	var next atomic.Int64
	var wg sync.WaitGroup
	for range min(runtime.GOMAXPROCS(0)*2, len(paths)) {
		wg.Go(func() {
			var buf []byte
			for {
				i := int(next.Add(1) - 1)
				if i >= len(paths) {
					return
				}
				p := paths[i]
				h, size, seen, sc, err := d.hashOne(p, &buf)
				results[i] = result{p, h, size, seen, sc.scan, sc.norm, err}
			}
		})
	}
	wg.Wait()
	for _, r := range results {
		d.hashes[r.path], d.known[r.path] = r.hash, true
		if r.size >= 0 {
			d.sizes[r.path] = r.size
		}
		d.saw(r.path, r.seen, r.size)
		if r.err != nil {
			d.errs[r.path] = r.err
		}
		if r.scan != scanNone && r.hash != "" {
			d.scans[r.path] = refScan{r.hash, r.scan == scanRefs, r.norm}
		}
	}
	for _, st := range d.stats {
		d.cache.Put(st.path, st.stat, d.hashes[st.path])
	}
	d.stats = nil
}

type statResult struct {
	path string
	stat cache.FileStat
}

// readScan is what reading a file in full learnt besides its hash.
type readScan struct {
	scan scan
	norm string
}

// scan is what hashing a file learnt of its #[[file:]] references:
// nothing (its hash came from the cache, or it was too large to hold in
// memory), none, or some.
type scan int

const (
	scanNone scan = iota
	scanClean
	scanRefs
)

// hashOne hashes a file, or takes its hash from the cache when its stat
// matches. Newly hashed files are queued for the cache. The size is -1 for
// a file that does not exist, and -2 when it was not looked at. buf is the
// worker's read buffer, grown as needed.
//
// A file the cache does not know is opened, stat-ed and read, without a
// stat by name first: on a cold plan, most of the system calls per file
// are then those any program reading it makes.
func (d *disk) hashOne(p string, buf *[]byte) (string, int64, cache.PathStat, readScan, error) {
	full := filepath.Join(d.dir, filepath.FromSlash(p))
	if d.cache == nil {
		f, err := fsutil.OpenRead(full)
		if errors.Is(err, fs.ErrNotExist) {
			return "", -2, cache.PathStat{}, readScan{}, nil
		}
		if err != nil {
			return "", -2, cache.PathStat{}, readScan{}, err
		}
		defer f.Close()
		h, sc, err := readHash(f, full, -1, buf)
		return h, -2, cache.PathStat{}, sc, err
	}
	if !d.rehash && d.cache.Has(p) {
		st, err := cache.Stat(full)
		if errors.Is(err, fs.ErrNotExist) {
			return "", -1, cache.PathStat{}, readScan{}, nil
		}
		if err != nil {
			return "", -2, cache.PathStat{}, readScan{}, err
		}
		if h, ok := d.cache.Get(p, st); ok {
			return h, st.Size, cache.PathStat{Exists: true, Stat: st}, readScan{}, nil
		}
	}
	f, err := fsutil.OpenRead(full)
	if errors.Is(err, fs.ErrNotExist) {
		return "", -1, cache.PathStat{}, readScan{}, nil
	}
	if err != nil {
		// It exists but cannot be read: its size, as when it was stat-ed
		// by name first.
		if st, serr := cache.Stat(full); serr == nil {
			return "", st.Size, cache.PathStat{Exists: true, Stat: st}, readScan{}, err
		}
		return "", -2, cache.PathStat{}, readScan{}, err
	}
	defer f.Close()
	// The stat comes before the read: a change during the read leaves a
	// stat that no longer matches, and the next run hashes it again.
	st, err := cache.StatFile(f, full)
	if err != nil {
		return "", -2, cache.PathStat{}, readScan{}, err
	}
	seen := cache.PathStat{Exists: true, Stat: st}
	h, sc, err := readHash(f, full, st.Size, buf)
	if err == nil && h != "" {
		d.statMu.Lock()
		d.stats = append(d.stats, statResult{p, st})
		d.statMu.Unlock()
	}
	return h, st.Size, seen, sc, err
}

// wholeLimit is the largest file read in full into memory to be hashed;
// larger ones are hashed as they are read.
const wholeLimit = 4 << 20

// fileRefMark starts every #[[file:]] reference of a spec document.
var fileRefMark = []byte("#[[file:")

// readHash returns the content hash of the open file f (see digest) and
// whether its content holds a #[[file:]] reference. size is its size as
// stat-ed, -1 when not known; buf is grown to hold it.
func readHash(f *os.File, name string, size int64, buf *[]byte) (string, readScan, error) {
	if size > wholeLimit {
		w := digest.New()
		b := *buf
		if len(b) < 64<<10 {
			b = make([]byte, 64<<10)
			*buf = b
		}
		for {
			n, err := f.Read(b)
			_, _ = w.Write(b[:n])
			if err == io.EOF {
				return w.Sum(), readScan{}, nil
			}
			if err != nil {
				return "", readScan{}, fmt.Errorf("reading %s: %w", name, err)
			}
		}
	}
	// Room for the whole file and one byte more, so that the read after
	// the last finds the end without growing the buffer.
	want := int(max(size, 512)) + 1
	if cap(*buf) < want {
		*buf = make([]byte, want)
	}
	b := (*buf)[:cap(*buf)]
	n := 0
	for {
		if n == len(b) {
			// It grew since it was stat-ed (or its size was not known).
			b = append(b[:n], 0)
			b = b[:cap(b)]
			*buf = b
		}
		k, err := f.Read(b[n:])
		n += k
		if err == io.EOF {
			break
		}
		if err != nil {
			return "", readScan{}, fmt.Errorf("reading %s: %w", name, err)
		}
	}
	content := b[:n]
	sc := readScan{scan: scanClean}
	if bytes.Contains(content, fileRefMark) {
		sc.scan = scanRefs
	}
	h := digest.Bytes(content)
	if strings.HasSuffix(name, ".md") {
		// Perhaps a tasks document, whose hash with its checkboxes
		// cleared plan needs too (Planner.docHash): from this read, not
		// another.
		sc.norm = h
		if cleared := specdoc.ClearCheckboxes(content); !sameSlice(cleared, content) {
			sc.norm = digest.Bytes(cleared)
		}
	}
	return h, sc, nil
}

// sameSlice reports whether a and b are the same bytes in memory.
func sameSlice(a, b []byte) bool {
	return len(a) == len(b) && (len(a) == 0 || &a[0] == &b[0])
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
	var buf []byte
	h, size, seen, sc, err := d.hashOne(p, &buf)
	if err != nil {
		d.errs[p] = err
	}
	if sc.scan != scanNone && h != "" {
		d.scans[p] = refScan{h, sc.scan == scanRefs, sc.norm}
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
//
// A directory listed before (by a prefetch, in the background) is not
// listed again.
func (d *disk) leftovers() []string {
	dirs := map[string]bool{".": true}
	for p := range d.hashes {
		dirs[path.Dir(p)] = true
	}
	var out []string
	for dir := range dirs {
		found, ok := d.listed[dir]
		if !ok {
			found = d.listLeftovers(dir)
		}
		out = append(out, found...)
	}
	sort.Strings(out)
	return out
}

// listLeftovers lists the leftovers of one directory, and remembers them.
func (d *disk) listLeftovers(dir string) []string {
	if d.listed == nil {
		d.listed = map[string][]string{}
	}
	d.walked[dir] = true // what a listing finds holds while its stat does
	found := fsutil.FindLeftovers(d.dir, dir)
	d.listed[dir] = found
	return found
}
