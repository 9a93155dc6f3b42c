package specdoc

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// TestDesignAsKiroWritesIt holds one case per way designs are written:
// other languages, Kiro's bugfix design, citations, and a code block left
// open.
func TestDesignAsKiroWritesIt(t *testing.T) {
	tests := []struct {
		name string
		src  []byte
		want []string
	}{
		{"Spanish sections", lines(
			"# Diseño Técnico", "## Resumen", "## Arquitectura General", "## Componentes Principales",
			"## Modelos de Datos", "## Manejo de Errores", "## Estrategia de Testing",
		), nil},
		{"Japanese sections", lines(
			"# 設計書", "## 概要", "## アーキテクチャ概要", "## コンポーネント設計", "## データモデル", "## エラーハンドリング", "## テスト戦略",
		), nil},
		{"Chinese sections", lines(
			"# 设计文档", "## 概述", "## 系统架构", "## 组件与接口", "## 数据模型", "## 错误处理", "## 测试策略",
		), nil},
		{"a Spanish design without two sections", lines(
			"# Diseño", "## Resumen", "## Arquitectura", "## Componentes", "## Manejo de Errores",
		), []string{
			"W 1:1-1:9 Missing design section: Data Models",
			"W 1:1-1:9 Missing design section: Testing Strategy",
		}},
		{"Kiro's bugfix design", lines(
			"# Role Check Bugfix Design", "## Overview", "## Glossary", "## Bug Details", "### Bug Condition",
			"## Expected Behavior", "## Hypothesized Root Cause", "## Correctness Properties", "## Fix Implementation", "## Testing Strategy",
		), nil},
		{"a bugfix design without its root cause", lines(
			"# Bugfix Design", "## Overview", "## Bug Details", "## Fix Implementation", "## Testing Strategy",
		), []string{"W 1:1-1:16 Missing design section: Root Cause"}},
		{"Validates lines are checked against the requirements", lines(
			"# Design", "## Overview", "## Architecture", "## Components and Interfaces", "## Data Models", "## Error Handling",
			"## Testing Strategy", "", "Property 1: round trip", "", "**Validates: Requirements 1.1, 4.2**",
		), []string{"E 11:32-11:35 Unknown requirement 4.2"}},
		{"a code block left open", lines(
			"# Design", "## Overview", "## Architecture", "## Components and Interfaces", "",
			"```python", "class Pool:", "    pass", "",
			"## Data Models", "",
			"```python", "class Slot:", "    pass", "```", "",
			"## Error Handling", "## Testing Strategy",
		), []string{"W 6:1-6:10 Code block not closed"}},
		{"none of the sections: one finding", lines(
			"# LLM Task Planner", "## Prompt Templates", "## Integration", "## Configuration",
		), []string{"W 1:1-1:19 Design has none of Kiro's sections"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			reqs := goodRequirements(t)
			assertDiags(t, "design.md", tt.src, CheckDesignCitations("design.md", tt.src, reqs), tt.want)
		})
	}
}

