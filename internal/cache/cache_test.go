package cache

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"
)

// TestMain keeps the tests' keys out of the user's cache directory.
func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "kirofile-cache-key-")
	if err != nil {
		panic(err)
	}
	userKeyDir = func() (string, error) { return dir, nil }
	code := m.Run()
	_ = os.RemoveAll(dir)
	os.Exit(code)
}

func later() time.Time { return time.Now().Add(time.Hour) }

// filled returns a project directory whose hash cache holds n entries.
func filled(t testing.TB, n int) (string, []FileStat) {
	t.Helper()
	dir := t.TempDir()
	h := LoadHashes(dir)
	h.Now = later
	var stats []FileStat
	for i := range n {
		st := FileStat{Size: int64(i), ModTime: int64(i) * 1e9, Inode: uint64(i), ChangeTime: int64(i) * 1e9}
		h.Put(fmt.Sprintf("dir/file%03d.go", i), st, hashOf(i))
		stats = append(stats, st)
	}
	h.Save()
	return dir, stats
}

func hashOf(i int) string { return fmt.Sprintf("sha256:%064x", i+1) }

func TestHashes(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "a.go")
	if err := os.WriteFile(file, []byte("package a\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	st, err := Stat(file)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name   string
		now    func() time.Time
		stat   func(FileStat) FileStat
		wantOK bool
	}{
		{"same stat", later, func(s FileStat) FileStat { return s }, true},
		{"size changed", later, func(s FileStat) FileStat { s.Size++; return s }, false},
		{"mtime changed", later, func(s FileStat) FileStat { s.ModTime++; return s }, false},
		{"ctime changed", later, func(s FileStat) FileStat { s.ChangeTime++; return s }, false},
		{"inode changed", later, func(s FileStat) FileStat { s.Inode++; return s }, false},
		{"modified within the racy window is not remembered", time.Now, func(s FileStat) FileStat { return s }, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := LoadHashes(dir)
			h.Now = tt.now
			h.Put("a.go", st, "sha256:"+fmt.Sprintf("%064x", 7))
			h.Save()
			h2 := LoadHashes(dir)
			got, ok := h2.Get("a.go", tt.stat(st))
			if ok != tt.wantOK {
				t.Errorf("Get ok = %v, want %v", ok, tt.wantOK)
			}
			if ok && got != "sha256:"+fmt.Sprintf("%064x", 7) {
				t.Errorf("Get = %q", got)
			}
			_ = os.RemoveAll(filepath.Join(dir, ".kirofile"))
		})
	}
}

func TestHashesTable(t *testing.T) {
	dir, stats := filled(t, 50)
	h := LoadHashes(dir)
	for i, st := range stats {
		got, ok := h.Get(fmt.Sprintf("dir/file%03d.go", i), st)
		if !ok || got != hashOf(i) {
			t.Fatalf("entry %d: %q %v", i, got, ok)
		}
	}
	for _, p := range []string{"", "dir", "dir/file", "dir/file050.go", "zzz", "dir/file000.go\x00"} {
		if _, ok := h.Get(p, stats[0]); ok {
			t.Errorf("Get(%q) hit", p)
		}
	}
}

// An entry whose file changed is dropped and replaced; the others stay.
func TestHashesUpdate(t *testing.T) {
	dir, stats := filled(t, 3)
	h := LoadHashes(dir)
	h.Now = later
	changed := stats[1]
	changed.Size += 10
	if _, ok := h.Get("dir/file001.go", changed); ok {
		t.Fatal("hit for a changed stat")
	}
	h.Put("dir/file001.go", changed, hashOf(99))
	h.Put("new.go", stats[0], hashOf(100))
	h.Save()
	h = LoadHashes(dir)
	for _, c := range []struct {
		path string
		st   FileStat
		want string
	}{
		{"dir/file000.go", stats[0], hashOf(0)},
		{"dir/file001.go", changed, hashOf(99)},
		{"dir/file002.go", stats[2], hashOf(2)},
		{"new.go", stats[0], hashOf(100)},
	} {
		if got, ok := h.Get(c.path, c.st); !ok || got != c.want {
			t.Errorf("%s: %q %v, want %q", c.path, got, ok, c.want)
		}
	}
	if _, ok := h.Get("dir/file001.go", stats[1]); ok {
		t.Error("the old entry of a changed file survived")
	}
}

