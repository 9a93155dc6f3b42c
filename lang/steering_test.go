package lang

import (
	"slices"
	"strings"
	"testing"

	"github.com/hashicorp/hcl/v2"
)

// steeringKirofile declares one steering block over .kiro/steering/s.md.
const steeringKirofile = okProvider + `
steering "s" {
  file = ".kiro/steering/s.md"
}
`

// TestSteeringFrontMatter checks how each form of Kiro's front matter is
// read: the inclusion kirofile applies, the globs it matches, and every
// finding at its line and column in the steering file.
func TestSteeringFrontMatter(t *testing.T) {
	tests := []struct {
		name      string
		file      string
		inclusion Inclusion
		match     []string
		want      []string
	}{
		{"no front matter", "# Tech\n", InclusionAlways, nil, nil},
		{"always", "---\ninclusion: always\n---\n# Tech\n", InclusionAlways, nil, nil},
		{"manual", "---\ninclusion: manual\n---\n", InclusionManual, nil, nil},
		{"fileMatch with a string", "---\ninclusion: fileMatch\nfileMatchPattern: \"services/**/*.go\"\n---\n",
			InclusionFileMatch, []string{"services/**/*.go"}, nil},
		{"fileMatch with a flow list", "---\ninclusion: fileMatch\nfileMatchPattern: ['a/*.go', \"b/**\"]\n---\n",
			InclusionFileMatch, []string{"a/*.go", "b/**"}, nil},
		{"fileMatch with a block list and comments", "---\ninclusion: fileMatch # narrow it\nfileMatchPattern:\n  - \"a/**\" # first\n  - b/*.go\n---\n",
			InclusionFileMatch, []string{"a/**", "b/*.go"}, nil},
		{"comma-separated patterns are split, braces kept", "---\ninclusion: fileMatch\nfileMatchPattern: 'src/**/*.{ts,tsx}, docs/*.md,*react*'\n---\n",
			InclusionFileMatch, []string{"src/**/*.{ts,tsx}", "docs/*.md", "**/*react*"}, nil},
		{"a pattern without a slash matches at any depth", "---\ninclusion: fileMatch\nfileMatchPattern: '*.tsx'\n---\n",
			InclusionFileMatch, []string{"**/*.tsx"}, nil},
		{"CRLF and a byte order mark", "\ufeff---\r\ninclusion: fileMatch\r\nfileMatchPattern: \"a/**\"\r\n---\r\n# T\r\n",
			InclusionFileMatch, []string{"a/**"}, nil},
		{"other keys are Kiro's own", "---\ntitle: Tech\ndescription: How we build\nname: tech\ninclusion: always\n---\n", InclusionAlways, nil, nil},
		{"auto is read as always", "---\ninclusion: auto\ndescription: Core rules\n---\n", InclusionAlways, nil,
			[]string{"warning .kiro/steering/s.md:2,12: Steering inclusion auto is read as always"}},
		{"never is read as manual", "---\ntitle: Git\ninclusion: never\n---\n", InclusionManual, nil,
			[]string{"warning .kiro/steering/s.md:3,12: Steering inclusion never is read as manual"}},
		{"an unknown inclusion", "---\ninclusion: sometimes\n---\n", InclusionAlways, nil,
			[]string{"error .kiro/steering/s.md:2,12: Invalid inclusion in steering front matter"}},
		{"case does not matter", "---\ninclusion: FileMatch\nfileMatchPattern: 'a/**'\n---\n", InclusionFileMatch, []string{"a/**"}, nil},
		{"inclusion is not a string", "---\ninclusion: [always]\n---\n", InclusionAlways, nil,
			[]string{"error .kiro/steering/s.md:2,12: Invalid inclusion in steering front matter"}},
		{"invalid YAML", "---\ninclusion: [always\n---\n", InclusionAlways, nil,
			[]string{"error .kiro/steering/s.md:1,1: Invalid steering front matter"}},
		{"not a mapping", "---\n- always\n---\n", InclusionAlways, nil,
			[]string{"error .kiro/steering/s.md:2,1: Invalid steering front matter"}},
		{"an absolute pattern", "---\ninclusion: fileMatch\nfileMatchPattern:\n  - ok/**\n  - /etc/*\n---\n", InclusionFileMatch, []string{"ok/**"},
			[]string{"error .kiro/steering/s.md:5,5: Invalid fileMatchPattern in steering front matter"}},
		{"patterns without fileMatch select nothing", "---\ninclusion: always\nfileMatchPattern: 'a/**'\n---\n", InclusionAlways, []string{"a/**"},
			[]string{"warning .kiro/steering/s.md:3,19: fileMatchPattern is not used"}},
		{"fileMatch without a pattern", "---\ninclusion: fileMatch\n---\n", InclusionFileMatch, nil,
			[]string{"warning Kirofile:6,1: Steering never included"}},
		{"an unclosed front matter is text", "---\ninclusion: manual\n# Tech\n", InclusionAlways, nil, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := writeProject(t, map[string]string{"Kirofile": steeringKirofile, ".kiro/steering/s.md": tt.file})
			cfg, diags := Load(dir, LoadOptions{})
			var got []string
			for _, d := range diags {
				got = append(got, diagLine(d))
			}
			if strings.Join(got, "\n") != strings.Join(tt.want, "\n") {
				t.Errorf("diagnostics:\n got: %s\nwant: %s", strings.Join(got, "\n      "), strings.Join(tt.want, "\n      "))
			}
			s := cfg.Steering["s"]
			if s.Inclusion != tt.inclusion || !slices.Equal(s.Match, tt.match) {
				t.Errorf("inclusion %q match %q, want %q %q", s.Inclusion, s.Match, tt.inclusion, tt.match)
			}
			for _, d := range diags {
				if d.Subject != nil && d.Subject.Filename == ".kiro/steering/s.md" && cfg.Files[".kiro/steering/s.md"] == nil {
					t.Error("the steering file is not in Config.Files, so its findings have no snippet")
				}
			}
		})
	}
}

