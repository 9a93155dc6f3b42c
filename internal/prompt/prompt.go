// Package prompt writes what a node asks its model: the built-in
// instructions per spec kind and for code, the steering that applies, the
// upstream spec documents and the context files, ordered from the most
// stable part to the least so that provider-side prompt caching works.
package prompt

import (
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"unicode/utf8"

	"github.com/kirofile/kirofile/internal/specdoc"
	"github.com/kirofile/kirofile/lang"
	"github.com/kirofile/kirofile/providers"
)

// Template versions. Changing a template's text must bump its version: the
// version is an input of every node that uses it (see Template), so the
// change regenerates exactly those nodes.
const (
	versionRequirements            = "requirements/1"
	versionRequirementsDesignFirst = "requirements-design-first/1"
	versionBugfix                  = "bugfix/1"
	versionDesign                  = "design/1"
	versionDesignFirst             = "design-first/1"
	versionDesignBugfix            = "design-bugfix/1"
	versionTasks                   = "tasks/1"
	versionTasksBugfix             = "tasks-bugfix/1"
	versionDocument                = "document/1"
	versionCodegen                 = "codegen/1"
	// TaskVersion versions the prompt of a task of a codegen with each =
	// "task" (BuildTask).
	TaskVersion = "codegen-task/1"
)

// The built-in prompt templates. Their versions (above) are
// inputs of every node that uses them: changing a text here must bump its
// version, so that exactly those nodes regenerate.

const systemSpec = `You are a senior engineer writing one spec document for a feature, in Markdown, in the layout of Kiro's .kiro/specs. Write only the document: no preamble, no closing remarks, no code fence around the whole reply. Be specific and testable; do not invent requirements the feature description and upstream documents do not support.`

const systemCodegen = `You are a senior engineer implementing a feature from its approved spec documents. Reply with files only. Give each file as a line naming its path, followed by a fenced code block holding the whole file:

File: path/to/file.go
` + "```go" + `
package example
` + "```" + `

To change part of an existing file you may instead give, under its path, one or more SEARCH/REPLACE blocks inside the fence:

path/to/file.go
` + "```go" + `
<<<<<<< SEARCH
exact lines from the current file
=======
their replacement
>>>>>>> REPLACE
` + "```" + `

Write only paths the task allows. Every file must be complete and compile. Do not explain; prose between files is ignored.`

var (
	taskRequirements = `Write the requirements document.

Start with "# Requirements Document" and an "## Introduction". Then "## Requirements" with one "### Requirement N" section per requirement, numbered from 1. Each has a "**User Story:** As a <role>, I want <feature>, so that <benefit>" line and a "#### Acceptance Criteria" heading followed by a numbered list (1., 2., ...) of criteria in EARS form, each starting with WHEN, IF, WHILE, WHERE or THE and saying what the system SHALL do, for example:
1. WHEN a user submits the form THEN the system SHALL store the entry.
2. IF the store is unavailable THEN the system SHALL reply with a retryable error.
Cover normal behaviour, errors and edge cases; every criterion must be testable.`

	// A design-first feature writes its requirements from the approved
	// design: they specify what the design describes.
	taskRequirementsDesignFirst = taskRequirements + `

This feature is designed first: write the requirements for the approved design above, each requirement tracing to the part of the design it specifies, so that nothing the design promises goes unspecified and nothing is required that the design does not provide for.`

	taskBugfix = `Write the bugfix requirements document: an analysis of the bug the feature description reports.

Start with "# Bugfix Requirements Document" and an "## Introduction" saying what goes wrong and what the fix must achieve. Then "## Bug Analysis" with three parts, each clause on its own line and numbered after its part:
"### Current Behavior (Defect)": 1.1 WHEN <condition> THEN the system <does the wrong thing>
"### Expected Behavior (Correct)": 2.1 WHEN <condition> THEN the system SHALL <do the right thing>
"### Unchanged Behavior (Regression Prevention)": 3.1 WHEN <condition> THEN the system SHALL CONTINUE TO <do what it does today>
Every current clause has an expected clause that corrects it; every clause is testable.`

	taskDesign = `Write the design document for the approved requirements.

Start with "# Design Document". Include the sections "## Overview", "## Architecture", "## Components and Interfaces", "## Data Models", "## Error Handling" and "## Testing Strategy". Refer to requirements by number (Requirement N, criterion N.M) where a design decision serves them.`

	// A design-first feature has no requirements yet: its design comes
	// from the feature description alone.
	taskDesignFirst = `Write the design document from the feature description; the requirements will be written from it once it is approved.

Start with "# Design Document". Include the sections "## Overview", "## Architecture", "## Components and Interfaces", "## Data Models", "## Error Handling" and "## Testing Strategy". Be concrete enough that testable requirements can be derived from each part.`

	taskDesignBugfix = `Write the bugfix design for the approved bug analysis.

Start with "# <Title> Bugfix Design". Include "## Overview", "## Bug Details" (the condition under which the bug occurs, with examples), "## Expected Behavior", "## Hypothesized Root Cause", "## Correctness Properties" (each followed by a line "**Validates: Requirements N.M, ...**" citing the bug analysis clauses it proves), "## Fix Implementation" (the changes, file by file) and "## Testing Strategy" (a test that fails before the fix, checks of the fix, checks that unchanged behaviour is preserved).`

	taskTasks = `Write the implementation plan for the approved design.

Start with "# Implementation Plan". Then a checklist of small, incremental coding tasks: "- [ ] 1. Task title", optionally with sub-tasks "- [ ] 1.1 ...", each with a few bullet points of what to do and a line "_Requirements: N.M, ..._" citing the acceptance criteria it satisfies. Every acceptance criterion must be covered by some task. Only coding and testing tasks: no deployment, no user testing.`

	taskTasksBugfix = `Write the implementation plan for the approved bugfix design.

Start with "# Implementation Plan". Then numbered checkbox tasks in this order: a test of the bug condition that fails on the unfixed code; tests that pass on it and must keep passing (preservation); the fix, with sub-tasks "- [ ] 3.1 ..."; and a final "- [ ] N. Checkpoint - Ensure all tests pass". Every task but the checkpoint ends with a line "_Requirements: N.M, ..._" citing the bug analysis clauses it covers; every expected and unchanged clause is covered.`

	taskDocument = `Write the document the instructions below ask for.`
)