// TestBugfix checks Kiro's bugfix document: its three parts, the numbering
// of their clauses, and the ids tasks cite.
func TestBugfix(t *testing.T) {
	good := lines(
		"# Bugfix Requirements Document", "",
		"## Introduction", "", "Disabling a user calls REDCap for every project.", "",
		"## Bug Analysis", "",
		"### Current Behavior (Defect)", "",
		"1.1 WHEN a user is disabled THEN the system calls the API for every project", "",
		"1.2 WHEN the user is in no project THEN the system emits a success event", "",
		"### Expected Behavior (Correct)", "",
		"**Membership**", "",
		"2.1 WHEN the user is in no project THEN the system SHALL skip the call", "",
		"2.2 WHEN the user is in a project THEN the system",
		"    SHALL unassign the role", "",
		"### Unchanged Behavior (Regression Prevention)", "",
		"3.1 WHEN credentials are missing THEN the system SHALL CONTINUE TO skip the project",
	)
	tests := []struct {
		name string
		src  []byte
		want []string
		ids  []string
	}{
		{"Kiro's template", good, nil, []string{"1", "1.1", "1.2", "2", "2.1", "2.2", "3", "3.1"}},
		{"clauses as a numbered list", lines(
			"### Current Behavior", "1. WHEN x THEN the system fails",
			"### Expected Behavior", "1. WHEN x THEN the system SHALL work",
			"### Unchanged Behavior", "1. THE system SHALL keep y",
		), nil, []string{"1", "1.1", "2", "2.1", "3", "3.1"}},
		{"an expected behavior without SHALL", lines(
			"### Current Behavior", "1.1 WHEN x THEN the system fails",
			"### Expected Behavior", "2.1 WHEN x THEN the system works",
			"### Unchanged Behavior", "3.1 THE system SHALL keep y",
		), []string{"E 4:5-4:33 Expected Behavior clause has no SHALL"}, nil},
		{"numbering", lines(
			"### Current Behavior", "1.1 WHEN x THEN the system fails", "1.3 WHEN y THEN the system fails",
			"### Expected Behavior", "1.1 WHEN x THEN the system SHALL work",
			"### Unchanged Behavior", "3.2 THE system SHALL keep y",
		), []string{
			"E 3:1-3:4 Clause numbering out of sequence",
			"E 5:1-5:4 Clause number does not match its part",
			"E 7:1-7:4 Clause numbering must start at 1",
		}, nil},
		{"missing parts", lines(
			"# Bugfix", "### Current Behavior", "1.1 WHEN x THEN the system fails",
		), []string{
			"E 1:1-1:9 Missing bugfix part: Expected Behavior",
			"W 1:1-1:9 Missing bugfix part: Unchanged Behavior",
		}, nil},
		{"a part without clauses", lines(
			"### Current Behavior", "The system is slow.",
			"### Expected Behavior", "2.1 THE system SHALL be fast",
			"### Unchanged Behavior", "3.1 THE system SHALL keep y",
		), []string{"E 1:1-1:21 No current behavior clauses"}, nil},
		{"emphasised numbers, wrapped clauses", lines(
			"### Current Behavior", "**1.1** Balance shows the", "  wrong amount",
			"### Expected Behavior", "**2.1** Balance query", "the system SHALL return free cash",
			"### Unchanged Behavior", "**3.1** Income transactions keep increasing the balance",
		), []string{"W 8:9-8:56 Unchanged Behavior clause has no SHALL"}, []string{"1", "1.1", "2", "2.1", "3", "3.1"}},
		{"not Kiro's format", lines("# Bug", "", "It crashes."), []string{"W 1:1-1:6 Bugfix document not in Kiro's format"}, nil},
		{"empty", nil, []string{"E 1:1-1:1 Empty bugfix document"}, nil},
		{"Spanish", lines(
			"### Comportamiento actual", "1.1 CUANDO x ENTONCES el sistema falla",
			"### Comportamiento esperado", "2.1 CUANDO x ENTONCES EL sistema DEBERÁ funcionar",
			"### Comportamiento sin cambios", "3.1 EL sistema DEBERÁ seguir igual",
		), nil, []string{"1", "1.1", "2", "2.1", "3", "3.1"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			reqs, diags := CheckBugfix("bugfix.md", tt.src)
			assertDiags(t, "bugfix.md", tt.src, diags, tt.want)
			if tt.ids != nil {
				got := sortedIDs(reqs)
				if !slices.Equal(got, tt.ids) {
					t.Errorf("IDs = %v, want %v", got, tt.ids)
				}
			}
		})
	}

	// Tasks of a bugfix spec cite its clauses.
	reqs, _ := CheckBugfix("bugfix.md", good)
	tasks := lines(
		"- [x] 1. Write the bug condition test",
		"  - **Property 1: Bug Condition**",
		"  - _Bug_Condition: isBugCondition(input)_",
		"  - _Requirements: 1.1, 1.2, 2.1_",
		"- [x] 2. Fix it",
		"  - _Preservation: behaviour of members unchanged_",
		"  - _Requirements: 2.2, 3.1, 3.2_",
	)
	assertDiags(t, "tasks.md", tasks, CheckTasks("tasks.md", tasks, reqs), []string{"E 7:30-7:33 Unknown requirement 3.2"})
}

