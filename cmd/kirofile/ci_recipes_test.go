package main

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"testing"
)

// ciDoc is the page whose CI recipes TestCIRecipes runs.
const ciDoc = "../../docs/ci.md"

// recipe is one CI recipe of docs/ci.md: the commands it runs, in order,
// each as its own step (a YAML job), or one script (a shell step).
type recipe struct {
	name   string
	steps  []string
	script string
}

var (
	recipeBlock = regexp.MustCompile("(?s)<!-- ci-recipe -->\n```(yaml|sh)\n(.*?)```")
	anyBlock    = regexp.MustCompile("(?s)```(yaml|yml)\n")
	runStep     = regexp.MustCompile(`(?m)^\s*- run: (.+)$`)
	scriptStep  = regexp.MustCompile(`(?m)^\s{4}- (.+)$`)
)

// ciRecipes reads the recipes of docs/ci.md. Every YAML block must be a
// recipe, so that none escapes the test.
func ciRecipes(t *testing.T) []recipe {
	t.Helper()
	data, err := os.ReadFile(ciDoc)
	if err != nil {
		t.Fatal(err)
	}
	matches := recipeBlock.FindAllStringSubmatch(string(data), -1)
	if n := len(anyBlock.FindAllString(string(data), -1)); n != strings.Count(string(data), "<!-- ci-recipe -->\n```yaml") {
		t.Fatalf("%s has %d YAML blocks that are not marked <!-- ci-recipe -->", ciDoc, n)
	}
	var out []recipe
	for i, m := range matches {
		r := recipe{name: m[1]}
		switch m[1] {
		case "sh":
			r.script = m[2]
		case "yaml":
			steps := runStep.FindAllStringSubmatch(m[2], -1)
			if len(steps) == 0 {
				steps = scriptStep.FindAllStringSubmatch(m[2][strings.Index(m[2], "script:"):strings.Index(m[2], "rules:")], -1)
			}
			for _, s := range steps {
				// Installing kirofile is the one step a test does not
				// take: the kirofile under test is on PATH.
				if strings.HasPrefix(s[1], "go install ") {
					continue
				}
				r.steps = append(r.steps, s[1])
			}
		}
		r.name += "-" + strconv.Itoa(i)
		out = append(out, r)
	}
	if len(out) < 3 {
		t.Fatalf("%s: found %d recipes, want the GitHub, GitLab and shell ones", ciDoc, len(out))
	}
	return out
}

// TestCIRecipes runs every CI recipe of docs/ci.md exactly as written
// (but the step installing kirofile), with the kirofile under test on
// PATH: on a settled project every step passes; on a project with a spec
// awaiting approval the gate fails, and only the gate.
func TestCIRecipes(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("the recipes are POSIX shell")
	}
	if _, err := exec.LookPath("sh"); err != nil {
		t.Skip("no sh")
	}
	recipes := ciRecipes(t)
	settled := ciProject(t, true)
	pending := ciProject(t, false)
	for _, r := range recipes {
		t.Run(r.name, func(t *testing.T) {
			if r.script != "" {
				if out, err := runRecipe(settled, r.script); err != nil {
					t.Errorf("settled project: %v\n%s", err, out)
				} else if !strings.Contains(out, "specs approved, code matches the lock") {
					t.Errorf("settled project:\n%s", out)
				}
				out, err := runRecipe(pending, r.script)
				if code := exitCode(err); code != 1 || !strings.Contains(out, "unapproved specs or drift") || !strings.Contains(out, "? feature.a.spec.requirements") {
					t.Errorf("pending project: exit %d\n%s", code, out)
				}
				return
			}
			if len(r.steps) == 0 {
				t.Fatal("a recipe without kirofile steps")
			}
			gateFailed := false
			for _, step := range r.steps {
				if out, err := runRecipe(settled, step); err != nil {
					t.Errorf("settled project, %q: %v\n%s", step, err, out)
				}
				out, err := runRecipe(pending, step)
				if strings.Contains(step, "-detailed-exitcode") {
					gateFailed = exitCode(err) == 2 && !strings.Contains(out, "\x1b[")
					continue
				}
				if err != nil {
					t.Errorf("pending project, %q: %v\n%s", step, err, out)
				}
			}
			if !gateFailed {
				t.Errorf("the gate did not fail (exit 2, without colour) on a spec awaiting approval")
			}
		})
	}
}

// ciProject writes a project of one feature whose requirements are
// written by hand, and approved when settled.
func ciProject(t *testing.T, settled bool) string {
	t.Helper()
	dir := t.TempDir()
	files := map[string]string{
		"Kirofile": "provider \"replay\" \"main\" {\n  cassette = \"cassette.json\"\n}\n\nfeature \"a\" {\n  description = \"Send email.\"\n  spec \"requirements\" {}\n}\n",
		".kiro/specs/a/requirements.md": "# Requirements Document\n\n## Requirements\n\n### Requirement 1\n\n" +
			"**User Story:** As a sender, I want email sent, so that it arrives.\n\n#### Acceptance Criteria\n\n" +
			"1. WHEN a message is queued THEN the system SHALL send it.\n",
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
	if settled {
		if code, out, errOut := runCapture(t, "", "-chdir="+dir, "approve", "-by=ci@example.com", "feature.a"); code != 0 {
			t.Fatalf("approve: %s%s", out, errOut)
		}
	}
	return dir
}

// runRecipe runs a recipe's text with sh in dir, with colour forced on,
// as CI logs that render colour would have it: -no-color must turn it off.
func runRecipe(dir, script string) (string, error) {
	cmd := exec.Command("sh", "-c", script)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "CLICOLOR_FORCE=1", "NO_COLOR=")
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	return out.String(), err
}

func exitCode(err error) int {
	if err == nil {
		return 0
	}
	if ee, ok := err.(*exec.ExitError); ok {
		return ee.ExitCode()
	}
	return -1
}

// TestREADMEExamplesFormatted: the HCL examples of the README are in the
// canonical form "kirofile fmt -check" accepts, as a newcomer copying one
// would expect.
func TestREADMEExamplesFormatted(t *testing.T) {
	data, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	blocks := regexp.MustCompile("(?s)```hcl\n(.*?)```").FindAllStringSubmatch(string(data), -1)
	if len(blocks) == 0 {
		t.Fatal("no HCL example in the README")
	}
	dir := t.TempDir()
	for i, b := range blocks {
		name := filepath.Join(dir, "example"+strconv.Itoa(i)+".kiro.hcl")
		if err := os.WriteFile(name, []byte(b[1]), 0o644); err != nil {
			t.Fatal(err)
		}
		if code, out, errOut := runCapture(t, "", "fmt", "-check", "-diff", name); code != exitOK {
			t.Errorf("README example %d is not canonical (exit %d):\n%s%s", i, code, out, errOut)
		}
	}
}