// Template returns the built-in instructions a node is given and their
// version, an input of its fingerprint. A spec's instructions follow its
// kind, and its feature's shape: the design and tasks that follow a bug
// analysis are a bugfix's, and a design-first feature writes its design
// from the description and its requirements from the design.
func Template(cfg *lang.Config, n lang.Node) (text, version string) {
	s, ok := n.(*lang.Spec)
	if !ok {
		return "", versionCodegen
	}
	f := cfg.Features[s.Addr.Feature]
	designFirst := f != nil && f.Workflow == lang.WorkflowDesignFirst
	switch s.Kind {
	case lang.KindRequirements:
		if designFirst {
			return taskRequirementsDesignFirst, versionRequirementsDesignFirst
		}
		return taskRequirements, versionRequirements
	case lang.KindBugfix:
		return taskBugfix, versionBugfix
	case lang.KindDesign:
		switch {
		case followsBugfix(cfg, s):
			return taskDesignBugfix, versionDesignBugfix
		case designFirst:
			return taskDesignFirst, versionDesignFirst
		}
		return taskDesign, versionDesign
	case lang.KindTasks:
		if followsBugfix(cfg, s) {
			return taskTasksBugfix, versionTasksBugfix
		}
		return taskTasks, versionTasks
	}
	return taskDocument, versionDocument
}

// followsBugfix reports whether a bug analysis is among the specs upstream
// of s, directly or through another spec.
func followsBugfix(cfg *lang.Config, s *lang.Spec) bool {
	// Specs are told apart by identity, not by address: validate and
	// plan ask this of every design and tasks spec of a project.
	seen := map[*lang.Spec]bool{}
	var walk func(n lang.Node) bool
	walk = func(n lang.Node) bool {
		for _, dep := range n.Dependencies() {
			up, ok := cfg.Node(dep.Addr).(*lang.Spec)
			if !ok || seen[up] {
				continue
			}
			seen[up] = true
			if up.Kind == lang.KindBugfix || walk(up) {
				return true
			}
		}
		return false
	}
	return walk(s)
}

// Upstream lists the spec documents a node's prompt holds, most upstream
// first: those of the specs it depends on directly, and those these depend
// on directly, which they cite (a tasks document cites the requirements its
// design answers). Not the whole chain above them: that would make every
// prompt, and the cost of a chain of specs, grow with the square of its
// length. What lies further up reaches the node through the documents it
// holds and through its dependencies' fingerprints (see internal/plan). A
// codegen it depends on is an ordering only, so specs are not followed
// through one.
func Upstream(cfg *lang.Config, n lang.Node) []*lang.Spec {
	held := map[string]*lang.Spec{}
	for _, dep := range n.Dependencies() {
		up, ok := cfg.Node(dep.Addr).(*lang.Spec)
		if !ok {
			continue
		}
		held[up.Addr.String()] = up
		for _, cited := range up.DependsOn {
			if s, ok := cfg.Node(cited.Addr).(*lang.Spec); ok {
				held[s.Addr.String()] = s
			}
		}
	}
	// Most upstream first: a depth-first walk over the held documents
	// alone, writing each after those it depends on.
	out := make([]*lang.Spec, 0, len(held))
	seen := make(map[string]bool, len(held))
	var visit func(n lang.Node)
	visit = func(n lang.Node) {
		for _, dep := range n.Dependencies() {
			a := dep.Addr.String()
			up, ok := held[a]
			if !ok || seen[a] {
				continue
			}
			seen[a] = true
			visit(up)
			out = append(out, up)
		}
	}
	visit(n)
	return out
}

