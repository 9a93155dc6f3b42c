package specdoc

import (
	"strings"
	"testing"
)

func TestCheckTasksGood(t *testing.T) {
	src := readTestdata(t, "good/tasks.md")
	assertDiags(t, "tasks.md", src, CheckTasks("tasks.md", src, goodRequirements(t)), nil)
	assertDiags(t, "tasks.md", src, CheckTasks("tasks.md", src, nil), nil)
}

func TestCheckTasks(t *testing.T) {
	tests := []struct {
		name  string
		src   []byte
		want  []string
		nilRq bool // check without requirements
	}{
		{"empty document", nil, []string{"E 1:1-1:1 No tasks"}, false},
		{"no checkbox", lines("# Implementation Plan", "", "1. Set up", "- Write code"),
			[]string{"E 1:1-1:22 No tasks"}, false},
		{"checkboxes only in code", lines("# Plan", "", "```markdown", "- [ ] 1. Example", "```"),
			[]string{"E 1:1-1:7 No tasks"}, false},
		{"all checkbox forms", lines(
			"- [ ] 1. Open _Requirements: 1.1_",
			"- [x] 2. Done _Requirements: 1.2_",
			"- [X] 3. Done _Requirements: 1.3_",
			"* [ ] 4. Star _Requirements: 1.4_",
			"+ [-] 5. In progress _Requirements: 1.5_",
			"- [ ]* 6. Optional _Requirements: 2_",
			"- [~] Unnumbered _Requirements: 2.1_",
		), nil, false},
		{"citation forms", lines(
			"- [ ] 1. Underscores",
			"  - _Requirements: 1.1, 1.5_",
			"- [ ] 2. Bold label",
			"  - **Requirements:** 1.2 and 2.3",
			"- [ ] 3. Emphasised word",
			"  - _Requirements_: 3",
			"- [ ] 4. Singular, no emphasis, no bullet",
			"  Requirement: 3.1; 3.2",
			"- [ ] 5. Remark after the ids",
			"  - _Requirements: 1.3 (the queue part)_",
			"- [ ] 6. Spaces only",
			"  - Requirements: 2.1 2.2",
		), nil, false},
		{"unknown criterion", lines("- [ ] 1. Set up", "  - _Requirements: 1.1, 1.9_"),
			[]string{"E 2:25-2:28 Unknown requirement 1.9"}, false},
		{"unknown requirement", lines("- [ ] 1. Set up", "  - _Requirements: 7.2, 12_"),
			[]string{"E 2:20-2:23 Unknown requirement 7.2", "E 2:25-2:27 Unknown requirement 12"}, false},
		{"unknown id on the task line", lines("- [ ] 1. Set up the store _Requirements: 1.1, 4.1_"),
			[]string{"E 1:47-1:50 Unknown requirement 4.1"}, false},
		{"unicode before an unknown id", lines("- [ ] 1. Créer le dépôt ✓ _Requirements: 1.1, 4.1_"),
			[]string{"E 1:47-1:50 Unknown requirement 4.1"}, false},
		{"tabs before an unknown id", lines("- [ ] 1. Set up", "\t- _Requirements:\t9_"),
			[]string{"E 2:19-2:20 Unknown requirement 9"}, false},
		{"unknown ids are not checked without requirements", lines("- [ ] 1. Set up", "  - _Requirements: 9.9_"), nil, true},
		{"leading zeros", lines("- [ ] 1. Set up", "  - _Requirements: 01.01_"), nil, false},
		{"task without citation", lines("- [ ] 1. Set up", "  - Create the store", "- [ ] 2. Retry", "  - _Requirements: 1.2_"),
			[]string{"W 1:1-1:16 Task cites no requirement"}, false},
		{"warning even without requirements", lines("# Plan", "", "  - [x] 1. Set up ✓", "    - Create the store"),
			[]string{"W 3:3-3:20 Task cites no requirement"}, true},
		{"a subtask's citation counts for its task", lines(
			"- [ ] 1. Set up",
			"  - [ ] 1.1 Store",
			"    - _Requirements: 1.1_",
			"  - [ ] 1.2 Interface",
		), nil, false},
		{"subtasks do not need citations of their own", lines(
			"- [ ] 1. Set up _Requirements: 1.1_",
			"  - [ ] 1.1 Store",
		), nil, false},
		{"duplicate task numbers", lines(
			"- [ ] 1. Set up _Requirements: 1.1_",
			"  - [ ] 1.1 Store",
			"  - [ ] 1.1 Interface",
			"- [ ] 1. Again _Requirements: 1.2_",
		), []string{"E 3:9-3:12 Duplicate task number", "E 4:7-4:8 Duplicate task number"}, false},
		{"a task number starts with a digit", lines(
			"- [ ] .5 Half _Requirements: 1.1_",
			"- [ ] .5 Again _Requirements: 1.1_",
			"- [ ] 3.Glued _Requirements: 1.1_",
			"- [ ] 3.Glued _Requirements: 1.1_",
		), nil, false},
		{"citation without ids", lines("- [ ] 1. Set up", "  - _Requirements: TBD_"),
			[]string{"W 1:1-1:16 Task cites no requirement", "E 2:6-2:19 Citation without requirement ids"}, false},
		{"prose mentioning requirements is not a citation", lines(
			"- [ ] 1. Write the test matrix for all requirements: see design _Requirements: 1.1_",
		), nil, false},
		{"a heading ends the task body", lines("- [ ] 1. Set up", "", "## Notes", "", "Requirements: 1.1"),
			[]string{"W 1:1-1:16 Task cites no requirement"}, false},
		{"a blank line and an unindented paragraph end the task body", lines("- [ ] 1. Set up", "", "Requirements: 1.1"),
			[]string{"W 1:1-1:16 Task cites no requirement"}, false},
		{"lazy continuation belongs to the task", lines("- [ ] 1. Set up", "_Requirements: 1.1_"), nil, false},
		{"after a blank line a citation goes to the task it is indented under", lines(
			"- [ ] 1. Set up",
			"  - [ ] 1.1 Store",
			"",
			"  _Requirements: 1.1_",
			"- [ ] 2. Other _Requirements: 1.2_",
		), nil, false},
		{"code in a task body is ignored", lines(
			"- [ ] 1. Set up _Requirements: 1.1_",
			"  ```",
			"  - [ ] 1. not a task",
			"  Requirements: 99",
			"  ```",
		), nil, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			reqs := goodRequirements(t)
			if tt.nilRq {
				reqs = nil
			}
			diags := CheckTasks("tasks.md", tt.src, reqs)
			assertDiags(t, "tasks.md", tt.src, diags, tt.want)

			crlf := []byte(strings.ReplaceAll(string(tt.src), "\n", "\r\n"))
			assertDiags(t, "tasks.md", crlf, CheckTasks("tasks.md", crlf, reqs), tt.want)
		})
	}
}

