package main

import (
	"runtime"
	"slices"
	"time"

	"github.com/kirofile/kirofile/internal/apply"
	"github.com/kirofile/kirofile/internal/plan"
	"github.com/kirofile/kirofile/plugins/sdk"
	"github.com/kirofile/kirofile/providers"
)

// The -json output is a public contract: one JSON object per line, each
// with a "type" and a "timestamp". The types below are that contract and
// nothing else: they are filled from the engine's own types field by field,
// so that a change inside kirofile never changes the output by accident.
// docs/json-output.schema.json documents every field, and a test checks
// every line the script tests print against it.
//
// uiVersion versions the format: a minor bump adds fields, message types
// or values of an enumeration, a major bump breaks readers.
//
// 2.1 added reason_codes and hooks to planned_change; the plan actions
// run-hooks, forget and accept; the node_finished statuses accepted and
// forgotten; the messages of approve -json and revoke -json, init -json
// and watch -json.
//
// 2.2 added the tasks of a codegen with each = "task": the kind "task",
// a task's title (planned_change, node_started, node), its reason codes,
// hook_result's exit_code, the evidence of a task in show (hooks, files,
// ticked), and show -trace's trace_criterion and trace_summary; and what
// runs cost: model and estimate to planned_change, estimate and budgets to
// plan_summary, cached_tokens, estimated and cost to usage, attempts to
// node_finished, spend, features, currency and budget to apply_summary,
// model and usage to node.
const uiVersion = "2.2"

// envelope is the part every message shares. Every message also ends
// with "timestamp": when it was written, RFC 3339 with fractional seconds,
// in UTC. jsonView.emit adds it last, so that a reader matching a line's
// start sees the type and its fields first.
type envelope struct {
	Type string `json:"type"`
}

func (e *envelope) head() *envelope { return e }

// message is any -json message.
type message interface{ head() *envelope }

// versionMessage is the first line of every -json output and the whole of
// "version -json".
type versionMessage struct {
	envelope
	Kirofile       string `json:"kirofile"`
	UI             string `json:"ui"`
	PluginProtocol int    `json:"plugin_protocol"`
	Go             string `json:"go"`
	Platform       string `json:"platform"`
}

func newVersionMessage() *versionMessage {
	return &versionMessage{
		Kirofile:       version(),
		UI:             uiVersion,
		PluginProtocol: sdk.ProtocolVersion,
		Go:             runtime.Version(),
		Platform:       runtime.GOOS + "_" + runtime.GOARCH,
	}
}

// diagnosticMessage carries one diagnostic (view_diagnostic.go).
type diagnosticMessage struct {
	envelope
	Diagnostic jsonDiagnostic `json:"diagnostic"`
}

// validateMessage ends "validate -json".
type validateMessage struct {
	envelope
	Valid        bool `json:"valid"`
	ErrorCount   int  `json:"error_count"`
	WarningCount int  `json:"warning_count"`
}

// plannedChangeMessage is one node of a plan.
type plannedChangeMessage struct {
	envelope
	// Address is the node's address, e.g. "feature.a.spec.design".
	Address string `json:"address"`
	// Kind is "spec" or "codegen"; "" for a record to forget whose
	// address no longer parses.
	Kind string `json:"kind"`
	// Action is the node's plan state: create, update, retry, run-hooks,
	// approve, drift, blocked, forget, accept (plan -refresh-only) or
	// no-op. Symbol is its one-character mark: + ~ ~ > ? ! - x * or a
	// space.
	Action string `json:"action"`
	Symbol string `json:"symbol"`
	// Reasons say why, for people; ReasonCodes, index by index, the same
	// for programs: stable codes such as "description_changed" or
	// "waits_for" (docs/commands.md lists them). Both are [] when empty.
	Reasons     []string `json:"reasons"`
	ReasonCodes []string `json:"reason_codes"`
	// BlockedBy names the spec a blocked node waits for (the root of the
	// chain).
	BlockedBy string `json:"blocked_by,omitempty"`
	// Files are the files concerned: edited or deleted ones of a drifted
	// node, those -replace overwrites, those a forgotten record leaves,
	// those an accepted node records. [] when none.
	Files []string `json:"files"`
	// Hooks are the spec.approved hooks a run-hooks node runs; [] for
	// other actions.
	Hooks []string `json:"hooks"`
	// Fingerprint is the node's input fingerprint when it is known before
	// apply (its upstream documents exist and nothing upstream runs
	// first); Document is a spec document's content hash on disk.
	Fingerprint string `json:"fingerprint,omitempty"`
	Document    string `json:"document_sha256,omitempty"`
	// Title is a task's title, from its tasks document.
	Title string `json:"title,omitempty"`
	// Model is the model the node's provider block asks for (or the block,
	// when it names none); Estimate what it will cost, for a node the plan
	// generates.
	Model    string         `json:"model,omitempty"`
	Estimate *estimateField `json:"estimate,omitempty"`
}