// Files is what a prompt needs of the project's files: the files a glob
// matches, sorted, and their sizes, from one snapshot (plan's, in apply).
type Files interface {
	Expand(pattern string) []string
	// Size is a file's size in bytes, or -1 when it does not exist.
	Size(path string) int64
}

// Build assembles a node's prompt, most stable first: system, steering,
// the upstream spec documents, context files, then the task. Feedback from
// failed attempts is appended by the caller. Nothing in it depends on time
// or host, so the prefix stays cacheable provider-side and a replay
// cassette keeps matching.
//
// A codegen's context files all go in, as declared. Files that already
// exist under its outputs go in as far as they fit (see existingOutputs);
// the others are named only.
func Build(cfg *lang.Config, n lang.Node, files Files) (providers.PromptParts, error) {
	return BuildWith(cfg, n, files, nil)
}

// BuildWith is Build with some upstream documents given rather than read:
// for a spec doc returns true for, its text. Plan estimates so the prompt
// of a node whose upstream spec is generated first in the same apply.
func BuildWith(cfg *lang.Config, n lang.Node, files Files, doc func(*lang.Spec) (string, bool)) (providers.PromptParts, error) {
	f := cfg.Features[n.Address().Feature]
	var parts providers.PromptParts
	var err error
	if parts.Steering, err = steeringParts(cfg, n); err != nil {
		return parts, err
	}
	var referenced []providers.Document
	if parts.Specs, referenced, err = specParts(cfg, Upstream(cfg, n), doc); err != nil {
		return parts, err
	}
	parts.Context = append(parts.Context, referenced...)
	var task strings.Builder
	fmt.Fprintf(&task, "Feature: %s\n\n", f.Name)
	if f.Description != "" {
		fmt.Fprintf(&task, "%s\n\n", strings.TrimSpace(f.Description))
	}
	switch n := n.(type) {
	case *lang.Spec:
		parts.System = systemSpec
		text, _ := Template(cfg, n)
		task.WriteString(text)
		if n.Prompt != "" {
			fmt.Fprintf(&task, "\n\nInstructions:\n%s", n.Prompt)
		}
		fmt.Fprintf(&task, "\n\nThe document will be saved as %s.", n.Path)
	case *lang.Codegen:
		parts.System = systemCodegen
		context, err := readFiles(cfg, contextPaths(n, files))
		if err != nil {
			return parts, err
		}
		parts.Context = append(parts.Context, context...)
		task.WriteString("Implement the feature as the spec documents above describe, following the tasks in order.")
		if n.Prompt != "" {
			fmt.Fprintf(&task, "\n\nInstructions:\n%s", n.Prompt)
		}
		fmt.Fprintf(&task, "\n\nYou may only write files matching: %s", strings.Join(n.Outputs, ", "))
		if err := addOutputs(cfg, n, files, &parts, &task); err != nil {
			return parts, err
		}
	}
	parts.Task = task.String()
	return parts, nil
}

// addOutputs adds to a codegen's prompt the files already under its
// outputs, as far as what is left of the budget after everything else
// allows (existingOutputs; cited ranks them), and notes in task those it
// leaves out.
func addOutputs(cfg *lang.Config, c *lang.Codegen, files Files, parts *providers.PromptParts, task *strings.Builder, cited ...string) error {
	shown, unshown := existingOutputs(cfg, c, files, *parts, promptBytes(*parts)+task.Len(), cited...)
	docs, err := readFiles(cfg, shown)
	if err != nil {
		return err
	}
	parts.Context = append(parts.Context, docs...)
	task.WriteString(unshownNote(unshown))
	return nil
}

// steeringParts reads the steering of a node's prompt (Steering), each
// document with the files it pulls in with #[[file:]].
func steeringParts(cfg *lang.Config, n lang.Node) ([]providers.Document, error) {
	var out []providers.Document
	for _, s := range Steering(cfg, n) {
		text, name := s.Content, "steering "+s.Name
		if s.File != "" {
			data, err := os.ReadFile(filepath.Join(cfg.Dir, filepath.FromSlash(s.File)))
			if err != nil {
				continue // a missing steering file is a validate warning
			}
			text, _ = lang.SplitFrontMatter(string(data))
			name = s.File
		}
		out = append(out, providers.Document{Name: "steering " + s.Name, Content: strings.ToValidUTF8(text, "\uFFFD")})
		// The files it pulls in with #[[file:]] go in beside it, as they
		// are now: one an earlier node generated is there by now, and one
		// still missing is an error, not a prompt short of what its
		// author meant.
		files, err := DocumentRefs(cfg.Dir, name, []byte(text))
		if err != nil {
			return out, fmt.Errorf("steering %s: %w", s.Name, err)
		}
		refs, err := readFiles(cfg, files)
		if err != nil {
			return out, fmt.Errorf("steering %s: %w", s.Name, err)
		}
		out = append(out, refs...)
	}
	return out, nil
}

