package host

import (
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"slices"

	"github.com/hashicorp/hcl/v2"

	"github.com/kirofile/kirofile/internal/lockfile"
	"github.com/kirofile/kirofile/lang"
	"github.com/kirofile/kirofile/plugins/sdk"
)

// PluginPath returns the absolute path of a declared plugin's binary.
func PluginPath(cfg *lang.Config, p *lang.PluginDecl) string {
	if filepath.IsAbs(p.Source) {
		return p.Source
	}
	return filepath.Join(cfg.Dir, filepath.FromSlash(p.Source))
}

// CheckPlugins checks every third-party plugin the configuration declares
// against its pin in the lock: pinned, present, and the very binary that
// was pinned. A changed binary is refused until `kirofile init -upgrade`
// pins it again, so that nothing runs code nobody reviewed.
func CheckPlugins(cfg *lang.Config, lock *lockfile.Lock) hcl.Diagnostics {
	var diags hcl.Diagnostics
	for _, name := range slices.Sorted(maps.Keys(cfg.Settings.Plugins)) {
		p := cfg.Settings.Plugins[name]
		rng := p.DeclRange
		pin := lock.Plugins[name]
		if pin == nil {
			diags = append(diags, &hcl.Diagnostic{
				Severity: hcl.DiagError,
				Summary:  "Plugin not installed",
				Detail:   fmt.Sprintf("Plugin %q is declared but not pinned in %s. Run \"kirofile init\" to check it and pin its checksum.", name, lockfile.FileName),
				Subject:  &rng,
			})
			continue
		}
		path := PluginPath(cfg, p)
		sum, err := Checksum(path)
		switch {
		case errors.Is(err, fs.ErrNotExist):
			diags = append(diags, &hcl.Diagnostic{
				Severity: hcl.DiagError,
				Summary:  "Plugin binary not found",
				Detail:   fmt.Sprintf("Plugin %q has no binary at %s. Build or install it there, then run \"kirofile init\".", name, p.Source),
				Subject:  &rng,
			})
		case err != nil:
			diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Cannot read plugin binary",
				Detail: fmt.Sprintf("Plugin %q: %s.", name, err), Subject: &rng})
		case pin.Source != p.Source:
			diags = append(diags, &hcl.Diagnostic{
				Severity: hcl.DiagError,
				Summary:  "Plugin source changed",
				Detail:   fmt.Sprintf("Plugin %q was pinned from %s, but the configuration now says %s. Run \"kirofile init -upgrade\" to pin the new binary.", name, pin.Source, p.Source),
				Subject:  &rng,
			})
		case sum != pin.SHA256:
			err := &ChecksumError{Name: name, Path: p.Source, Got: sum, Expected: pin.SHA256}
			diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Plugin binary changed", Detail: err.Error() + ".", Subject: &rng})
		}
	}
	return diags
}

// fileExecutable reports whether path is a regular file someone may run.
func fileExecutable(path string) error {
	fi, err := os.Stat(path)
	if err != nil {
		return err
	}
	if !fi.Mode().IsRegular() || fi.Mode().Perm()&0o111 == 0 {
		return fmt.Errorf("%s is not an executable file", path)
	}
	return nil
}

// PluginInstall is what `kirofile init` did with one plugin.
type PluginInstall struct {
	Name, Source, SHA256 string
	// Status is "pinned" (new), "upgraded", "unchanged" or "removed".
	Status string
}

// InstallPlugins checks every declared third-party plugin and pins its
// checksum in the lock: the binary must exist, be executable, and complete
// kirofile's plugin handshake (start does that, with the checksum it is
// about to pin). A binary that differs from its pin is refused unless
// upgrade is set. Pins of plugins no longer declared are removed.
func InstallPlugins(cfg *lang.Config, lock *lockfile.Lock, upgrade bool, start func(Launcher) error) ([]PluginInstall, hcl.Diagnostics) {
	var out []PluginInstall
	var diags hcl.Diagnostics
	for _, name := range slices.Sorted(maps.Keys(cfg.Settings.Plugins)) {
		p := cfg.Settings.Plugins[name]
		rng := p.DeclRange
		fail := func(summary, detail string, args ...any) {
			diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: summary, Detail: fmt.Sprintf(detail, args...), Subject: &rng})
		}
		path := PluginPath(cfg, p)
		if err := fileExecutable(path); err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				fail("Plugin binary not found", "Plugin %q has no binary at %s. Build or install it there first.", name, p.Source)
			} else {
				fail("Plugin binary not usable", "Plugin %q: %s.", name, err)
			}
			continue
		}
		sum, err := Checksum(path)
		if err != nil {
			fail("Cannot read plugin binary", "Plugin %q: %s.", name, err)
			continue
		}
		status := "pinned"
		if pin := lock.Plugins[name]; pin != nil {
			switch {
			case pin.SHA256 == sum && pin.Source == p.Source:
				status = "unchanged"
			case !upgrade:
				err := &ChecksumError{Name: name, Path: p.Source, Got: sum, Expected: pin.SHA256}
				fail("Plugin binary changed", "%s.", err)
				continue
			default:
				status = "upgraded"
			}
		}
		kind := sdk.KindProvider
		if p.Kind == lang.PluginAction {
			kind = sdk.KindAction
		}
		if err := start(ThirdPartyLauncher(kind, name, path, sum)); err != nil {
			fail("Plugin does not start", "Plugin %q at %s did not complete kirofile's plugin handshake as a %s: %s.", name, p.Source, kind, err)
			continue
		}
		lock.Plugins[name] = &lockfile.Plugin{Name: name, Source: p.Source, SHA256: sum}
		out = append(out, PluginInstall{Name: name, Source: p.Source, SHA256: sum, Status: status})
	}
	for _, name := range slices.Sorted(maps.Keys(lock.Plugins)) {
		if _, declared := cfg.Settings.Plugins[name]; !declared {
			out = append(out, PluginInstall{Name: name, Source: lock.Plugins[name].Source, Status: "removed"})
			delete(lock.Plugins, name)
		}
	}
	return out, diags
}
