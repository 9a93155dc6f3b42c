package main

// The messages of "show -trace -json": one trace_criterion per acceptance
// criterion (or bugfix clause), then a trace_summary.

// traceCriterionMessage is one criterion and the tasks that cite it.
type traceCriterionMessage struct {
	envelope
	// Feature is the feature's name; ID the criterion's id ("1.2"), Text
	// its text.
	Feature string `json:"feature"`
	ID      string `json:"id"`
	Text    string `json:"text"`
	// Covered is true when a task that runs cites it (not an optional
	// task left out), Done when one that does is done.
	Covered bool `json:"covered"`
	Done    bool `json:"done"`
	// Tasks are the tasks citing it, in document order; [] when none.
	Tasks []traceTaskField `json:"tasks"`
}

// traceTaskField is a task citing a criterion, with its evidence.
type traceTaskField struct {
	// Address is the task's node, "" when no codegen carries out the
	// feature's tasks; ID and Title are the task's in the document.
	Address string `json:"address"`
	ID      string `json:"id"`
	Title   string `json:"title"`
	// Action is its plan action ("" without a codegen), Done whether it is
	// up to date and recorded done, Ticked whether its box is ticked.
	Action string `json:"action"`
	Done   bool   `json:"done"`
	Ticked bool   `json:"ticked"`
	// Files are the files it wrote with their hashes, Hooks the hooks that
	// ran after it with their exit status, as the lock records them.
	Files map[string]string `json:"files"`
	Hooks map[string]int    `json:"hooks"`
	// Optional is true for an optional task, Skipped when its codegen
	// leaves it out; AcceptedBy names who accepted a tick made by hand,
	// when that is its only evidence.
	Optional   bool   `json:"optional"`
	Skipped    bool   `json:"skipped"`
	AcceptedBy string `json:"accepted_by,omitempty"`
}

// traceSummaryMessage ends "show -trace -json".
type traceSummaryMessage struct {
	envelope
	// Criteria counts the criteria traced, Covered those a task cites,
	// Done those a task that is done cites.
	Criteria int `json:"criteria"`
	Covered  int `json:"covered"`
	Done     int `json:"done"`
	// Uncovered names the criteria no task cites, "feature.F ID"; [].
	Uncovered []string `json:"uncovered"`
}
