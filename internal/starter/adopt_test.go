package starter

import (
	"slices"
	"strings"
	"testing"

	"github.com/kirofile/kirofile/lang"
)

// TestAdoptHooks checks each form of Kiro hook seen in real projects: the
// kirofile hook it becomes, or the reason it is named as not adopted.
func TestAdoptHooks(t *testing.T) {
	tests := []struct {
		name  string
		file  string // under .kiro/hooks/
		body  string
		event string   // the kirofile event, "" when not adopted
		match []string // its globs
		cmd   []string
		// report is a part of the report line about the hook.
		report string
	}{
		{"older format, command on save", "lint.kiro.hook",
			`{"enabled": true, "name": "Lint", "version": "1", "when": {"type": "fileEdited", "patterns": ["src/**/*.ts", "*.tsx"]}, "then": {"type": "runCommand", "command": "npm run lint", "timeout": 30}}`,
			lang.EventFileSaved, []string{"src/**/*.ts", "**/*.tsx"}, []string{"npm", "run", "lint"},
			`hook "lint": runs npm run lint when src/**/*.ts, **/*.tsx is saved, from .kiro/hooks/lint.kiro.hook`},
		{"older format, file created", "tailor.kiro.hook",
			`{"name": "Tailor", "when": {"type": "fileCreated", "patterns": ["**/*.py"]}, "then": {"type": "runCommand", "command": "pants tailor ::"}}`,
			lang.EventFileSaved, []string{"**/*.py"}, []string{"pants", "tailor", "::"}, `hook "tailor"`},
		{"older format, agent stop", "build.kiro.hook",
			`{"name": "Build", "when": {"type": "agentStop"}, "then": {"type": "runCommand", "command": "go build ./... && go vet ./..."}}`,
			lang.EventCodegenCompleted, nil, []string{"sh", "-c", "go build ./... && go vet ./..."},
			`hook "build": runs go build ./... && go vet ./... (through sh -c) after each code generation`},
		{"a feedback command ending in a pipe is adopted, with a warning", "tail.kiro.hook",
			`{"name": "Tail", "when": {"type": "agentStop"}, "then": {"type": "runCommand", "command": "go test ./... | tail -20"}}`,
			lang.EventCodegenCompleted, nil, []string{"sh", "-c", "go test ./... | tail -20"},
			`after each code generation, its failures fed back to the model, from .kiro/hooks/tail.kiro.hook; its command ends in a pipe, whose exit status is the last command's`},
		{"|| is no pipe", "or.kiro.hook",
			`{"name": "Or", "when": {"type": "agentStop"}, "then": {"type": "runCommand", "command": "make check || make report"}}`,
			lang.EventCodegenCompleted, nil, []string{"sh", "-c", "make check || make report"},
			`(through sh -c) after each code generation, its failures fed back to the model, from .kiro/hooks/or.kiro.hook`},
		{"older format, task done", "check.kiro.hook",
			`{"name": "Check", "when": {"type": "postTaskExecution"}, "then": {"type": "runCommand", "command": "make check"}}`,
			lang.EventCodegenCompleted, nil, []string{"make", "check"}, `hook "check"`},
		{"current format, command on save", "format.json",
			`{"version": "v1", "hooks": [{"name": "fmt", "trigger": "PostFileSave", "matcher": "\\.go$", "action": {"type": "command", "command": "gofmt -l ."}, "timeout": 20}]}`,
			lang.EventFileSaved, []string{"**/*.go"}, []string{"gofmt", "-l", "."}, `hook "format": runs gofmt -l . when **/*.go is saved`},
		{"current format, alternation in the matcher", "web.json",
			`{"version": "v1", "hooks": [{"name": "web", "trigger": "PostFileSave", "matcher": "^src/.*\\.(ts|tsx)$", "action": {"type": "command", "command": "npx tsc --noEmit"}}]}`,
			lang.EventFileSaved, []string{"src/**/*.ts", "src/**/*.tsx"}, []string{"npx", "tsc", "--noEmit"}, `hook "web"`},
		{"current format, agent stop", "stop.json",
			`{"version": "v1", "hooks": [{"name": "test", "trigger": "Stop", "action": {"type": "command", "command": "go test ./..."}}]}`,
			lang.EventCodegenCompleted, nil, []string{"go", "test", "./..."}, `hook "stop"`},
		{"a trigger and an action as strings", "plain.json",
			`{"name": "Plain", "trigger": "onFileSave", "filePattern": "x", "action": "runCommand", "command": "make"}`,
			lang.EventFileSaved, nil, []string{"make"}, `hook "plain": runs make when any file is saved`},
		{"a command as a list of arguments", "argv.kiro.hook",
			`{"name": "Argv", "when": {"type": "agentStop"}, "then": {"type": "runCommand", "command": ["go", "test", "./..."]}}`,
			lang.EventCodegenCompleted, nil, []string{"go", "test", "./..."}, `hook "argv"`},
		{"asks the agent", "review.kiro.hook",
			`{"name": "Review", "when": {"type": "fileEdited", "patterns": ["**/*.ts"]}, "then": {"type": "askAgent", "prompt": "Review it."}}`,
			"", nil, nil, `skipped hook "Review" in .kiro/hooks/review.kiro.hook: it asks the agent (askAgent), and kirofile hooks run commands, not prompts`},
		{"current format, agent action", "remind.json",
			`{"version": "v1", "hooks": [{"name": "Remind", "trigger": "PostFileSave", "matcher": "requirements\\.txt$", "action": {"type": "agent", "prompt": "Remind me."}}]}`,
			"", nil, nil, `skipped hook "Remind" in .kiro/hooks/remind.json: it asks the agent (agent)`},
		{"tool use", "guard.json",
			`{"name": "Guard", "version": "1", "when": {"type": "preToolUse", "toolTypes": ["write"]}, "then": {"type": "runCommand", "command": "true"}}`,
			"", nil, nil, `it runs before the agent uses a tool (preToolUse), an event kirofile has not`},
		{"manual trigger, message action", "explain.json",
			`{"name": "Explain", "trigger": "manual", "action": "sendMessage", "message": "Explain."}`,
			"", nil, nil, `it is run by hand from Kiro's hook panel (manual), and kirofile runs hooks on events only; it asks the agent (sendMessage)`},
		{"file deleted", "gone.kiro.hook",
			`{"name": "Gone", "when": {"type": "fileDeleted", "patterns": ["*.go"]}, "then": {"type": "runCommand", "command": "make"}}`,
			"", nil, nil, `it runs when a file is deleted (fileDeleted), an event kirofile has not`},
		{"disabled", "off.kiro.hook",
			`{"enabled": false, "name": "Off", "when": {"type": "fileEdited", "patterns": ["*.go"]}, "then": {"type": "runCommand", "command": "make"}}`,
			"", nil, nil, `skipped hook "Off" in .kiro/hooks/off.kiro.hook: it is disabled in Kiro (enabled: false)`},
		{"a matcher with no glob equivalent", "hard.json",
			`{"version": "v1", "hooks": [{"name": "hard", "trigger": "PostFileSave", "matcher": "[a-z]+\\.go$", "action": {"type": "command", "command": "make"}}]}`,
			"", nil, nil, `its matcher "[a-z]+\\.go$" is a regular expression with no glob equivalent`},
		{"a command action without a command", "empty.kiro.hook",
			`{"name": "Empty", "when": {"type": "agentStop"}, "then": {"type": "runCommand"}}`,
			"", nil, nil, `it runs a command but names none`},
		{"not JSON", "broken.kiro.hook", `{"name": `, "", nil, nil, `skipped .kiro/hooks/broken.kiro.hook: not a hook: it is not a JSON object`},
		{"unknown event", "odd.kiro.hook",
			`{"name": "Odd", "when": {"type": "onFullMoon"}, "then": {"type": "runCommand", "command": "make"}}`,
			"", nil, nil, `its event "onFullMoon" is not one kirofile knows`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			writeFiles(t, dir, map[string][]byte{
				".kiro/hooks/" + tt.file: []byte(tt.body),
				".kiro/steering/tech.md": []byte("# Tech\n"),
			})
			files, report, err := Adopt(dir)
			if err != nil {
				t.Fatal(err)
			}
			text := strings.Join(report, "\n")
			if !strings.Contains(text, tt.report) {
				t.Errorf("report lacks %q:\n%s", tt.report, text)
			}
			checkFormatted(t, files)
			writeFiles(t, dir, files)
			cfg := load(t, dir)
			if tt.event == "" {
				if len(cfg.Hooks) != 0 {
					t.Errorf("hooks = %v, want none", keys(cfg.Hooks))
				}
				return
			}
			if len(cfg.Hooks) != 1 {
				t.Fatalf("hooks = %v, want one\n%s", keys(cfg.Hooks), files["Kirofile"])
			}
			for _, h := range cfg.Hooks {
				if !slices.Equal(h.On, []string{tt.event}) || !slices.Equal(h.Match, tt.match) {
					t.Errorf("hook on %q match %q, want %q %q", h.On, h.Match, tt.event, tt.match)
				}
				if len(h.Actions) != 1 || !slices.Equal(h.Actions[0].Command, tt.cmd) {
					t.Errorf("hook actions %+v, want command %q", h.Actions, tt.cmd)
				}
				if h.Feedback != (tt.event == lang.EventCodegenCompleted) {
					t.Errorf("feedback = %v", h.Feedback)
				}
			}
		})
	}
}

