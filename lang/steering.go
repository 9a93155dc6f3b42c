package lang

import (
	"fmt"
	"sort"
	"strings"
	"unicode/utf8"

	"github.com/hashicorp/hcl/v2"
	"go.yaml.in/yaml/v3"
)

// Kiro's steering files start with YAML front matter that says when the
// file goes into a prompt:
//
//	---
//	inclusion: fileMatch
//	fileMatchPattern: "services/**/*.go"
//	---
//
// It is read with a YAML parser, so that lists in any form, quoting and
// comments mean what they mean in YAML, and each problem is reported at
// its line and column in the steering file.

// FrontMatter is the front matter of a steering file, as far as kirofile
// reads it.
type FrontMatter struct {
	// Inclusion is the inclusion mode as written, "" when absent.
	Inclusion Inclusion
	// FileMatchPatterns are the globs of fileMatchPattern, as written: a
	// list, or a string whose comma-separated globs are split apart.
	FileMatchPatterns []string

	// Where each setting is written, for diagnostics.
	inclusionRange *hcl.Range
	patternRanges  []*hcl.Range // one per pattern
}

// Inclusion modes Kiro writes that kirofile reads as one of its own (see
// steeringInclusion).
const (
	inclusionAuto  = "auto"
	inclusionNever = "never"
)

// SplitFrontMatter separates a steering document's "---" delimited front
// matter from its body. Front matter that is not valid YAML yields no
// settings; Load reports it.
func SplitFrontMatter(text string) (body string, fm FrontMatter) {
	fm, body, _ = parseFrontMatter("", []byte(text))
	return body, fm
}

// frontMatterBlock finds front matter at the start of src: it returns the
// offsets of the YAML between the "---" lines and of the body after them,
// or ok false when src has none.
func frontMatterBlock(src []byte) (yamlStart, yamlEnd, bodyStart int, ok bool) {
	s := string(src)
	i := 0
	if strings.HasPrefix(s, "\ufeff") {
		i = len("\ufeff")
	}
	first := lineAt(s, i)
	if strings.TrimRight(first, "\r") != "---" {
		return 0, 0, 0, false
	}
	yamlStart = i + len(first) + 1
	if yamlStart > len(s) {
		return 0, 0, 0, false
	}
	for j := yamlStart; j <= len(s); {
		line := lineAt(s, j)
		if t := strings.TrimRight(line, "\r"); t == "---" || t == "..." {
			return yamlStart, j, min(j+len(line)+1, len(s)), true
		}
		if j+len(line) >= len(s) {
			break
		}
		j += len(line) + 1
	}
	return 0, 0, 0, false
}

// lineAt is the line of s starting at byte i, without its "\n".
func lineAt(s string, i int) string {
	if i >= len(s) {
		return ""
	}
	if k := strings.IndexByte(s[i:], '\n'); k >= 0 {
		return s[i : i+k]
	}
	return s[i:]
}

