package specdoc

import (
	"strings"

	"github.com/hashicorp/hcl/v2"
)

// designSection is a section a design document is expected to have.
type designSection struct {
	name string
	// phrases are word sequences, any of which in a heading's title marks
	// the section as present: "## System Architecture" has Architecture.
	phrases [][]string
	why     string
}

// designSections are the sections of Kiro's design documents, in their
// usual order. Each one answers a question that the tasks and the code
// generated from them depend on.
var designSections = []designSection{
	{"Overview", [][]string{{"overview"}}, "what is being built and why"},
	{"Architecture", [][]string{{"architecture"}}, "how the parts fit together"},
	{"Components and Interfaces", [][]string{{"components"}, {"component"}}, "what each part does and the interfaces between them"},
	{"Data Models", [][]string{{"data", "model"}, {"data", "models"}}, "the data the feature stores and exchanges"},
	{"Error Handling", [][]string{{"error", "handling"}}, "how failures are detected and reported"},
	{"Testing Strategy", [][]string{{"testing", "strategy"}}, "how the feature is verified"},
}

// CheckDesign checks a design document: it must not be empty, and each
// expected section should have a heading (at any level, in any case), or
// a warning names the missing one.
func CheckDesign(filename string, src []byte) hcl.Diagnostics {
	d := newDocument(filename, src)
	if blank(string(src)) {
		return hcl.Diagnostics{{
			Severity: hcl.DiagError,
			Summary:  "Empty design document",
			Detail:   "The design document has no content. It should describe the Overview, Architecture, Components and Interfaces, Data Models, Error Handling and Testing Strategy of the feature.",
			Subject:  d.rng(0, 0),
		}}
	}
	var titles [][]string
	for i := range d.lines {
		l := &d.lines[i]
		if l.skip {
			continue
		}
		if h, ok := parseHeading(l); ok {
			titles = append(titles, words(h.title.plain().s))
		}
	}
	var diags hcl.Diagnostics
	for _, sec := range designSections {
		if !hasSection(titles, sec.phrases) {
			diags = append(diags, &hcl.Diagnostic{
				Severity: hcl.DiagWarning,
				Summary:  "Missing design section: " + sec.name,
				Detail:   "No heading names the " + sec.name + " section, which says " + sec.why + ". Add a heading such as \"## " + sec.name + "\".",
				Subject:  d.startRange(),
			})
		}
	}
	return diags
}

// hasSection reports whether one of the titles contains one of the phrases
// as consecutive words.
func hasSection(titles [][]string, phrases [][]string) bool {
	for _, t := range titles {
		for _, p := range phrases {
			for i := 0; i+len(p) <= len(t); i++ {
				if strings.Join(t[i:i+len(p)], " ") == strings.Join(p, " ") {
					return true
				}
			}
		}
	}
	return false
}
