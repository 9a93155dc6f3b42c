package specdoc

import (
	"sort"

	"github.com/hashicorp/hcl/v2"
)

// Rule names the rule behind a finding. Every diagnostic of this package
// carries its Rule as Extra (read it with hcl.DiagnosticExtra[Rule]), so
// that callers can tell findings apart without reading their text.
type Rule string

// The rules. Their findings are described in doc.go and in
// docs/spec-documents.md.
const (
	RuleUnclosedCode Rule = "markdown/unclosed-code"

	RuleNoRequirements       Rule = "requirements/none"
	RuleRequirementsFormat   Rule = "requirements/format"
	RuleRequirementNumber    Rule = "requirements/number"
	RuleDuplicateRequirement Rule = "requirements/duplicate"
	RuleUserStory            Rule = "requirements/user-story"
	RuleMissingCriteria      Rule = "requirements/missing-criteria"
	RuleNoCriteria           Rule = "requirements/no-criteria"
	RuleCriteriaNotNumbered  Rule = "requirements/criteria-not-numbered"
	RuleCriteriaNumbering    Rule = "requirements/criteria-numbering"
	RuleEmptyCriterion       Rule = "requirements/empty-criterion"
	RuleEARS                 Rule = "requirements/ears"
	RuleShall                Rule = "requirements/shall"
	RuleEARSLanguage         Rule = "requirements/ears-language"

	RuleNoTasks        Rule = "tasks/none"
	RuleTasksFormat    Rule = "tasks/format"
	RuleDuplicateTask  Rule = "tasks/duplicate"
	RuleUnnumberedTask Rule = "tasks/unnumbered"
	RuleUncitedTask    Rule = "tasks/uncited"
	RuleUncitedTasks   Rule = "tasks/none-cited"
	RuleTaskDepends    Rule = "tasks/depends"
	RuleTaskCycle      Rule = "tasks/cycle"

	RuleUnknownID     Rule = "citations/unknown-id"
	RuleEmptyCitation Rule = "citations/empty"

	RuleEmptyDesign   Rule = "design/empty"
	RuleDesignSection Rule = "design/section"
	RuleDesignFormat  Rule = "design/format"

	RuleEmptyBugfix     Rule = "bugfix/empty"
	RuleBugfixFormat    Rule = "bugfix/format"
	RuleBugfixSection   Rule = "bugfix/section"
	RuleNoClauses       Rule = "bugfix/no-clauses"
	RuleClauseNumbering Rule = "bugfix/numbering"
	RuleDuplicateClause Rule = "bugfix/duplicate"
	RuleClauseShall     Rule = "bugfix/shall"

	RuleFileReference Rule = "file-reference"
)

// rules are the rules there are, for KnownRule.
var rules = map[Rule]bool{
	RuleUnclosedCode: true, RuleNoRequirements: true, RuleRequirementsFormat: true, RuleRequirementNumber: true,
	RuleDuplicateRequirement: true, RuleUserStory: true, RuleMissingCriteria: true, RuleNoCriteria: true,
	RuleCriteriaNotNumbered: true, RuleCriteriaNumbering: true, RuleEmptyCriterion: true, RuleEARS: true,
	RuleShall: true, RuleEARSLanguage: true, RuleNoTasks: true, RuleTasksFormat: true, RuleDuplicateTask: true,
	RuleUnnumberedTask: true, RuleUncitedTask: true, RuleUncitedTasks: true, RuleTaskDepends: true,
	RuleTaskCycle: true, RuleUnknownID: true, RuleEmptyCitation: true, RuleEmptyDesign: true,
	RuleDesignSection: true, RuleDesignFormat: true, RuleEmptyBugfix: true, RuleBugfixFormat: true,
	RuleBugfixSection: true, RuleNoClauses: true, RuleClauseNumbering: true, RuleDuplicateClause: true,
	RuleClauseShall: true, RuleFileReference: true,
}

// KnownRule reports whether r is one of the rules of this package: a
// finding read back from a cache names one.
func KnownRule(r Rule) bool { return rules[r] }

// Format reports whether the rule is about the document not following
// Kiro's template at all. Those findings are warnings, since a hand-written
// document in another layout is not wrong as such; but a generated
// document must follow the template, so a caller checking a model's reply
// should treat them as errors.
func (r Rule) Format() bool {
	switch r {
	case RuleRequirementsFormat, RuleTasksFormat, RuleDesignFormat, RuleBugfixFormat:
		return true
	}
	return false
}

// Spec document kinds, as in lang: the kinds Check knows.
const (
	KindRequirements = "requirements"
	KindBugfix       = "bugfix"
	KindDesign       = "design"
	KindTasks        = "tasks"
)

// Check runs the checker for a spec document of the given kind. Documents
// of kind "document" (free-form spec labels) and of kinds it does not know
// have no rules, so they yield no diagnostics. reqs (the ids of the
// feature's requirements or bugfix document, nil when it has none) is what
// the citations of tasks and designs are checked against; the ids found by
// "requirements" and "bugfix" are dropped here, so callers that need them
// call CheckRequirements or CheckBugfix, or CheckFeature for a whole
// feature.
func Check(kind, filename string, src []byte, reqs *Requirements) hcl.Diagnostics {
	switch kind {
	case KindRequirements:
		_, diags := CheckRequirements(filename, src)
		return diags
	case KindBugfix:
		_, diags := CheckBugfix(filename, src)
		return diags
	case KindDesign:
		return CheckDesignCitations(filename, src, reqs)
	case KindTasks:
		return CheckTasks(filename, src, reqs)
	}
	return nil
}

// sortDiagnostics orders diagnostics by position, so a report reads top to
// bottom whatever order the checks found them in.
func sortDiagnostics(diags hcl.Diagnostics) hcl.Diagnostics {
	sort.SliceStable(diags, func(i, j int) bool {
		return diags[i].Subject.Start.Byte < diags[j].Subject.Start.Byte
	})
	return diags
}
