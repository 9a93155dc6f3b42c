package fsutil

import (
	"errors"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"unicode/utf8"
)

func openRoot(t *testing.T, dir string) *os.Root {
	t.Helper()
	r, err := os.OpenRoot(dir)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.Close() })
	return r
}

func TestOpenDirIn(t *testing.T) {
	base := t.TempDir()
	project := filepath.Join(base, "project")
	if err := os.MkdirAll(filepath.Join(project, "a", "b"), 0o755); err != nil {
		t.Fatal(err)
	}
	writeFile(t, filepath.Join(project, "file"), "x", 0o644)
	if err := os.Symlink("a", filepath.Join(project, "inlink")); err != nil {
		t.Skip(err)
	}
	if err := os.Symlink(base, filepath.Join(project, "a", "outlink")); err != nil {
		t.Skip(err)
	}
	root := openRoot(t, project)

	d, created, err := OpenDirIn(root, "a/b/c/d", true)
	if err != nil {
		t.Fatal(err)
	}
	d.Close()
	if want := []string{"a/b/c", "a/b/c/d"}; strings.Join(created, ",") != strings.Join(want, ",") {
		t.Errorf("created = %v, want %v", created, want)
	}
	for _, tc := range []struct {
		rel  string
		want error
	}{
		{"inlink", ErrSymlink},
		{"inlink/b", ErrSymlink},
		{"a/outlink", ErrSymlink},
		{"a/outlink/x", ErrSymlink},
		{"file", errNotDir},
		{"file/x", errNotDir},
		{"missing", os.ErrNotExist},
	} {
		d, _, err := OpenDirIn(root, tc.rel, false)
		if !errors.Is(err, tc.want) {
			t.Errorf("OpenDirIn(%s) = %v, %v; want %v", tc.rel, d, err, tc.want)
		}
	}
	// Nothing is created through a link.
	if _, _, err := OpenDirIn(root, "a/outlink/made", true); !errors.Is(err, ErrSymlink) {
		t.Errorf("OpenDirIn through a link = %v", err)
	}
	if _, err := os.Stat(filepath.Join(base, "made")); err == nil {
		t.Error("a directory was made outside the project")
	}
}

func TestWriteFileIn(t *testing.T) {
	base := t.TempDir()
	project := filepath.Join(base, "project")
	outside := filepath.Join(base, "outside")
	for _, d := range []string{project, outside} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Symlink(outside, filepath.Join(project, "docs")); err != nil {
		t.Skip(err)
	}
	root := openRoot(t, project)
	if err := WriteFileIn(root, "specs/g/design.md", []byte("new\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(filepath.Join(project, "specs", "g", "design.md")); string(b) != "new\n" {
		t.Errorf("content = %q", b)
	}
	err := WriteFileIn(root, "docs/design.md", []byte("escaped\n"), 0o644)
	if !errors.Is(err, ErrSymlink) {
		t.Errorf("WriteFileIn through a link = %v", err)
	}
	if entries, _ := os.ReadDir(outside); len(entries) > 0 {
		t.Errorf("written outside: %v", entries)
	}
	entries, _ := os.ReadDir(filepath.Join(project, "specs", "g"))
	if len(entries) != 1 {
		t.Errorf("leftovers next to the file: %v", entries)
	}
}

func TestTempName(t *testing.T) {
	for _, base := range []string{"a.go", strings.Repeat("x", 255), strings.Repeat("é", 127) + "x", "Kirofile.lock.hcl"} {
		name := TempName(base)
		if len(name) > 255 {
			t.Errorf("TempName of a %d-byte name is %d bytes", len(base), len(name))
		}
		if !utf8.ValidString(name) || !IsLeftover(name) || !IsLeftover(BackupName(name)) {
			t.Errorf("TempName(%q) = %q: invalid or not a leftover name", base, name)
		}
		if !strings.HasPrefix(name, "."+base[:min(len(base), 10)]) {
			t.Errorf("TempName(%q) = %q does not name its file", base, name)
		}
	}
	for _, name := range []string{"a.go", ".a.go.tmp", ".a.go.kirofile-.tmp", "a.go.kirofile-ab.tmp", ".x.kirofile-zz.tmp"} {
		if IsLeftover(name) {
			t.Errorf("IsLeftover(%q)", name)
		}
	}
}

func TestLeftovers(t *testing.T) {
	project := t.TempDir()
	if err := os.MkdirAll(filepath.Join(project, "out"), 0o755); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"out/a.go", "out/.a.go.kirofile-0123abcd.tmp", "out/.a.go.kirofile-0123abcd.old", "out/.keep.tmp", ".Kirofile.lock.hcl.kirofile-ff.tmp"} {
		writeFile(t, filepath.Join(project, filepath.FromSlash(name)), "x", 0o644)
	}
	root := openRoot(t, project)
	found := append(FindLeftovers(project, "out"), FindLeftovers(project, ".")...)
	sort.Strings(found)
	want := []string{".Kirofile.lock.hcl.kirofile-ff.tmp", "out/.a.go.kirofile-0123abcd.old", "out/.a.go.kirofile-0123abcd.tmp"}
	if strings.Join(found, ",") != strings.Join(want, ",") {
		t.Errorf("FindLeftovers = %v, want %v", found, want)
	}
	removed, err := RemoveLeftovers(root, "out")
	if err != nil || len(removed) != 2 {
		t.Fatalf("RemoveLeftovers = %v, %v", removed, err)
	}
	for _, name := range []string{"out/a.go", "out/.keep.tmp"} {
		if _, err := os.Stat(filepath.Join(project, filepath.FromSlash(name))); err != nil {
			t.Errorf("%s was removed: %v", name, err)
		}
	}
	if removed, err := RemoveLeftovers(root, "missing"); err != nil || len(removed) != 0 {
		t.Errorf("RemoveLeftovers(missing) = %v, %v", removed, err)
	}
}