// parseFrontMatter reads the front matter of a steering file. filename
// names the file in diagnostics.
func parseFrontMatter(filename string, src []byte) (fm FrontMatter, body string, diags hcl.Diagnostics) {
	ys, ye, bs, ok := frontMatterBlock(src)
	if !ok {
		return fm, string(src), nil
	}
	body = string(src[bs:])
	pos := newPosMap(filename, src)
	var doc yaml.Node
	if err := yaml.Unmarshal(src[ys:ye], &doc); err != nil {
		diags = append(diags, &hcl.Diagnostic{
			Severity: hcl.DiagError,
			Summary:  "Invalid steering front matter",
			Detail:   fmt.Sprintf("The front matter between the \"---\" lines is not valid YAML (%v). Write it as \"inclusion: fileMatch\" and \"fileMatchPattern: \\\"src/**/*.go\\\"\" lines.", err),
			Subject:  pos.lineRange(0),
		})
		return fm, body, diags
	}
	if len(doc.Content) == 0 {
		return fm, body, nil
	}
	m := doc.Content[0]
	if m.Kind != yaml.MappingNode {
		diags = append(diags, &hcl.Diagnostic{
			Severity: hcl.DiagError,
			Summary:  "Invalid steering front matter",
			Detail:   "The front matter must be a mapping of keys to values, such as \"inclusion: always\".",
			Subject:  pos.nodeRange(m, ys),
		})
		return fm, body, diags
	}
	for i := 0; i+1 < len(m.Content); i += 2 {
		key, val := m.Content[i], m.Content[i+1]
		switch key.Value {
		case "inclusion":
			if val.Kind != yaml.ScalarNode {
				diags = append(diags, invalidInclusion(pos.nodeRange(val, ys), "a list or a mapping"))
				continue
			}
			fm.Inclusion = Inclusion(val.Value)
			fm.inclusionRange = pos.nodeRange(val, ys)
		case "fileMatchPattern", "fileMatchPatterns":
			switch val.Kind {
			case yaml.ScalarNode:
				fm.addPatterns(val.Value, pos.nodeRange(val, ys))
			case yaml.SequenceNode:
				for _, item := range val.Content {
					if item.Kind != yaml.ScalarNode {
						diags = append(diags, &hcl.Diagnostic{
							Severity: hcl.DiagError,
							Summary:  "Invalid fileMatchPattern in steering front matter",
							Detail:   "Each fileMatchPattern is a glob string.",
							Subject:  pos.nodeRange(item, ys),
						})
						continue
					}
					fm.addPatterns(item.Value, pos.nodeRange(item, ys))
				}
			default:
				diags = append(diags, &hcl.Diagnostic{
					Severity: hcl.DiagError,
					Summary:  "Invalid fileMatchPattern in steering front matter",
					Detail:   "fileMatchPattern is a glob, a comma-separated list of globs, or a YAML list of globs.",
					Subject:  pos.nodeRange(val, ys),
				})
			}
		}
	}
	return fm, body, diags
}

func (fm *FrontMatter) addPatterns(s string, rng *hcl.Range) {
	for _, p := range splitPatterns(s) {
		fm.FileMatchPatterns = append(fm.FileMatchPatterns, p)
		fm.patternRanges = append(fm.patternRanges, rng)
	}
}

func invalidInclusion(rng *hcl.Range, got string) *hcl.Diagnostic {
	return &hcl.Diagnostic{
		Severity: hcl.DiagError,
		Summary:  "Invalid inclusion in steering front matter",
		Detail: fmt.Sprintf("inclusion is %s. Kiro's inclusion modes are always (every prompt), fileMatch (prompts for the files fileMatchPattern matches), manual (only when asked for) and auto (when relevant); kirofile also reads never.",
			got),
		Subject: rng,
	}
}

// splitPatterns splits a fileMatchPattern string at its commas ("*.tsx,
// *.jsx"), except commas inside braces, which belong to a glob
// ("**/*.{ts,tsx}"). Writers list several globs in one string, and a
// glob with a comma in it would match nothing.
func splitPatterns(s string) []string {
	var out []string
	depth, start := 0, 0
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '{':
			depth++
		case '}':
			if depth > 0 {
				depth--
			}
		case ',':
			if depth == 0 {
				if p := strings.TrimSpace(s[start:i]); p != "" {
					out = append(out, p)
				}
				start = i + 1
			}
		}
	}
	if p := strings.TrimSpace(s[start:]); p != "" {
		out = append(out, p)
	}
	return out
}

// kiroPattern is the glob kirofile matches for a Kiro fileMatchPattern. In
// Kiro, a pattern without a slash ("*.tsx") matches a file name in any
// directory; in kirofile's globs it would match files at the top of the
// project only, so it becomes "**/*.tsx".
func kiroPattern(p string) string {
	p = strings.TrimPrefix(p, "./")
	if !strings.Contains(p, "/") {
		return "**/" + p
	}
	return p
}

