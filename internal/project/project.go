// Package project loads what every command that plans works on: the
// configuration, the lock file and the spec documents.
package project

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/hashicorp/hcl/v2"
	"github.com/kirofile/kirofile/internal/cache"
	"github.com/kirofile/kirofile/internal/lockfile"
	"github.com/kirofile/kirofile/lang"
)

// Project is a loaded configuration with its lock file: what plan,
// approve, revoke, show and apply work on.
type Project struct {
	Config *lang.Config
	// Lock is nil when the lock file exists but could not be read: a lock
	// that was not understood must never be written back.
	Lock *lockfile.Lock
	// LockBytes is the lock file as read (nil when there is none), which
	// a saved plan binds.
	LockBytes []byte
	LockPath  string
	// Files holds every file a diagnostic may point into, for snippets.
	Files map[string]*hcl.File
}

// Load loads the configuration of dir and its lock file. The parse of a
// lock is cached under .kirofile/, keyed by the lock's bytes.
func Load(dir string, opts lang.LoadOptions) (*Project, hcl.Diagnostics) {
	cfg, diags := lang.Load(dir, opts)
	p := &Project{Config: cfg, Files: map[string]*hcl.File{}, LockPath: filepath.Join(cfg.Dir, lockfile.FileName)}
	for name, f := range cfg.Files {
		p.Files[name] = f
	}
	// The lock is parsed under its own name, not its absolute path, so that
	// diagnostics name it as the user sees it in the project.
	data, err := os.ReadFile(p.LockPath)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		p.Lock = lockfile.New()
	case err != nil:
		diags = append(diags, &hcl.Diagnostic{
			Severity: hcl.DiagError,
			Summary:  "Cannot read the lock file",
			Detail:   fmt.Sprintf("Reading %s failed: %s.", lockfile.FileName, err),
		})
	default:
		p.LockBytes = data
		// A large lock takes long to parse; the cache holds the parse of
		// exactly these bytes, so it is used only when nothing changed.
		if lock, ok := cache.Lock(cfg.Dir, data); ok {
			p.Lock = lock
			break
		}
		lock, file, ldiags := lockfile.Parse(data, lockfile.FileName)
		if file != nil {
			p.Files[lockfile.FileName] = file
		}
		p.Lock = lock
		diags = append(diags, ldiags...)
		if !ldiags.HasErrors() {
			cache.SaveLock(cfg.Dir, data, lock)
		}
	}
	return p, diags
}
