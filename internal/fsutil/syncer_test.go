package fsutil

import (
	"os"
	"path/filepath"
	"runtime"
	"testing"
)

// dirs is n directories queued beside files: none on Windows, where
// directories cannot be synced.
func dirs(n int) int {
	if runtime.GOOS == "windows" {
		return 0
	}
	return n
}

func TestSyncer(t *testing.T) {
	tests := []struct {
		name    string
		files   []string // queued with Add
		dirs    []string // queued with AddDir
		queued  int      // what waits before Sync
		wantErr bool
		left    int // what waits after Sync
	}{
		{name: "nothing queued", queued: 0},
		{name: "a file and its directory", files: []string{"a/new.txt"}, queued: 1 + dirs(1)},
		{name: "a file queued twice is synced once", files: []string{"a/new.txt", "a/new.txt"}, queued: 1 + dirs(1)},
		{name: "files sharing a directory", files: []string{"a/new.txt", "a/b/deep.txt", "top.txt"}, queued: 3 + dirs(3)},
		{name: "a directory alone", dirs: []string{"a/b"}, queued: dirs(1)},
		{name: "a file gone since is skipped", files: []string{"a/gone.txt"}, queued: 1 + dirs(1)},
		{name: "a file whose directory is gone is skipped", files: []string{"gone/x.txt"}, queued: 1 + dirs(1)},
		{name: "what cannot be opened stays queued", files: []string{"top.txt/x"}, queued: 1 + dirs(1), wantErr: true, left: 1},
		{name: "a path out of the root stays queued", files: []string{"../outside.txt"}, queued: 1 + dirs(1), wantErr: true, left: 1 + dirs(1)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			root := t.TempDir()
			if err := os.MkdirAll(filepath.Join(root, "a", "b"), 0o755); err != nil {
				t.Fatal(err)
			}
			for _, f := range []string{"a/new.txt", "a/b/deep.txt", "top.txt"} {
				if err := os.WriteFile(filepath.Join(root, filepath.FromSlash(f)), []byte(f), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			s := NewSyncer(root)
			s.Add(tt.files...)
			for _, d := range tt.dirs {
				s.AddDir(d)
			}
			if got := s.Len(); got != tt.queued {
				t.Fatalf("queued %d, want %d", got, tt.queued)
			}
			err := s.Sync()
			if (err != nil) != tt.wantErr {
				t.Fatalf("Sync: %v, want error %v", err, tt.wantErr)
			}
			if got := s.Len(); got != tt.left {
				t.Errorf("left queued %d, want %d", got, tt.left)
			}
			// What stayed is tried again, and fails again.
			if err := s.Sync(); (err != nil) != tt.wantErr {
				t.Errorf("second Sync: %v, want error %v", err, tt.wantErr)
			}
		})
	}
}

func TestSyncerMissingRoot(t *testing.T) {
	s := NewSyncer(filepath.Join(t.TempDir(), "gone"))
	s.Add("a.txt")
	if err := s.Sync(); err == nil {
		t.Fatal("Sync of a missing root: no error")
	}
	if s.Len() == 0 {
		t.Error("what could not be synced was dropped")
	}
}

// TestWriteFileInSyncLater checks what a write leaves to the Syncer: a
// new file with the directories whose entries changed, and nothing for a
// file that replaced another (synced before its rename).
func TestWriteFileInSyncLater(t *testing.T) {
	tests := []struct {
		name   string
		rel    string
		queued int
	}{
		{name: "a file replaced", rel: "old.txt", queued: 0},
		{name: "a new file", rel: "new.txt", queued: 1 + dirs(1)},
		{name: "a new file in new directories", rel: "a/b/new.txt", queued: 1 + dirs(3)}, // a/b, and the entries of a and b
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			if err := os.WriteFile(filepath.Join(dir, "old.txt"), []byte("old"), 0o600); err != nil {
				t.Fatal(err)
			}
			root, err := os.OpenRoot(dir)
			if err != nil {
				t.Fatal(err)
			}
			defer root.Close()
			s := NewSyncer(dir)
			if err := WriteFileInSyncLater(root, tt.rel, []byte("new"), 0o644, s); err != nil {
				t.Fatal(err)
			}
			if got, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(tt.rel))); err != nil || string(got) != "new" {
				t.Fatalf("%s holds %q (%v)", tt.rel, got, err)
			}
			if got := s.Len(); got != tt.queued {
				t.Errorf("left to the Syncer: %d, want %d", got, tt.queued)
			}
			if err := s.Sync(); err != nil || s.Len() != 0 {
				t.Errorf("Sync: %v, %d left", err, s.Len())
			}
		})
	}
}
