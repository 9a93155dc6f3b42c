package cache

import "encoding/binary"

// Fields reads the little-endian fields of an entry from a cache file,
// which is untrusted: each read checks that the bytes are there, and once
// one is short, OK is false for good and every read returns a zero value.
// AppendString writes what String reads.
type Fields struct {
	b   []byte
	bad bool
}

// NewFields reads b.
func NewFields(b []byte) *Fields { return &Fields{b: b} }

// OK reports whether every read so far found its bytes; Done, whether
// besides nothing is left over.
func (f *Fields) OK() bool   { return !f.bad }
func (f *Fields) Done() bool { return !f.bad && len(f.b) == 0 }

// Fail marks the entry bad: a value read is out of its bounds.
func (f *Fields) Fail() { f.bad = true }

// Left is how many bytes are left to read.
func (f *Fields) Left() int { return len(f.b) }

func (f *Fields) next(n int) []byte {
	if f.bad || len(f.b) < n {
		f.bad = true
		return nil
	}
	v := f.b[:n]
	f.b = f.b[n:]
	return v
}

// Byte reads one byte.
func (f *Fields) Byte() byte {
	if v := f.next(1); v != nil {
		return v[0]
	}
	return 0
}

// U32 reads four bytes.
func (f *Fields) U32() uint32 {
	if v := f.next(4); v != nil {
		return binary.LittleEndian.Uint32(v)
	}
	return 0
}

// U64 reads eight bytes.
func (f *Fields) U64() uint64 {
	if v := f.next(8); v != nil {
		return binary.LittleEndian.Uint64(v)
	}
	return 0
}

// String reads a string AppendString wrote: its length, then its bytes.
func (f *Fields) String() string {
	n := f.U32()
	if f.bad || uint64(n) > uint64(len(f.b)) {
		f.bad = true
		return ""
	}
	return string(f.next(int(n)))
}

// AppendString appends s as String reads it.
func AppendString(b []byte, s string) []byte {
	return append(binary.LittleEndian.AppendUint32(b, uint32(len(s))), s...)
}

// statSize is how many bytes a FileStat takes in a cache file.
const statSize = 32

// appendStat appends the four fields of st, as statAt and Fields.Stat read
// them.
func appendStat(b []byte, st FileStat) []byte {
	le := binary.LittleEndian
	b = le.AppendUint64(b, uint64(st.Size))
	b = le.AppendUint64(b, uint64(st.ModTime))
	b = le.AppendUint64(b, st.Inode)
	return le.AppendUint64(b, uint64(st.ChangeTime))
}

// statAt reads what appendStat wrote at the start of b, which holds at
// least statSize bytes.
func statAt(b []byte) FileStat {
	le := binary.LittleEndian
	return FileStat{Size: int64(le.Uint64(b[0:])), ModTime: int64(le.Uint64(b[8:])), Inode: le.Uint64(b[16:]), ChangeTime: int64(le.Uint64(b[24:]))}
}

// Stat reads what appendStat wrote.
func (f *Fields) Stat() FileStat {
	if v := f.next(statSize); v != nil {
		return statAt(v)
	}
	return FileStat{}
}
