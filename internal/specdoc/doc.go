// Package specdoc checks the spec documents of a feature, as Kiro lays them
// out in .kiro/specs/<feature>/: requirements.md (or bugfix.md for a bugfix
// spec), design.md and tasks.md.
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
// The checks accept the documents as Kiro writes them (and as the people
// who edit them do): headings and labels in other languages, sub-tasks
// written flat, checkpoints, "All" and "N/A" citations, "Validates:" lines,
// prefixed ids and ranges, status marks before a criterion. A document that
// does not follow Kiro's template at all gets one warning that says so, and
// nothing that cites it is checked against it: a finding is for something
// a careful reviewer would call wrong.
//
// Every diagnostic carries its Rule as Extra. The rules:
//
//   - requirements: at least one section "Requirement N" (N whole, a letter
//     may follow); unique numbers; a user story (warning); acceptance
//     criteria, numbered from 1 without gaps (as a list, or as lines
//     numbered after the requirement, "1.1."), each in EARS form with a
//     SHALL. Criteria in a language whose EARS wording is not read are
//     reported once per document.
//   - bugfix: the parts of a bug analysis (current, expected, unchanged
//     behaviour), each with clauses numbered after the part (1.1, 2.1,
//     3.1); expected and unchanged clauses say what the system SHALL do.
//   - tasks: checkbox tasks with unique numbers; every cited id exists in
//     the requirements or bugfix document; every numbered top-level task
//     cites something (warning), except checkpoints, optional tasks and
//     tasks out of scope.
//   - design: not empty; a heading for each of Kiro's sections (warnings),
//     or those of Kiro's bugfix design; every cited id exists.
//   - file references: each #[[file:PATH]] names a file of the project.
//
// Positions follow hcl.Pos: lines are counted by "\n" (a "\r\n" line
// ending is not part of the line), columns count characters (Unicode code
// points, a tab being one) from 1, and byte offsets count bytes from 0.
// The checks never panic and take time linear in the document's size,
// whatever the input.
//
// docs/spec-documents.md is the full reference, for users.
package specdoc
