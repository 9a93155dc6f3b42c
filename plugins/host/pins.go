package host

import (
	"debug/buildinfo"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"

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

// Platform is the key of this machine's pins in the lock: "GOOS_GOARCH",
// as in "linux_amd64".
var Platform = runtime.GOOS + "_" + runtime.GOARCH

// CheckPlugins checks every third-party plugin the configuration declares
// against its pin in the lock: pinned for this platform, present, and the
// very binary that was pinned. A changed binary is refused until
// `kirofile init -upgrade` pins it again, so that nothing runs code nobody
// reviewed.
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
		want := pin.Hash(Platform)
		if want == "" {
			diags = append(diags, &hcl.Diagnostic{
				Severity: hcl.DiagError,
				Summary:  "Plugin not pinned for this platform",
				Detail: fmt.Sprintf("Plugin %q is pinned in %s for %s, not for %s. A binary built for another platform is another binary: "+
					"run \"kirofile init\" here to check this platform's binary and add its pin, then commit the lock so that every %s machine gets it.",
					name, lockfile.FileName, strings.Join(slices.Sorted(maps.Keys(pin.Hashes)), ", "), Platform, Platform),
				Subject: &rng,
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
		case sum != want:
			err := &ChecksumError{Name: name, Path: p.Source, Got: sum, Expected: want}
			diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Plugin binary changed", Detail: err.Error() + ".", Subject: &rng})
		}
	}
	return diags
}

// otherPlatforms returns a copy of a pin's digests for platforms other than
// this one, without a digest recorded before platforms were.
func otherPlatforms(pin *lockfile.Plugin) map[string]string {
	out := map[string]string{}
	for k, v := range pin.Hashes {
		if k != "" && k != Platform {
			out[k] = v
		}
	}
	return out
}

// buildWarnings warns about a Go plugin binary whose checksum depends on
// the machine that built it, so that the pin would fail for a teammate or
// for CI building the same source: built without -trimpath (the build
// directory is in the binary), or from a checkout with uncommitted changes.
// A binary that is not a Go program, or that says nothing, gets none.
func buildWarnings(name, path string, rng hcl.Range) hcl.Diagnostics {
	info, err := buildinfo.ReadFile(path)
	if err != nil {
		return nil
	}
	var diags hcl.Diagnostics
	settings := map[string]string{}
	for _, s := range info.Settings {
		settings[s.Key] = s.Value
	}
	if settings["-trimpath"] != "true" {
		diags = append(diags, &hcl.Diagnostic{
			Severity: hcl.DiagWarning,
			Summary:  "Plugin not built reproducibly",
			Detail: fmt.Sprintf("Plugin %q was built without -trimpath, so its binary holds the directory it was built in: the same source built "+
				"in another directory (a teammate's clone, CI) gets another checksum, and the pin fails there. Build it with \"go build -trimpath\" "+
				"(see docs/plugins.md, \"Pins that hold across machines\").", name),
			Subject: &rng,
		})
	}
	if settings["vcs.modified"] == "true" {
		diags = append(diags, &hcl.Diagnostic{
			Severity: hcl.DiagWarning,
			Summary:  "Plugin built from uncommitted changes",
			Detail: fmt.Sprintf("Plugin %q was built from a checkout with uncommitted changes (vcs.modified=true), which nobody else can build again. "+
				"Pin a binary built from a commit.", name),
			Subject: &rng,
		})
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
	// Platform is the platform the pin is for (this machine's).
	Platform string
	// Status is "pinned" (new), "pinned for this platform" (a plugin
	// pinned on other platforms before), "upgraded", "unchanged" or
	// "removed".
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
		hashes := map[string]string{Platform: sum}
		if pin := lock.Plugins[name]; pin != nil {
			want, ownPin := pin.Hashes[Platform]
			if !ownPin {
				want = pin.Hashes[""] // pinned before platforms were recorded
			}
			switch {
			case pin.Source == p.Source && want == sum:
				status = "unchanged"
				hashes = otherPlatforms(pin)
				hashes[Platform] = sum
			case pin.Source == p.Source && want == "" && len(pin.Hashes) > 0:
				// Pinned on other platforms only: a binary built for
				// this one is another binary, pinned here for the first
				// time. The lock's diff shows it for review.
				status = "pinned for this platform"
				hashes = otherPlatforms(pin)
				hashes[Platform] = sum
			case !upgrade:
				if pin.Source != p.Source {
					fail("Plugin source changed", "Plugin %q was pinned from %s, but the configuration now says %s. Run \"kirofile init -upgrade\" to pin the new binary.", name, pin.Source, p.Source)
					continue
				}
				err := &ChecksumError{Name: name, Path: p.Source, Got: sum, Expected: want}
				fail("Plugin binary changed", "%s.", err)
				continue
			default:
				// A new binary is a new version: the pins of other
				// platforms were of the old one, and are dropped.
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
		lock.Plugins[name] = &lockfile.Plugin{Name: name, Source: p.Source, Hashes: hashes}
		out = append(out, PluginInstall{Name: name, Source: p.Source, SHA256: sum, Platform: Platform, Status: status})
		diags = append(diags, buildWarnings(name, path, rng)...)
	}
	for _, name := range slices.Sorted(maps.Keys(lock.Plugins)) {
		if _, declared := cfg.Settings.Plugins[name]; !declared {
			out = append(out, PluginInstall{Name: name, Source: lock.Plugins[name].Source, Status: "removed"})
			delete(lock.Plugins, name)
		}
	}
	return out, diags
}
