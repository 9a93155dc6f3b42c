package host

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/hashicorp/hcl/v2"

	"github.com/kirofile/kirofile/internal/lockfile"
	"github.com/kirofile/kirofile/lang"
)

// buildPlugin builds the same small Go program from a fresh directory, as
// a teammate's clone or a CI checkout would, and returns the binary.
func buildPlugin(t *testing.T, flags ...string) string {
	t.Helper()
	if _, err := exec.LookPath("go"); err != nil {
		t.Skip("no go command")
	}
	src := t.TempDir()
	files := map[string]string{
		"go.mod":  "module example.com/kirofile-action-hello\n\ngo 1.21\n",
		"main.go": "package main\n\nimport \"fmt\"\n\nfunc main() { fmt.Println(\"hello\") }\n",
	}
	for name, content := range files {
		if err := os.WriteFile(filepath.Join(src, name), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	bin := filepath.Join(t.TempDir(), "kirofile-action-hello")
	cmd := exec.Command("go", append(append([]string{"build"}, flags...), "-o", bin, ".")...)
	cmd.Dir = src
	cmd.Env = append(os.Environ(), "GOFLAGS=-mod=mod", "GOWORK=off")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// TestReproduciblePin is the claim docs/plugins.md makes to plugin
// authors: built with -trimpath, the same source gives the same binary,
// so the same pin, wherever it is built; without it, the build directory
// is in the binary, the pins differ, and init warns.
func TestReproduciblePin(t *testing.T) {
	if testing.Short() {
		t.Skip("builds Go programs")
	}
	a, b := buildPlugin(t, "-trimpath"), buildPlugin(t, "-trimpath")
	sumA, err := Checksum(a)
	if err != nil {
		t.Fatal(err)
	}
	sumB, _ := Checksum(b)
	if sumA != sumB {
		t.Errorf("-trimpath builds in two directories differ: %s, %s", sumA, sumB)
	}
	if d := buildWarnings("hello", a, hcl.Range{}); len(d) != 0 {
		t.Errorf("warnings for a -trimpath build: %v", d)
	}

	c, d := buildPlugin(t), buildPlugin(t)
	sumC, _ := Checksum(c)
	sumD, _ := Checksum(d)
	if sumC == sumD {
		t.Errorf("builds without -trimpath in two directories are identical; the warning would be wrong")
	}
	w := buildWarnings("hello", c, hcl.Range{})
	if len(w) != 1 || w[0].Summary != "Plugin not built reproducibly" {
		t.Errorf("warnings for a build without -trimpath: %v", w)
	}
}

func TestInstallPluginsPlatforms(t *testing.T) {
	dir := t.TempDir()
	bin := filepath.Join(dir, "kirofile-action-x")
	if err := os.WriteFile(bin, []byte("#!/bin/sh\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	sum, err := Checksum(bin)
	if err != nil {
		t.Fatal(err)
	}
	const other = "f5cdc7c1ff3c0f623038a263dbddb29f893508f1ea95337361070d8946a6bc1b"
	cfg := &lang.Config{Dir: dir, Settings: &lang.Settings{Plugins: map[string]*lang.PluginDecl{
		"x": {Name: "x", Kind: lang.PluginAction, Source: "kirofile-action-x"},
	}}}
	start := func(Launcher) error { return nil }
	tests := []struct {
		name    string
		pin     map[string]string
		upgrade bool
		status  string
		want    map[string]string // nil: refused, lock unchanged
	}{
		{"new", nil, false, "pinned", map[string]string{Platform: sum}},
		{"unchanged", map[string]string{Platform: sum, "plan9_arm": other}, false, "unchanged", map[string]string{Platform: sum, "plan9_arm": other}},
		{"legacy pin gets its platform", map[string]string{"": sum}, false, "unchanged", map[string]string{Platform: sum}},
		{"another platform's pin is kept", map[string]string{"plan9_arm": other}, false, "pinned for this platform", map[string]string{Platform: sum, "plan9_arm": other}},
		{"changed binary refused", map[string]string{Platform: other}, false, "", nil},
		{"changed legacy pin refused", map[string]string{"": other}, false, "", nil},
		{"upgrade drops other platforms", map[string]string{Platform: other, "plan9_arm": other}, true, "upgraded", map[string]string{Platform: sum}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			lock := lockfile.New()
			if tt.pin != nil {
				lock.Plugins["x"] = &lockfile.Plugin{Name: "x", Source: "kirofile-action-x", Hashes: tt.pin}
			}
			out, diags := InstallPlugins(cfg, lock, tt.upgrade, start)
			if tt.want == nil {
				if !diags.HasErrors() {
					t.Fatalf("installed %+v, want a refusal", out)
				}
				if got := lock.Plugins["x"].Hashes; !equalMaps(got, tt.pin) {
					t.Errorf("pins after a refusal: %v, want %v", got, tt.pin)
				}
				return
			}
			if diags.HasErrors() {
				t.Fatal(diags)
			}
			if len(out) != 1 || out[0].Status != tt.status || out[0].Platform != Platform {
				t.Errorf("installed %+v, want status %q", out, tt.status)
			}
			if got := lock.Plugins["x"].Hashes; !equalMaps(got, tt.want) {
				t.Errorf("pins %v, want %v", got, tt.want)
			}
			if err := lock.Validate(); err != nil {
				t.Error(err)
			}
			if d := CheckPlugins(cfg, lock); d.HasErrors() {
				t.Errorf("CheckPlugins after install: %v", d)
			}
		})
	}

	t.Run("check names the platforms pinned", func(t *testing.T) {
		lock := lockfile.New()
		lock.Plugins["x"] = &lockfile.Plugin{Name: "x", Source: "kirofile-action-x", Hashes: map[string]string{"plan9_arm": other}}
		d := CheckPlugins(cfg, lock)
		if !d.HasErrors() || d[0].Summary != "Plugin not pinned for this platform" {
			t.Fatalf("CheckPlugins = %v", d)
		}
	})
}

func equalMaps(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if w, ok := b[k]; !ok || w != v {
			return false
		}
	}
	return true
}
