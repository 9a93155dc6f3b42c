package plan

import "strings"

// Reason says why a node is in its state: Code for programs (stable, one
// of the constants below) and Text for people.
type Reason struct {
	Code string `json:"code"`
	Text string `json:"text"`
}

// Reason codes. A program reading plans branches on these, never on the
// text, which may be reworded.
const (
	// Create.
	CodeNeverGenerated  = "never_generated"  // the node was never generated
	CodeDocumentMissing = "document_missing" // a generated spec's document is gone

	// Update: which input changed (see inputReasons), or why it runs anyway.
	CodeConfigChanged        = "config_changed"
	CodeDescriptionChanged   = "description_changed"
	CodeProviderChanged      = "provider_changed"
	CodeSteeringChanged      = "steering_changed"
	CodeContextChanged       = "context_changed"
	CodeTemplateChanged      = "template_changed"
	CodeUpstreamChanged      = "upstream_changed"       // an upstream document or node changed
	CodeDependencyAdded      = "dependency_added"       // it depends on a node it did not
	CodeDependencyRemoved    = "dependency_removed"     // it no longer depends on a node
	CodeFileReferenceChanged = "file_reference_changed" // a file a document in its prompt references (#[[file:]])
	CodeInputsChanged        = "inputs_changed"         // a lock without per-input hashes
	CodeInputChanged         = "input_changed"          // an input kirofile has no word for
	CodeUpstreamWillRun      = "upstream_will_run"      // an upstream node runs first and changes its inputs
	CodeReplace              = "replace"                // forced by -replace
	CodeReplaceDiscards      = "replace_discards_edits"

	// Retry.
	CodeLastFailed  = "last_failed"
	CodeInterrupted = "interrupted" // a run wrote its files and ended before recording them

	// Approve.
	CodeAwaitingApproval = "awaiting_approval" // generated, never approved
	CodeWrittenByHand    = "written_by_hand"   // a document kirofile never generated
	CodeEditedByHand     = "edited_by_hand"    // edited since it was generated or approved
	CodeRegenerated      = "regenerated"       // regenerated since it was approved
	CodeApprovalStale    = "approval_stale"    // approved under inputs that changed since

	// Drift.
	CodeFilesEdited  = "files_edited"
	CodeFilesDeleted = "files_deleted"
	CodeDriftHint    = "drift_hint" // what to do about it

	// Blocked.
	CodeWaitsFor = "waits_for"

	// Run-hooks.
	CodeHooksPending = "hooks_pending"

	// Forget.
	CodeRemoved = "removed"

	// Accept (plan -refresh-only).
	CodeAcceptEdits  = "accept_edits"
	CodeAcceptInputs = "accept_inputs"

	// Any state: a variable without a value feeds the node's inputs.
	CodeInputsUnknown = "inputs_unknown"
)

// Texts returns the texts of reasons, for people.
func Texts(rs []Reason) []string {
	if rs == nil {
		return nil
	}
	out := make([]string, len(rs))
	for i, r := range rs {
		out[i] = r.Text
	}
	return out
}

// Codes returns the codes of reasons, in the same order as Texts.
func Codes(rs []Reason) []string {
	if rs == nil {
		return nil
	}
	out := make([]string, len(rs))
	for i, r := range rs {
		out[i] = r.Code
	}
	return out
}

// Join joins the texts of reasons with sep.
func Join(rs []Reason, sep string) string { return strings.Join(Texts(rs), sep) }

func reason(code, text string) Reason { return Reason{Code: code, Text: text} }

func reasons(code, text string) []Reason { return []Reason{{Code: code, Text: text}} }
