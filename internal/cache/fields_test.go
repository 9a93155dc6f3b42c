package cache

import (
	"encoding/binary"
	"testing"
)

func TestFields(t *testing.T) {
	le := binary.LittleEndian
	whole := AppendString(nil, "ab")
	whole = append(whole, 7)
	whole = le.AppendUint32(whole, 9)
	whole = le.AppendUint64(whole, 1<<40)
	whole = appendStat(whole, FileStat{Size: 1, ModTime: 2, Inode: 3, ChangeTime: 4})
	for _, tc := range []struct {
		name     string
		b        []byte
		ok, done bool
	}{
		{"whole", whole, true, true},
		{"something left over", append(whole[:len(whole):len(whole)], 0), true, false},
		{"cut short", whole[:len(whole)-1], false, false},
		{"a string longer than the entry", le.AppendUint32(nil, 1<<30), false, false},
		{"empty", nil, false, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := NewFields(tc.b)
			s, b, u32, u64, st := f.String(), f.Byte(), f.U32(), f.U64(), f.Stat()
			if f.OK() != tc.ok || f.Done() != tc.done {
				t.Fatalf("OK %v Done %v, want %v %v", f.OK(), f.Done(), tc.ok, tc.done)
			}
			if tc.ok && (s != "ab" || b != 7 || u32 != 9 || u64 != 1<<40 || st != (FileStat{Size: 1, ModTime: 2, Inode: 3, ChangeTime: 4})) {
				t.Errorf("read %q %d %d %d %+v", s, b, u32, u64, st)
			}
			if !tc.ok && f.Byte() != 0 {
				t.Error("a read after a short one returned a value")
			}
		})
	}
}
