package plan

import "testing"

// What a task waits for is named for what happened to it: a file deleted
// is not an edit.
func TestWaitPhraseOf(t *testing.T) {
	tests := []struct {
		state State
		codes []string
		want  string
	}{
		{Create, nil, "not generated yet"},
		{Drift, []string{CodeFilesDeleted, CodeDriftHint}, "its files deleted outside kirofile"},
		{Drift, []string{CodeFilesEdited, CodeDriftHint}, "its files edited outside kirofile"},
		{Drift, []string{CodeFilesEdited, CodeFilesDeleted}, "its files edited and deleted outside kirofile"},
		{Drift, []string{CodeTickedWithoutEvidence}, "ticked without evidence that it was done"},
		{Drift, nil, "changed outside kirofile"},
	}
	for _, tt := range tests {
		c := &Change{State: tt.state}
		for _, code := range tt.codes {
			c.Reasons = append(c.Reasons, Reason{Code: code})
		}
		if got := waitPhraseOf(c); got != tt.want {
			t.Errorf("%s %v: %q, want %q", tt.state, tt.codes, got, tt.want)
		}
	}
}
