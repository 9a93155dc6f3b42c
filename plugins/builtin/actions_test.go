package builtin

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kirofile/kirofile/plugins/sdk"

	"github.com/kirofile/kirofile/providers"
)

func execReq(t *testing.T, dir string, cfg ExecConfig) sdk.ActionRequest {
	b, err := json.Marshal(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return sdk.ActionRequest{Event: "codegen.completed", NodeAddress: "feature.f.codegen.c", ProjectDir: dir, Config: b}
}

func TestExecAction(t *testing.T) {
	dir := t.TempDir()
	if err := os.Mkdir(filepath.Join(dir, "sub"), 0o755); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		cfg     ExecConfig
		passed  bool
		output  []string
		wantErr string
	}{
		{name: "pass", cfg: ExecConfig{Command: []string{"sh", "-c", "echo out; echo err >&2"}}, passed: true, output: []string{"out\n", "err\n"}},
		{name: "no shell expansion", cfg: ExecConfig{Command: []string{"echo", "$HOME", "*"}}, passed: true, output: []string{"$HOME *"}},
		{name: "exit status", cfg: ExecConfig{Command: []string{"sh", "-c", "echo broken; exit 3"}}, output: []string{"broken", "exited with status 3"}},
		{name: "env and dir", cfg: ExecConfig{Command: []string{"sh", "-c", "echo $GREETING; pwd"}, Env: map[string]string{"GREETING": "hi"}, Dir: "sub"}, passed: true, output: []string{"hi\n", filepath.Join(dir, "sub")}},
		{name: "timeout", cfg: ExecConfig{Command: []string{"sh", "-c", "echo started; sleep 30"}, Timeout: "200ms"}, output: []string{"started", "timed out after 200ms and was killed"}},
		{name: "not found", cfg: ExecConfig{Command: []string{"kirofile-no-such-command"}}, wantErr: "cannot run"},
		{name: "no command", cfg: ExecConfig{}, wantErr: "command is required"},
		{name: "bad timeout", cfg: ExecConfig{Command: []string{"true"}, Timeout: "-1s"}, wantErr: "timeout"},
		{name: "dir escapes", cfg: ExecConfig{Command: []string{"true"}, Dir: "../x"}, wantErr: "leaves the project"},
		{name: "dir absolute", cfg: ExecConfig{Command: []string{"true"}, Dir: "/tmp"}, wantErr: "absolute"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, err := ExecAction{}.Run(context.Background(), execReq(t, dir, tt.cfg))
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if res.Passed != tt.passed {
				t.Errorf("passed = %v, output %q", res.Passed, res.Output)
			}
			for _, w := range tt.output {
				if !strings.Contains(string(res.Output), w) {
					t.Errorf("output %q lacks %q", res.Output, w)
				}
			}
		})
	}
	if _, err := (ExecAction{}).Run(context.Background(), sdk.ActionRequest{ProjectDir: dir, Config: []byte(`{"command":["true"],"shell":true}`)}); !errors.Is(err, providers.ErrConfig) {
		t.Errorf("unknown attribute: err = %v", err)
	}
}

func TestExecOutputCapped(t *testing.T) {
	dir := t.TempDir()
	res, err := ExecAction{}.Run(context.Background(), execReq(t, dir, ExecConfig{Command: []string{"sh", "-c", "echo FIRST; head -c 200000 /dev/zero | tr '\\0' x; echo; echo LAST; exit 1"}}))
	if err != nil {
		t.Fatal(err)
	}
	out := string(res.Output)
	if len(out) > MaxExecOutput+512 {
		t.Errorf("output is %d bytes", len(out))
	}
	for _, w := range []string{"FIRST", "LAST", "output truncated", "exited with status 1"} {
		if !strings.Contains(out, w) {
			t.Errorf("output lacks %q", w)
		}
	}
}