// TestSteeringFileRefs checks that Kiro's #[[file:PATH]] references in a
// steering document become inputs of the steering, and that a reference
// to nothing is reported where it is written.
func TestSteeringFileRefs(t *testing.T) {
	files := map[string]string{
		"Kirofile": okProvider + `
steering "api" {
  file = ".kiro/steering/api.md"
}
steering "inline" {
  content = "See #[[file:docs/style.md]]."
}
`,
		".kiro/steering/api.md": "---\ninclusion: always\n---\n# API\n\nThe contract: #[[file:api/openapi.yaml]] and #[[file:schema.json]].\n" +
			"Missing: #[[file:api/gone.yaml]]\n\n`#[[file:only/an/example.md]]` is how to write one.\n\n```\n#[[file:in/code.md]]\n```\n",
		"api/openapi.yaml":            "openapi: 3.1.0\n",
		".kiro/steering/schema.json":  "{}\n",
		"docs/style.md":               "# Style\n",
		".kiro/steering/unrelated.md": "# Not declared\n",
	}
	cfg, diags := Load(writeProject(t, files), LoadOptions{})
	var got []string
	for _, d := range diags {
		got = append(got, diagLine(d))
	}
	want := []string{"warning .kiro/steering/api.md:7,10: Referenced file not found"}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("diagnostics:\n got: %s\nwant: %s", strings.Join(got, "\n      "), strings.Join(want, "\n      "))
	}
	if refs := cfg.Steering["api"].FileRefs; !slices.Equal(refs, []string{"api/openapi.yaml", ".kiro/steering/schema.json"}) {
		t.Errorf("api FileRefs = %q", refs)
	}
	if refs := cfg.Steering["inline"].FileRefs; !slices.Equal(refs, []string{"docs/style.md"}) {
		t.Errorf("inline FileRefs = %q", refs)
	}
}

