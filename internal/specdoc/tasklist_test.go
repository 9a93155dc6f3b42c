package specdoc

import (
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/hashicorp/hcl/v2"
)

const planDoc = `# Implementation Plan

- [x] 1. Set up the package skeleton
  - Create the store interface
  - _Requirements: 1.1, 1.5_
- [ ] 2. Implement retries
  - [ ] 2.1 [P] Backoff policy
    - exponential, capped
    - _Requirements: 1.2-1.4_
  - [ ]* 2.2 Property test for the schedule
    - **Validates: Requirements 1.2**
  - [ ] 2.3 [P] Jitter _Requirements: 2_

    ` + "```go" + `
    - [x] 9. not a task: code
    ` + "```" + `
- [ ] 3. Checkpoint - Ensure all tests pass
- [-] 4. Wire it
  - Depends on: 2.1, 3

## Future tasks (not in scope)

- [ ] 5. Metrics
`

func TestParseTasks(t *testing.T) {
	l, diags := ParseTasks("tasks.md", []byte(planDoc))
	if len(diags) > 0 {
		t.Fatalf("diagnostics: %v", diags)
	}
	type row struct {
		id, title, parent string
		children          []string
		optional, cp, par bool
		checked, scope    bool
		deps, cites       []string
	}
	want := []row{
		{id: "1", title: "Set up the package skeleton", checked: true, cites: []string{"1.1", "1.5"}},
		{id: "2", title: "Implement retries", children: []string{"2.1", "2.2", "2.3"}},
		{id: "2.1", title: "Backoff policy", parent: "2", par: true, cites: []string{"1.2", "1.3", "1.4"}},
		{id: "2.2", title: "Property test for the schedule", parent: "2", optional: true, cites: []string{"1.2"}},
		{id: "2.3", title: "Jitter", parent: "2", par: true, cites: []string{"2"}},
		{id: "3", title: "Checkpoint - Ensure all tests pass", cp: true},
		{id: "4", title: "Wire it", deps: []string{"2.1", "3"}},
		{id: "5", title: "Metrics", scope: true},
	}
	if len(l.Tasks) != len(want) {
		t.Fatalf("got %d tasks, want %d", len(l.Tasks), len(want))
	}
	for i, w := range want {
		tk := l.Tasks[i]
		got := row{tk.ID, tk.Title, tk.Parent, tk.Children, tk.Optional, tk.Checkpoint, tk.Parallel, tk.Checked, tk.OutOfScope, tk.DependsOn, tk.Cites}
		if !reflect.DeepEqual(got, w) {
			t.Errorf("task %d:\n got %+v\nwant %+v", i, got, w)
		}
		if planDoc[tk.Box-1] != '[' || planDoc[tk.Box+1] != ']' {
			t.Errorf("task %s: box at %d is not a checkbox", tk.ID, tk.Box)
		}
	}
	if d := l.Task("1").Details; d != "- Create the store interface\n- _Requirements: 1.1, 1.5_" {
		t.Errorf("details of 1 = %q", d)
	}
	if d := l.Task("2").Details; d != "" {
		t.Errorf("details of 2 hold its sub-tasks: %q", d)
	}
	if d := l.Task("2.3").Details; !strings.Contains(d, "9. not a task") {
		t.Errorf("details of 2.3 lost its code block: %q", d)
	}
	if l.Task("9") != nil {
		t.Error("a checkbox inside a code block was read as a task")
	}
}

func TestTaskOrder(t *testing.T) {
	l, _ := ParseTasks("tasks.md", []byte(planDoc))
	tests := []struct {
		name    string
		include func(*Task) bool
		want    map[string][]string
	}{
		{"optional tasks left out", func(t *Task) bool { return !t.Optional && !t.OutOfScope }, map[string][]string{
			"1": {}, "2.1": {"1"}, "2.3": {"1"}, "2": {"1", "2.1", "2.3"}, "3": {"2"}, "4": {"2.1", "3"},
		}},
		{"optional tasks asked for", func(t *Task) bool { return !t.OutOfScope }, map[string][]string{
			// 2.2 breaks the wave: 2.1 before it, 2.3 after it.
			"1": {}, "2.1": {"1"}, "2.2": {"2.1"}, "2.3": {"2.2"}, "2": {"1", "2.1", "2.2", "2.3"}, "3": {"2"}, "4": {"2.1", "3"},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, diags := l.Order(tt.include)
			if len(diags) > 0 {
				t.Fatal(diags)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got %v\nwant %v", got, tt.want)
			}
		})
	}
}