const requirementsMD = `# Requirements Document

## Introduction

Send notifications by email
and by SMS.

## Requirements

### Requirement 1

**User Story:** As a user, I want email, so that I know.

#### Acceptance Criteria

1. WHEN an order ships THEN the system SHALL send an email
2. IF the address is invalid THEN the system SHALL log it

### Requirement 2

**User Story:** As a user, I want SMS.

#### Acceptance Criteria

1. WHEN a user opts in THEN the system SHALL send an SMS
`

const tasksMD = `# Implementation Plan

- [x] 1. Set up the module
  - create go.mod
  - _Requirements: 1.1_
- [ ] 2. Send email
  - [ ] 2.1 Write the client
`

func TestPRDescription(t *testing.T) {
	dir := t.TempDir()
	specs := filepath.Join(dir, ".kiro", "specs", "notify")
	os.MkdirAll(specs, 0o755)
	os.WriteFile(filepath.Join(specs, "requirements.md"), []byte(requirementsMD), 0o644)
	os.WriteFile(filepath.Join(specs, "tasks.md"), []byte(tasksMD), 0o644)
	req := sdk.ActionRequest{
		Event: "codegen.completed", Feature: "notify", ProjectDir: dir, Config: []byte(`{"output":"PR.md"}`),
		SpecDocuments: []sdk.SpecDocument{
			{Name: "requirements", Path: ".kiro/specs/notify/requirements.md"},
			{Name: "design", Path: ".kiro/specs/notify/missing.md"},
			{Name: "tasks", Path: ".kiro/specs/notify/tasks.md"},
		},
	}
	res, err := PRDescriptionAction{}.Run(context.Background(), req)
	if err != nil {
		t.Fatal(err)
	}
	want := `# notify

## Summary

Send notifications by email
and by SMS.

## Acceptance criteria

- [ ] 1.1 WHEN an order ships THEN the system SHALL send an email
- [ ] 1.2 IF the address is invalid THEN the system SHALL log it
- [ ] 2.1 WHEN a user opts in THEN the system SHALL send an SMS

## Tasks

- [x] 1. Set up the module
- [ ] 2. Send email
  - [ ] 2.1 Write the client

_Generated by kirofile from .kiro/specs/notify/requirements.md, .kiro/specs/notify/tasks.md._
`
	if string(res.Output) != want {
		t.Errorf("got:\n%s\nwant:\n%s", res.Output, want)
	}
	written, err := os.ReadFile(filepath.Join(dir, "PR.md"))
	if err != nil || string(written) != want {
		t.Errorf("file: %v\n%s", err, written)
	}
	if !res.Passed || len(res.Diagnostics) != 1 || res.Diagnostics[0].Severity != providers.SeverityWarning {
		t.Errorf("res = %+v", res)
	}
	// Hostile paths are refused.
	for _, cfg := range []string{`{"output":"../evil.md"}`, `{"output":"/etc/x"}`} {
		req.Config = []byte(cfg)
		if _, err := (PRDescriptionAction{}).Run(context.Background(), req); err == nil {
			t.Errorf("%s accepted", cfg)
		}
	}
	req.Config = nil
	req.SpecDocuments = []sdk.SpecDocument{{Name: "requirements", Path: "../../etc/passwd"}}
	if _, err := (PRDescriptionAction{}).Run(context.Background(), req); err == nil {
		t.Error("spec path outside the project accepted")
	}
}

func TestPRDescriptionEmptyInputs(t *testing.T) {
	got := BuildPRDescription("", "", "", nil)
	if !strings.Contains(got, "# Pull request") || !strings.Contains(got, "No requirements introduction") {
		t.Errorf("got %q", got)
	}
	// No Introduction heading: the first paragraph is the summary.
	if got := BuildPRDescription("t", "# R\n\nFirst para.\n\nSecond.", "", nil); !strings.Contains(got, "First para.\n\n## ") && !strings.Contains(got, "First para.\n\n") {
		t.Errorf("got %q", got)
	}
}