// TestAdoptHookFileWithSeveralHooks checks that the hooks of one file are
// told apart by name.
func TestAdoptHookFileWithSeveralHooks(t *testing.T) {
	dir := t.TempDir()
	writeFiles(t, dir, map[string][]byte{".kiro/hooks/go.json": []byte(`{"version": "v1", "hooks": [
		{"name": "vet", "trigger": "PostFileSave", "matcher": "\\.go$", "action": {"type": "command", "command": "go vet ./..."}},
		{"name": "test", "trigger": "AgentStop", "action": {"type": "command", "command": "go test ./..."}, "timeout": 300}
	]}`)})
	files, _, err := Adopt(dir)
	if err != nil {
		t.Fatal(err)
	}
	writeFiles(t, dir, files)
	cfg := load(t, dir)
	if got := keys(cfg.Hooks); !slices.Equal(got, []string{"go-test", "go-vet"}) {
		t.Fatalf("hooks = %q\n%s", got, files["Kirofile"])
	}
	if d := cfg.Hooks["go-test"].Actions[0].Timeout; d.Seconds() != 300 {
		t.Errorf("timeout = %v, want 5m", d)
	}
}

func TestRegexpGlobs(t *testing.T) {
	tests := []struct {
		expr string
		want []string // nil: no glob equivalent
	}{
		{`\.ts$`, []string{"**/*.ts"}},
		{`requirements\.txt$`, []string{"**/*requirements.txt"}},
		{`^requirements\.txt$`, []string{"requirements.txt"}},
		{`^src/.*\.go$`, []string{"src/**/*.go"}},
		{`^src/.*`, []string{"src/**"}},
		{`\.(ts|tsx)$`, []string{"**/*.ts", "**/*.tsx"}},
		{`\.go$|\.mod$`, []string{"**/*.go", "**/*.mod"}},
		{`^docs/`, []string{"docs/**"}},
		{`Makefile`, []string{"**/*Makefile*"}},
		{`^a.b$`, []string{"a?b"}},
		{`[a-z]+\.go$`, nil},
		{`\d+\.log$`, nil},
		{`(?i)\.md$`, nil},
		{`(`, nil},
	}
	for _, tt := range tests {
		got, ok := regexpGlobs(tt.expr)
		if ok != (tt.want != nil) || !slices.Equal(got, tt.want) {
			t.Errorf("regexpGlobs(%q) = %q, %v; want %q", tt.expr, got, ok, tt.want)
		}
	}
}

