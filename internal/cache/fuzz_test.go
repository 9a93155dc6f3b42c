package cache

import (
	"bytes"
	"fmt"
	"testing"
)

// FuzzOpen feeds arbitrary bytes to the cache file reader: it must never
// panic, and it may accept only a file sealed with the project's key, which
// random or mutated input never is.
func FuzzOpen(f *testing.F) {
	dir := f.TempDir()
	good := seal(dir, kindHashes, hashesFormat, encodeTable([]record{{path: "a.go", st: FileStat{Size: 1}}}))
	f.Add(good)
	f.Add([]byte(magic))
	f.Add([]byte{})
	f.Add(append([]byte(magic), make([]byte, 40)...))
	f.Fuzz(func(t *testing.T, data []byte) {
		payload, ok := open(dir, kindHashes, hashesFormat, data)
		if !ok {
			return
		}
		if !bytes.Equal(seal(dir, kindHashes, hashesFormat, payload), data) {
			t.Fatalf("accepted a file that is not the seal of its payload: %q", data)
		}
	})
}

// FuzzTable feeds arbitrary payloads to the table decoder, as if a buggy
// writer had sealed them: lookups and reads must never panic, and a table
// written by encodeTable must read back every entry.
func FuzzTable(f *testing.F) {
	recs := []record{
		{path: "a.go", st: FileStat{Size: 1, ModTime: 2, Inode: 3, ChangeTime: 4}},
		{path: "b/c.md", st: FileStat{Size: 5}},
	}
	f.Add(encodeTable(recs), "a.go")
	f.Add([]byte{1, 0, 0, 0, 0, 0, 0, 0}, "")
	f.Add([]byte{255, 255, 255, 255}, "x")
	f.Fuzz(func(t *testing.T, payload []byte, path string) {
		tbl, ok := parseTable(payload)
		if ok {
			tbl.find(path)
			for i := -1; i <= tbl.n && i < 1000; i++ {
				tbl.path(i)
				tbl.entry(i)
			}
		}
		// Round trip through the encoder, with the fuzzed path as a key.
		in := []record{{path: path, st: FileStat{Size: int64(len(payload))}}, {path: path + "/x", st: FileStat{Inode: 9}}}
		copy(in[0].sum[:], payload)
		tbl, ok = parseTable(encodeTable(in))
		if !ok {
			t.Fatal("encoded table refused")
		}
		for _, r := range in {
			if len(r.path) > 0xffff {
				continue
			}
			i := tbl.find(r.path)
			if i < 0 {
				t.Fatalf("%q not found", r.path)
			}
			st, sum, ok := tbl.entry(i)
			if !ok || st != r.st || !bytes.Equal(sum, r.sum[:]) {
				t.Fatalf("%q read back as %+v %x", r.path, st, sum)
			}
		}
	})
}

func BenchmarkHashesLoadAndGet(b *testing.B) {
	dir, stats := filled(b, 14000)
	b.ReportAllocs()
	for b.Loop() {
		h := LoadHashes(dir)
		for i, st := range stats {
			if _, ok := h.Get(fmt.Sprintf("dir/file%03d.go", i), st); !ok {
				b.Fatal("miss")
			}
		}
	}
}

// FuzzStamp feeds arbitrary payloads to the stamp decoder: it must never
// panic, and what it accepts must encode back to the same bytes.
func FuzzStamp(f *testing.F) {
	f.Add(encodeStamp(&Stamp{Key: "k", Env: map[string]EnvValue{"A": {Value: "1", Set: true}}, Paths: map[string]PathStat{"a": {Exists: true, Stat: FileStat{Size: 3}}, "b": {}}}))
	f.Add([]byte{})
	f.Add([]byte{255, 255, 255, 255})
	f.Fuzz(func(t *testing.T, payload []byte) {
		s, ok := decodeStamp(payload)
		if !ok {
			return
		}
		if again := encodeStamp(s); !bytes.Equal(again, payload) {
			// Duplicate names collapse in the maps; anything else is a bug.
			if s2, ok := decodeStamp(again); !ok || len(s2.Paths) != len(s.Paths) || len(s2.Env) != len(s.Env) {
				t.Fatalf("round trip lost data: %q", payload)
			}
		}
	})
}
