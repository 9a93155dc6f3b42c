package bench

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// WriteChainProject writes a project whose specs form one chain of n
// documents, each generated from the one before and approved
// automatically, so that one apply generates them all in order; with
// acrossFeatures, the chain runs through n/3 features of requirements,
// design and tasks, each feature's requirements built on the tasks of the
// feature before. It also writes the fakellm script answering every
// request with a document of about a kilobyte. The prompt tokens an apply
// sends and the size of the lock it writes measure how a chain's cost
// grows with its length.
func WriteChainProject(dir string, n int, acrossFeatures bool) error {
	var kf strings.Builder
	kf.WriteString(`provider "openai" "main" {
  model    = "gpt-bench"
  base_url = env("OPENAI_BASE_URL")
}
`)
	if acrossFeatures {
		for i := 0; i < n/3; i++ {
			fmt.Fprintf(&kf, "\nfeature \"f%d\" {\n  description = \"Chain link %d.\"\n  spec \"requirements\" {\n    approval = \"auto\"\n", i, i)
			if i > 0 {
				fmt.Fprintf(&kf, "    depends_on = [feature.f%d.spec.tasks]\n", i-1)
			}
			kf.WriteString("  }\n  spec \"design\" {\n    approval = \"auto\"\n  }\n  spec \"tasks\" {\n    approval = \"auto\"\n  }\n}\n")
		}
	} else {
		kf.WriteString("\nfeature \"chain\" {\n  description = \"A chain of documents.\"\n")
		for i := 0; i < n; i++ {
			fmt.Fprintf(&kf, "  spec \"s%d\" {\n    kind     = \"document\"\n    prompt   = \"Write part %d.\"\n    approval = \"auto\"\n", i, i)
			if i > 0 {
				fmt.Fprintf(&kf, "    depends_on = [spec.s%d]\n", i-1)
			}
			kf.WriteString("  }\n")
		}
		kf.WriteString("}\n")
	}
	filler := strings.Repeat("The system SHALL do what this part of the chain says. ", 18)
	script := fmt.Sprintf(`match "Write the requirements document"
reply
# Requirements Document

## Requirements

### Requirement 1

**User Story:** As a user, I want the feature, so that it works.

#### Acceptance Criteria

1. WHEN the feature is used THEN the system SHALL work.

%[1]s
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
%[1]s
end

match "implementation plan"
reply
# Implementation Plan

- [ ] 1. Build it
  - _Requirements: 1.1_

%[1]s
end

match "Write part"
reply
# A part

%[1]s
end
`, filler)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(dir, "Kirofile"), []byte(kf.String()), 0o644); err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, "llm.script"), []byte(script), 0o644)
}