func TestCommandArgs(t *testing.T) {
	tests := []struct {
		cmd  string
		want []string
	}{
		{"npm run lint", []string{"npm", "run", "lint"}},
		{"  go   test ./...  ", []string{"go", "test", "./..."}},
		{"npm test && npm run lint", []string{"sh", "-c", "npm test && npm run lint"}},
		{`eslint "src/**/*.ts"`, []string{"sh", "-c", `eslint "src/**/*.ts"`}},
		{"echo $HOME", []string{"sh", "-c", "echo $HOME"}},
		{"make > out.txt", []string{"sh", "-c", "make > out.txt"}},
	}
	for _, tt := range tests {
		if got := commandArgs(tt.cmd); !slices.Equal(got, tt.want) {
			t.Errorf("commandArgs(%q) = %q, want %q", tt.cmd, got, tt.want)
		}
	}
}

// TestAdoptConfigKiro checks the two forms of .config.kiro: a bugfix spec
// and the workflows.
func TestAdoptConfigKiro(t *testing.T) {
	const reqs = requirementsDoc
	tests := []struct {
		name     string
		files    map[string]string // under .kiro/specs/f/
		specs    []string          // labels in order
		workflow string
		report   string
	}{
		{"bugfix spec", map[string]string{
			".config.kiro": `{"specId": "0b7c", "workflowType": "requirements-first", "specType": "bugfix"}`,
			"bugfix.md":    "# Bugfix Requirements Document\n", "design.md": "# Design\n", "tasks.md": "- [ ] 1. Fix\n",
		}, []string{"bugfix", "design", "tasks"}, lang.WorkflowRequirementsFirst, `a bugfix spec (.kiro/specs/f/.config.kiro): bugfix, then design, then tasks`},
		{"design first", map[string]string{
			".config.kiro":    `{"specId": "1", "workflowType": "design-first", "specType": "feature"}`,
			"requirements.md": reqs, "design.md": "# Design\n", "tasks.md": "- [ ] 1. Build\n",
		}, []string{"design", "requirements", "tasks"}, lang.WorkflowDesignFirst, `workflow design-first (.kiro/specs/f/.config.kiro): design, then requirements, then tasks`},
		{"the older generationMode", map[string]string{
			".config.kiro":    `{"generationMode": "requirements-first"}`,
			"requirements.md": reqs,
		}, []string{"requirements"}, lang.WorkflowRequirementsFirst, `feature "f": requirements, from .kiro/specs/f/`},
		{"older generationMode, design first", map[string]string{
			".config.kiro": `{"generationMode": "design-first"}`, "design.md": "# Design\n", "requirements.md": reqs,
		}, []string{"design", "requirements"}, lang.WorkflowDesignFirst, `workflow design-first`},
		{"more keys", map[string]string{
			".config.kiro":    "{\n  \"specType\": \"feature\",\n  \"workflowType\": \"requirements-first\",\n  \"featureName\": \"f\",\n  \"status\": \"completed\"\n}\n",
			"requirements.md": reqs,
		}, []string{"requirements"}, lang.WorkflowRequirementsFirst, `feature "f": requirements`},
		{"a bugfix document without a config", map[string]string{"bugfix.md": "# Bug\n", "tasks.md": "- [ ] 1. Fix\n"},
			[]string{"bugfix", "tasks"}, lang.WorkflowRequirementsFirst, `feature "f": bugfix, tasks`},
		{"not JSON", map[string]string{".config.kiro": "specType = bugfix", "requirements.md": reqs},
			[]string{"requirements"}, lang.WorkflowRequirementsFirst, `.kiro/specs/f/.config.kiro not read: it is not valid JSON`},
		{"an unknown workflow", map[string]string{".config.kiro": `{"workflowType": "vibe"}`, "requirements.md": reqs},
			[]string{"requirements"}, lang.WorkflowRequirementsFirst, `workflow "vibe" is not one kirofile knows`},
		{"design first does not apply to a bugfix", map[string]string{
			".config.kiro": `{"workflowType": "design-first", "specType": "bugfix"}`, "bugfix.md": "# Bug\n", "design.md": "# Design\n",
		}, []string{"bugfix", "design"}, lang.WorkflowRequirementsFirst, `does not apply to a bugfix spec`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			files := map[string][]byte{}
			for name, content := range tt.files {
				files[".kiro/specs/f/"+name] = []byte(content)
			}
			writeFiles(t, dir, files)
			out, report, err := Adopt(dir)
			if err != nil {
				t.Fatal(err)
			}
			text := strings.Join(report, "\n")
			if !strings.Contains(text, tt.report) {
				t.Errorf("report lacks %q:\n%s", tt.report, text)
			}
			if strings.Contains(text, ".config.kiro: ") && strings.Contains(text, "skipped .kiro/specs/f/.config.kiro") {
				t.Errorf(".config.kiro is read, not skipped:\n%s", text)
			}
			checkFormatted(t, out)
			writeFiles(t, dir, out)
			cfg := load(t, dir)
			f := cfg.Features["f"]
			if f == nil {
				t.Fatalf("no feature f:\n%s", out["Kirofile"])
			}
			if f.Workflow != tt.workflow {
				t.Errorf("workflow = %q, want %q", f.Workflow, tt.workflow)
			}
			if got := specOrder(cfg, "f"); !slices.Equal(got, tt.specs) {
				t.Errorf("specs in dependency order = %q, want %q\n%s", got, tt.specs, out["Kirofile"])
			}
		})
	}
}

