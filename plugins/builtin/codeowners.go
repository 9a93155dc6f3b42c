package builtin

import (
	"bufio"
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/bmatcuk/doublestar/v4"
)

// codeOwnersPaths are where GitHub and GitLab look for the CODEOWNERS
// file, in their order: the first that exists is the one.
var codeOwnersPaths = []string{".github/CODEOWNERS", "CODEOWNERS", "docs/CODEOWNERS", ".gitlab/CODEOWNERS"}

// codeOwners is a parsed CODEOWNERS file.
type codeOwners struct {
	// Path is the file's project-relative path.
	Path  string
	rules []ownerRule
}

// ownerRule is one line: a pattern and its owners (none: the files have
// no owner, overriding earlier lines).
type ownerRule struct {
	globs  []string
	owners []string
}

// readCodeOwners reads the project's CODEOWNERS; nil when there is none.
func readCodeOwners(projectDir string) *codeOwners {
	for _, p := range codeOwnersPaths {
		full, err := insideProject(projectDir, p)
		if err != nil {
			continue
		}
		data, err := readCapped(full, maxSpecSize)
		if err != nil {
			continue
		}
		return parseCodeOwners(p, data)
	}
	return nil
}

// parseCodeOwners reads the lines of a CODEOWNERS file: "PATTERN OWNER...",
// with # comments. GitLab's section headers ([Section]) are skipped; the
// lines under them are read as any other.
func parseCodeOwners(path string, data []byte) *codeOwners {
	co := &codeOwners{Path: path}
	sc := bufio.NewScanner(bytes.NewReader(data))
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if i := strings.Index(line, " #"); i >= 0 {
			line = strings.TrimSpace(line[:i])
		}
		if line == "" || strings.HasPrefix(line, "#") || strings.HasPrefix(line, "[") || strings.HasPrefix(line, "^[") {
			continue
		}
		fields := strings.Fields(line)
		co.rules = append(co.rules, ownerRule{globs: ownerGlobs(strings.ReplaceAll(fields[0], `\ `, " ")), owners: fields[1:]})
	}
	return co
}

// ownerGlobs turns a CODEOWNERS pattern (gitignore rules) into doublestar
// globs over project-relative paths: a pattern with no slash but a
// trailing one matches at any depth, one with a slash is anchored at the
// root, a trailing slash matches everything under a directory, and a
// pattern naming a directory matches what is in it (docs/*, whose last
// part is a wildcard, matches the files in docs and not deeper, as GitHub
// documents).
func ownerGlobs(pattern string) []string {
	anchored := strings.HasPrefix(pattern, "/")
	p := strings.TrimPrefix(pattern, "/")
	dir := strings.HasSuffix(p, "/")
	p = strings.TrimSuffix(p, "/")
	if p == "" || p == "*" && !dir {
		return []string{"**"}
	}
	if !anchored && !strings.Contains(p, "/") {
		p = "**/" + p
	}
	if dir {
		return []string{p + "/**"}
	}
	if last := p[strings.LastIndex(p, "/")+1:]; strings.ContainsAny(last, "*?[") {
		return []string{p} // docs/* is the files in docs, not deeper
	}
	return []string{p, p + "/**"}
}

// owners returns the owners of a path: those of the last rule matching it.
func (co *codeOwners) owners(path string) []string {
	for i := len(co.rules) - 1; i >= 0; i-- {
		for _, g := range co.rules[i].globs {
			if ok, _ := doublestar.Match(g, path); ok {
				return co.rules[i].owners
			}
		}
	}
	return nil
}

// Reviewers are the code owners of the files a feature writes.
type Reviewers struct {
	// Source is the CODEOWNERS file read.
	Source string
	// Owners lists every owner once, in the order first met.
	Owners []string
	// ByOutput maps each outputs glob to its owners.
	ByOutput map[string][]string
	// Outputs are the globs, in the feature's order.
	Outputs []string
}

// errEnough stops a walk that looked at maxOwnedFiles files.
var errEnough = errors.New("enough files")

// maxOwnedFiles bounds how many existing files of one outputs glob are
// looked at: owners come from the first ones, and a huge tree must not
// slow a hook down.
const maxOwnedFiles = 1000

// reviewersOf finds the code owners of what a feature's outputs cover:
// the files on disk each glob matches, and, for files not written yet,
// the directory the glob starts from (services/notifications/** is owned
// as services/notifications/ is).
func reviewersOf(projectDir string, outputs []string, co *codeOwners) *Reviewers {
	if co == nil || len(outputs) == 0 {
		return nil
	}
	r := &Reviewers{Source: co.Path, ByOutput: map[string][]string{}, Outputs: outputs}
	add := func(glob string, owners []string) {
		for _, o := range owners {
			if !slices.Contains(r.ByOutput[glob], o) {
				r.ByOutput[glob] = append(r.ByOutput[glob], o)
			}
			if !slices.Contains(r.Owners, o) {
				r.Owners = append(r.Owners, o)
			}
		}
	}
	fsys := os.DirFS(projectDir)
	for _, g := range outputs {
		base, _ := doublestar.SplitPattern(g)
		if base != "." {
			add(g, co.owners(base+"/"))
			add(g, co.owners(base))
		}
		n := 0
		_ = doublestar.GlobWalk(fsys, g, func(p string, d os.DirEntry) error {
			if n++; n > maxOwnedFiles {
				return errEnough
			}
			if !d.IsDir() {
				add(g, co.owners(filepath.ToSlash(p)))
			}
			return nil
		}, doublestar.WithNoFollow())
	}
	if len(r.Owners) == 0 {
		return nil
	}
	return r
}