func newPlannedChange(c *plan.Change, pc *planCost) *plannedChangeMessage {
	m := &plannedChangeMessage{
		Address: c.Address, Kind: c.Kind, Action: string(c.State), Symbol: c.State.Symbol(),
		Reasons: list(plan.Texts(c.Reasons)), ReasonCodes: list(plan.Codes(c.Reasons)),
		BlockedBy: c.BlockedBy, Files: list(c.Files), Hooks: list(c.Hooks),
		Fingerprint: c.Fingerprint, Document: c.Document, Title: c.Title,
	}
	if pc != nil {
		m.Model = pc.models[c.Address]
		m.Estimate = newEstimateField(pc.estimate.Node(c.Address))
	}
	return m
}

// planSummaryMessage ends a plan.
type planSummaryMessage struct {
	envelope
	// Changes is true when anything is not up to date: what
	// -detailed-exitcode answers with 2.
	Changes bool `json:"changes"`
	// RefreshOnly is true for the plan of -refresh-only.
	RefreshOnly bool `json:"refresh_only"`
	// Counts has one entry per plan action, zeros included.
	Counts map[string]int `json:"counts"`
	// Text is the human summary line.
	Text string `json:"text"`
	// Estimate is what the nodes to generate will cost, per feature and
	// for the run; Budgets the budgets in force and whether the plan's
	// upper bound fits them ([] when there are none).
	Estimate *estimateSummaryField `json:"estimate,omitempty"`
	Budgets  []budgetField         `json:"budgets"`
}

func newPlanSummary(p *plan.Plan, pc *planCost) *planSummaryMessage {
	counts := map[string]int{}
	all := p.Counts()
	for _, s := range plan.PlanStates {
		counts[string(s)] = all[s]
	}
	return &planSummaryMessage{Changes: p.HasChanges(), RefreshOnly: p.RefreshOnly, Counts: counts, Text: planSummary(p),
		Estimate: newEstimateSummary(pc), Budgets: newBudgetFields(pc)}
}

// planSavedMessage says where plan -out wrote the plan.
type planSavedMessage struct {
	envelope
	// Path is the plan file as given to -out.
	Path string `json:"path"`
}

// nodeStartedMessage: apply started acting on a node.
type nodeStartedMessage struct {
	envelope
	Address string `json:"address"`
	// Action is create, update or retry (a generation), or run-hooks.
	Action string `json:"action"`
	// Message is the plan's reasons, joined.
	Message string `json:"message,omitempty"`
	// Title is a task's title.
	Title string `json:"title,omitempty"`
}

// nodeProgressMessage: a reply is streaming in.
type nodeProgressMessage struct {
	envelope
	Address string `json:"address"`
	// Attempt counts from 1; Chunks and TokensEstimate (at four bytes a
	// token) are what streamed so far in this attempt.
	Attempt        int `json:"attempt"`
	Chunks         int `json:"chunks"`
	TokensEstimate int `json:"tokens_estimate"`
}

