package cache

import (
	"bytes"
	"encoding/binary"
	"os"
	"path/filepath"
	"testing"
)

func checkKeyOf(b byte) CheckKey {
	var k CheckKey
	k[0] = b
	return k
}

// An entry is found only under its stat and its key; Save keeps the
// entries used or put in the run, and writes nothing when nothing changed.
func TestChecks(t *testing.T) {
	st := FileStat{Size: 10, ModTime: 2e9, Inode: 3, ChangeTime: 4e9}
	other := st
	other.ChangeTime++
	cases := []struct {
		name  string
		st    FileStat
		key   CheckKey
		found bool
	}{
		{"same stat and key", st, checkKeyOf(1), true},
		{"other key", st, checkKeyOf(2), false},
		{"other change time", other, checkKeyOf(1), false},
		{"zero stat", FileStat{}, checkKeyOf(1), false},
	}
	dir := t.TempDir()
	c := LoadChecks(dir)
	c.Put("a.md", st, checkKeyOf(1), []byte("findings of a"))
	c.Put("b.md", st, checkKeyOf(9), nil)
	c.Save()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			v, ok := LoadChecks(dir).Get("a.md", tc.st, tc.key)
			if ok != tc.found || ok && string(v) != "findings of a" {
				t.Errorf("Get = %q, %v; want found %v", v, ok, tc.found)
			}
		})
	}
	path := filepath.Join(dir, Dir, checksFile)
	before, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	// Every entry used, none put: the file is left alone.
	c = LoadChecks(dir)
	c.Get("a.md", st, checkKeyOf(1))
	c.Get("b.md", st, checkKeyOf(9))
	if err := os.Remove(path); err != nil {
		t.Fatal(err)
	}
	c.Save()
	if _, err := os.Stat(path); err == nil {
		t.Error("a cache with nothing changed was written")
	}
	if err := os.WriteFile(path, before, 0o600); err != nil {
		t.Fatal(err)
	}
	// b.md not looked up (its document is gone): dropped.
	c = LoadChecks(dir)
	c.Get("a.md", st, checkKeyOf(1))
	c.Save()
	c = LoadChecks(dir)
	if _, ok := c.Entry("b.md"); ok {
		t.Error("an entry not used was kept")
	}
	if e, ok := c.Entry("a.md"); !ok || e.Stat != st || e.Key != checkKeyOf(1) {
		t.Errorf("Entry(a.md) = %+v, %v", e, ok)
	}
	// A nil cache caches nothing.
	var none *Checks
	none.Put("a.md", st, checkKeyOf(1), nil)
	none.Save()
	if _, ok := none.Get("a.md", st, checkKeyOf(1)); ok {
		t.Error("a nil cache found something")
	}
}

// Every single-bit flip and every truncation of the check cache makes it
// empty.
func TestChecksBitFlips(t *testing.T) {
	dir := t.TempDir()
	st := FileStat{Size: 10, ModTime: 2e9, Inode: 3, ChangeTime: 4e9}
	c := LoadChecks(dir)
	c.Put(".kiro/specs/a/design.md", st, checkKeyOf(1), []byte("x"))
	c.Put(".kiro/specs/a/tasks.md", st, checkKeyOf(2), nil)
	c.Save()
	path := filepath.Join(dir, Dir, checksFile)
	good, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if len(LoadChecks(dir).entries) != 2 {
		t.Fatal("the intact cache was not read")
	}
	try := func(what string, data []byte) {
		t.Helper()
		if err := os.WriteFile(path, data, 0o600); err != nil {
			t.Fatal(err)
		}
		if n := len(LoadChecks(dir).entries); n != 0 {
			t.Fatalf("%s: %d entries read", what, n)
		}
	}
	for i := range len(good) * 8 {
		bad := bytes.Clone(good)
		bad[i/8] ^= 1 << (i % 8)
		try("bit flip", bad)
	}
	for n := range len(good) {
		try("truncation", good[:n])
	}
}

// The payload decoder refuses what encodeChecks cannot have written, even
// sealed: a writer with a bug must not make a reader panic or misread.
func TestDecodeChecks(t *testing.T) {
	st := FileStat{Size: 1, ModTime: 2, Inode: 3, ChangeTime: 4}
	good := encodeChecks(map[string]CheckEntry{
		"a.md": {Stat: st, Key: checkKeyOf(1), Value: []byte("va")},
		"b.md": {Stat: st, Key: checkKeyOf(2)},
	})
	le := binary.LittleEndian
	unsorted := encodeChecks(map[string]CheckEntry{"a.md": {}, "b.md": {}})
	copy(unsorted[8:], "c") // first name becomes "c.md" > "b.md"
	huge := le.AppendUint32(nil, 1<<30)
	cases := []struct {
		name    string
		payload []byte
		ok      bool
	}{
		{"as written", good, true},
		{"empty table", le.AppendUint32(nil, 0), true},
		{"nothing", nil, false},
		{"trailing byte", append(bytes.Clone(good), 0), false},
		{"cut in the last value", good[:len(good)-1], false},
		{"count beyond the payload", huge, false},
		{"names out of order", unsorted, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, ok := decodeChecks(tc.payload)
			if ok != tc.ok {
				t.Fatalf("ok = %v, want %v", ok, tc.ok)
			}
			if tc.name == "as written" {
				if e := got["a.md"]; e.Stat != st || e.Key != checkKeyOf(1) || string(e.Value) != "va" {
					t.Errorf("a.md = %+v", e)
				}
			}
		})
	}
}
