package starter

// The starter templates. Each Kirofile is written in canonical format and
// explains itself in comments, since it is the first Kirofile most users
// read. Feature names are valid Kirofile names, so they are safe to use
// unquoted in block labels and paths; free text goes through q.

const openaiProvider = `provider "openai" "main" {
  model    = {{q .Model}}
  base_url = env("OPENAI_BASE_URL", "https://api.openai.com/v1")
  # api_key comes from $OPENAI_API_KEY; it is never written to any file.
}
`

var minimalTemplate = &tmpl{
	name:    "minimal",
	summary: "one OpenAI-compatible provider and one feature: requirements, design, tasks and a codegen",
	files: map[string]string{
		"Kirofile": `# kirofile turns the description of a feature into requirements, a design
# and a task list that you review and approve (kirofile approve), then
# generates the code from them. See "kirofile -help".

` + openaiProvider + `
feature "{{.Feature}}" {
  # Say what the feature is for, who uses it, and what is out of scope:
  # everything generated starts from this text. kirofile warns while the
  # placeholder is here.
  description = "TODO(kirofile): describe the {{.Feature}} feature here."
  provider    = provider.openai.main

  spec "requirements" {} # user stories with EARS acceptance criteria
  spec "design" {}       # architecture, data model, error handling, tests
  spec "tasks" {}        # checkbox tasks citing the requirements

  codegen "code" {
    # The only paths this codegen may write.
    outputs = ["src/{{.Feature}}/**"]
  }
}
`,
	},
	steps: []string{
		`Edit the description of feature "{{.Feature}}" in Kirofile.`,
		`Set OPENAI_API_KEY (and OPENAI_BASE_URL for another OpenAI-compatible endpoint).`,
		`Run "kirofile plan" to see what will be generated, then "kirofile apply".`,
	},
}

var goServiceTemplate = &tmpl{
	name:    "go-service",
	summary: "a Go service: steering, a feature described in features/NAME.md, codegen checked by gofmt and go test",
	files: map[string]string{
		"Kirofile": `# A Go service built feature by feature: each feature gets requirements, a
# design and a task list that a person approves (kirofile approve) before
# any code is generated; generated code must pass gofmt and go test, whose
# failures go back to the model.

` + openaiProvider + `
# Context added to every prompt: the stack and the conventions.
steering "tech" {
  file = ".kiro/steering/tech.md"
}

feature "{{.Feature}}" {
  description = file("features/{{.Feature}}.md")
  provider    = provider.openai.main

  spec "requirements" {}
  spec "design" {}
  spec "tasks" {}

  codegen "service" {
    # The only paths this codegen may write.
    outputs      = ["internal/{{.Feature}}/**", "cmd/{{.Feature}}/**"]
    hooks        = [hook.gofmt, hook.test]
    max_attempts = 3
    # Files sent with the prompt, once they exist:
    # context = ["go.mod", "internal/shared/**/*.go"]
  }
}

# gofmt -l lists unformatted files but exits 0, so a shell turns a
# non-empty list into a failure.
hook "gofmt" {
  on       = ["codegen.completed"]
  feedback = true
  match    = ["**/*.go"]
  action "exec" {
    command = ["sh", "-c", "out=$(gofmt -l .) || exit 1; if [ -n \"$out\" ]; then echo \"not gofmt-formatted:\"; echo \"$out\"; exit 1; fi"]
    timeout = "1m"
  }
}

hook "test" {
  on       = ["codegen.completed"]
  feedback = true
  action "exec" {
    command = ["go", "test", "./..."]
    timeout = "5m"
  }
}
`,
		"features/{{.Feature}}.md": `# {{.Feature}}

TODO(kirofile): describe the feature: what it does, who calls it, and what
is out of scope. Everything kirofile generates for it starts from this text;
kirofile warns until this line is gone.

For example: an HTTP endpoint GET /{{.Feature}} that answers 200 with a JSON
greeting, and 405 for any other method.
`,
		".kiro/steering/tech.md": `# Technology

- Go, standard library first; no framework.
- Packages under internal/, the entry point under cmd/.
- Errors are wrapped with context (fmt.Errorf with %w) and never ignored.
- Table-driven tests next to the code, runnable with go test ./...
- Code is gofmt-formatted.
`,
	},
	steps: []string{
		`Edit features/{{.Feature}}.md (the feature) and .kiro/steering/tech.md (your stack and conventions).`,
		`Run "go mod init MODULE" if this directory has no go.mod yet: the test hook runs "go test ./...".`,
		`Set OPENAI_API_KEY (and OPENAI_BASE_URL for another OpenAI-compatible endpoint).`,
		`Run "kirofile plan" to see what will be generated, then "kirofile apply".`,
	},
}