// steeringInclusion maps an inclusion mode of the front matter to
// kirofile's, with the diagnostic that says how it is read.
func steeringInclusion(inc Inclusion, rng *hcl.Range) (Inclusion, *hcl.Diagnostic) {
	switch strings.ToLower(string(inc)) {
	case strings.ToLower(string(InclusionAlways)):
		return InclusionAlways, nil
	case strings.ToLower(string(InclusionFileMatch)):
		return InclusionFileMatch, nil
	case strings.ToLower(string(InclusionManual)):
		return InclusionManual, nil
	case inclusionAuto:
		return InclusionAlways, &hcl.Diagnostic{
			Severity: hcl.DiagWarning,
			Summary:  "Steering inclusion auto is read as always",
			Detail:   "With inclusion: auto, Kiro's agent decides from the file's description when it is relevant. kirofile cannot judge relevance offline, so it adds the file to every prompt, as with inclusion: always. Write inclusion: always to keep that, or fileMatch with a fileMatchPattern (or manual) to narrow it.",
			Subject:  rng,
		}
	case inclusionNever:
		return InclusionManual, &hcl.Diagnostic{
			Severity: hcl.DiagWarning,
			Summary:  "Steering inclusion never is read as manual",
			Detail:   "inclusion: never is not one of Kiro's modes. kirofile reads it as manual: the file is never added to a prompt. Write inclusion: manual to say so in Kiro's terms.",
			Subject:  rng,
		}
	}
	return "", invalidInclusion(rng, fmt.Sprintf("%q", string(inc)))
}

// posMap turns line and column numbers of a file into hcl positions.
type posMap struct {
	filename string
	src      []byte
	starts   []int // byte offset of each line
}

func newPosMap(filename string, src []byte) *posMap {
	p := &posMap{filename: filename, src: src, starts: []int{0}}
	for i, c := range src {
		if c == '\n' {
			p.starts = append(p.starts, i+1)
		}
	}
	return p
}

// lineRange is the range of the 0-based line i without its line ending.
func (p *posMap) lineRange(i int) *hcl.Range {
	i = max(0, min(i, len(p.starts)-1))
	start := p.starts[i]
	end := len(p.src)
	if i+1 < len(p.starts) {
		end = p.starts[i+1] - 1
	}
	if end > start && p.src[end-1] == '\r' {
		end--
	}
	return &hcl.Range{Filename: p.filename, Start: p.at(start), End: p.at(end)}
}

// at is the position of byte off.
func (p *posMap) at(off int) hcl.Pos {
	off = max(0, min(off, len(p.src)))
	line := sort.Search(len(p.starts), func(i int) bool { return p.starts[i] > off }) - 1
	return hcl.Pos{Line: line + 1, Column: 1 + utf8.RuneCount(p.src[p.starts[line]:off]), Byte: off}
}

// nodeRange is the range of a YAML value whose document starts at byte
// base of the file: from its first character to the end of its token on
// that line.
func (p *posMap) nodeRange(n *yaml.Node, base int) *hcl.Range {
	baseLine := p.at(base).Line - 1
	li := baseLine + n.Line - 1
	if li < 0 || li >= len(p.starts) {
		return p.lineRange(baseLine)
	}
	lineEnd := len(p.src)
	if li+1 < len(p.starts) {
		lineEnd = p.starts[li+1] - 1
	}
	start := p.starts[li]
	for col := 1; col < n.Column && start < lineEnd; col++ {
		_, size := utf8.DecodeRune(p.src[start:])
		start += size
	}
	width := len(n.Value)
	if n.Style&(yaml.DoubleQuotedStyle|yaml.SingleQuotedStyle) != 0 {
		width += 2
	}
	if n.Kind != yaml.ScalarNode {
		width = lineEnd - start
	}
	end := min(start+width, lineEnd)
	for end > start && (p.src[end-1] == '\r' || p.src[end-1] == ' ') {
		end--
	}
	return &hcl.Range{Filename: p.filename, Start: p.at(start), End: p.at(max(end, start))}
}