// specOrder lists the specs of a feature in dependency order.
func specOrder(cfg *lang.Config, feature string) []string {
	var out []string
	done := map[string]bool{}
	f := cfg.Features[feature]
	for len(out) < len(f.Specs) {
		progress := false
		for _, label := range keys(f.Specs) {
			s := f.Specs[label]
			if done[label] {
				continue
			}
			ready := true
			for _, d := range s.DependsOn {
				if d.Addr.Feature == feature && !done[d.Addr.Name] {
					ready = false
				}
			}
			if ready {
				out = append(out, label)
				done[label] = true
				progress = true
				break
			}
		}
		if !progress {
			break
		}
	}
	return out
}

// TestAdoptNamesEveryFile checks that every file under .kiro is either
// adopted, read, or named in the report with the reason.
func TestAdoptNamesEveryFile(t *testing.T) {
	dir := t.TempDir()
	files := map[string][]byte{
		".kiro/specs/a/requirements.md":                 []byte(requirementsDoc),
		".kiro/specs/a/design.md":                       []byte("# Design\n"),
		".kiro/specs/a/tasks.md":                        []byte("- [ ] 1. A\n"),
		".kiro/specs/a/.config.kiro":                    []byte(`{"specType": "feature"}`),
		".kiro/specs/a/COMPLETION_SUMMARY.md":           []byte("# Done\n"),
		".kiro/specs/a/execution-log.md":                []byte("# Log\n"),
		".kiro/specs/a/TASK_9_STATUS.md":                []byte("# Status\n"),
		".kiro/specs/a/MOCKUPS.md":                      []byte("# Mockups\n"),
		".kiro/specs/a/openapi.yaml":                    []byte("openapi: 3.1.0\n"),
		".kiro/specs/a/tasks.meta.json":                 []byte("{}"),
		".kiro/specs/a/archive/old-design.md":           []byte("# Old\n"),
		".kiro/specs/only-logs/verification-results.md": []byte("# Results\n"),
		".kiro/specs/FEATURE_SPECS.md":                  []byte("# All specs\n"),
		".kiro/steering/tech.md":                        []byte("# Tech\n"),
		".kiro/steering/drafts/idea.md":                 []byte("# Idea\n"),
		".kiro/steering/logo.png":                       []byte("png"),
		".kiro/hooks/README.md":                         []byte("# Hooks\n"),
		".kiro/hooks/review.kiro.hook":                  []byte(`{"name": "Review", "when": {"type": "userTriggered"}, "then": {"type": "askAgent", "prompt": "x"}}`),
		".kiro/settings/mcp.json":                       []byte("{}"),
		".kiro/settings/hooks.json":                     []byte("{}"),
		".kiro/agents/reviewer.md":                      []byte("# Reviewer\n"),
		".kiro/skills/scaffold/SKILL.md":                []byte("# Skill\n"),
		".kiro/archive/notes.md":                        []byte("# Notes\n"),
		".kiro/workspace-config.json":                   []byte("{}"),
		".kiro/.DS_Store":                               []byte("x"),
	}
	writeFiles(t, dir, files)
	_, report, err := Adopt(dir)
	if err != nil {
		t.Fatal(err)
	}
	text := strings.Join(report, "\n")
	adopted := []string{".kiro/specs/a/requirements.md", ".kiro/specs/a/design.md", ".kiro/specs/a/tasks.md",
		".kiro/specs/a/MOCKUPS.md", ".kiro/specs/a/.config.kiro", ".kiro/steering/tech.md", ".kiro/hooks/review.kiro.hook"}
	for p := range files {
		if slices.Contains(adopted, p) {
			continue
		}
		if !strings.Contains(text, "skipped "+p+": ") {
			t.Errorf("report does not name %s:\n%s", p, text)
		}
	}
	for _, want := range []string{
		"skipped .kiro/specs/a/COMPLETION_SUMMARY.md: a status report or log",
		"skipped .kiro/specs/a/archive/old-design.md: in a subfolder of a spec directory",
		"skipped .kiro/specs/only-logs/: no spec documents, only status reports",
		"skipped .kiro/specs/a/openapi.yaml: not a Markdown document",
		"skipped .kiro/settings/mcp.json: Kiro's MCP server settings",
		"skipped .kiro/agents/reviewer.md: a Kiro custom agent",
		`skipped hook "Review" in .kiro/hooks/review.kiro.hook`,
		`feature "a": requirements, design, tasks, MOCKUPS (document), from .kiro/specs/a/`,
	} {
		if !strings.Contains(text, want) {
			t.Errorf("report lacks %q:\n%s", want, text)
		}
	}
}