func TestTaskOrderWaves(t *testing.T) {
	src := "- [ ] 1. A\n- [ ] 2. [P] B\n- [ ] 3. [P] C\n- [ ] 4. [P] D\n- [ ] 5. E\n- [ ] 6. [P] F\n- [ ] 7. [P] G\n"
	l, _ := ParseTasks("tasks.md", []byte(src))
	got, _ := l.Order(func(*Task) bool { return true })
	want := map[string][]string{"1": {}, "2": {"1"}, "3": {"1"}, "4": {"1"}, "5": {"2", "3", "4"}, "6": {"5"}, "7": {"5"}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %v\nwant %v", got, want)
	}
}

func TestTaskOrderProblems(t *testing.T) {
	tests := []struct {
		name, src string
		rule      Rule
		line      int
	}{
		{"unknown task", "- [ ] 1. A\n- [ ] 2. B\n  - Depends on: 7\n", RuleTaskDepends, 3},
		{"loop with the default order", "- [ ] 1. A\n  - _Depends on: 2_\n- [ ] 2. B\n", RuleTaskCycle, 2},
		{"a task on itself", "- [ ] 1. A\n- [ ] 2. B\n  - Depends on: 2\n", RuleTaskCycle, 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, diags := ParseTasks("tasks.md", []byte(tt.src))
			if len(diags) != 1 {
				t.Fatalf("got %d diagnostics, want 1: %v", len(diags), diags)
			}
			d := diags[0]
			if rule, _ := hcl.DiagnosticExtra[Rule](d); rule != tt.rule || d.Severity != hcl.DiagError {
				t.Errorf("got rule %s (%v), want %s", rule, d.Severity, tt.rule)
			}
			if d.Subject == nil || d.Subject.Start.Line != tt.line {
				t.Errorf("subject %v, want line %d", d.Subject, tt.line)
			}
			// validate reports the same through CheckTasks.
			found := false
			for _, c := range CheckTasks("tasks.md", []byte(tt.src), nil) {
				if rule, _ := hcl.DiagnosticExtra[Rule](c); rule == tt.rule {
					found = true
				}
			}
			if !found {
				t.Errorf("CheckTasks does not report %s", tt.rule)
			}
		})
	}
	// A duplicate number makes the plan ambiguous.
	_, diags := ParseTasks("tasks.md", []byte("- [ ] 1. A\n- [ ] 1. B\n"))
	if len(diags) != 1 || diags[0].Summary != "Duplicate task number" {
		t.Errorf("duplicate: %v", diags)
	}
}

