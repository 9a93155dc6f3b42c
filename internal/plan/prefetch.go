package plan

import (
	stdpath "path"
	"sync"

	"github.com/kirofile/kirofile/internal/cache"
	"github.com/kirofile/kirofile/internal/fsutil"
	"github.com/kirofile/kirofile/internal/lockfile"
)

// Prefetch hashes, in the background, the files a lock records as a
// node's outputs: nearly every file a plan of a generated project hashes.
// Started as soon as the lock is read, it runs while the configuration
// loads, on the other cores, so that a plan without a warm cache costs
// little more than hashing its files. It also lists their directories for
// leftovers of interrupted writes. A Planner made with it takes its
// results instead of hashing and listing those again.
type Prefetch struct {
	d    *disk
	done chan struct{}
	mu   sync.Mutex
	took bool
}

// StartPrefetch starts hashing lock's recorded outputs under dir, with the
// hash cache h (which may be nil) and, with rehash, ignoring it.
func StartPrefetch(dir string, lock *lockfile.Lock, h *cache.Hashes, rehash bool) *Prefetch {
	p := &Prefetch{done: make(chan struct{})}
	n := 0
	if lock != nil {
		for _, rec := range lock.Nodes {
			n += len(rec.Outputs)
		}
	}
	p.d = newDiskSized(dir, n)
	p.d.cache, p.d.rehash = h, rehash
	if lock != nil {
		for _, rec := range lock.Nodes {
			for path := range rec.Outputs {
				p.d.want(path)
			}
		}
	}
	dirs := map[string]bool{".": true}
	for path := range p.d.hashes {
		dirs[stdpath.Dir(path)] = true
	}
	go func() {
		defer close(p.done)
		// The directories are listed while the files are hashed: the
		// listing's system calls wait on other files' reads.
		listed := make(map[string][]string, len(dirs))
		var wg sync.WaitGroup
		wg.Go(func() {
			for sub := range dirs {
				listed[sub] = fsutil.FindLeftovers(dir, sub)
			}
		})
		p.d.hashAll()
		wg.Wait()
		p.d.listed = listed
		for sub := range listed {
			p.d.walked[sub] = true // what a listing finds holds while its stat does
		}
	}()
	return p
}

// take waits for the prefetch and returns its snapshot, for a Planner of
// the project in dir to go on from; nil after the first call.
func (p *Prefetch) take(dir string) *disk {
	<-p.done
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.took {
		return nil
	}
	p.took = true
	p.d.dir = dir
	return p.d
}
