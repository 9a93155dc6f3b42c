package builtin

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"

	"github.com/kirofile/kirofile/internal/fsutil"

	"github.com/kirofile/kirofile/plugins/sdk"
	"github.com/kirofile/kirofile/providers"
)

// PRDescriptionConfig is the configuration of the built-in `pr_description`
// action.
type PRDescriptionConfig struct {
	// Output is the file written, relative to the project; default
	// ".kirofile/pr/<feature>.md".
	Output string `json:"output,omitempty"`
	// Title overrides the heading; default the feature name.
	Title string `json:"title,omitempty"`
}

// PRDescriptionAction is the built-in `pr_description` hook action: from
// the feature's spec documents it writes a Markdown pull-request
// description: a summary from the requirements' introduction, their
// acceptance criteria as a checklist, the task list, and the reviewers the
// repository's CODEOWNERS assigns to the files the feature's outputs cover,
// as Kiro's spec-approval hook tags the relevant reviewers.
type PRDescriptionAction struct{}

// maxSpecSize bounds what is read from a spec document; specs are written by
// a model, and a runaway one must not exhaust memory.
const maxSpecSize = 4 << 20

// Run implements sdk.HookAction.
func (PRDescriptionAction) Run(ctx context.Context, req sdk.ActionRequest) (*sdk.ActionResult, error) {
	var cfg PRDescriptionConfig
	if len(bytes.TrimSpace(req.Config)) > 0 {
		dec := json.NewDecoder(bytes.NewReader(req.Config))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&cfg); err != nil {
			return nil, execConfigErr("", "invalid pr_description action configuration", err.Error())
		}
	}
	if req.ProjectDir == "" || !filepath.IsAbs(req.ProjectDir) {
		return nil, fmt.Errorf("pr_description: the project directory %q is not absolute", req.ProjectDir)
	}
	if cfg.Output == "" {
		name := req.Feature
		if name == "" {
			name = "feature"
		}
		cfg.Output = filepath.Join(".kirofile", "pr", name+".md")
	}
	out, err := insideProject(req.ProjectDir, cfg.Output)
	if err != nil {
		return nil, execConfigErr("output", "output must stay inside the project", err.Error())
	}
	docs := map[string]string{}
	var diags providers.Diagnostics
	var used []string
	for _, d := range req.SpecDocuments {
		p, err := insideProject(req.ProjectDir, d.Path)
		if err != nil {
			return nil, fmt.Errorf("pr_description: spec %s: %w", d.Name, err)
		}
		b, err := readCapped(p, maxSpecSize)
		if err != nil {
			diags = append(diags, providers.Diagnostic{Severity: providers.SeverityWarning, Summary: "spec document not readable", Detail: err.Error()})
			continue
		}
		docs[d.Name] = string(b)
		used = append(used, d.Path)
	}
	title := cfg.Title
	if title == "" {
		title = req.Feature
	}
	reviewers := reviewersOf(req.ProjectDir, req.FeatureOutputs, readCodeOwners(req.ProjectDir))
	md := BuildPRDescription(title, docs["requirements"], docs["tasks"], used, reviewers)
	if err := os.MkdirAll(filepath.Dir(out), 0o755); err != nil {
		return nil, fmt.Errorf("pr_description: %w", err)
	}
	if err := fsutil.WriteFileAtomic(out, []byte(md), 0o644); err != nil {
		return nil, fmt.Errorf("pr_description: %w", err)
	}
	return &sdk.ActionResult{Passed: true, Output: []byte(md), Diagnostics: diags}, nil
}

func readCapped(path string, max int64) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var b bytes.Buffer
	if _, err := b.ReadFrom(io.LimitReader(f, max)); err != nil {
		return nil, fmt.Errorf("reading %s: %w", path, err)
	}
	return b.Bytes(), nil
}

var (
	reHeading   = regexp.MustCompile(`^(#{1,6})\s+(.*?)\s*#*\s*$`)
	reReqNumber = regexp.MustCompile(`(?i)^requirement\s+([0-9]+)`)
	reListItem  = regexp.MustCompile(`^\s*(?:[0-9]+[.)]|[-*+])\s+(.*)$`)
	reTask      = regexp.MustCompile(`^(\s*)[-*]\s+\[([ xX])\]\s+(.*)$`)
)