// TestCheckTasksNearestIDs checks that an unknown id's detail names the
// ids the writer most likely meant.
func TestCheckTasksNearestIDs(t *testing.T) {
	tests := []struct {
		cited string
		want  string
	}{
		{"1.9", "The nearest valid ids are: 1.1, 1.2, 1.3, 1.4, 1.5."},
		{"2.7", "The nearest valid ids are: 2.1, 2.2, 2.3."},
		{"4.1", "The nearest valid ids are: 1, 2, 3."},
		{"0", "The nearest valid ids are: 1, 2, 3."},
	}
	reqs := goodRequirements(t)
	for _, tt := range tests {
		src := lines("- [ ] 1. Task _Requirements: " + tt.cited + "_")
		diags := CheckTasks("tasks.md", src, reqs)
		if len(diags) != 1 || !strings.Contains(diags[0].Detail, tt.want) {
			t.Errorf("citing %s: got %s, want a detail with %q", tt.cited, details(diags), tt.want)
		}
	}

	many := &Requirements{IDs: map[string]bool{}}
	for _, id := range []string{"1", "1.1", "1.2", "1.3", "1.4", "1.5", "1.6", "1.7", "1.8", "1.9", "1.10"} {
		many.IDs[id] = true
	}
	diags := CheckTasks("tasks.md", lines("- [ ] 1. Task _Requirements: 1.12_"), many)
	if want := "The nearest valid ids are: 1.6, 1.7, 1.8, 1.9, 1.10."; len(diags) != 1 || !strings.Contains(diags[0].Detail, want) {
		t.Errorf("got %s, want a detail with %q", details(diags), want)
	}
	diags = CheckTasks("tasks.md", lines("- [ ] 1. Task _Requirements: 1_"), &Requirements{IDs: map[string]bool{}})
	if want := "defines no ids"; len(diags) != 1 || !strings.Contains(diags[0].Detail, want) {
		t.Errorf("got %s, want a detail with %q", details(diags), want)
	}
}
