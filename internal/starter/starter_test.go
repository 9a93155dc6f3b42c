package starter

import (
	"bytes"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/hashicorp/hcl/v2/hclwrite"

	"github.com/kirofile/kirofile/internal/project"
	"github.com/kirofile/kirofile/lang"
)

// writeFiles writes files under dir, as kirofile init does.
func writeFiles(t *testing.T, dir string, files map[string][]byte) {
	t.Helper()
	for p, data := range files {
		full := filepath.Join(dir, filepath.FromSlash(p))
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(full, data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// load loads dir with lang.Load and fails the test on any diagnostic:
// a starter is the first thing a user sees and should be spotless.
func load(t *testing.T, dir string) *lang.Config {
	t.Helper()
	cfg, diags := lang.Load(dir, lang.LoadOptions{LookupEnv: func(string) (string, bool) { return "", false }})
	for _, d := range diags {
		t.Errorf("lang.Load: %s", d.Error())
	}
	return cfg
}

func checkFormatted(t *testing.T, files map[string][]byte) {
	t.Helper()
	for p, data := range files {
		if !isKirofile(p) {
			continue
		}
		if got := hclwrite.Format(data); !bytes.Equal(got, data) {
			t.Errorf("%s is not canonically formatted:\n%s\n--- formatted ---\n%s", p, data, got)
		}
		// An argument left commented out for the user to turn on stays
		// formatted once uncommented.
		on := commentedArgument.ReplaceAll(data, []byte("$1$2"))
		if got := hclwrite.Format(on); !bytes.Equal(got, on) {
			t.Errorf("%s with its arguments uncommented is not canonically formatted:\n%s", p, got)
		}
	}
}

// commentedArgument is an argument commented out inside a block.
var commentedArgument = regexp.MustCompile(`(?m)^(\s+)# ([a-z_]+\s+= )`)

func TestRender(t *testing.T) {
	tests := []struct {
		template string
		opts     Options
		files    []string // every file Render returns
		feature  string
		provider string
		contains []string // substrings of the Kirofile
	}{
		{
			template: "minimal",
			files:    []string{"Kirofile"},
			feature:  "hello",
			provider: "openai.main",
			contains: []string{`model    = "gpt-4o-mini"`, `base_url = env("OPENAI_BASE_URL", "https://api.openai.com/v1")`, `codegen "code"`, `"src/hello/**"`},
		},
		{
			template: "minimal",
			opts:     Options{Feature: "billing-api", Model: `my "odd" ${model}`},
			files:    []string{"Kirofile"},
			feature:  "billing-api",
			provider: "openai.main",
			contains: []string{`model    = "my \"odd\" $${model}"`, `feature "billing-api"`},
		},
		{
			template: "go-service",
			files:    []string{".kiro/steering/tech.md", "Kirofile", "features/hello.md"},
			feature:  "hello",
			provider: "openai.main",
			contains: []string{`file("features/hello.md")`, `hooks        = [hook.gofmt, hook.test]`, `command = ["go", "test", "./..."]`, `steering "tech"`},
		},
		{
			template: "go-service",
			opts:     Options{Feature: "_orders", Model: "llama3"},
			files:    []string{".kiro/steering/tech.md", "Kirofile", "features/_orders.md"},
			feature:  "_orders",
			provider: "openai.main",
			contains: []string{`model    = "llama3"`},
		},
		{
			template: "offline",
			files:    []string{".kiro/specs/hello/design.md", ".kiro/specs/hello/requirements.md", ".kiro/specs/hello/tasks.md", "Kirofile", "cassettes/hello.json"},
			feature:  "hello",
			provider: "replay.main",
			contains: []string{`cassette = "cassettes/hello.json"`},
		},
	}
	for _, tt := range tests {
		t.Run(tt.template+"/"+tt.feature, func(t *testing.T) {
			files, err := Render(tt.template, tt.opts)
			if err != nil {
				t.Fatal(err)
			}
			if got := SortedPaths(files); !slices.Equal(got, tt.files) {
				t.Errorf("files = %q, want %q", got, tt.files)
			}
			checkFormatted(t, files)
			for _, s := range tt.contains {
				if !bytes.Contains(files["Kirofile"], []byte(s)) {
					t.Errorf("Kirofile lacks %q:\n%s", s, files["Kirofile"])
				}
			}

			dir := t.TempDir()
			writeFiles(t, dir, files)
			cfg := load(t, dir)
			f := cfg.Features[tt.feature]
			if f == nil {
				t.Fatalf("no feature %q in %v", tt.feature, cfg.Features)
			}
			if f.Provider != tt.provider {
				t.Errorf("provider = %q, want %q", f.Provider, tt.provider)
			}
			for _, label := range []string{"requirements", "design", "tasks"} {
				if f.Specs[label] == nil {
					t.Errorf("no spec %q", label)
				}
			}
			if len(f.Codegens) != 1 {
				t.Errorf("%d codegens, want 1", len(f.Codegens))
			}
			// Documents a template ships (offline) must pass validate.
			_, diags := project.CheckDocuments(cfg)
			for _, d := range diags {
				t.Errorf("spec documents: %s", d.Error())
			}
		})
	}
}

func TestRenderErrors(t *testing.T) {
	tests := []struct {
		template string
		opts     Options
		want     string
	}{
		{"nope", Options{}, `unknown template "nope"; want one of minimal, go-service, offline`},
		{"minimal", Options{Feature: "9lives"}, `invalid feature name "9lives"`},
		{"go-service", Options{Feature: "a/b"}, `invalid feature name "a/b"`},
		{"offline", Options{Feature: "../x"}, `invalid feature name "../x"`},
	}
	for _, tt := range tests {
		t.Run(tt.template+"/"+tt.opts.Feature, func(t *testing.T) {
			_, err := Render(tt.template, tt.opts)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want it to contain %q", err, tt.want)
			}
		})
	}
}

func TestNamesSummariesSteps(t *testing.T) {
	names := Names()
	for _, want := range []string{"minimal", "go-service", "offline"} {
		if !slices.Contains(names, want) {
			t.Errorf("Names() = %q, lacks %q", names, want)
		}
	}
	if names[0] != DefaultTemplate {
		t.Errorf("the default template %q should be listed first, got %q", DefaultTemplate, names)
	}
	for _, n := range names {
		if s := Summary(n); s == "" || strings.Contains(s, "\n") {
			t.Errorf("Summary(%q) = %q, want one non-empty line", n, s)
		}
		steps, err := NextSteps(n, Options{Feature: "orders"})
		if err != nil || len(steps) == 0 {
			t.Errorf("NextSteps(%q) = %q, %v", n, steps, err)
		}
		if !strings.Contains(strings.Join(steps, "\n"), "kirofile") {
			t.Errorf("NextSteps(%q) never names a kirofile command: %q", n, steps)
		}
	}
	if Summary("nope") != "" {
		t.Error(`Summary("nope") should be empty`)
	}
	if _, err := NextSteps("nope", Options{}); err == nil {
		t.Error(`NextSteps("nope") should fail`)
	}
}

// A requirements document that passes the checks of validate.
const requirementsDoc = `# Requirements

### Requirement 1

**User Story:** As a user, I want to sign in, so that my data is mine.

#### Acceptance Criteria

1. WHEN the user signs in THEN the system SHALL start a session.
`

func TestAdopt(t *testing.T) {
	dir := t.TempDir()
	writeFiles(t, dir, map[string][]byte{
		".kiro/specs/auth/requirements.md":             []byte(requirementsDoc),
		".kiro/specs/auth/design.md":                   []byte("# Design\n"),
		".kiro/specs/auth/tasks.md":                    []byte("- [ ] 1. Sign in\n  - _Requirements: 1.1_\n"),
		".kiro/specs/auth/notes.md":                    []byte("# Notes\n"),
		".kiro/specs/auth/API Notes.md":                []byte("# API\n"),
		".kiro/specs/auth/diagram.png":                 []byte("not markdown"),
		".kiro/specs/user-profile/requirements.md":     []byte(requirementsDoc),
		".kiro/specs/user-profile/Design.md":           []byte("# Design\n"),
		".kiro/specs/My Feature! (v2)/requirements.md": []byte(requirementsDoc),
		".kiro/specs/My Feature! (v2)/tasks.md":        []byte("- [ ] 1. Do it\n"),
		".kiro/specs/2fa/design.md":                    []byte("# Design\n"),
		".kiro/specs/My-Feature-v2/requirements.md":    []byte(requirementsDoc),
		".kiro/specs/empty/.keep":                      nil,
		".kiro/specs/.hidden/requirements.md":          []byte(requirementsDoc),
		".kiro/specs/README.md":                        []byte("not a feature"),
		".kiro/steering/product.md":                    []byte("# Product\n"),
		".kiro/steering/tech.md":                       []byte("---\ninclusion: fileMatch\nfileMatchPattern: \"**/*.go\"\n---\n# Tech\n"),
		".kiro/steering/api style.md":                  []byte("---\ninclusion: manual\n---\n# API style\n"),
		".kiro/steering/notes.txt":                     []byte("ignored"),
		"features/user-profile.md":                     []byte("Profiles of users.\n"),
	})

	files, report, err := Adopt(dir)
	if err != nil {
		t.Fatal(err)
	}
	if got := SortedPaths(files); !slices.Equal(got, []string{"Kirofile"}) {
		t.Fatalf("files = %q, want only the Kirofile", got)
	}
	checkFormatted(t, files)
	writeFiles(t, dir, files)
	cfg := load(t, dir)
	if t.Failed() {
		t.Logf("Kirofile:\n%s", files["Kirofile"])
	}

	type spec struct{ kind, path string }
	wantFeatures := map[string]map[string]spec{
		"auth": {
			"requirements": {"requirements", ".kiro/specs/auth/requirements.md"},
			"design":       {"design", ".kiro/specs/auth/design.md"},
			"tasks":        {"tasks", ".kiro/specs/auth/tasks.md"},
			"notes":        {"document", ".kiro/specs/auth/notes.md"},
			"API-Notes":    {"document", ".kiro/specs/auth/API Notes.md"},
		},
		"user-profile": {
			"requirements": {"requirements", ".kiro/specs/user-profile/requirements.md"},
			"design":       {"design", ".kiro/specs/user-profile/Design.md"},
		},
		// The valid name is kept; the sanitised one that would clash
		// with it gets a suffix.
		"My-Feature-v2": {
			"requirements": {"requirements", ".kiro/specs/My-Feature-v2/requirements.md"},
		},
		"My-Feature-v2-2": {
			"requirements": {"requirements", ".kiro/specs/My Feature! (v2)/requirements.md"},
			"tasks":        {"tasks", ".kiro/specs/My Feature! (v2)/tasks.md"},
		},
		"_2fa": {
			"design": {"design", ".kiro/specs/2fa/design.md"},
		},
	}
	if len(cfg.Features) != len(wantFeatures) {
		t.Errorf("features = %v, want %d", keys(cfg.Features), len(wantFeatures))
	}
	for name, specs := range wantFeatures {
		f := cfg.Features[name]
		if f == nil {
			t.Errorf("no feature %q", name)
			continue
		}
		if f.Provider != "openai.main" {
			t.Errorf("feature %q: provider %q", name, f.Provider)
		}
		if len(f.Specs) != len(specs) {
			t.Errorf("feature %q: specs %v, want %d", name, keys(f.Specs), len(specs))
		}
		for label, want := range specs {
			s := f.Specs[label]
			if s == nil {
				t.Errorf("feature %q: no spec %q", name, label)
				continue
			}
			if s.Kind != want.kind || s.Path != want.path {
				t.Errorf("%s: kind %q, path %q; want %q, %q", s.Addr, s.Kind, s.Path, want.kind, want.path)
			}
			if _, err := os.Stat(filepath.Join(dir, filepath.FromSlash(s.Path))); err != nil {
				t.Errorf("%s: its document is not found: %v", s.Addr, err)
			}
		}
	}
	if got := cfg.Features["user-profile"].Description; got != "Profiles of users.\n" {
		t.Errorf("user-profile description = %q, want the file's content", got)
	}
	if got := cfg.Features["auth"].Description; !strings.Contains(got, ".kiro/specs/auth/requirements.md") {
		t.Errorf("auth description = %q, want it to point at the requirements", got)
	}

	// Front matter is honoured by kirofile, not copied into the blocks.
	wantSteering := map[string]lang.Inclusion{"product": lang.InclusionAlways, "tech": lang.InclusionFileMatch, "api-style": lang.InclusionManual}
	if len(cfg.Steering) != len(wantSteering) {
		t.Errorf("steering = %v, want %d", keys(cfg.Steering), len(wantSteering))
	}
	for name, inc := range wantSteering {
		s := cfg.Steering[name]
		if s == nil {
			t.Errorf("no steering %q", name)
			continue
		}
		if s.Inclusion != inc {
			t.Errorf("steering %q: inclusion %q, want %q", name, s.Inclusion, inc)
		}
	}
	if bytes.Contains(files["Kirofile"], []byte("inclusion")) {
		t.Errorf("the Kirofile repeats the front matter:\n%s", files["Kirofile"])
	}
	// Specs at their default path need no path attribute.
	if bytes.Contains(files["Kirofile"], []byte(`path = ".kiro/specs/auth/requirements.md"`)) {
		t.Errorf("a default path is written out:\n%s", files["Kirofile"])
	}

	text := strings.Join(report, "\n")
	for _, want := range []string{
		`feature "auth": requirements, design, tasks, API-Notes (document), notes (document), from .kiro/specs/auth/`,
		`feature "My-Feature-v2-2": requirements, tasks, from .kiro/specs/My Feature! (v2)/`,
		`renamed from "My Feature! (v2)" (not a valid name)`,
		`renamed from "2fa" (not a valid name)`,
		`spec "design" is Design.md`,
		`description from features/user-profile.md`,
		`skipped .kiro/specs/empty/: no Markdown documents`,
		`skipped .kiro/specs/empty/.keep: a hidden file`,
		`skipped .kiro/specs/.hidden/requirements.md: in a hidden directory`,
		// Every file that is not adopted is named, with the reason.
		`skipped .kiro/specs/README.md: a file directly in .kiro/specs/, outside any spec directory`,
		`skipped .kiro/specs/auth/diagram.png: not a Markdown document`,
		`skipped .kiro/steering/notes.txt: not a Markdown steering document`,
		`steering "tech": .kiro/steering/tech.md`,
		`steering "api-style": .kiro/steering/api style.md (renamed: not a valid name)`,
	} {
		if !strings.Contains(text, want) {
			t.Errorf("report lacks %q:\n%s", want, text)
		}
	}
}

func TestAdoptSmallProjects(t *testing.T) {
	tests := []struct {
		name     string
		files    map[string][]byte
		err      error
		features []string
		steering []string
	}{
		{"nothing", map[string][]byte{".kiro/specs/empty/.keep": nil}, ErrNothingToAdopt, nil, nil},
		{"no kiro directory", map[string][]byte{"README.md": nil}, ErrNothingToAdopt, nil, nil},
		{"steering only", map[string][]byte{".kiro/steering/tech.md": []byte("# Tech\n")}, nil, nil, []string{"tech"}},
		{"specs only", map[string][]byte{".kiro/specs/a/tasks.md": []byte("- [ ] 1. A\n")}, nil, []string{"a"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			writeFiles(t, dir, tt.files)
			files, _, err := AdoptWith(dir, Options{Model: "local-model"})
			if err != tt.err {
				t.Fatalf("err = %v, want %v", err, tt.err)
			}
			if err != nil {
				return
			}
			checkFormatted(t, files)
			if !bytes.Contains(files["Kirofile"], []byte(`model    = "local-model"`)) {
				t.Errorf("the model option is not used:\n%s", files["Kirofile"])
			}
			writeFiles(t, dir, files)
			cfg := load(t, dir)
			if got := keys(cfg.Features); !slices.Equal(got, tt.features) {
				t.Errorf("features = %q, want %q", got, tt.features)
			}
			if got := keys(cfg.Steering); !slices.Equal(got, tt.steering) {
				t.Errorf("steering = %q, want %q", got, tt.steering)
			}
		})
	}
}

func TestIsKiroProject(t *testing.T) {
	tests := []struct {
		files map[string][]byte
		want  bool
	}{
		{nil, false},
		{map[string][]byte{".kiro/settings/mcp.json": nil}, false},
		{map[string][]byte{".kiro/specs": nil}, false}, // a file, not a directory
		{map[string][]byte{".kiro/specs/.keep": nil}, true},
		{map[string][]byte{".kiro/steering/.keep": nil}, true},
	}
	for i, tt := range tests {
		dir := t.TempDir()
		writeFiles(t, dir, tt.files)
		if got := IsKiroProject(dir); got != tt.want {
			t.Errorf("%d: IsKiroProject = %v, want %v", i, got, tt.want)
		}
	}
}

func TestSanitize(t *testing.T) {
	tests := []struct{ in, want string }{
		{"auth", "auth"},
		{"user profile", "user-profile"},
		{"My Feature! (v2)", "My-Feature-v2"},
		{"2fa", "_2fa"},
		{"--x--", "x"},
		{"café", "caf"},
		{"日本", "_"},
		{"a.b.c", "a-b-c"},
		{"_private", "_private"},
	}
	for _, tt := range tests {
		got := sanitize(tt.in)
		if got != tt.want {
			t.Errorf("sanitize(%q) = %q, want %q", tt.in, got, tt.want)
		}
		if !ValidName(got) {
			t.Errorf("sanitize(%q) = %q is not a valid name", tt.in, got)
		}
	}
}

func keys[V any](m map[string]V) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

func TestEnsureGitAttributes(t *testing.T) {
	dir := t.TempDir()
	did, err := EnsureGitAttributes(dir)
	if err != nil || did != "created" {
		t.Fatalf("first: %q, %v", did, err)
	}
	first, _ := os.ReadFile(filepath.Join(dir, ".gitattributes"))
	for _, line := range GitAttributes {
		if !strings.Contains(string(first), line+"\n") {
			t.Errorf("missing %q in:\n%s", line, first)
		}
	}
	if did, err := EnsureGitAttributes(dir); err != nil || did != "" {
		t.Errorf("second: %q, %v", did, err)
	}
	// A user's own file keeps its lines; only what is missing is added.
	own := "*.png binary\r\nKirofile.lock.hcl   text eol=lf merge=kirofile-lock\r\n"
	if err := os.WriteFile(filepath.Join(dir, ".gitattributes"), []byte(own), 0o644); err != nil {
		t.Fatal(err)
	}
	if did, err := EnsureGitAttributes(dir); err != nil || did != "updated" {
		t.Fatalf("own file: %q, %v", did, err)
	}
	got, _ := os.ReadFile(filepath.Join(dir, ".gitattributes"))
	if !strings.HasPrefix(string(got), own) || strings.Count(string(got), "merge=kirofile-lock") != 1 || !strings.Contains(string(got), GitAttributes[1]) {
		t.Errorf("own file became:\n%s", got)
	}
}

func TestPlaceholderWarnings(t *testing.T) {
	for _, name := range Names() {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			files, err := Render(name, Options{Feature: "hello", Model: "m"})
			if err != nil {
				t.Fatal(err)
			}
			for path, data := range files {
				full := filepath.Join(dir, filepath.FromSlash(path))
				if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(full, data, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			p, diags := project.Load(dir, lang.LoadOptions{})
			if diags.HasErrors() {
				t.Fatal(diags)
			}
			got := PlaceholderWarnings(p.Config)
			// The offline template describes a real feature; the others
			// leave the description to write.
			if want := name != "offline"; (len(got) == 1) != want {
				t.Errorf("warnings %v, want one: %v", got, want)
			}
		})
	}
}
