package starter

import (
	"encoding/json"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"
)

// adoptedFeature is one spec directory.
type adoptedFeature struct {
	name        string // the feature's name in the Kirofile
	dirName     string // the directory's own name
	dir         string // the directory, relative to the project
	description string // project-relative path of a description file, or ""
	workflow    string // "design-first", or "" for the default
	specs       []adoptedSpec
	notes       []string // report lines about the directory (its .config.kiro)
}

type adoptedSpec struct {
	label string
	path  string // the document, relative to the project
	kind  string // "" for the standard specs
}

// kiroConfig is the part of a spec's .config.kiro that kirofile reads. Kiro
// has written two forms: {"specId", "workflowType", "specType"} and the
// older {"generationMode"}.
type kiroConfig struct {
	SpecType       string `json:"specType"`
	WorkflowType   string `json:"workflowType"`
	GenerationMode string `json:"generationMode"`
}

// statusWords in a document's name mark a status report or a log kept
// beside the spec documents ("COMPLETION_SUMMARY.md", "execution-log.md",
// "TASK_9_STATUS.md"): a record of work done, not a document to approve.
var statusWords = map[string]bool{
	"summary": true, "completion": true, "status": true, "results": true, "result": true,
	"verification": true, "validation": true, "investigation": true, "log": true, "report": true,
	"progress": true, "fixes": true, "changelog": true, "retrospective": true,
}

// isStatusReport reports whether a Markdown file name is a status report
// or a log.
func isStatusReport(name string) bool {
	stem := strings.ToLower(strings.TrimSuffix(name, path.Ext(name)))
	for _, w := range strings.FieldsFunc(stem, func(r rune) bool { return !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9') }) {
		if statusWords[w] {
			return true
		}
	}
	return false
}

// scanSpecs reads .kiro/specs and .kiro/plans. A missing directory is not
// an error: a Kiro project may have steering files only.
func (a *adoption) scanSpecs() error {
	var dirNames []string
	for _, root := range []string{SpecsDir, PlansDir} {
		entries, err := readDir(a.dir, root)
		if err != nil {
			return err
		}
		for _, e := range entries {
			rel := root + "/" + e.Name()
			if !isDir(a.dir, rel, e) {
				continue // named as skipped with the loose files
			}
			if strings.HasPrefix(e.Name(), ".") {
				a.skipDir(rel, "in a hidden directory")
				continue
			}
			f, markdown, err := a.specDir(rel)
			if err != nil {
				return err
			}
			if len(f.specs) == 0 {
				reason := "no Markdown documents"
				if markdown {
					reason = "no spec documents, only status reports"
				}
				a.skip(rel+"/", reason)
				continue
			}
			a.usedDirs[rel] = true
			f.dirName = e.Name()
			a.features = append(a.features, f)
			dirNames = append(dirNames, e.Name())
		}
	}
	names := assignNames(dirNames, nil)
	for i := range a.features {
		f := &a.features[i]
		f.name = names[i]
		for _, cand := range []string{"features/" + f.dirName + ".md", "features/" + f.name + ".md"} {
			if fi, err := os.Stat(filepath.Join(a.dir, filepath.FromSlash(cand))); err == nil && fi.Mode().IsRegular() {
				f.description = cand
				break
			}
		}
		a.report = append(a.report, f.reportLines()...)
	}
	return nil
}

// skipDir names every file under a directory that is not adopted.
func (a *adoption) skipDir(rel, reason string) {
	n := 0
	_ = filepath.WalkDir(filepath.Join(a.dir, filepath.FromSlash(rel)), func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return nil
		}
		r, rerr := filepath.Rel(a.dir, p)
		if rerr != nil {
			return nil
		}
		a.skip(filepath.ToSlash(r), reason)
		n++
		return nil
	})
	if n == 0 {
		a.skip(rel+"/", reason)
	}
}

// specDir reads one spec directory: its .config.kiro and its documents.
// markdown reports whether it holds any Markdown document.
func (a *adoption) specDir(rel string) (f adoptedFeature, markdown bool, err error) {
	f = adoptedFeature{dir: rel}
	entries, err := readDir(a.dir, rel)
	if err != nil {
		return f, false, err
	}
	var md []string
	for _, e := range entries {
		name := e.Name()
		p := rel + "/" + name
		switch {
		case name == ".config.kiro":
			a.used[p] = true
			f.readConfig(a.dir, p)
		case isDir(a.dir, p, e):
			a.skipDir(p, "in a subfolder of a spec directory; kirofile reads the spec's own documents only")
		case strings.HasPrefix(name, "."):
			a.skip(p, "a hidden file")
		case !isRegular(a.dir, p, e):
			a.skip(p, "not a regular file")
		case !strings.EqualFold(path.Ext(name), ".md"):
			a.skip(p, "not a Markdown document, so not a spec; it stays where it is, and a codegen can list it in context")
		case isStatusReport(name) && !isStandard(name):
			markdown = true
			a.skip(p, "a status report or log beside the spec documents, not a document to approve; it stays where it is")
		default:
			markdown = true
			md = append(md, name)
		}
	}
	f.specs = specsOf(rel, md, f.workflow)
	for _, s := range f.specs {
		a.used[s.path] = true
	}
	f.checkConfig()
	return f, markdown, nil
}

