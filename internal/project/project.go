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

// Load loads the configuration of dir and its lock file.
func Load(dir string, opts lang.LoadOptions) (*Project, hcl.Diagnostics) {
	return LoadWith(dir, opts, nil)
}

// LoadWith is Load, calling afterLock with the lock (nil when it could not
// be read) as soon as it is read, while the configuration loads: plan
// starts hashing the files the lock records then (plan.StartPrefetch).
// The lock is read and parsed on another goroutine, so that on a machine
// with more than one core neither waits for the other. afterLock runs on
// that goroutine, and has returned when LoadWith returns.
func LoadWith(dir string, opts lang.LoadOptions, afterLock func(*lockfile.Lock)) (*Project, hcl.Diagnostics) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		abs = dir
	}
	p := &Project{Files: map[string]*hcl.File{}, LockPath: filepath.Join(abs, lockfile.FileName)}
	var diags hcl.Diagnostics
	var lockFile *hcl.File
	done := make(chan struct{})
	go func() {
		defer close(done)
		lockFile, diags = p.readLock()
		if afterLock != nil {
			afterLock(p.Lock)
		}
	}()
	cfg, cdiags := lang.Load(dir, opts)
	<-done
	if lockFile != nil {
		p.Files[lockfile.FileName] = lockFile
	}
	p.Config = cfg
	for name, f := range cfg.Files {
		p.Files[name] = f
	}
	// Configuration problems first, as they were before the lock's.
	return p, append(cdiags, diags...)
}

// readLock reads and parses the lock file into p.Lock and p.LockBytes,
// returning the parsed file, for snippets.
func (p *Project) readLock() (*hcl.File, hcl.Diagnostics) {
	// The lock is parsed under its own name, not its absolute path, so that
	// diagnostics name it as the user sees it in the project.
	data, err := os.ReadFile(p.LockPath)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		p.Lock = lockfile.New()
		return nil, nil
	case err != nil:
		return nil, hcl.Diagnostics{{
			Severity: hcl.DiagError,
			Summary:  "Cannot read the lock file",
			Detail:   fmt.Sprintf("Reading %s failed: %s.", lockfile.FileName, err),
		}}
	}
	p.LockBytes = data
	// The lock is parsed from its own bytes on every run, never taken
	// from a cache: it holds the approvals.
	lock, file, diags := lockfile.Parse(data, lockfile.FileName)
	p.Lock = lock
	return file, diags
}