// TestBugfixAndWorkflow checks the order of a feature's standard specs:
// requirements first (bugfix in their place for a bugfix spec), or design
// first.
func TestBugfixAndWorkflow(t *testing.T) {
	tests := []struct {
		name  string
		body  string
		edges [][2]string // from -> to, within feature "f"
		want  []string
	}{
		{"requirements first", `spec "requirements" {}
  spec "design" {}
  spec "tasks" {}`, [][2]string{{"requirements", "design"}, {"design", "tasks"}}, nil},
		{"bugfix", `spec "bugfix" {}
  spec "design" {}
  spec "tasks" {}`, [][2]string{{"bugfix", "design"}, {"design", "tasks"}}, nil},
		{"bugfix without a design", `spec "bugfix" {}
  spec "tasks" {}`, [][2]string{{"bugfix", "tasks"}}, nil},
		{"design first", `workflow = "design-first"
  spec "requirements" {}
  spec "design" {}
  spec "tasks" {}`, [][2]string{{"design", "requirements"}, {"requirements", "tasks"}}, nil},
		{"an unknown workflow", `workflow = "design-frist"
  spec "requirements" {}`, nil, []string{"error Kirofile:7,14: Invalid workflow"}},
		{"design first does not fit a bugfix", `workflow = "design-first"
  spec "bugfix" {}
  spec "design" {}`, [][2]string{{"bugfix", "design"}}, []string{"error Kirofile:7,14: Workflow does not fit a bugfix spec"}},
		{"bugfix is a kind", `spec "analysis" {
    kind   = "bugfix"
    prompt = "Analyse the bug."
  }`, nil, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := writeProject(t, map[string]string{"Kirofile": okProvider + "\nfeature \"f\" {\n  " + tt.body + "\n}\n"})
			cfg, diags := Load(dir, LoadOptions{})
			var got []string
			for _, d := range diags {
				got = append(got, diagLine(d))
			}
			if strings.Join(got, "\n") != strings.Join(tt.want, "\n") {
				t.Fatalf("diagnostics:\n got: %s\nwant: %s", strings.Join(got, "\n      "), strings.Join(tt.want, "\n      "))
			}
			g := cfg.Graph()
			for _, e := range tt.edges {
				if !g.HasEdge("feature.f.spec."+e[0], "feature.f.spec."+e[1]) {
					t.Errorf("missing edge %s -> %s", e[0], e[1])
				}
			}
			if s := cfg.Features["f"].Specs["bugfix"]; s != nil && s.Kind != KindBugfix {
				t.Errorf("spec bugfix has kind %q", s.Kind)
			}
		})
	}
}

// FuzzFrontMatter holds the front matter reader to what Load relies on for
// any steering file: it never panics, and every finding points inside the
// file.
func FuzzFrontMatter(f *testing.F) {
	for _, s := range []string{
		"", "---\n---\n", "---\ninclusion: fileMatch\nfileMatchPattern: ['a/**', \"b,c\"]\n---\n# T\n",
		"\ufeff---\r\ninclusion: [x\r\n---\r\n", "---\n- a\n---\n", "---\nfileMatchPattern:\n  - {a: b}\n---\n",
		"---\ninclusion: \"é\\u00e9\"\nfileMatchPattern: '{a,b'\n...\n",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, src []byte) {
		fm, _, diags := parseFrontMatter("s.md", src)
		if fm.inclusionRange != nil {
			diags = append(diags, &hcl.Diagnostic{Subject: fm.inclusionRange})
		}
		for _, r := range fm.patternRanges {
			diags = append(diags, &hcl.Diagnostic{Subject: r})
		}
		for _, d := range diags {
			r := d.Subject
			if r == nil || r.Start.Byte < 0 || r.End.Byte > len(src) || r.Start.Byte > r.End.Byte {
				t.Fatalf("range %+v outside %d bytes", r, len(src))
			}
		}
	})
}