// isStandard reports whether a file name is one of the standard spec
// documents, in any case.
func isStandard(name string) bool {
	stem := strings.TrimSuffix(name, path.Ext(name))
	for _, s := range standardSpecs {
		if strings.EqualFold(stem, s) {
			return true
		}
	}
	return false
}

// specType and workflow are read from .config.kiro; the specs found are
// then checked against them.
func (f *adoptedFeature) readConfig(dir, rel string) {
	data, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(rel)))
	if err != nil {
		f.notes = append(f.notes, fmt.Sprintf("%s not read: %v", rel, err))
		return
	}
	var cfg kiroConfig
	if err := json.Unmarshal(data, &cfg); err != nil {
		f.notes = append(f.notes, fmt.Sprintf("%s not read: it is not valid JSON (%v); the documents present decide the specs", rel, err))
		return
	}
	wf := cfg.WorkflowType
	if wf == "" {
		wf = cfg.GenerationMode
	}
	switch wf {
	case "", "requirements-first":
	case "design-first":
		f.workflow = "design-first"
	default:
		f.notes = append(f.notes, fmt.Sprintf("%s: workflow %q is not one kirofile knows (requirements-first, design-first); the specs keep the default order", rel, wf))
	}
	switch cfg.SpecType {
	case "", "feature":
	case "bugfix":
		f.notes = append(f.notes, fmt.Sprintf("a bugfix spec (%s): bugfix, then design, then tasks", rel))
		if f.workflow == "design-first" {
			f.notes = append(f.notes, "  its design-first workflow does not apply to a bugfix spec and is not kept")
			f.workflow = ""
		}
	default:
		f.notes = append(f.notes, fmt.Sprintf("%s: spec type %q is not one kirofile knows (feature, bugfix)", rel, cfg.SpecType))
	}
	if f.workflow == "design-first" {
		f.notes = append(f.notes, fmt.Sprintf("workflow design-first (%s): design, then requirements, then tasks", rel))
	}
}

// checkConfig reports a .config.kiro that does not fit the documents.
func (f *adoptedFeature) checkConfig() {
	has := map[string]bool{}
	for _, s := range f.specs {
		has[s.label] = true
	}
	if has["bugfix"] && f.workflow == "design-first" {
		f.notes = append(f.notes, "its design-first workflow does not apply to a bugfix spec (bugfix.md) and is not kept")
		f.workflow = ""
	}
	if f.workflow == "design-first" && !has["design"] {
		f.notes = append(f.notes, "workflow design-first, but there is no design.md yet")
	}
}

// specsOf maps the Markdown documents of one spec directory to specs: the
// standard names first, so that a case variant (Design.md next to
// design.md) cannot take a standard label from the exact match.
func specsOf(rel string, md []string, workflow string) []adoptedSpec {
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
	order := standardSpecs
	if workflow == "design-first" {
		order = []string{"design", "requirements", "bugfix", "tasks"}
	}
	var specs []adoptedSpec
	for _, std := range order {
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

func (f adoptedFeature) reportLines() []string {
	var labels []string
	for _, s := range f.specs {
		l := s.label
		if s.kind != "" {
			l += " (" + s.kind + ")"
		}
		labels = append(labels, l)
	}
	from := f.dir + "/"
	if strings.HasPrefix(f.dir, PlansDir+"/") {
		from += " (Kiro's early layout)"
	}
	lines := []string{fmt.Sprintf("feature %q: %s, from %s", f.name, strings.Join(labels, ", "), from)}
	if f.name != f.dirName {
		lines = append(lines, fmt.Sprintf("  renamed from %q (%s); its specs set path to keep their documents", f.dirName, renameReason(f.dirName)))
	}
	for _, s := range f.specs {
		if base := path.Base(s.path); base != s.label+".md" {
			lines = append(lines, fmt.Sprintf("  spec %q is %s", s.label, base))
		}
	}
	for _, n := range f.notes {
		lines = append(lines, "  "+n)
	}
	if f.description != "" {
		lines = append(lines, fmt.Sprintf("  description from %s", f.description))
	}
	return lines
}

// block is the feature's block in the Kirofile.
func (f adoptedFeature) block() string {
	var b strings.Builder
	fmt.Fprintf(&b, "\nfeature %q {\n", f.name)
	switch {
	case f.description != "":
		fmt.Fprintf(&b, "  description = file(%s)\n", hclString(f.description))
	case f.specPath("requirements") != "":
		fmt.Fprintf(&b, "  description = %s\n", hclString("Adopted from Kiro: see "+f.specPath("requirements")+"."))
	case f.specPath("bugfix") != "":
		fmt.Fprintf(&b, "  description = %s\n", hclString("Adopted from Kiro: a bugfix; see "+f.specPath("bugfix")+"."))
	default:
		fmt.Fprintf(&b, "  description = %s\n", hclString("Adopted from Kiro: see the documents in "+f.dir+"/."))
	}
	b.WriteString("  provider = provider.openai.main\n")
	if f.workflow != "" {
		fmt.Fprintf(&b, "  workflow = %s\n", hclString(f.workflow))
	}
	b.WriteString("\n")
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
	return b.String()
}

func (f adoptedFeature) specPath(label string) string {
	for _, s := range f.specs {
		if s.label == label {
			return s.path
		}
	}
	return ""
}
