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
// uiVersion versions the format: a minor bump adds fields or message
// types, a major bump breaks readers.
const uiVersion = "2.0"

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
	Address string `json:"address"`
	Kind    string `json:"kind"`
	// Action is the node's plan state (create, update, retry, approve,
	// drift, blocked, no-op); Symbol its one-character mark.
	Action    string   `json:"action"`
	Symbol    string   `json:"symbol"`
	Reasons   []string `json:"reasons"`
	BlockedBy string   `json:"blocked_by,omitempty"`
	Files     []string `json:"files"`
	// Fingerprint is known before apply when the node's upstream
	// documents exist; Document is a spec document's content hash.
	Fingerprint string `json:"fingerprint,omitempty"`
	Document    string `json:"document,omitempty"`
}

func newPlannedChange(c *plan.Change) *plannedChangeMessage {
	return &plannedChangeMessage{
		Address: c.Address, Kind: c.Kind, Action: string(c.State), Symbol: c.State.Symbol(),
		Reasons: list(c.Reasons), BlockedBy: c.BlockedBy, Files: list(c.Files),
		Fingerprint: c.Fingerprint, Document: c.Document,
	}
}

// planSummaryMessage ends a plan.
type planSummaryMessage struct {
	envelope
	Changes bool           `json:"changes"`
	Counts  map[string]int `json:"counts"`
	Text    string         `json:"text"`
}

func newPlanSummary(p *plan.Plan) *planSummaryMessage {
	counts := map[string]int{}
	all := p.Counts()
	for _, s := range plan.PlanStates {
		counts[string(s)] = all[s]
	}
	return &planSummaryMessage{Changes: p.HasChanges(), Counts: counts, Text: planSummary(p)}
}

// planSavedMessage says where plan -out wrote the plan.
type planSavedMessage struct {
	envelope
	Path string `json:"path"`
}

// nodeStartedMessage: apply started generating a node.
type nodeStartedMessage struct {
	envelope
	Address string `json:"address"`
	// Action is create, update or retry.
	Action  string `json:"action"`
	Message string `json:"message,omitempty"`
}

// nodeProgressMessage: a reply is streaming in.
type nodeProgressMessage struct {
	envelope
	Address        string `json:"address"`
	Attempt        int    `json:"attempt"`
	Chunks         int    `json:"chunks"`
	TokensEstimate int    `json:"tokens_estimate"`
}

// hookResultMessage: a hook ran for a node.
type hookResultMessage struct {
	envelope
	Address string `json:"address"`
	Hook    string `json:"hook"`
	Passed  bool   `json:"passed"`
	Output  string `json:"output,omitempty"`
	Message string `json:"message,omitempty"`
}

// nodeFinishedMessage: how a node ended.
type nodeFinishedMessage struct {
	envelope
	Address string `json:"address"`
	// Status is the node's state at the end: generated, no-op, approve,
	// blocked, drift, failed or cancelled.
	Status    string      `json:"status"`
	Message   string      `json:"message,omitempty"`
	Files     []string    `json:"files"`
	Usage     *usageField `json:"usage,omitempty"`
	ElapsedMS int64       `json:"elapsed_ms"`
}

// usageField counts a node's tokens.
type usageField struct {
	PromptTokens     int `json:"prompt_tokens"`
	CompletionTokens int `json:"completion_tokens"`
}

func newUsage(u *providers.Usage) *usageField {
	if u == nil {
		return nil
	}
	return &usageField{PromptTokens: u.PromptTokens, CompletionTokens: u.CompletionTokens}
}

// newApplyEvent converts an apply event to its message.
func newApplyEvent(e apply.Event) message {
	switch e.Type {
	case apply.EventNodeStarted:
		return &nodeStartedMessage{Address: e.Address, Action: string(e.State), Message: e.Message}
	case apply.EventNodeProgress:
		return &nodeProgressMessage{Address: e.Address, Attempt: e.Attempt, Chunks: e.Chunks, TokensEstimate: e.TokensEstimate}
	case apply.EventHookResult:
		return &hookResultMessage{Address: e.Address, Hook: e.Hook, Passed: e.Passed, Output: e.Output, Message: e.Message}
	}
	return &nodeFinishedMessage{Address: e.Address, Status: string(e.State), Message: e.Message, Files: list(e.Files),
		Usage: newUsage(e.Usage), ElapsedMS: e.Elapsed.Milliseconds()}
}

// interruptedMessage: the first Ctrl-C arrived.
type interruptedMessage struct {
	envelope
}

// applySummaryMessage ends every apply -json, interrupted or not.
type applySummaryMessage struct {
	envelope
	Interrupted bool                      `json:"interrupted"`
	Counts      map[string]int            `json:"counts"`
	Tokens      map[string]map[string]int `json:"tokens"`
	Requests    int                       `json:"requests"`
}

// nodeStatusMessage is one node in "show -json".
type nodeStatusMessage struct {
	envelope
	Address string `json:"address"`
	Kind    string `json:"kind"`
	// Status words the state for people ("awaiting approval"); Action is
	// the plan state.
	Status   string         `json:"status"`
	Action   string         `json:"action"`
	Reasons  []string       `json:"reasons"`
	Path     string         `json:"path,omitempty"`
	Approval *approvalField `json:"approval,omitempty"`
	Document string         `json:"document,omitempty"`
}

type approvalField struct {
	SHA256 string `json:"sha256"`
	By     string `json:"by"`
	At     string `json:"at"`
	// Current is true when the approval matches the document on disk.
	Current bool `json:"current"`
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