// BuildPRDescription renders the description; a pure function of its
// inputs so that hooks are reproducible.
func BuildPRDescription(title, requirements, tasks string, sources []string, reviewers *Reviewers) string {
	var b strings.Builder
	if title == "" {
		title = "Pull request"
	}
	b.WriteString("# " + oneLine(title) + "\n\n")
	b.WriteString("## Summary\n\n")
	if s := introduction(requirements); s != "" {
		b.WriteString(s + "\n\n")
	} else {
		b.WriteString("_No requirements introduction found._\n\n")
	}
	if crit := acceptanceCriteria(requirements); len(crit) > 0 {
		b.WriteString("## Acceptance criteria\n\n")
		for _, c := range crit {
			b.WriteString("- [ ] " + c + "\n")
		}
		b.WriteString("\n")
	}
	if ts := taskLines(tasks); len(ts) > 0 {
		b.WriteString("## Tasks\n\n")
		for _, t := range ts {
			b.WriteString(t + "\n")
		}
		b.WriteString("\n")
	}
	if reviewers != nil {
		b.WriteString("## Reviewers\n\n")
		b.WriteString("cc " + strings.Join(reviewers.Owners, " ") + "\n\n")
		b.WriteString("Code owners (" + reviewers.Source + ") of the files this feature writes:\n\n")
		for _, g := range reviewers.Outputs {
			if owners := reviewers.ByOutput[g]; len(owners) > 0 {
				b.WriteString("- `" + g + "`: " + strings.Join(owners, " ") + "\n")
			}
		}
		b.WriteString("\n")
	}
	if len(sources) > 0 {
		b.WriteString("_Generated by kirofile from " + strings.Join(sources, ", ") + "._\n")
	}
	return b.String()
}

func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }

// introduction is the text under an "Introduction" heading, else the first
// paragraph that is not a heading.
func introduction(md string) string {
	lines := strings.Split(strings.ReplaceAll(md, "\r\n", "\n"), "\n")
	var para []string
	in := false
	for _, l := range lines {
		if m := reHeading.FindStringSubmatch(l); m != nil {
			if in && len(para) > 0 {
				break
			}
			in = strings.EqualFold(m[2], "introduction") || strings.EqualFold(m[2], "overview")
			continue
		}
		if in {
			para = append(para, l)
		}
	}
	if s := strings.TrimSpace(strings.Join(para, "\n")); s != "" {
		return s
	}
	para = nil
	for _, l := range lines {
		if reHeading.MatchString(l) {
			if len(para) > 0 {
				break
			}
			continue
		}
		if strings.TrimSpace(l) == "" {
			if len(para) > 0 {
				break
			}
			continue
		}
		para = append(para, l)
	}
	return strings.TrimSpace(strings.Join(para, "\n"))
}

// acceptanceCriteria collects the list items under every "Acceptance
// Criteria" heading, numbered by requirement when the requirement headings
// carry numbers (Kiro's "### Requirement 2" gives 2.1, 2.2...).
func acceptanceCriteria(md string) []string {
	var out []string
	req, n := "", 0
	in, level := false, 0
	for _, l := range strings.Split(strings.ReplaceAll(md, "\r\n", "\n"), "\n") {
		if m := reHeading.FindStringSubmatch(l); m != nil {
			if rm := reReqNumber.FindStringSubmatch(m[2]); rm != nil {
				req, n, in = rm[1], 0, false
				continue
			}
			if strings.Contains(strings.ToLower(m[2]), "acceptance criteria") {
				in, level = true, len(m[1])
				continue
			}
			if len(m[1]) <= level {
				in = false
			}
			continue
		}
		if !in {
			continue
		}
		if m := reListItem.FindStringSubmatch(l); m != nil && !strings.HasPrefix(l, "  ") {
			n++
			item := oneLine(m[1])
			if req != "" {
				item = fmt.Sprintf("%s.%d %s", req, n, item)
			}
			out = append(out, item)
		}
	}
	return out
}

// taskLines keeps the checkbox lines of a tasks document, with their
// indentation, and drops the detail bullets under them.
func taskLines(md string) []string {
	var out []string
	for _, l := range strings.Split(strings.ReplaceAll(md, "\r\n", "\n"), "\n") {
		if m := reTask.FindStringSubmatch(l); m != nil {
			indent := strings.ReplaceAll(m[1], "\t", "  ")
			out = append(out, indent+"- ["+strings.ToLower(m[2])+"] "+strings.TrimSpace(m[3]))
		}
	}
	return out
}
