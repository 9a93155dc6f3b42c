package starter

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/hashicorp/hcl/v2/hclwrite"
)

// Kiro's layout, relative to the project directory.
const (
	KiroDir     = ".kiro"
	SpecsDir    = ".kiro/specs"
	SteeringDir = ".kiro/steering"
	HooksDir    = ".kiro/hooks"
	// PlansDir is where the first releases of Kiro kept specs.
	PlansDir = ".kiro/plans"
)

// ErrNothingToAdopt is returned by Adopt when the directory has no spec
// directory with a spec document, no steering file and no hook that
// kirofile can run.
var ErrNothingToAdopt = errors.New("no Kiro spec documents, steering files or hooks to adopt")

// standardSpecs are the spec labels kirofile knows without a kind and a
// prompt, in the order a feature declares them.
var standardSpecs = []string{"requirements", "bugfix", "design", "tasks"}

// IsKiroProject reports whether dir has Kiro's spec, steering, hooks or
// (early) plans directory, which is what makes kirofile init adopt it
// instead of writing a starter.
func IsKiroProject(dir string) bool {
	for _, d := range []string{SpecsDir, SteeringDir, HooksDir, PlansDir} {
		if fi, err := os.Stat(filepath.Join(dir, filepath.FromSlash(d))); err == nil && fi.IsDir() {
			return true
		}
	}
	return false
}

// Adopt is AdoptWith with default options.
func Adopt(dir string) (files map[string][]byte, report []string, err error) {
	return AdoptWith(dir, Options{})
}

// AdoptWith scans the Kiro project in dir and returns a Kirofile that adopts
// it, and a report of what was adopted and what was not, one line an item.
//
// Each directory of .kiro/specs (and of .kiro/plans, Kiro's early layout)
// becomes a feature with one spec per spec document: requirements.md,
// bugfix.md, design.md and tasks.md as the standard specs, in the order
// its .config.kiro gives (a bugfix spec, a design-first workflow), and any
// other Markdown document as a spec of kind "document", except status
// reports and logs, which are not documents to approve. Each
// .kiro/steering/*.md becomes a steering block (kirofile reads its front
// matter itself), and each hook of .kiro/hooks that runs a command on a
// file save or at the end of the agent's work becomes a hook block. Names
// that are not valid Kirofile names are sanitised, and the spec then
// carries an explicit path so that its document is still found; the
// report names every rename, every hook that cannot be expressed, and
// every file under .kiro that was not adopted, each with the reason.
//
// opts.Model sets the provider's model; opts.Feature is not used, since
// features are named after their directories.
func AdoptWith(dir string, opts Options) (files map[string][]byte, report []string, err error) {
	opts = opts.withDefaults()
	a := &adoption{dir: dir, used: map[string]bool{}, usedDirs: map[string]bool{}}
	if err := a.scanSpecs(); err != nil {
		return nil, nil, err
	}
	if err := a.scanSteering(); err != nil {
		return nil, nil, err
	}
	if err := a.scanHooks(); err != nil {
		return nil, nil, err
	}
	if len(a.features) == 0 && len(a.steering) == 0 && len(a.hooks) == 0 {
		return nil, nil, ErrNothingToAdopt
	}
	if err := a.nameSkipped(); err != nil {
		return nil, nil, err
	}
	report = append(report, a.report...)
	sort.Slice(a.skipped, func(i, j int) bool { return a.skipped[i].path < a.skipped[j].path })
	for _, s := range a.skipped {
		report = append(report, fmt.Sprintf("skipped %s: %s", s.path, s.reason))
	}
	src := hclwrite.Format([]byte(a.kirofile(opts)))
	return map[string][]byte{"Kirofile": src}, report, nil
}

// adoption is the state of one AdoptWith run.
type adoption struct {
	dir      string
	features []adoptedFeature
	steering []adoptedSteering
	hooks    []adoptedHook
	report   []string
	skipped  []skippedFile
	// used holds every file under .kiro that was adopted or read (a
	// .config.kiro, a hook file), project-relative: everything else is
	// named as skipped.
	used map[string]bool
	// usedDirs are the directories adopted as a whole (a spec directory),
	// whose symbolic links are not named as skipped.
	usedDirs map[string]bool
}

// skippedFile is a file under .kiro that was not adopted, and why.
type skippedFile struct {
	path, reason string
}

func (a *adoption) skip(path, reason string) {
	a.skipped = append(a.skipped, skippedFile{path, reason})
	a.used[path] = true
}