// hookResultMessage: a hook ran for a node.
type hookResultMessage struct {
	envelope
	Address string `json:"address"`
	Hook    string `json:"hook"`
	// Passed is always present: false when the hook failed or could not
	// run.
	Passed bool `json:"passed"`
	// Output is the hook's output (capped), Message why it could not run.
	Output  string `json:"output,omitempty"`
	Message string `json:"message,omitempty"`
	// ExitCode is the exit status of the hook's command, when it ran one.
	ExitCode *int `json:"exit_code,omitempty"`
}

// nodeFinishedMessage: how a node ended.
type nodeFinishedMessage struct {
	envelope
	Address string `json:"address"`
	// Status is the node's state at the end: generated, no-op, approve,
	// blocked, drift, failed, cancelled, accepted (apply -refresh-only) or
	// forgotten (a removed block's record).
	Status string `json:"status"`
	// Message says why, or what happened.
	Message string `json:"message,omitempty"`
	// Files are the files concerned (drifted, forgotten, accepted); [].
	Files []string `json:"files"`
	// Usage is the node's token usage, when it called a model: the
	// replies it kept; Attempts every request, kept or not ([] for none).
	Usage     *usageField    `json:"usage,omitempty"`
	Attempts  []attemptField `json:"attempts"`
	ElapsedMS int64          `json:"elapsed_ms"`
}

// usageField counts a node's tokens: as the provider reported them, or
// counted by kirofile where it reported none (Estimated); Cost is what
// every request of the node cost, when the provider declares a price.
type usageField struct {
	PromptTokens     int    `json:"prompt_tokens"`
	CachedTokens     int    `json:"cached_tokens"`
	CompletionTokens int    `json:"completion_tokens"`
	Estimated        bool   `json:"estimated"`
	Cost             string `json:"cost,omitempty"`
}

func newUsage(u *providers.Usage, s *apply.Spend) *usageField {
	if u == nil {
		return nil
	}
	f := &usageField{PromptTokens: u.PromptTokens, CachedTokens: u.CachedTokens, CompletionTokens: u.CompletionTokens}
	if s != nil {
		f.Estimated = s.Estimated
		if s.Priced {
			f.Cost = s.Cost.String()
		}
	}
	return f
}

// newApplyEvent converts an apply event to its message.
func newApplyEvent(e apply.Event) message {
	switch e.Type {
	case apply.EventNodeStarted:
		return &nodeStartedMessage{Address: e.Address, Action: string(e.State), Message: e.Message, Title: e.Title}
	case apply.EventNodeProgress:
		return &nodeProgressMessage{Address: e.Address, Attempt: e.Attempt, Chunks: e.Chunks, TokensEstimate: e.TokensEstimate}
	case apply.EventHookResult:
		return &hookResultMessage{Address: e.Address, Hook: e.Hook, Passed: e.Passed, Output: e.Output, Message: e.Message, ExitCode: e.ExitCode}
	}
	return &nodeFinishedMessage{Address: e.Address, Status: string(e.State), Message: e.Message, Files: list(e.Files),
		Usage: newUsage(e.Usage, e.Spend), Attempts: newAttemptFields(e.Attempts), ElapsedMS: e.Elapsed.Milliseconds()}
}

// interruptedMessage: the first Ctrl-C arrived.
type interruptedMessage struct {
	envelope
}

// applySummaryMessage ends every apply -json: interrupted, failed, or
// stopped before it started (a configuration error, a refused plan), when
// the counts are zero.
type applySummaryMessage struct {
	envelope
	Interrupted bool `json:"interrupted"`
	// Counts has one entry per status nodes ended in; {} when none ran.
	Counts map[string]int `json:"counts"`
	// Tokens maps "provider.TYPE.NAME" to {"prompt": N, "completion": N};
	// {} when no model was called (Spend has the cached tokens and costs).
	Tokens map[string]map[string]int `json:"tokens"`
	// Requests counts the generations sent to providers.
	Requests int `json:"requests"`
	// Spend is what requests used and cost per provider
	// ("provider.TYPE.NAME"), Features per feature; {} when none was sent.
	Spend    map[string]*spendField `json:"spend"`
	Features map[string]*spendField `json:"features"`
	// Currency of the costs, when any provider declares a price.
	Currency string `json:"currency,omitempty"`
	// Budget says which budget stopped the run, when one did.
	Budget string `json:"budget,omitempty"`
}

