package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/kirofile/kirofile/internal/runlock"
)

// TestLockTimeout: a command finding the project busy fails at once and
// says how to wait; with -lock-timeout it waits for the run lock, as
// Terraform's -lock-timeout waits for the state lock.
func TestLockTimeout(t *testing.T) {
	dir := t.TempDir()
	files := map[string]string{
		"Kirofile": "provider \"replay\" \"main\" {\n  cassette = \"c.json\"\n}\nfeature \"a\" {\n  spec \"requirements\" {}\n}\n",
		".kiro/specs/a/requirements.md": "# Requirements Document\n\n## Requirements\n\n### Requirement 1\n\n**User Story:** As a user, I want a thing, so that I have it.\n\n" +
			"#### Acceptance Criteria\n\n1. WHEN asked THEN the system SHALL answer.\n",
	}
	for name, content := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	held, err := runlock.Acquire(dir, "kirofile apply", 0)
	if err != nil {
		t.Fatal(err)
	}
	code, _, stderr := runCapture(t, "", "-chdir="+dir, "approve", "-by=ana", "feature.a")
	if code != exitError || !strings.Contains(stderr, "Another kirofile command is changing this project") || !strings.Contains(stderr, "-lock-timeout=DURATION") {
		t.Fatalf("busy project: exit %d\n%s", code, stderr)
	}

	done := make(chan struct{})
	var waitedCode int
	var waitedOut, waitedErr string
	go func() {
		defer close(done)
		waitedCode, waitedOut, waitedErr = runCapture(t, "", "-chdir="+dir, "approve", "feature.a", "-by=ana", "-lock-timeout=1m")
	}()
	select {
	case <-done:
		t.Fatalf("approve did not wait for the run lock: exit %d\n%s%s", waitedCode, waitedOut, waitedErr)
	case <-time.After(300 * time.Millisecond):
	}
	held.Release()
	<-done
	if waitedCode != exitOK || !strings.Contains(waitedOut, "Approved feature.a.spec.requirements") {
		t.Fatalf("after waiting: exit %d\n%s%s", waitedCode, waitedOut, waitedErr)
	}
}