// specParts reads the spec documents of a prompt, and the files they pull
// in with #[[file:]] (for the context), each once. A document doc returns
// true for is taken as given (see BuildWith), with no references read.
func specParts(cfg *lang.Config, specs []*lang.Spec, doc func(*lang.Spec) (string, bool)) (docs, referenced []providers.Document, err error) {
	var paths []string
	for _, up := range specs {
		if doc != nil {
			if text, ok := doc(up); ok {
				docs = append(docs, providers.Document{Name: up.Path, Content: text})
				continue
			}
		}
		data, err := os.ReadFile(filepath.Join(cfg.Dir, filepath.FromSlash(up.Path)))
		if err != nil {
			return docs, nil, fmt.Errorf("reading upstream spec %s: %w", up.Addr, err)
		}
		docs = append(docs, providers.Document{Name: up.Path, Content: strings.ToValidUTF8(string(data), "\uFFFD")})
		refs, err := DocumentRefs(cfg.Dir, up.Path, data)
		if err != nil {
			return docs, nil, fmt.Errorf("upstream spec %s: %w", up.Addr, err)
		}
		paths = append(paths, refs...)
	}
	if len(paths) > 0 {
		slices.Sort(paths)
		if referenced, err = readFiles(cfg, slices.Compact(paths)); err != nil {
			return docs, nil, err
		}
	}
	return docs, referenced, nil
}

// contextPaths lists a codegen's context files, each once, sorted.
func contextPaths(c *lang.Codegen, files Files) []string {
	seen := map[string]bool{}
	var paths []string
	for _, pattern := range c.Context {
		for _, p := range files.Expand(pattern) {
			if !seen[p] {
				seen[p] = true
				paths = append(paths, p)
			}
		}
	}
	sort.Strings(paths)
	return paths
}

// readFiles reads files as prompt documents.
func readFiles(cfg *lang.Config, paths []string) ([]providers.Document, error) {
	var docs []providers.Document
	for _, p := range paths {
		data, err := os.ReadFile(filepath.Join(cfg.Dir, filepath.FromSlash(p)))
		if err != nil {
			return nil, fmt.Errorf("reading context file %s: %w", p, err)
		}
		if !utf8.Valid(data) {
			// Binary files cannot travel as prompt text; the model still
			// learns they exist.
			docs = append(docs, providers.Document{Name: p, Content: fmt.Sprintf("(binary file, %d bytes, not shown)\n", len(data))})
			continue
		}
		docs = append(docs, providers.Document{Name: p, Content: string(data)})
	}
	return docs, nil
}

// Outputs returns the globs a node may write: a spec's document path, a
// codegen's outputs.
func Outputs(n lang.Node) []string {
	switch n := n.(type) {
	case *lang.Spec:
		return []string{n.Path}
	case *lang.Codegen:
		return n.Outputs
	}
	return nil
}

// Steering returns the steering that goes into a node's prompt, sorted by
// name: every "always" steering, and every "fileMatch" steering whose
// patterns overlap the node's outputs (see lang.GlobsOverlap).
func Steering(cfg *lang.Config, n lang.Node) []*lang.Steering {
	var out []*lang.Steering
	for _, name := range slices.Sorted(maps.Keys(cfg.Steering)) {
		s := cfg.Steering[name]
		switch s.Inclusion {
		case lang.InclusionAlways:
			out = append(out, s)
		case lang.InclusionFileMatch:
			if lang.GlobsOverlap(s.Match, Outputs(n)) {
				out = append(out, s)
			}
		}
	}
	return out
}

// DocumentRefs resolves the #[[file:PATH]] references of a spec document
// (project-relative path name, content src) to the project files they
// name. A reference that names no file of the project is an error wrapping
// the *specdoc.FileRefError: the prompt the document's author meant cannot
// be written without it.
func DocumentRefs(dir, name string, src []byte) ([]string, error) {
	refs, errs := specdoc.ResolveFileRefs(dir, name, src)
	if len(errs) > 0 {
		return nil, errs[0]
	}
	files := make([]string, 0, len(refs))
	for _, r := range refs {
		files = append(files, r.File)
	}
	return files, nil
}
