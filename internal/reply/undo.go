package reply

import (
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"os"
	"path"
	"slices"

	"github.com/kirofile/kirofile/internal/fsutil"
)

// Prior is what the files of a change held before it was written, by the
// change's paths: the content of each, or nil for a file that did not
// exist. A change that must be taken back (a task that failed, see
// internal/apply) is undone with it.
type Prior map[string][]byte

// Prior reads what the change's files hold now, where Write would write
// them (through the links Plan resolved), through no other link.
func (c *Change) Prior(projectDir string) (Prior, error) {
	rootDir, err := projectRoot(projectDir)
	if err != nil {
		return nil, err
	}
	root, err := os.OpenRoot(rootDir)
	if err != nil {
		return nil, fmt.Errorf("project directory: %w", err)
	}
	defer root.Close()
	out := make(Prior, len(c.Files))
	for _, p := range c.Paths() {
		data, err := readIn(root, c.target(p))
		switch {
		case errors.Is(err, fs.ErrNotExist):
			out[p] = nil
		case err != nil:
			return nil, fmt.Errorf("read %s: %w", p, err)
		default:
			out[p] = data
		}
	}
	return out, nil
}

// Undo puts back what prior holds for the paths keep accepts: a file that
// existed gets its content back, written as Write writes (all of them or
// none), and a file that did not is removed. It returns the hashes of the
// files written back and the paths removed.
func (c *Change) Undo(projectDir string, prior Prior, keep func(path string) bool) (map[string]string, []string, error) {
	back := &Change{Files: map[string][]byte{}, real: c.real, scope: c.scope}
	var gone []string
	for _, p := range slices.Sorted(maps.Keys(prior)) {
		if !keep(p) {
			continue
		}
		if data := prior[p]; data != nil {
			back.Files[p] = data
		} else {
			gone = append(gone, p)
		}
	}
	var written map[string]string
	if len(back.Files) > 0 {
		var err error
		if written, err = back.Write(projectDir); err != nil {
			return nil, nil, err
		}
	}
	if len(gone) == 0 {
		return written, nil, nil
	}
	rootDir, err := projectRoot(projectDir)
	if err != nil {
		return written, nil, err
	}
	root, err := os.OpenRoot(rootDir)
	if err != nil {
		return written, nil, fmt.Errorf("project directory: %w", err)
	}
	defer root.Close()
	var removed []string
	for _, p := range gone {
		dst := c.target(p)
		dir, _, err := fsutil.OpenDirIn(root, path.Dir(dst), false)
		if errors.Is(err, fs.ErrNotExist) {
			removed = append(removed, p)
			continue
		}
		if err != nil {
			return written, removed, fmt.Errorf("remove %s: %w", p, err)
		}
		err = dir.Remove(path.Base(dst))
		dir.Close()
		if err != nil && !errors.Is(err, fs.ErrNotExist) {
			return written, removed, fmt.Errorf("remove %s: %w", p, err)
		}
		removed = append(removed, p)
	}
	return written, removed, nil
}

// target is where Write writes a path of the change.
func (c *Change) target(p string) string {
	if real := c.real[p]; real != "" {
		return real
	}
	return p
}
