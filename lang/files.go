package lang

import (
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// File names that make up a configuration.
const (
	MainFile      = "Kirofile"
	MainJSONFile  = "Kirofile.json"
	NativeSuffix  = ".kiro.hcl"
	JSONSuffix    = ".kiro.json"
	VarsSuffix    = ".kirovars"
	LockFile      = "Kirofile.lock.hcl"
	WorkDir       = ".kirofile"
	DefaultSpecs  = ".kiro/specs"
	VarEnvPrefix  = "KIRO_VAR_"
	maxConfigSize = 64 << 20
)

// IsConfigFile reports whether a file name (not a path) is part of a
// configuration, and whether it uses HCL's JSON syntax.
func IsConfigFile(name string) (ok, isJSON bool) {
	switch {
	case name == MainFile || strings.HasSuffix(name, NativeSuffix) && len(name) > len(NativeSuffix):
		return true, false
	case name == MainJSONFile || strings.HasSuffix(name, JSONSuffix) && len(name) > len(JSONSuffix):
		return true, true
	}
	return false, false
}

// IsNativeSyntaxFile reports whether a file name is one that `fmt` formats:
// a Kirofile, a *.kiro.hcl file or a *.kirovars file.
func IsNativeSyntaxFile(name string) bool {
	ok, isJSON := IsConfigFile(name)
	return ok && !isJSON || strings.HasSuffix(name, VarsSuffix) && len(name) > len(VarsSuffix)
}

// ConfigFiles lists the configuration files of dir, sorted by name, as
// names relative to dir.
func ConfigFiles(dir string) ([]string, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	var names []string
	for _, e := range entries {
		if e.IsDir() {
			continue
		}
		if ok, _ := IsConfigFile(e.Name()); ok {
			names = append(names, e.Name())
		}
	}
	sort.Strings(names)
	return names, nil
}

// projectPath joins a project-relative slash path to dir.
func projectPath(dir, rel string) string {
	if filepath.IsAbs(rel) {
		return rel
	}
	return filepath.Join(dir, filepath.FromSlash(rel))
}
