package starter

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"

	"github.com/hashicorp/hcl/v2/hclwrite"
)

// Kiro's layout, relative to the project directory.
const (
	SpecsDir    = ".kiro/specs"
	SteeringDir = ".kiro/steering"
)

// ErrNothingToAdopt is returned by Adopt when the directory has no spec
// directory with a Markdown document and no steering file.
var ErrNothingToAdopt = errors.New("no Kiro spec documents or steering files to adopt")

// standardSpecs are the spec labels kirofile knows without a kind and a
// prompt, in the order a feature declares them.
var standardSpecs = []string{"requirements", "design", "tasks"}

// IsKiroProject reports whether dir has Kiro's spec or steering directory,
// which is what makes kirofile init adopt it instead of writing a starter.
func IsKiroProject(dir string) bool {
	for _, d := range []string{SpecsDir, SteeringDir} {
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
// it, and a report of what was adopted, one line an item.
//
// Each directory of .kiro/specs becomes a feature with one spec per Markdown
// document (requirements.md, design.md and tasks.md as the standard specs,
// any other as a spec of kind "document"), and each .kiro/steering/*.md a
// steering block. Kiro's front matter in steering files is honoured by
// kirofile itself, so it is not copied into the blocks. Names that are not
// valid Kirofile names are sanitised, and the spec then carries an explicit
// path so that its document is still found; the report names every rename.
//
// opts.Model sets the provider's model; opts.Feature is not used, since
// features are named after their directories.
func AdoptWith(dir string, opts Options) (files map[string][]byte, report []string, err error) {
	opts = opts.withDefaults()
	features, freport, err := scanSpecs(dir)
	if err != nil {
		return nil, nil, err
	}
	steering, sreport, err := scanSteering(dir)
	if err != nil {
		return nil, nil, err
	}
	if len(features) == 0 && len(steering) == 0 {
		return nil, nil, ErrNothingToAdopt
	}
	report = append(freport, sreport...)
	src := hclwrite.Format([]byte(adoptedKirofile(features, steering, opts)))
	return map[string][]byte{"Kirofile": src}, report, nil
}

// adoptedFeature is one spec directory.
type adoptedFeature struct {
	name        string // the feature's name in the Kirofile
	dir         string // the directory, relative to the project
	description string // project-relative path of a description file, or ""
	specs       []adoptedSpec
}

type adoptedSpec struct {
	label string
	path  string // the document, relative to the project
	kind  string // "" for the standard specs
}

type adoptedSteering struct {
	name, path string
}

// scanSpecs reads .kiro/specs. A missing directory is not an error: a Kiro
// project may have steering files only.
func scanSpecs(dir string) ([]adoptedFeature, []string, error) {
	entries, err := readDir(dir, SpecsDir)
	if err != nil {
		return nil, nil, err
	}
	var features []adoptedFeature
	var dirNames []string
	var report []string
	for _, e := range entries {
		rel := SpecsDir + "/" + e.Name()
		if !isDir(dir, rel, e) {
			continue
		}
		if strings.HasPrefix(e.Name(), ".") {
			report = append(report, fmt.Sprintf("skipped %s/: a hidden directory", rel))
			continue
		}
		docs, err := readDir(dir, rel)
		if err != nil {
			return nil, nil, err
		}
		f := adoptedFeature{dir: rel, specs: specsOf(dir, rel, docs)}
		if len(f.specs) == 0 {
			report = append(report, fmt.Sprintf("skipped %s/: no Markdown documents", rel))
			continue
		}
		features = append(features, f)
		dirNames = append(dirNames, e.Name())
	}
	names := assignNames(dirNames, nil)
	for i := range features {
		f := &features[i]
		f.name = names[i]
		for _, cand := range []string{"features/" + dirNames[i] + ".md", "features/" + f.name + ".md"} {
			if fi, err := os.Stat(filepath.Join(dir, filepath.FromSlash(cand))); err == nil && fi.Mode().IsRegular() {
				f.description = cand
				break
			}
		}
		report = append(report, featureReport(*f, dirNames[i])...)
	}
	return features, report, nil
}

// specsOf maps the Markdown documents of one spec directory to specs: the
// standard names first, so that a case variant (Design.md next to
// design.md) cannot take a standard label from the exact match.
func specsOf(dir, rel string, docs []fs.DirEntry) []adoptedSpec {
	var md []string
	for _, d := range docs {
		name := d.Name()
		if strings.HasPrefix(name, ".") || !strings.EqualFold(path.Ext(name), ".md") || !isRegular(dir, rel+"/"+name, d) {
			continue
		}
		md = append(md, name)
	}
	taken := map[string]bool{}
	byName := map[string]adoptedSpec{}
	for _, exact := range []bool{true, false} {
		for _, name := range md {
			if _, done := byName[name]; done {
				continue
			}
			stem := strings.TrimSuffix(name, path.Ext(name))
			for _, std := range standardSpecs {
				if !taken[std] && (exact && name == std+".md" || !exact && strings.EqualFold(stem, std)) {
					taken[std] = true
					byName[name] = adoptedSpec{label: std, path: rel + "/" + name}
				}
			}
		}
	}
	var specs []adoptedSpec
	for _, std := range standardSpecs {
		for _, name := range md {
			if s, ok := byName[name]; ok && s.label == std {
				specs = append(specs, s)
			}
		}
	}
	var others, stems []string
	for _, name := range md {
		if _, ok := byName[name]; !ok {
			others = append(others, name)
			stems = append(stems, strings.TrimSuffix(name, path.Ext(name)))
		}
	}
	for i, label := range assignNames(stems, taken) {
		specs = append(specs, adoptedSpec{label: label, path: rel + "/" + others[i], kind: "document"})
	}
	return specs
}

func featureReport(f adoptedFeature, dirName string) []string {
	var labels []string
	for _, s := range f.specs {
		l := s.label
		if s.kind != "" {
			l += " (" + s.kind + ")"
		}
		labels = append(labels, l)
	}
	lines := []string{fmt.Sprintf("feature %q: %s, from %s/", f.name, strings.Join(labels, ", "), f.dir)}
	if f.name != dirName {
		lines = append(lines, fmt.Sprintf("  renamed from %q (%s); its specs set path to keep their documents", dirName, renameReason(dirName)))
	}
	for _, s := range f.specs {
		if base := path.Base(s.path); base != s.label+".md" {
			lines = append(lines, fmt.Sprintf("  spec %q is %s", s.label, base))
		}
	}
	if f.description != "" {
		lines = append(lines, fmt.Sprintf("  description from %s", f.description))
	}
	return lines
}

func scanSteering(dir string) ([]adoptedSteering, []string, error) {
	entries, err := readDir(dir, SteeringDir)
	if err != nil {
		return nil, nil, err
	}
	var out []adoptedSteering
	var stems []string
	for _, e := range entries {
		name := e.Name()
		rel := SteeringDir + "/" + name
		if strings.HasPrefix(name, ".") || !strings.EqualFold(path.Ext(name), ".md") || !isRegular(dir, rel, e) {
			continue
		}
		out = append(out, adoptedSteering{path: rel})
		stems = append(stems, strings.TrimSuffix(name, path.Ext(name)))
	}
	var report []string
	for i, name := range assignNames(stems, nil) {
		out[i].name = name
		line := fmt.Sprintf("steering %q: %s", name, out[i].path)
		if name != stems[i] {
			line += fmt.Sprintf(" (renamed: %s)", renameReason(stems[i]))
		}
		report = append(report, line)
	}
	return out, report, nil
}

// adoptedKirofile writes the Kirofile; the caller formats it.
func adoptedKirofile(features []adoptedFeature, steering []adoptedSteering, opts Options) string {
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
	for _, s := range steering {
		// The front matter of the file (inclusion, fileMatchPattern) is
		// read by kirofile, so the block needs only the file.
		fmt.Fprintf(&b, "\nsteering %q {\n  file = %s\n}\n", s.name, hclString(s.path))
	}
	for _, f := range features {
		fmt.Fprintf(&b, "\nfeature %q {\n", f.name)
		switch {
		case f.description != "":
			fmt.Fprintf(&b, "  description = file(%s)\n", hclString(f.description))
		case hasSpec(f, "requirements"):
			fmt.Fprintf(&b, "  description = %s\n", hclString("Adopted from Kiro: see "+specPath(f, "requirements")+"."))
		default:
			fmt.Fprintf(&b, "  description = %s\n", hclString("Adopted from Kiro: see the documents in "+f.dir+"/."))
		}
		b.WriteString("  provider = provider.openai.main\n\n")
		for _, s := range f.specs {
			var attrs []string
			if s.kind != "" {
				attrs = append(attrs,
					"kind = "+hclString(s.kind),
					"prompt = "+hclString("Adopted from Kiro ("+s.path+"): keep this document consistent with the feature's other specs."))
			}
			if s.path != DefaultSpecPath(f.name, s.label) {
				attrs = append(attrs, "path = "+hclString(s.path))
			}
			if len(attrs) == 0 {
				fmt.Fprintf(&b, "  spec %q {}\n", s.label)
				continue
			}
			fmt.Fprintf(&b, "  spec %q {\n", s.label)
			for _, a := range attrs {
				b.WriteString("    " + a + "\n")
			}
			b.WriteString("  }\n")
		}
		b.WriteString("}\n")
	}
	return b.String()
}

// DefaultSpecPath is where kirofile looks for a spec's document when the
// spec sets no path.
func DefaultSpecPath(feature, label string) string {
	return SpecsDir + "/" + feature + "/" + label + ".md"
}

func hasSpec(f adoptedFeature, label string) bool { return specPath(f, label) != "" }

func specPath(f adoptedFeature, label string) string {
	for _, s := range f.specs {
		if s.label == label {
			return s.path
		}
	}
	return ""
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
