package bench

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/kirofile/kirofile/internal/specdoc"
)

// TaskShape is the tasks document of every feature of WriteTaskProject:
// ten tasks in waves of two and three: 1; 2-4 ([P]); 5; 6-8 ([P]); 9 and
// 10, which name the wave before them (Depends on).
const TaskShape = `# Implementation Plan

- [ ] 1. Set up the package
  - _Requirements: 1.1_
- [ ] 2. [P] The first type
  - _Requirements: 1.1_
- [ ] 3. [P] The second type
  - _Requirements: 1.2_
- [ ] 4. [P] The third type
  - _Requirements: 1.2_
- [ ] 5. Storage
  - _Requirements: 1.2_
- [ ] 6. [P] The first handler
  - _Requirements: 1.1_
- [ ] 7. [P] The second handler
  - _Requirements: 1.2_
- [ ] 8. [P] The third handler
  - _Requirements: 1.2_
- [ ] 9. Unit tests
  - Depends on: 6, 7, 8
  - _Requirements: 1.1_
- [ ] 10. Integration tests
  - Depends on: 6, 7, 8
  - _Requirements: 1.2_
`

// taskShapeAsks are the tasks of TaskShape.
var taskShapeAsks = []string{"1", "2", "3", "4", "5", "6", "7", "8", "9", "10"}

// WriteTaskProject writes a project of n features whose codegen runs its
// tasks one by one (each = "task"), with every spec document written and
// passing validate (approve them before applying), and the fakellm script
// that answers every task.
func WriteTaskProject(dir string, n int) error {
	var kf, script strings.Builder
	kf.WriteString(`provider "openai" "main" {
  model    = "gpt-bench"
  base_url = env("OPENAI_BASE_URL")
}
`)
	for i := 0; i < n; i++ {
		f := fmt.Sprintf("f%d", i)
		fmt.Fprintf(&kf, `
feature %[1]q {
  description = "Benchmark feature %[1]s."
  spec "requirements" {}
  spec "design" {}
  spec "tasks" {}
  codegen "service" {
    outputs = ["services/%[1]s/**"]
    each    = "task"
  }
}
`, f)
		docs := filepath.Join(dir, ".kiro", "specs", f)
		if err := os.MkdirAll(docs, 0o755); err != nil {
			return err
		}
		for name, content := range map[string]string{
			"requirements.md": taskRequirements, "design.md": taskDesign, "tasks.md": TaskShape,
		} {
			if err := os.WriteFile(filepath.Join(docs, name), []byte(content), 0o644); err != nil {
				return err
			}
		}
		for _, id := range taskShapeAsks {
			file := "t" + strings.ReplaceAll(id, ".", "_")
			fmt.Fprintf(&script, "match \"Feature: %[1]s\\n\\nCarry out task %[2]s of\"\nreply\nFile: services/%[1]s/%[3]s.go\n```go\npackage %[1]s\n\n// Task %[2]s.\nconst %[3]s = 42\n```\nend\n\n", f, id, file)
		}
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(dir, "Kirofile"), []byte(kf.String()), 0o644); err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, "llm.script"), []byte(script.String()), 0o644)
}

const taskRequirements = `# Requirements Document

## Requirements

### Requirement 1

**User Story:** As a user, I want the feature, so that it works.

#### Acceptance Criteria

1. WHEN the feature is used THEN the system SHALL work.
2. WHEN the feature fails THEN the system SHALL say why.
`

const taskDesign = `# Design Document

## Overview
x
## Architecture
x
## Components and Interfaces
x
## Data Models
x
## Error Handling
x
## Testing Strategy
x
`

// TaskOrder returns, for each task of TaskShape, the tasks it runs after,
// as kirofile orders them.
func TaskOrder() map[string][]string {
	l, _ := specdoc.ParseTasks("tasks.md", []byte(TaskShape))
	order, _ := l.Order(func(*specdoc.Task) bool { return true })
	return order
}
