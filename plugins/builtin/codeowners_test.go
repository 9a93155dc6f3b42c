package builtin

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/kirofile/kirofile/plugins/sdk"
)

func TestCodeOwners(t *testing.T) {
	co := parseCodeOwners("CODEOWNERS", []byte(`# Owners
*                       @org/everyone
*.md                    @org/writers
/services/              @org/backend
/services/notifications/ @org/notify @ana  # the notify team
docs/*                  @org/docs
apps                    @org/apps
/vendor/                # no owner: overrides the first line
[Section] @ignored
/web/**/*.ts            @org/frontend
`))
	tests := []struct {
		path string
		want string
	}{
		{"main.go", "@org/everyone"},
		{"README.md", "@org/writers"},
		{"services/notifications/send.md", "@org/notify @ana"},
		{"services/notifications/", "@org/notify @ana"},
		{"services/billing/pay.go", "@org/backend"},
		{"other/services/x.go", "@org/everyone"},
		{"docs/guide.txt", "@org/docs"},
		{"docs/deep/guide.txt", "@org/everyone"},
		{"x/apps/y.go", "@org/apps"},
		{"vendor/lib.go", ""},
		{"web/a/b/c.ts", "@org/frontend"},
		{"web/a/b/c.js", "@org/everyone"},
	}
	for _, tt := range tests {
		if got := strings.Join(co.owners(tt.path), " "); got != tt.want {
			t.Errorf("owners(%q) = %q, want %q", tt.path, got, tt.want)
		}
	}
}

func TestPRDescriptionReviewers(t *testing.T) {
	dir := t.TempDir()
	files := map[string]string{
		".github/CODEOWNERS":                "* @org/everyone\n/services/notifications/ @org/notify\n*.sql @org/dba\n",
		"CODEOWNERS":                        "* @not-this-one\n",
		".kiro/specs/n/requirements.md":     requirementsMD,
		"services/notifications/schema.sql": "create table t();\n",
	}
	for name, content := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	req := sdk.ActionRequest{
		Event: "spec.approved", NodeAddress: "feature.n.spec.requirements", Feature: "n", ProjectDir: dir,
		SpecDocuments:  []sdk.SpecDocument{{Name: "requirements", Path: ".kiro/specs/n/requirements.md"}},
		FeatureOutputs: []string{"services/notifications/**", "cmd/notify/**"},
	}
	res, err := PRDescriptionAction{}.Run(context.Background(), req)
	if err != nil {
		t.Fatal(err)
	}
	out := string(res.Output)
	for _, want := range []string{
		"## Reviewers\n\ncc @org/notify @org/dba @org/everyone\n",
		"Code owners (.github/CODEOWNERS) of the files this feature writes:",
		"- `services/notifications/**`: @org/notify @org/dba\n",
		"- `cmd/notify/**`: @org/everyone\n",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("description lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "not-this-one") {
		t.Errorf("read the second CODEOWNERS:\n%s", out)
	}

	// Without CODEOWNERS, or without outputs, no section.
	req.FeatureOutputs = nil
	res, _ = PRDescriptionAction{}.Run(context.Background(), req)
	if strings.Contains(string(res.Output), "## Reviewers") {
		t.Errorf("reviewers without outputs:\n%s", res.Output)
	}
	if got := reviewersOf(dir, []string{"x/**"}, nil); got != nil {
		t.Errorf("reviewers without CODEOWNERS: %+v", got)
	}
	if !slices.Equal(ownerGlobs("*"), []string{"**"}) {
		t.Errorf("ownerGlobs(*) = %v", ownerGlobs("*"))
	}
}