func TestHashesPrune(t *testing.T) {
	dir, stats := filled(t, 3)
	h := LoadHashes(dir)
	h.Get("dir/file002.go", stats[2])
	h.Prune()
	h.Save()
	h = LoadHashes(dir)
	if _, ok := h.Get("dir/file000.go", stats[0]); ok {
		t.Error("an entry nobody looked up survived Prune")
	}
	if _, ok := h.Get("dir/file002.go", stats[2]); !ok {
		t.Error("an entry looked up did not survive Prune")
	}
}

// Every single-bit flip of a cache file, and every truncation, makes it
// a miss: a damaged cache costs time, never a result.
func TestEveryBitFlipIsRefused(t *testing.T) {
	dir, stats := filled(t, 4)
	path := filepath.Join(dir, Dir, hashesFile)
	good, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if h := LoadHashes(dir); h.table.n != 4 {
		t.Fatalf("the intact cache was not read: %d entries", h.table.n)
	}
	refused := func(data []byte) bool {
		_, ok := open(dir, kindHashes, hashesFormat, data)
		return !ok
	}
	flips := 0
	for i := range len(good) * 8 {
		bad := bytes.Clone(good)
		bad[i/8] ^= 1 << (i % 8)
		if !refused(bad) {
			t.Fatalf("flip of bit %d accepted", i)
		}
		flips++
	}
	for n := range len(good) {
		if !refused(good[:n]) {
			t.Fatalf("truncation to %d bytes accepted", n)
		}
	}
	// And through the public path: a flipped file reads as empty.
	bad := bytes.Clone(good)
	bad[len(bad)/2] ^= 4
	if err := os.WriteFile(path, bad, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, ok := LoadHashes(dir).Get("dir/file000.go", stats[0]); ok {
		t.Error("a damaged cache was used")
	}
	t.Logf("%d flips, %d truncations refused", flips, len(good))
}

// A cache edited by someone who can write the project but does not hold
// the key, or copied from another directory, is refused.
func TestTamperedOrCopiedCacheIsRefused(t *testing.T) {
	dir, stats := filled(t, 2)
	path := filepath.Join(dir, Dir, hashesFile)
	data, _ := os.ReadFile(path)

	// An edit that makes the entry of file000 claim another stat, with
	// the MAC recomputed under a key that is not the user's.
	payload, ok := open(dir, kindHashes, hashesFormat, data)
	if !ok {
		t.Fatal("intact cache refused")
	}
	tampered := bytes.Clone(payload)
	tbl, _ := parseTable(tampered)
	rec, _ := tbl.record(0)
	rec[0] ^= 1 // size
	body := append([]byte(magic), kindHashes, hashesFormat)
	body = append(body, tampered...)
	forged := append(body, mac(make([]byte, keySize), dir, body)...)
	if err := os.WriteFile(path, forged, 0o644); err != nil {
		t.Fatal(err)
	}
	st := stats[0]
	st.Size ^= 1
	if _, ok := LoadHashes(dir).Get("dir/file000.go", st); ok {
		t.Error("a forged entry was used")
	}

	// The intact file, copied to another project directory.
	other := t.TempDir()
	if err := os.MkdirAll(filepath.Join(other, Dir), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(other, Dir, hashesFile), data, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, ok := LoadHashes(other).Get("dir/file000.go", stats[0]); ok {
		t.Error("a cache copied from another directory was used")
	}
}

// Where there is no user cache directory, the key lives in the project.
func TestKeyInProjectWithoutUserCacheDir(t *testing.T) {
	saved := userKeyDir
	userKeyDir = func() (string, error) { return "", os.ErrNotExist }
	defer func() { userKeyDir = saved }()
	dir, stats := filled(t, 1)
	if _, err := os.Stat(filepath.Join(dir, Dir, keyFile)); err != nil {
		t.Fatalf("no key in the project: %v", err)
	}
	keyMu.Lock()
	delete(keyMemo, dir)
	keyMu.Unlock()
	if _, ok := LoadHashes(dir).Get("dir/file000.go", stats[0]); !ok {
		t.Error("the cache was not read back")
	}
}

// Processes creating the key at once agree on one.
func TestKeyCreatedOnce(t *testing.T) {
	dir := t.TempDir()
	var wg sync.WaitGroup
	keys := make([][]byte, 8)
	for i := range keys {
		wg.Go(func() { keys[i] = readOrCreateKey(dir) })
	}
	wg.Wait()
	for i, k := range keys {
		if len(k) != keySize || !bytes.Equal(k, keys[0]) {
			t.Fatalf("key %d = %x, key 0 = %x", i, k, keys[0])
		}
	}
	fi, err := os.Stat(filepath.Join(dir, keyFile))
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm()&0o077 != 0 {
		t.Errorf("key file mode %v is readable by others", fi.Mode())
	}
	// A damaged key is replaced.
	if err := os.WriteFile(filepath.Join(dir, keyFile), []byte("short"), 0o600); err != nil {
		t.Fatal(err)
	}
	if k := readOrCreateKey(dir); len(k) != keySize {
		t.Errorf("damaged key not replaced: %x", k)
	}
}

func TestStatSeesAnEditThatRestoresSizeAndMtime(t *testing.T) {
	file := filepath.Join(t.TempDir(), "a.go")
	if err := os.WriteFile(file, []byte("package a\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	old := time.Now().Add(-time.Hour)
	if err := os.Chtimes(file, old, old); err != nil {
		t.Fatal(err)
	}
	before, _ := Stat(file)
	time.Sleep(10 * time.Millisecond) // let the change time move on coarse clocks
	if err := os.WriteFile(file, []byte("package b\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Chtimes(file, old, old); err != nil {
		t.Fatal(err)
	}
	after, _ := Stat(file)
	if before.Size != after.Size || before.ModTime != after.ModTime {
		t.Fatalf("setup: size or mtime differ: %+v %+v", before, after)
	}
	if before == after {
		t.Error("the stat did not change: an edit restoring size and mtime would go unseen")
	}
}

func TestEnsureWorkDir(t *testing.T) {
	dir := t.TempDir()
	if err := EnsureWorkDir(dir); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, ".kirofile", ".gitignore")); err != nil {
		t.Errorf("no .gitignore in .kirofile: %v", err)
	}
}

// Every single-bit flip of a stamp makes it fail, so a damaged stamp sends
// plan the long way and never says "No changes" wrongly.
func TestStampBitFlips(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "a.go")
	if err := os.WriteFile(file, []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	st, _ := StatPath(file)
	s := &Stamp{Key: "k", Env: map[string]EnvValue{"HOME_X": {Value: "v", Set: true}}, Paths: map[string]PathStat{"a.go": st, "gone.go": {}}}
	if !SaveStamp(dir, "t", s, time.Now().Add(time.Hour)) {
		t.Fatal("not kept")
	}
	lookup := func(n string) (string, bool) {
		if n == "HOME_X" {
			return "v", true
		}
		return "", false
	}
	if !StampHolds(dir, "t", "k", lookup) {
		t.Fatal("an intact stamp does not hold")
	}
	path := filepath.Join(dir, Dir, "stamp.t")
	good, _ := os.ReadFile(path)
	for i := range len(good) * 8 {
		bad := bytes.Clone(good)
		bad[i/8] ^= 1 << (i % 8)
		if err := os.WriteFile(path, bad, 0o644); err != nil {
			t.Fatal(err)
		}
		if StampHolds(dir, "t", "k", lookup) {
			t.Fatalf("flip of bit %d held", i)
		}
	}
}

// StatFile of an open file is Stat of its name; Has knows the paths the
// cache holds, from its file or put in this run, whatever their stat.
func TestStatFileAndHas(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "a.go")
	if err := os.WriteFile(file, []byte("package a\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	st, err := Stat(file)
	if err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(file)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if got, err := StatFile(f, file); err != nil || got != st {
		t.Fatalf("StatFile = %+v, %v; Stat = %+v", got, err, st)
	}
	h := LoadHashes(dir)
	h.Now = later
	h.Put("a.go", st, "sha256:"+fmt.Sprintf("%064x", 7))
	h.Save()
	h2 := LoadHashes(dir)
	h2.Now = later
	h2.Put("b.go", st, "sha256:"+fmt.Sprintf("%064x", 8))
	tests := []struct {
		path string
		want bool
	}{
		{"a.go", true},  // in the file
		{"b.go", true},  // put in this run
		{"c.go", false}, // neither
		{"a.g", false},
		{"a.go/x", false},
	}
	for _, tt := range tests {
		if got := h2.Has(tt.path); got != tt.want {
			t.Errorf("Has(%q) = %v, want %v", tt.path, got, tt.want)
		}
	}
}
