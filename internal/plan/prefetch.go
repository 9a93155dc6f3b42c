package plan

import (
	"github.com/kirofile/kirofile/internal/cache"
	"github.com/kirofile/kirofile/internal/lockfile"
)

// Prefetch hashes, in the background, the files a lock records as a
// node's outputs: nearly every file a plan of a generated project hashes.
// Started as soon as the lock is read, it runs while the configuration
// loads, on the other cores, so that a plan without a warm cache costs
// little more than hashing its files. A Planner made with it takes its
// results instead of hashing those files again.
type Prefetch struct {
	d    *disk
	done chan struct{}
}

// StartPrefetch starts hashing lock's recorded outputs under dir, with the
// hash cache h (which may be nil) and, with rehash, ignoring it.
func StartPrefetch(dir string, lock *lockfile.Lock, h *cache.Hashes, rehash bool) *Prefetch {
	p := &Prefetch{d: newDisk(dir), done: make(chan struct{})}
	p.d.cache, p.d.rehash = h, rehash
	if lock != nil {
		for _, rec := range lock.Nodes {
			for path := range rec.Outputs {
				p.d.want(path)
			}
		}
	}
	go func() {
		defer close(p.done)
		p.d.hashAll()
	}()
	return p
}

// seed waits for the prefetch and gives d what it hashed.
func (p *Prefetch) seed(d *disk) {
	<-p.done
	for path, h := range p.d.hashes {
		if !p.d.known[path] || d.known[path] {
			continue
		}
		d.hashes[path], d.known[path] = h, true
		if s, ok := p.d.sizes[path]; ok {
			d.sizes[path] = s
		}
		if s, ok := p.d.seen[path]; ok {
			d.seen[path] = s
		}
		if err, ok := p.d.errs[path]; ok {
			d.errs[path] = err
		}
		if sc, ok := p.d.scans[path]; ok {
			d.scans[path] = sc
		}
	}
	for dir := range p.d.walked {
		d.walked[dir] = true
	}
	d.unstamps = d.unstamps || p.d.unstamps
}