var offlineTemplate = &tmpl{
	name:    "offline",
	summary: "no API key needed: a replay provider, a cassette and example specs to review and approve",
	files: map[string]string{
		"Kirofile": `# Try kirofile without an API key. The replay provider answers from a
# recorded cassette instead of calling a model, and the spec documents of
# feature "{{.Feature}}" are already written (in .kiro/specs/{{.Feature}}/), as a
# person would write them: review them, approve them, and see what plan
# and show say at each step.
#
# The cassette starts empty, so apply has no answer to replay for the
# code yet. To record answers once you have a key, set OPENAI_API_KEY and
# uncomment mode below: apply then asks the model (through the settings
# below) and saves its answers in the cassette, which replays them from
# then on, offline.

provider "replay" "main" {
  cassette = "cassettes/{{.Feature}}.json"
  # mode     = "record"
  model    = {{q .Model}}
  base_url = env("OPENAI_BASE_URL", "https://api.openai.com/v1")
}

feature "{{.Feature}}" {
  description = "A command-line greeter that prints a greeting for a name."
  provider    = provider.replay.main

  spec "requirements" {}
  spec "design" {}
  spec "tasks" {}

  codegen "code" {
    outputs = ["src/{{.Feature}}/**"]
  }
}
`,
		"cassettes/{{.Feature}}.json": `{
  "version": 1,
  "interactions": []
}
`,
		".kiro/specs/{{.Feature}}/requirements.md": `# Requirements

## Introduction

A command-line greeter that prints a greeting for a name.

### Requirement 1

**User Story:** As a user, I want to be greeted by name, so that the tool feels personal.

#### Acceptance Criteria

1. WHEN the user runs the greeter with a name THEN the system SHALL print "Hello, NAME!" on standard output.
2. IF the user gives no name THEN the system SHALL print "Hello, world!".

### Requirement 2

**User Story:** As a script author, I want a clear exit status, so that scripts can rely on the greeter.

#### Acceptance Criteria

1. WHEN the greeting is printed THEN the system SHALL exit with status 0.
2. IF the user gives more than one name THEN the system SHALL print a usage message on standard error and exit with status 2.
`,
		".kiro/specs/{{.Feature}}/design.md": `# Design

## Overview

One program that reads its arguments and prints one line.

## Architecture

A main function parses the arguments and calls a pure function that builds the
greeting, so that the greeting is tested without running a process.

## Components and Interfaces

- greeting(name) returns the greeting for name, or for "world" when name is empty.
- main checks the argument count, prints the greeting or the usage message, and
  sets the exit status.

## Data Models

None: the program keeps no state.

## Error Handling

More than one argument is a usage error: a message on standard error, exit status 2.

## Testing Strategy

Table-driven tests of greeting; one test runs main with too many arguments.
`,
		".kiro/specs/{{.Feature}}/tasks.md": `# Implementation Plan

- [ ] 1. Build the greeting
  - Write greeting(name) and its table-driven tests
  - _Requirements: 1.1, 1.2_
- [ ] 2. Write the command
  - Parse the arguments, print the greeting or the usage message, set the exit status
  - _Requirements: 2.1, 2.2_
`,
	},
	steps: []string{
		`Run "kirofile plan": the specs in .kiro/specs/{{.Feature}}/ were written by hand and await approval.`,
		`Read them, then run "kirofile approve feature.{{.Feature}}" and "kirofile plan" again.`,
		`"kirofile apply" replays answers from cassettes/{{.Feature}}.json; to record them, set OPENAI_API_KEY and uncomment mode = "record" in the Kirofile.`,
	},
}
