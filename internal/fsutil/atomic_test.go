package fsutil

import (
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

func TestWriteFileAtomic(t *testing.T) {
	errRename := errors.New("rename refused")

	tests := []struct {
		name string
		// setup prepares dir and returns the path to write.
		setup func(t *testing.T, dir string) string
		perm  os.FileMode
		// failRename makes the final rename fail.
		failRename bool
		// needsPermissions skips the case where permission bits do not
		// bind (root).
		needsPermissions bool

		wantErr  string // substring; "" means success
		wantData string // content at the path afterwards
		wantPerm os.FileMode
	}{
		{
			name:     "new file gets perm",
			setup:    func(t *testing.T, dir string) string { return filepath.Join(dir, "f") },
			perm:     0o640,
			wantData: "new",
			wantPerm: 0o640,
		},
		{
			name: "existing file is replaced and keeps its mode",
			setup: func(t *testing.T, dir string) string {
				p := filepath.Join(dir, "f")
				writeFile(t, p, "old", 0o600)
				return p
			},
			perm:     0o644,
			wantData: "new",
			wantPerm: 0o600,
		},
		{
			name: "executable bit is kept",
			setup: func(t *testing.T, dir string) string {
				p := filepath.Join(dir, "f")
				writeFile(t, p, "old", 0o755)
				return p
			},
			perm:     0o644,
			wantData: "new",
			wantPerm: 0o755,
		},
		{
			name: "target is a directory",
			setup: func(t *testing.T, dir string) string {
				p := filepath.Join(dir, "f")
				if err := os.Mkdir(p, 0o755); err != nil {
					t.Fatal(err)
				}
				return p
			},
			perm:    0o644,
			wantErr: "is a directory",
		},
		{
			name:    "parent directory does not exist",
			setup:   func(t *testing.T, dir string) string { return filepath.Join(dir, "missing", "f") },
			perm:    0o644,
			wantErr: "no such file or directory",
		},
		{
			name: "directory not writable",
			setup: func(t *testing.T, dir string) string {
				p := filepath.Join(dir, "f")
				writeFile(t, p, "old", 0o644)
				if err := os.Chmod(dir, 0o555); err != nil {
					t.Fatal(err)
				}
				t.Cleanup(func() { _ = os.Chmod(dir, 0o755) })
				return p
			},
			perm:             0o644,
			needsPermissions: true,
			wantErr:          "permission denied",
			wantData:         "old",
			wantPerm:         0o644,
		},
		{
			name: "failed rename leaves the target untouched",
			setup: func(t *testing.T, dir string) string {
				p := filepath.Join(dir, "f")
				writeFile(t, p, "old", 0o644)
				return p
			},
			perm:       0o644,
			failRename: true,
			wantErr:    errRename.Error(),
			wantData:   "old",
			wantPerm:   0o644,
		},
	}

	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.needsPermissions && (os.Geteuid() == 0 || runtime.GOOS == "windows") {
				t.Skip("permission bits do not restrict this user")
			}
			if tt.failRename {
				rename = func(string, string) error { return errRename }
				t.Cleanup(func() { rename = os.Rename })
			}
			dir := t.TempDir()
			path := tt.setup(t, dir)
			before := listDir(t, dir)

			err := WriteFileAtomic(path, []byte("new"), tt.perm)

			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("error = %v, want one containing %q", err, tt.wantErr)
				}
				if !strings.Contains(err.Error(), path) {
					t.Errorf("error %q does not name the path %s", err, path)
				}
				// No temporary file may be left behind.
				if after := listDir(t, dir); strings.Join(after, ",") != strings.Join(before, ",") {
					t.Errorf("directory changed on failure: before %v, after %v", before, after)
				}
			} else if err != nil {
				t.Fatalf("unexpected error: %v", err)
			}

			if tt.wantData == "" {
				return
			}
			got, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != tt.wantData {
				t.Errorf("content = %q, want %q", got, tt.wantData)
			}
			fi, err := os.Stat(path)
			if err != nil {
				t.Fatal(err)
			}
			// Windows keeps only a read-only bit, not Unix permissions.
			if runtime.GOOS != "windows" && fi.Mode().Perm() != tt.wantPerm {
				t.Errorf("mode = %v, want %v", fi.Mode().Perm(), tt.wantPerm)
			}
			if tt.wantErr == "" {
				if after := listDir(t, dir); len(after) != 1 {
					t.Errorf("directory holds %v, want only the target", after)
				}
			}
		})
	}
}

func TestWriteFileAtomicRelativePath(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)
	if err := WriteFileAtomic("f", []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	if got, err := os.ReadFile(filepath.Join(dir, "f")); err != nil || string(got) != "x" {
		t.Fatalf("ReadFile = %q, %v", got, err)
	}
}

func writeFile(t *testing.T, path, data string, perm os.FileMode) {
	t.Helper()
	if err := os.WriteFile(path, []byte(data), perm); err != nil {
		t.Fatal(err)
	}
	// WriteFile applies the umask; set the mode exactly.
	if err := os.Chmod(path, perm); err != nil {
		t.Fatal(err)
	}
}

func listDir(t *testing.T, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	names := make([]string, len(entries))
	for i, e := range entries {
		names[i] = e.Name()
	}
	return names
}