func TestClearCheckboxes(t *testing.T) {
	tests := []struct{ in, want string }{
		{"- [x] 1. A\n  - [X] 1.1 B\n- [-] 2. C\n- [~] 3. D\n", "- [ ] 1. A\n  - [ ] 1.1 B\n- [ ] 2. C\n- [ ] 3. D\n"},
		{"1. [x] A\n2) [x] B\n", "1. [ ] A\n2) [ ] B\n"},
		{"- [x]* 2.2 optional\r\n", "- [ ]* 2.2 optional\r\n"},
		// Code is an example, not a task; a link is not a checkbox.
		{"```\n- [x] 1. code\n```\n- [x] 2. real\n", "```\n- [x] 1. code\n```\n- [ ] 2. real\n"},
		{"- [x](url) link\n- [xy] no\n", "- [x](url) link\n- [xy] no\n"},
		{"Text [x] in prose\n", "Text [x] in prose\n"},
	}
	for _, tt := range tests {
		if got := string(ClearCheckboxes([]byte(tt.in))); got != tt.want {
			t.Errorf("ClearCheckboxes(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
	src := []byte("- [ ] 1. A\n")
	if out := ClearCheckboxes(src); &out[0] != &src[0] {
		t.Error("a document with nothing to clear is copied")
	}
}

func TestTick(t *testing.T) {
	src := []byte(planDoc)
	l, _ := ParseTasks("tasks.md", src)
	out, ok := Tick(src, l.Task("2.1"), true)
	if !ok {
		t.Fatal("not ticked")
	}
	l2, _ := ParseTasks("tasks.md", out)
	if !l2.Task("2.1").Checked || l2.Task("2").Checked {
		t.Errorf("ticked the wrong box:\n%s", out)
	}
	if string(ClearCheckboxes(out)) != string(ClearCheckboxes(src)) {
		t.Error("ticking changed more than a checkbox")
	}
	if l2.Task("2.1").Text() != l.Task("2.1").Text() {
		t.Error("ticking changed the task's text")
	}
	back, _ := Tick(out, l.Task("2.1"), false)
	if string(back) != planDoc {
		t.Error("unticking does not restore the document")
	}
	if _, ok := Tick([]byte("changed"), l.Task("2.1"), true); ok {
		t.Error("ticked a document that changed under the task")
	}
}

func TestRequirementTexts(t *testing.T) {
	src := "### Requirement 1: Sending\n\n**User Story:** As a user, I want mail.\n\n#### Acceptance Criteria\n\n1. WHEN a mail is sent THEN the system SHALL\n   record it.\n2. THE system SHALL retry.\n"
	reqs, _ := CheckRequirements("requirements.md", []byte(src))
	if got := reqs.Texts["1.1"]; got != "WHEN a mail is sent THEN the system SHALL record it." {
		t.Errorf("1.1 = %q", got)
	}
	if got := reqs.Texts["1.2"]; got != "THE system SHALL retry." {
		t.Errorf("1.2 = %q", got)
	}
	if got := reqs.Titles["1"]; got != "Sending" {
		t.Errorf("title = %q", got)
	}
	bug := "### Current Behavior\n\n1.1 WHEN x THEN it crashes\n\n### Expected Behavior\n\n2.1 WHEN x THEN the system SHALL work\n"
	b, _ := CheckBugfix("bugfix.md", []byte(bug))
	if got := b.Texts["2.1"]; got != "WHEN x THEN the system SHALL work" {
		t.Errorf("clause 2.1 = %q", got)
	}
}

// FuzzParseTasks holds the plan reader to what apply relies on: no panic,
// ranges inside the document, every box a checkbox that Tick can set, and
// clearing the boxes idempotent and blind to ticks.
func FuzzParseTasks(f *testing.F) {
	fuzzSeeds(f)
	f.Add([]byte(planDoc))
	f.Fuzz(func(t *testing.T, src []byte) {
		l, diags := ParseTasks("tasks.md", src)
		if err := checkRanges("tasks.md", src, diags); err != nil {
			t.Fatal(err)
		}
		cleared := ClearCheckboxes(src)
		if string(ClearCheckboxes(cleared)) != string(cleared) {
			t.Fatal("clearing twice differs")
		}
		for _, tk := range l.Tasks {
			out, ok := Tick(src, tk, true)
			if !ok {
				t.Fatalf("task %s: box %d is not a checkbox", tk.ID, tk.Box)
			}
			if len(out) != len(src) {
				t.Fatal("ticking changed the length")
			}
		}
	})
}

// A checkbox of a numbered plan that cites requirements but has no number
// is warned about when the document is read as a plan: it does not run.
// One that cites nothing is a checklist, and a plan with no number at all
// is no plan to warn about.
func TestParseTasksUnnumbered(t *testing.T) {
	tests := []struct {
		name  string
		src   string
		lines []int
	}{
		{"unnumbered task citing", "- [ ] 1. A\n  - _Requirements: 1.1_\n- [ ] B\n  - _Requirements: 1.1_\n- [ ] 3) C\n  - _Requirements: 1.1_\n", []int{3, 5}},
		{"checklist", "- [ ] 1. A\n  - _Requirements: 1.1_\n\n## Definition of done\n\n- [ ] All tests pass\n", nil},
		{"no numbers at all", "- [ ] A\n  - _Requirements: 1.1_\n- [ ] B\n", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, diags := ParseTasks("tasks.md", []byte(tt.src))
			var got []int
			for _, d := range diags {
				if rule, _ := hcl.DiagnosticExtra[Rule](d); rule == RuleUnnumberedTask {
					got = append(got, d.Subject.Start.Line)
				}
			}
			if !slices.Equal(got, tt.lines) {
				t.Errorf("warned on lines %v, want %v (%v)", got, tt.lines, diags)
			}
		})
	}
}