// TestFileRefs checks how #[[file:PATH]] references are found and
// resolved.
func TestFileRefs(t *testing.T) {
	dir := t.TempDir()
	for name, content := range map[string]string{
		"api/openapi.yaml":                 "openapi: 3.1.0\n",
		".kiro/specs/auth/schema.json":     "{}\n",
		"docs/a dir/.keep":                 "",
		".kiro/specs/auth/requirements.md": "",
	} {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	src := lines(
		"# Design",
		"",
		"The contract is #[[file:api/openapi.yaml]]; the schema #[[file:schema.json]].",
		"",
		"- Missing: #[[file:api/gone.yaml]]",
		"- Outside: #[[file:../secrets.txt]] and #[[file:/etc/passwd]]",
		"- A directory: #[[file:docs/a dir]]",
		"",
		"Write `#[[file:path]]` to refer to a file.",
		"",
		"```",
		"#[[file:in/code.md]]",
		"```",
		"",
		"    #[[file:indented/code.md]]",
	)
	const name = ".kiro/specs/auth/design.md"
	var found []string
	for _, r := range FileRefs(name, src) {
		found = append(found, r.Path)
	}
	want := []string{"api/openapi.yaml", "schema.json", "api/gone.yaml", "../secrets.txt", "/etc/passwd", "docs/a dir"}
	if !slices.Equal(found, want) {
		t.Errorf("FileRefs = %q, want %q", found, want)
	}
	refs, errs := ResolveFileRefs(dir, name, src)
	var files []string
	for _, r := range refs {
		files = append(files, r.File)
	}
	if want := []string{"api/openapi.yaml", ".kiro/specs/auth/schema.json"}; !slices.Equal(files, want) {
		t.Errorf("resolved %q, want %q", files, want)
	}
	if len(errs) != 4 {
		t.Fatalf("%d errors, want 4", len(errs))
	}
	assertDiags(t, name, src, sortDiagnostics(CheckFileRefs(dir, name, src)), []string{
		"W 5:12-5:35 Referenced file not found",
		"E 6:12-6:36 File reference outside the project",
		"E 6:41-6:62 File reference outside the project",
		"E 7:16-7:36 Referenced path is not a file",
	})
	if !strings.Contains(errs[0].Error(), "api/gone.yaml") {
		t.Errorf("error %q does not name the path", errs[0])
	}
}

// TestCheckFeature checks a feature's documents together: the tasks and
// design of a bugfix spec cite its clauses, and every document's file
// references are checked.
func TestCheckFeature(t *testing.T) {
	dir := t.TempDir()
	docs := []Document{
		{Kind: KindTasks, Path: "tasks.md", Src: lines("- [ ] 1. Fix _Requirements: 2.1, 2.9_")},
		{Kind: KindBugfix, Path: "bugfix.md", Src: lines(
			"### Current Behavior", "1.1 WHEN x THEN the system fails",
			"### Expected Behavior", "2.1 WHEN x THEN the system SHALL work",
			"### Unchanged Behavior", "3.1 THE system SHALL keep y",
		)},
		{Kind: "document", Path: "notes.md", Src: lines("See #[[file:nowhere.md]].")},
	}
	var got []string
	for _, d := range CheckFeature(dir, docs) {
		got = append(got, d.Subject.Filename+" "+describe(d))
	}
	want := []string{
		"tasks.md E 1:34-1:37 Unknown requirement 2.9",
		"notes.md W 1:5-1:25 Referenced file not found",
	}
	if !slices.Equal(got, want) {
		t.Errorf("got %q, want %q", got, want)
	}
	// Without a requirements or bugfix document, citations are not looked up.
	if diags := CheckFeature("", docs[:1]); len(diags) != 0 {
		t.Errorf("got %s", details(diags))
	}
}
