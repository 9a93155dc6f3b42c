package main

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

// project is a loaded configuration with its lock file: what plan, approve,
// revoke and show work on.
type project struct {
	cfg  *lang.Config
	lock *lockfile.Lock
	// lockBytes is the lock file as read (nil when there is none), which a
	// saved plan binds.
	lockBytes []byte
	lockPath  string
	// files holds every file a diagnostic may point into, for snippets.
	files map[string]*hcl.File
}

// loadProject loads the configuration, requiring every variable to have a
// value, and the lock file. A lock file that does not parse is an error and
// leaves p.lock nil: commands that write the lock must never overwrite one
// they could not read.
func (l *loadFlags) loadProject(m *meta) (*project, hcl.Diagnostics) {
	return l.loadProjectWith(m, l.vars)
}

func (l *loadFlags) loadProjectWith(m *meta, vars []lang.VarArg) (*project, hcl.Diagnostics) {
	cfg, diags := lang.Load(m.dir, lang.LoadOptions{Vars: vars, Version: version(), RequireVariables: true})
	p := &project{cfg: cfg, files: map[string]*hcl.File{}, lockPath: filepath.Join(m.dir, lockfile.FileName)}
	for name, f := range cfg.Files {
		p.files[name] = f
	}
	// The lock is parsed under its own name, not its absolute path, so that
	// diagnostics name it as the user sees it in the project.
	data, err := os.ReadFile(p.lockPath)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		p.lock = lockfile.New()
	case err != nil:
		diags = append(diags, &hcl.Diagnostic{
			Severity: hcl.DiagError,
			Summary:  "Cannot read the lock file",
			Detail:   fmt.Sprintf("Reading %s failed: %s.", lockfile.FileName, err),
		})
	default:
		p.lockBytes = data
		// A large lock takes long to parse; the cache holds the parse of
		// exactly these bytes, so it is used only when nothing changed.
		if lock, ok := cache.Lock(m.dir, data); ok {
			p.lock = lock
			break
		}
		lock, file, ldiags := lockfile.Parse(data, lockfile.FileName)
		if file != nil {
			p.files[lockfile.FileName] = file
		}
		p.lock = lock
		diags = append(diags, ldiags...)
		if !ldiags.HasErrors() {
			cache.SaveLock(m.dir, data, lock)
		}
	}
	return p, diags
}

// parseAddresses parses command-line node addresses, reporting each bad one.
func parseAddresses(args []string) ([]lang.Address, hcl.Diagnostics) {
	var out []lang.Address
	var diags hcl.Diagnostics
	for _, a := range args {
		addr, err := lang.ParseAddress(a)
		if err != nil {
			diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Invalid address", Detail: err.Error() + "."})
			continue
		}
		out = append(out, addr)
	}
	return out, diags
}
