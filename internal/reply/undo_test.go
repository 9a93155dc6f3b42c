package reply

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"testing"
)

// A change undone puts back the files it replaced and removes those it
// created, where keep allows; the others stay as the change left them.
func TestUndo(t *testing.T) {
	tests := []struct {
		name        string
		keep        func(string) bool
		wantOld     string // svc/old.go after the undo
		wantNew     bool   // svc/new.go still there
		wantRemoved []string
	}{
		{"all", func(string) bool { return true }, "old\n", false, []string{"svc/new.go"}},
		{"only the old file", func(p string) bool { return p == "svc/old.go" }, "old\n", true, nil},
		{"none", func(string) bool { return false }, "changed\n", true, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			if err := os.MkdirAll(filepath.Join(dir, "svc"), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(dir, "svc", "old.go"), []byte("old\n"), 0o600); err != nil {
				t.Fatal(err)
			}
			c, err := Plan(context.Background(), dir, Scope{Outputs: []string{"svc/**"}},
				[]Edit{{Path: "svc/old.go", Whole: whole("changed\n")}, {Path: "svc/new.go", Whole: whole("new\n")}})
			if err != nil {
				t.Fatal(err)
			}
			prior, err := c.Prior(dir)
			if err != nil {
				t.Fatal(err)
			}
			if string(prior["svc/old.go"]) != "old\n" || prior["svc/new.go"] != nil {
				t.Fatalf("prior %q", prior)
			}
			if _, err := c.Write(dir); err != nil {
				t.Fatal(err)
			}
			written, removed, err := c.Undo(dir, prior, tt.keep)
			if err != nil {
				t.Fatal(err)
			}
			data, _ := os.ReadFile(filepath.Join(dir, "svc", "old.go"))
			if string(data) != tt.wantOld {
				t.Errorf("svc/old.go %q, want %q", data, tt.wantOld)
			}
			fi, err := os.Stat(filepath.Join(dir, "svc", "old.go"))
			if err != nil || fi.Mode().Perm() != 0o600 {
				t.Errorf("svc/old.go mode %v (%v), want 0600 kept", fi.Mode().Perm(), err)
			}
			if _, err := os.Stat(filepath.Join(dir, "svc", "new.go")); (err == nil) != tt.wantNew {
				t.Errorf("svc/new.go there: %v, want %v", err == nil, tt.wantNew)
			}
			if !slices.Equal(removed, tt.wantRemoved) {
				t.Errorf("removed %v, want %v", removed, tt.wantRemoved)
			}
			if _, ok := written["svc/old.go"]; ok != (tt.wantOld == "old\n") {
				t.Errorf("written %v", written)
			}
		})
	}
}
