package cache

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/kirofile/kirofile/internal/lockfile"
)

func TestLockCacheIsKeyedByContent(t *testing.T) {
	dir := t.TempDir()
	lock := lockfile.New()
	lock.SetNode(&lockfile.Node{Address: "feature.a.spec.requirements", Fingerprint: lockfile.HashBytes([]byte("x")), Status: lockfile.StatusGenerated})
	data := lock.Bytes()
	if _, ok := Lock(dir, data); ok {
		t.Fatal("empty cache hit")
	}
	SaveLock(dir, data, lock)
	got, ok := Lock(dir, data)
	if !ok || got.Node("feature.a.spec.requirements") == nil {
		t.Fatalf("cache miss after save: %v %+v", ok, got)
	}
	if _, ok := Lock(dir, append(data, '\n')); ok {
		t.Error("a cached parse was used for different bytes")
	}
	if _, err := os.Stat(filepath.Join(dir, ".kirofile", ".gitignore")); err != nil {
		t.Errorf("no .gitignore in .kirofile: %v", err)
	}
	// A corrupt cache file is a miss, not an error.
	if err := os.WriteFile(filepath.Join(dir, Dir, "lock.gob"), []byte("garbage"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, ok := Lock(dir, data); ok {
		t.Error("corrupt cache hit")
	}
}

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
	later := func() time.Time { return time.Now().Add(time.Hour) }
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
			h.Put("a.go", st, "sha256:x")
			h.Save()
			h2 := LoadHashes(dir)
			_, ok := h2.Get("a.go", tt.stat(st))
			if ok != tt.wantOK {
				t.Errorf("Get ok = %v, want %v", ok, tt.wantOK)
			}
			_ = os.RemoveAll(filepath.Join(dir, ".kirofile"))
		})
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
