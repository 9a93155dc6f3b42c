package bench

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// WriteApplyProject writes a project of n independent features of four
// nodes each (requirements, design and tasks approved automatically, and a
// codegen), and the fakellm script that answers every request it makes.
// Every node runs in one apply, so its wall time can be compared with the
// critical-path bound.
func WriteApplyProject(dir string, n int) error {
	var kf, script strings.Builder
	kf.WriteString(`provider "openai" "main" {
  model    = "gpt-bench"
  base_url = env("OPENAI_BASE_URL")
}
`)
	for i := 0; i < n; i++ {
		fmt.Fprintf(&kf, `
feature "f%[1]d" {
  description = "Benchmark feature f%[1]d."
  spec "requirements" {
    approval = "auto"
  }
  spec "design" {
    approval = "auto"
  }
  spec "tasks" {
    approval = "auto"
  }
  codegen "service" {
    outputs = ["services/f%[1]d/**"]
    prompt  = "CODEGEN f%[1]d."
  }
}
`, i)
		fmt.Fprintf(&script, "match \"CODEGEN f%[1]d.\"\nreply\nFile: services/f%[1]d/main.go\n```go\npackage f%[1]d\n\n// Answer is the answer.\nconst Answer = 42\n```\nend\n\n", i)
	}
	script.WriteString(`match "Write the requirements document"
reply
# Requirements Document

## Requirements

### Requirement 1

**User Story:** As a user, I want the feature, so that it works.

#### Acceptance Criteria

1. WHEN the feature is used THEN the system SHALL work.
end

match "Write the design document"
reply
# Design Document

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
end

match "implementation plan"
reply
# Implementation Plan

- [ ] 1. Build it
  - _Requirements: 1.1_
end
`)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(dir, "Kirofile"), []byte(kf.String()), 0o644); err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, "llm.script"), []byte(script.String()), 0o644)
}