// nodeStatusMessage is one node in "show -json".
type nodeStatusMessage struct {
	envelope
	Address string `json:"address"`
	Kind    string `json:"kind"`
	// Status words the state for people ("awaiting approval"); Action is
	// the plan state.
	Status string `json:"status"`
	Action string `json:"action"`
	// Reasons and ReasonCodes as in planned_change; [] when empty.
	Reasons     []string `json:"reasons"`
	ReasonCodes []string `json:"reason_codes"`
	// Path is a spec's document.
	Path     string         `json:"path,omitempty"`
	Approval *approvalField `json:"approval,omitempty"`
	// Document is the spec document's text (show ADDR only).
	Document string `json:"document,omitempty"`
	// Title is a task's title; Ticked whether its box is ticked in the
	// tasks document; Hooks the hooks of its last attempt with their exit
	// status, and Files the files it wrote with their hashes, as the lock
	// records them (its evidence).
	Title  string            `json:"title,omitempty"`
	Ticked *bool             `json:"ticked,omitempty"`
	Hooks  map[string]int    `json:"hooks,omitempty"`
	Files  map[string]string `json:"files,omitempty"`
	// Model is the model of the node's provider block; Usage what its last
	// generation used and cost, as the lock records it.
	Model string              `json:"model,omitempty"`
	Usage *recordedUsageField `json:"usage,omitempty"`
}

// approvalField is the approval on record of a spec.
type approvalField struct {
	SHA256 string `json:"sha256"`
	By     string `json:"by"`
	// At is when, RFC 3339 in UTC.
	At string `json:"at"`
	// Current is true when the approval matches the document on disk.
	Current bool `json:"current"`
	// CheckErrors counts the spec checks' errors it was given over.
	CheckErrors int `json:"check_errors"`
	// Hooks is "pending" while its spec.approved hooks wait for the next
	// apply, "ran" once they ran, "" when there were none.
	Hooks string `json:"hooks"`
}

// approvalMessage (type "approve_result") is one spec in "approve -json".
type approvalMessage struct {
	envelope
	Address string `json:"address"`
	// Result is "approved" (recorded now), "already_approved" (approved as
	// it is before) or "skipped" (a spec of a feature address with
	// nothing to approve; Reason says why).
	Result string `json:"result"`
	Reason string `json:"reason,omitempty"`
	// SHA256 is the document's content hash; By the approver.
	SHA256 string `json:"sha256,omitempty"`
	By     string `json:"by,omitempty"`
	// CheckErrors counts the spec checks' errors approved over
	// (-ignore-checks).
	CheckErrors int `json:"check_errors"`
	// Hooks are the spec.approved hooks now due: they run in the next
	// apply, never on the approver's machine. [] when none.
	Hooks []string `json:"hooks"`
}

// approveSummaryMessage ends "approve -json".
type approveSummaryMessage struct {
	envelope
	// Approved counts the approvals recorded now; Already those that
	// stood; Skipped the specs with nothing to approve.
	Approved int `json:"approved"`
	Already  int `json:"already"`
	Skipped  int `json:"skipped"`
}

// revocationMessage (type "revoke_result") is one approval removed by
// "revoke -json".
type revocationMessage struct {
	envelope
	Address string `json:"address"`
}

// revokeSummaryMessage ends "revoke -json".
type revokeSummaryMessage struct {
	envelope
	// Revoked counts the approvals removed.
	Revoked int `json:"revoked"`
}

// list returns s, or an empty list for nil: a reader gets [] rather than
// null or a missing field.
func list(s []string) []string {
	if s == nil {
		return []string{}
	}
	return slices.Clone(s)
}

// timestamp formats the time of a message.
func timestamp(t time.Time) string {
	return t.UTC().Format(time.RFC3339Nano)
}