func TestPatchFileIn(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "tasks.md"), "- [ ] 1. one\n- [ ] 2. two\n- [x] 3. three\n", 0o640)
	writeFile(t, filepath.Join(dir, "other"), "x", 0o644)
	if err := os.Symlink("other", filepath.Join(dir, "link")); err != nil {
		t.Skip(err)
	}
	root := openRoot(t, dir)
	before, err := os.Stat(filepath.Join(dir, "tasks.md"))
	if err != nil {
		t.Fatal(err)
	}
	set := func(pairs ...int) func([]byte) ([]byte, error) {
		return func(data []byte) ([]byte, error) {
			out := append([]byte(nil), data...)
			for i := 0; i+1 < len(pairs); i += 2 {
				out[pairs[i]] = byte(pairs[i+1])
			}
			return out, nil
		}
	}
	boom := errors.New("boom")
	for _, tc := range []struct {
		name string
		rel  string
		edit func([]byte) ([]byte, error)
		want string // content after
		err  error
	}{
		{"two boxes", "tasks.md", set(3, 'x', 29, ' '), "- [x] 1. one\n- [ ] 2. two\n- [ ] 3. three\n", nil},
		{"a run of bytes", "tasks.md", set(9, 'O', 10, 'N', 11, 'E'), "- [x] 1. ONE\n- [ ] 2. two\n- [ ] 3. three\n", nil},
		{"nothing to change", "tasks.md", set(), "- [x] 1. ONE\n- [ ] 2. two\n- [ ] 3. three\n", nil},
		{"the edit fails", "tasks.md", func([]byte) ([]byte, error) { return []byte("- [x]"), boom }, "- [x] 1. ONE\n- [ ] 2. two\n- [ ] 3. three\n", boom},
		{"the length changes", "tasks.md", func(d []byte) ([]byte, error) { return append(d, '\n'), nil }, "- [x] 1. ONE\n- [ ] 2. two\n- [ ] 3. three\n", nil},
		{"a symbolic link", "link", set(0, 'y'), "x", ErrNotRegular},
		{"missing", "missing.md", set(), "", os.ErrNotExist},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := PatchFileIn(root, tc.rel, tc.edit)
			switch {
			case tc.err != nil && !errors.Is(err, tc.err):
				t.Fatalf("err = %v, want %v", err, tc.err)
			case tc.err == nil && tc.name == "the length changes" && err == nil:
				t.Fatal("a change of length was written")
			case tc.err == nil && tc.name != "the length changes" && err != nil:
				t.Fatal(err)
			}
			if tc.want == "" {
				return
			}
			name := tc.rel
			if name == "link" {
				name = "other"
			}
			got, err := os.ReadFile(filepath.Join(dir, name))
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != tc.want {
				t.Errorf("content = %q, want %q", got, tc.want)
			}
		})
	}
	after, err := os.Stat(filepath.Join(dir, "tasks.md"))
	if err != nil {
		t.Fatal(err)
	}
	if !os.SameFile(before, after) || after.Mode() != before.Mode() {
		t.Errorf("the file was replaced (%v, %v), not changed in place", before.Mode(), after.Mode())
	}
}
