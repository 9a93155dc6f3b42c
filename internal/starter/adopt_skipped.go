package starter

import (
	"errors"
	"fmt"
	"io/fs"
	"path"
	"path/filepath"
	"strings"
)

type adoptedSteering struct {
	name, path string
}

// scanSteering reads .kiro/steering: each Markdown file at its top is a
// steering document.
func (a *adoption) scanSteering() error {
	entries, err := readDir(a.dir, SteeringDir)
	if err != nil {
		return err
	}
	var stems []string
	for _, e := range entries {
		name := e.Name()
		rel := SteeringDir + "/" + name
		switch {
		case isDir(a.dir, rel, e):
			continue // named with the other files not adopted
		case strings.HasPrefix(name, "."):
			a.skip(rel, "a hidden file")
		case !strings.EqualFold(path.Ext(name), ".md"):
			a.skip(rel, "not a Markdown steering document")
		case !isRegular(a.dir, rel, e):
			a.skip(rel, "not a regular file")
		default:
			a.steering = append(a.steering, adoptedSteering{path: rel})
			stems = append(stems, strings.TrimSuffix(name, path.Ext(name)))
			a.used[rel] = true
		}
	}
	for i, name := range assignNames(stems, nil) {
		a.steering[i].name = name
		line := fmt.Sprintf("steering %q: %s", name, a.steering[i].path)
		if name != stems[i] {
			line += fmt.Sprintf(" (renamed: %s)", renameReason(stems[i]))
		}
		a.report = append(a.report, line)
	}
	return nil
}

// nameSkipped names every file under .kiro that was neither adopted nor
// read, with the reason it was left alone, so that nothing is dropped
// silently.
func (a *adoption) nameSkipped() error {
	root := filepath.Join(a.dir, KiroDir)
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				return nil
			}
			return err
		}
		r, err := filepath.Rel(a.dir, p)
		if err != nil {
			return err
		}
		rel := filepath.ToSlash(r)
		if d.IsDir() {
			if a.usedDirs[rel] {
				return filepath.SkipDir
			}
			return nil
		}
		if a.used[rel] || a.usedDirs[rel] {
			return nil
		}
		a.skip(rel, skipReason(rel))
		return nil
	})
	if err != nil {
		return fmt.Errorf("reading %s: %w", KiroDir, err)
	}
	return nil
}

// skipReason says why a file under .kiro that no scan adopted is left
// alone.
func skipReason(rel string) string {
	parts := strings.Split(strings.TrimPrefix(rel, KiroDir+"/"), "/")
	top := parts[0]
	if strings.HasPrefix(parts[len(parts)-1], ".") {
		return "a hidden file"
	}
	if len(parts) == 1 {
		return "a file of Kiro's own, not a spec, steering or hook file"
	}
	switch top {
	case "specs", "plans":
		if len(parts) == 2 {
			return "a file directly in " + KiroDir + "/" + top + "/, outside any spec directory"
		}
		return "not a spec document"
	case "steering":
		return "in a subfolder of " + SteeringDir + "/; steering files are adopted from its top only"
	case "hooks":
		if len(parts) > 2 {
			return "in a subfolder of " + HooksDir + "/; hooks are adopted from its top only"
		}
		return "not a hook file (hooks are *.kiro.hook or *.json files)"
	case "settings":
		if parts[len(parts)-1] == "mcp.json" {
			return "Kiro's MCP server settings; kirofile runs no MCP servers"
		}
		return "Kiro's settings, which kirofile does not use"
	case "agents":
		return "a Kiro custom agent; kirofile has no agents"
	case "skills":
		return "a Kiro agent skill; kirofile has no skills"
	}
	return "not part of Kiro's specs, steering or hooks"
}
