package cache

import (
	"encoding/binary"
	"errors"
	"io/fs"
	"path/filepath"
	"runtime"
	"sort"
	"sync"
	"time"
)

// A Stamp records everything a command's result depended on, the way make
// knows a target is up to date: the identity (FileStat) of every file and
// directory it read or found absent, the environment variables it read,
// and a key for the rest (the version, the arguments). When every one of
// them is as recorded, the result is as it was, and the command can say so
// after as many stat calls as it has inputs, without parsing, evaluating
// or hashing anything. Any difference, or any doubt (a file modified too
// recently to be trusted, a stamp that fails its seal), sends the command
// the long way.
//
// A plan with no change keeps one (internal/plan decides what goes in).
type Stamp struct {
	Key   string
	Env   map[string]EnvValue
	Paths map[string]PathStat // project-relative slash paths, or absolute
}

// EnvValue is an environment variable as it was read.
type EnvValue struct {
	Value string
	Set   bool
}

// PathStat is a path as it was seen: absent, or present with its stat.
type PathStat struct {
	Exists bool
	Stat   FileStat
}

const (
	kindStamp   = 2
	stampFormat = 1
)

// StatPath returns what a Stamp records of a path.
func StatPath(name string) (PathStat, error) {
	st, err := Stat(name)
	if errors.Is(err, fs.ErrNotExist) {
		return PathStat{}, nil
	}
	if err != nil {
		return PathStat{}, err
	}
	return PathStat{Exists: true, Stat: st}, nil
}

// Racy reports whether a path changed too recently before now to be
// recognised later by its stat.
func Racy(p PathStat, now time.Time) bool {
	return p.Exists && (now.UnixNano()-p.Stat.ModTime < int64(racyWindow) || now.UnixNano()-p.Stat.ChangeTime < int64(racyWindow))
}

// SaveStamp keeps s as the stamp called name, unless a path in it changed
// too recently to be recognised later (the racy window of the hash cache):
// it reports whether it was kept.
func SaveStamp(projectDir, name string, s *Stamp, now time.Time) bool {
	if abs, err := filepath.Abs(projectDir); err == nil {
		projectDir = abs
	}
	for _, p := range s.Paths {
		if Racy(p, now) {
			return false
		}
	}
	data := seal(projectDir, kindStamp, stampFormat, encodeStamp(s))
	if data == nil {
		return false
	}
	write(projectDir, "stamp."+name, data)
	return true
}

// StampHolds reports whether the stamp called name exists, passes its
// seal, has this key, and every environment variable and path in it is as
// recorded. Paths are looked at in parallel.
func StampHolds(projectDir, name, key string, lookupEnv func(string) (string, bool)) bool {
	if abs, err := filepath.Abs(projectDir); err == nil {
		projectDir = abs
	}
	payload, ok := open(projectDir, kindStamp, stampFormat, read(projectDir, "stamp."+name))
	if !ok {
		return false
	}
	s, ok := decodeStamp(payload)
	if !ok || s.Key != key {
		return false
	}
	for name, v := range s.Env {
		value, set := lookupEnv(name)
		if set != v.Set || value != v.Value {
			return false
		}
	}
	paths := make([]string, 0, len(s.Paths))
	for p := range s.Paths {
		paths = append(paths, p)
	}
	workers := runtime.GOMAXPROCS(0) * 2
	var wg sync.WaitGroup
	var mu sync.Mutex
	holds := true
	for w := range workers {
		wg.Go(func() {
			for i := w; i < len(paths); i += workers {
				p := paths[i]
				full := p
				if !filepath.IsAbs(p) {
					full = filepath.Join(projectDir, filepath.FromSlash(p))
				}
				got, err := StatPath(full)
				if err != nil || got != s.Paths[p] {
					mu.Lock()
					holds = false
					mu.Unlock()
					return
				}
				if i%64 == 0 {
					mu.Lock()
					stop := !holds
					mu.Unlock()
					if stop {
						return
					}
				}
			}
		})
	}
	wg.Wait()
	return holds
}

// The stamp's payload: the key, the environment, then the paths, each a
// length-prefixed string and for paths a presence byte and the four stat
// fields, all little-endian.
func encodeStamp(s *Stamp) []byte {
	le := binary.LittleEndian
	out := make([]byte, 0, 64+len(s.Key)+len(s.Paths)*80)
	str := func(v string) { out = AppendString(out, v) }
	str(s.Key)
	names := make([]string, 0, len(s.Env))
	for n := range s.Env {
		names = append(names, n)
	}
	sort.Strings(names)
	out = le.AppendUint32(out, uint32(len(names)))
	for _, n := range names {
		v := s.Env[n]
		str(n)
		str(v.Value)
		out = append(out, boolByte(v.Set))
	}
	paths := make([]string, 0, len(s.Paths))
	for p := range s.Paths {
		paths = append(paths, p)
	}
	sort.Strings(paths)
	out = le.AppendUint32(out, uint32(len(paths)))
	for _, p := range paths {
		v := s.Paths[p]
		str(p)
		out = append(out, boolByte(v.Exists))
		out = appendStat(out, v.Stat)
	}
	return out
}

func boolByte(b bool) byte {
	if b {
		return 1
	}
	return 0
}

// decodeStamp reads a payload, checking every bound.
func decodeStamp(b []byte) (*Stamp, bool) {
	f := NewFields(b)
	s := &Stamp{Env: map[string]EnvValue{}, Paths: map[string]PathStat{}}
	s.Key = f.String()
	for n := f.U32(); f.OK() && n > 0; n-- {
		name, value := f.String(), f.String()
		s.Env[name] = EnvValue{Value: value, Set: f.Byte() == 1}
	}
	for n := f.U32(); f.OK() && n > 0; n-- {
		p := f.String()
		var v PathStat
		v.Exists = f.Byte() == 1
		v.Stat = f.Stat()
		s.Paths[p] = v
	}
	return s, f.Done()
}
