// Package specdoc checks the spec documents of a feature, as Kiro lays them
// out in .kiro/specs/<feature>/: requirements.md, design.md and tasks.md.
//
// A spec document is approved by a human and then drives everything
// downstream: the design is written from the requirements, the tasks from
// the design, and code from the tasks. A requirement without testable
// acceptance criteria, or a task that cites a criterion that does not
// exist, is cheap to fix while the document is under review and expensive
// once code was generated from it. So `kirofile validate` runs these checks
// and reports their findings as HCL diagnostics pointing at the document's
// file, line and column; given an hcl.File whose Bytes are the document,
// hcl's diagnostic writers print a snippet of the offending Markdown line.
//
// Positions follow hcl.Pos: lines are counted by "\n" (a "\r\n" line
// ending is not part of the line), columns count characters (Unicode code
// points, a tab being one) from 1, and byte offsets count bytes from 0.
//
// # Requirements
//
//   - The document has at least one requirement section: a heading
//     "### Requirement N" (any heading level, N a whole number, optionally
//     followed by a title such as ": Retries"), or a line of its own
//     "Requirement N: Title" (bold or not). A document without one is an
//     error, and so is a requirement whose number is not whole
//     ("Requirement 1.2").
//   - Requirement numbers are unique; a repeated number is an error at the
//     second one.
//   - Each requirement has a "**User Story:**" line (a warning if not), and
//     an "Acceptance Criteria" heading or line (an error if not) followed by
//     at least one criterion (an error if none).
//   - Criteria are a numbered list ("1.", "2." ...). A bullet list is an
//     error ("not numbered", once per requirement); numbering must start at
//     1 and grow by 1, an error at the first number that does not.
//   - Each criterion is in EARS form: once Markdown emphasis (*, _ and `)
//     is dropped and its wrapped lines are joined, it starts with WHEN, IF,
//     WHILE, WHERE or THE (in any case) and contains the word SHALL (in any
//     case). Each violation is an error whose detail quotes the patterns.
//
// Requirement N has the id "N" and its criterion M the id "N.M"; these are
// the ids tasks may cite (Requirements.IDs).
//
// # Tasks
//
//   - The document has at least one checkbox task ("- [ ]", "- [x]",
//     "* [ ]"; "[-]" and "[~]" for work in progress; Kiro's "- [ ]*" for an
//     optional task); none at all is an error.
//   - Task numbers ("1.", "2.1") are optional and unique; a repeated number
//     is an error.
//   - A citation is "Requirements:" or "Requirement:" (emphasis optional)
//     followed by ids separated by commas, spaces or "and", on its own line
//     under a task ("  - _Requirements: 1.1, 2.3_") or at the end of the
//     task's line. Each id must be a requirement or criterion id of the
//     requirements document: an unknown id is an error at its column, whose
//     detail names the nearest valid ids. A citation label that opens a
//     line but lists no id is an error.
//   - A top-level task that cites no requirement, itself or through its
//     subtasks, gets a warning.
//
// # Design
//
//   - An empty (or blank) document is an error.
//   - Each expected section has a heading, at any level and in any case,
//     whose title contains its name: Overview, Architecture, Components
//     (as in "Components and Interfaces"), Data Model(s), Error Handling,
//     Testing Strategy. Each missing one is a warning.
//
// # Markdown
//
// Fenced code blocks (``` or ~~~, indented or not; unclosed ones run to the
// end) and HTML comments are ignored entirely. CRLF line endings, tabs and
// any Unicode text are handled; the checks never panic, whatever the input.
//
// docs/spec-documents.md is the same reference, for users.
package specdoc