func TestIsStatusReport(t *testing.T) {
	for name, want := range map[string]bool{
		"COMPLETION_SUMMARY.md": true, "execution-log.md": true, "TASK_9_1_STATUS.md": true, "E2E_TEST_FIXES.md": true,
		"verification-results.md": true, "INTEGRATION_VALIDATION.md": true, "linting-summary.md": true,
		"notes.md": false, "MOCKUPS.md": false, "requirements-es.md": false, "prompt.md": false, "dialog.md": false,
		"GLOSSARY.md": false, "catalog.md": false,
	} {
		if got := isStatusReport(name); got != want {
			t.Errorf("isStatusReport(%q) = %v, want %v", name, got, want)
		}
	}
}

func TestPipeMasksFailure(t *testing.T) {
	tests := []struct {
		cmd  []string
		want bool
	}{
		{[]string{"sh", "-c", "go test ./... | tail -20"}, true},
		{[]string{"sh", "-c", "make check || make report"}, false},
		{[]string{"sh", "-c", "go vet ./... && go test ./..."}, false},
		{[]string{"go", "test", "./..."}, false},
		{[]string{"sh", "-c", "a || b | c"}, true},
	}
	for _, tt := range tests {
		if got := (adoptedHook{command: tt.cmd}).pipeMasksFailure(); got != tt.want {
			t.Errorf("%q: %v, want %v", tt.cmd, got, tt.want)
		}
	}
}
