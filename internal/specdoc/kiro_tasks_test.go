package specdoc

import (
	"strings"
	"testing"
)

// TestTasksAsKiroWritesThem holds one case per way Kiro (and the people
// who edit its documents) write task lists, checked against the good
// requirements (ids 1.1-1.5, 2.1-2.3, 3.1-3.3). Each case is a fixture of
// its own that reproduces the pattern.
func TestTasksAsKiroWritesThem(t *testing.T) {
	tests := []struct {
		name string
		src  []byte
		want []string
	}{
		// Sub-tasks.
		{"sub-tasks written flat credit their task", lines(
			"- [ ] 1. Set up",
			"- [ ] 1.1 Store",
			"  - _Requirements: 1.1_",
			"- [ ] 1.2 Interface",
			"- [ ] 2. Retry",
			"- [ ] 2.1 Backoff",
			"  - **Validates: Requirements 2.1**",
		), nil},
		{"a flat sub-task without its task is a task of its own", lines(
			"## 1. Data models",
			"- [ ] 1.1 Store",
			"  - _Requirements: 1.1_",
			"- [ ] 1.2 Interface",
		), []string{"W 4:1-4:20 Task cites no requirement"}},
		// Tasks that need no citation.
		{"checkpoints", lines(
			"- [ ] 1. Build _Requirements: 1.1_",
			"- [ ] 2. Checkpoint - Ensure all tests pass",
			"- [x] 3. Final checkpoint — ask the user",
			"- [ ] 4. Punto de control: todas las pruebas pasan",
			"- [ ] 5. チェックポイント",
		), nil},
		{"optional tasks", lines(
			"- [ ] 1. Build _Requirements: 1.1_",
			"- [ ]* 2. Write integration tests",
		), nil},
		{"tasks out of scope", lines(
			"- [ ] 1. Build _Requirements: 1.1_",
			"",
			"## Future Tasks (Not in Scope)",
			"",
			"- [ ] 2. Migrate the old callers",
		), nil},
		{"N/A", lines(
			"- [ ] 1. Build _Requirements: 1.1_",
			"- [ ] 2. Update the README",
			"  - _Requirements: N/A (documentation)_",
		), nil},
		// What a citation may say.
		{"all requirements, in any language", lines(
			"- [ ] 1. A _Requirements: All_",
			"- [ ] 2. B",
			"  - _Requirements: All requirements (error handling aspect)_",
			"- [ ] 3. C",
			"  - _Requirements: Todos_",
			"- [ ] 4. D",
			"  - _Requirements: すべて_",
			"- [ ] 5. E",
			"  - _Requirements: all (test infrastructure)_",
		), nil},
		{"a citation in words", lines(
			"- [ ] 1. A",
			"  - _Requirements: Testing strategy of the design_",
		), nil},
		{"ids in parentheses after words are checked", lines(
			"- [ ] 1. A",
			"  - _Requirements: Core requirements validation (1.1, 1.9)_",
		), []string{"E 2:55-2:58 Unknown requirement 1.9"}},
		{"placeholders are not citations", lines(
			"- [ ] 1. A",
			"  - _Requirements: TODO_",
			"- [ ] 2. B",
			"  - _Requirements:_",
		), []string{
			"W 1:1-1:11 No task cites a requirement",
			"E 2:6-2:19 Citation without requirement ids",
			"E 4:6-4:19 Citation without requirement ids",
		}},
		{"Validates lines are citations, checked like the others", lines(
			"- [ ] 1. Property tests",
			"  - **Property 1: Round trip**",
			"  - **Validates: Requirements 1.1, 2.3**",
			"- [ ] 2. More",
			"  - __Validates: Requirements 2.9__",
		), []string{"E 5:31-5:34 Unknown requirement 2.9"}},
		{"id prefixes", lines(
			"- [ ] 1. A _Requirements: R1.1, R2.3_",
			"- [ ] 2. B _Requirements: Requirement 3, Req 1.2, REQ-02_",
			"- [ ] 3. C _Requirements: R9.1_",
		), []string{"E 3:27-3:31 Unknown requirement R9.1"}},
		{"namespaced ids are kept whole", lines(
			"- [ ] 1. A _Requirements: FR-1.1, NFR-2_",
		), []string{"E 1:27-1:33 Unknown requirement FR-1.1", "E 1:35-1:40 Unknown requirement NFR-2"}},
		{"ranges are checked at both ends", lines(
			"- [ ] 1. A _Requirements: 1.1-1.5, 2.1–2.3_",
			"- [ ] 2. B _Requirements: 1.2-1.9_",
			"- [ ] 3. C _Requirements: 1 - 4_",
		), []string{"E 2:31-2:34 Unknown requirement 1.9", "E 3:31-3:32 Unknown requirement 4"}},
		{"a Spanish label", lines(
			"- [ ] 1. Crear el almacén",
			"  - _Requisitos: 1.1, 7.1_",
		), []string{"E 2:23-2:26 Unknown requirement 7.1"}},
		{"a task numbered after a word", lines(
			"- [ ] Task 1: Build _Requirements: 1.1_",
			"- [ ] Task 1: Again _Requirements: 1.2_",
			"- [ ] Tarea 2 Otra _Requisitos: 1.3_",
		), []string{"E 2:12-2:13 Duplicate task number"}},
		{"checkboxes in a numbered list", lines(
			"1. [ ] Build _Requirements: 1.1_",
			"2. [x] Test",
		), []string{"W 2:1-2:12 Task cites no requirement"}},
		{"ids in brackets", lines(
			"- [ ] 1. A _Requirements: [1.1, 9.1]_",
		), []string{"E 1:33-1:36 Unknown requirement 9.1"}},
		{"a status mark before the number", lines(
			"- [x] 1. Build ✅ _Requirements: 1.1_",
			"- [x] ✅ 2. Done _Requirements: 1.2_",
		), nil},
		// Numbers.
		{"a repeated task's sub-tasks are covered by its finding", lines(
			"- [x] 7. Enhance _Requirements: 1.1_",
			"  - [x] 7.1 One",
			"  - [x] 7.2 Two",
			"## Future Tasks (Not in Scope)",
			"- [ ] 7. Migrate",
			"  - [ ] 7.1 One",
			"  - [ ] 7.2 Two",
		), []string{"E 5:7-5:8 Duplicate task number"}},
		{"a stub repeated by mistake is one finding", lines(
			"- [x] 3. Implement the table view",
			"",
			"- [ ] 3. Implement the table view",
			"  - [x] 3.1 Loader",
			"    - _Requirements: 1.1_",
		), []string{"E 3:7-3:8 Duplicate task number"}},
		// Documents.
		{"checklists in a numbered plan are not tasks", lines(
			"- [ ] 1. Build _Requirements: 1.1_",
			"",
			"## Definition of done",
			"",
			"- [ ] All tests pass",
			"- [ ] Docs updated",
		), nil},
		{"a checklist that is not Kiro's format is one finding", lines(
			"# Tasks",
			"",
			"## Task 1: Tests",
			"",
			"- [ ] Create the test file",
			"- [ ] All tests pass",
		), []string{"W 1:1-1:8 Tasks not in Kiro's format"}},
		{"no task cites anything: one finding", lines(
			"- [x] 1.1 Create the model",
			"- [x] 1.2 Create the store",
			"- [x] 2.1 Create the processor",
		), []string{"W 1:1-1:27 No task cites a requirement"}},
		{"block quotes and indented code are not tasks", lines(
			"- [ ] 1. Build _Requirements: 1.1_",
			"",
			"> - [ ] 2. Quoted _Requirements: 9.9_",
			"",
			"    - [ ] 3. Code _Requirements: 9.9_",
		), nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			reqs := goodRequirements(t)
			assertDiags(t, "tasks.md", tt.src, CheckTasks("tasks.md", tt.src, reqs), tt.want)
			crlf := []byte(strings.ReplaceAll(string(tt.src), "\n", "\r\n"))
			assertDiags(t, "tasks.md", crlf, CheckTasks("tasks.md", crlf, reqs), tt.want)
		})
	}
}

