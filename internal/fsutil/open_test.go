package fsutil

import (
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"testing"
)

func TestOpenRead(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "a.txt")
	if err := os.WriteFile(file, []byte("content\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		path    string
		want    string
		wantErr error
	}{
		{"regular file", file, "content\n", nil},
		{"missing", filepath.Join(dir, "missing"), "", fs.ErrNotExist},
		{"under a file", filepath.Join(file, "x"), "", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, err := OpenRead(tt.path)
			if tt.want == "" {
				if err == nil {
					f.Close()
					t.Fatal("opened")
				}
				if tt.wantErr != nil && !errors.Is(err, tt.wantErr) {
					t.Fatalf("error %v, want %v", err, tt.wantErr)
				}
				var pe *fs.PathError
				if !errors.As(err, &pe) || pe.Path != tt.path {
					t.Fatalf("error %v does not name %s", err, tt.path)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			data, err := io.ReadAll(f)
			if err != nil || string(data) != tt.want {
				t.Fatalf("read %q, %v; want %q", data, err, tt.want)
			}
			fi, err := f.Stat()
			if err != nil || fi.Size() != int64(len(tt.want)) || fi.Name() != "a.txt" {
				t.Fatalf("stat %v, %v", fi, err)
			}
		})
	}
}