// kirofile writes the Kirofile; the caller formats it.
func (a *adoption) kirofile(opts Options) string {
	var b strings.Builder
	b.WriteString(`# Adopted from an existing Kiro project by "kirofile init".
#
# The spec documents in .kiro/specs/ stay where they are. kirofile sees them
# as written by hand: "kirofile plan" lists them as awaiting approval, and
# "kirofile approve feature.NAME" approves a feature's documents in order.
# Add a codegen block to a feature to generate code from its approved specs:
#
#   codegen "code" {
#     outputs = ["src/NAME/**"] # the only paths it may write
#   }

`)
	fmt.Fprintf(&b, `provider "openai" "main" {
  model = %s
  base_url = env("OPENAI_BASE_URL", "https://api.openai.com/v1")
  # api_key comes from $OPENAI_API_KEY; it is never written to any file.
}
`, hclString(opts.Model))
	for _, s := range a.steering {
		// The front matter of the file (inclusion, fileMatchPattern) is
		// read by kirofile, so the block needs only the file.
		fmt.Fprintf(&b, "\nsteering %q {\n  file = %s\n}\n", s.name, hclString(s.path))
	}
	for _, h := range a.hooks {
		b.WriteString(h.block())
	}
	for _, f := range a.features {
		b.WriteString(f.block())
	}
	return b.String()
}

// DefaultSpecPath is where kirofile looks for a spec's document when the
// spec sets no path.
func DefaultSpecPath(feature, label string) string {
	return SpecsDir + "/" + feature + "/" + label + ".md"
}

// sanitize turns a file or directory name into a valid Kirofile name: every
// run of other characters becomes one dash, dashes at either end go, and a
// name that would start with a digit gets a leading underscore.
func sanitize(s string) string {
	var b strings.Builder
	dash := false
	for _, r := range s {
		ok := r == '_' || r == '-' || r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z'
		switch {
		case ok:
			b.WriteRune(r)
			dash = r == '-'
		case !dash:
			b.WriteByte('-')
			dash = true
		}
	}
	out := strings.Trim(b.String(), "-")
	if out == "" {
		return "_"
	}
	if c := out[0]; c >= '0' && c <= '9' {
		out = "_" + out
	}
	return out
}

// assignNames names each of raw (file or directory names) with a valid,
// unique Kirofile name, avoiding those in taken. Valid names are kept and
// claimed first, so that a sanitised name never pushes a directory that was
// already well named to a suffixed name.
func assignNames(raw []string, taken map[string]bool) []string {
	used := map[string]bool{}
	for n := range taken {
		used[n] = true
	}
	out := make([]string, len(raw))
	for i, r := range raw {
		if ValidName(r) && !used[r] {
			out[i] = r
			used[r] = true
		}
	}
	for i, r := range raw {
		if out[i] == "" {
			out[i] = uniqueName(sanitize(r), used)
			used[out[i]] = true
		}
	}
	return out
}

// renameReason says why a name was not kept, for the report.
func renameReason(original string) string {
	if ValidName(original) {
		return "another one already has that name"
	}
	return "not a valid name"
}

// uniqueName returns name, or name-2, name-3, ... when it is taken, so that
// two directories that sanitise alike stay two features.
func uniqueName(name string, taken map[string]bool) string {
	if !taken[name] {
		return name
	}
	for i := 2; ; i++ {
		if n := fmt.Sprintf("%s-%d", name, i); !taken[n] {
			return n
		}
	}
}

// readDir lists a project-relative directory, sorted by name; a directory
// that does not exist is empty.
func readDir(dir, rel string) ([]fs.DirEntry, error) {
	entries, err := os.ReadDir(filepath.Join(dir, filepath.FromSlash(rel)))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", rel, err)
	}
	return entries, nil
}

// isDir and isRegular follow symbolic links, which Kiro projects use to
// share steering files between repositories.
func isDir(dir, rel string, e fs.DirEntry) bool {
	if e.Type()&fs.ModeSymlink == 0 {
		return e.IsDir()
	}
	fi, err := os.Stat(filepath.Join(dir, filepath.FromSlash(rel)))
	return err == nil && fi.IsDir()
}

func isRegular(dir, rel string, e fs.DirEntry) bool {
	if e.Type()&fs.ModeSymlink == 0 {
		return e.Type().IsRegular()
	}
	fi, err := os.Stat(filepath.Join(dir, filepath.FromSlash(rel)))
	return err == nil && fi.Mode().IsRegular()
}