// TestTasksAgainstUnstructuredRequirements checks that a requirements
// document not in Kiro's format, which defines no ids, does not flood the
// tasks with findings.
func TestTasksAgainstUnstructuredRequirements(t *testing.T) {
	reqs, diags := CheckRequirements("requirements.md", lines("# Cost tracker", "", "## Functional requirements", "", "### 1.1 Usage", "", "Track every call."))
	assertDiags(t, "requirements.md", nil, nil, nil)
	if len(diags) != 1 || !reqs.Unstructured {
		t.Fatalf("want one finding and unstructured ids, got %s (unstructured %v)", details(diags), reqs.Unstructured)
	}
	src := lines("- [ ] 1. Track usage", "  - _Requirements: 1.1, 1.2_", "- [ ] 2. Report", "- [ ] 3. Budget")
	assertDiags(t, "tasks.md", src, CheckTasks("tasks.md", src, reqs), nil)
}

// TestRanges checks what a range of ids stands for.
func TestRanges(t *testing.T) {
	tests := []struct {
		line  string
		ids   string // both ends, as cited
		spans string // what the ranges stand for
	}{
		{"_Requirements: 5.1-5.4_", "5.1 5.4", "5.1 5.2 5.3 5.4"},
		{"_Requirements: 1.2 – 1.3, 2.1_", "1.2 1.3 2.1", "1.2 1.3"},
		{"_Requirements: 1-3_", "1 3", "1 2 3"},
		{"_Requirements: 1.3-2.2_", "1.3 2.2", "1.3 2.2"},
		{"_Requirements: 1.2 to 1.4_", "1.2 1.4", "1.2 1.3 1.4"},
		{"_Requirements: 1.5-1.2_", "1.5 1.2", "1.5 1.2"},
	}
	for _, tt := range tests {
		d := newDocument("x.md", []byte(tt.line))
		cits := findCitations(d.nodes[0].lines[0], 0)
		if len(cits) != 1 {
			t.Fatalf("%q: %d citations", tt.line, len(cits))
		}
		var ids []string
		for _, id := range cits[0].ids {
			ids = append(ids, id.id)
		}
		if got := strings.Join(ids, " "); got != tt.ids {
			t.Errorf("%q: ids %q, want %q", tt.line, got, tt.ids)
		}
		if got := strings.Join(cits[0].spans, " "); got != tt.spans {
			t.Errorf("%q: spans %q, want %q", tt.line, got, tt.spans)
		}
	}
}
