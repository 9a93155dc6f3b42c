//go:build unix

package host

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kirofile/kirofile/plugins/sdk"
)

// TestStartFailures checks what a plugin that fails to start is reported
// as: one that exits at once, with its status and what it wrote on
// stderr; one that prints something else than the handshake, with that.
func TestStartFailures(t *testing.T) {
	for _, tc := range []struct{ name, script, want string }{
		{"exits silently", "exit 3", `exited at start with exit status 3, before completing kirofile's plugin handshake; it wrote nothing on stderr`},
		{"exits with a message", "echo 'panic: boom' >&2; exit 2", "exited at start with exit status 2, before completing kirofile's plugin handshake; its last output:\npanic: boom"},
		{"not a plugin", "echo 'hello, I am not a plugin'; sleep 5", "Unrecognized remote plugin message: hello, I am not a plugin; it wrote nothing on stderr"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, "kirofile-action-bad")
			if err := os.WriteFile(path, []byte("#!/bin/sh\n"+tc.script+"\n"), 0o755); err != nil {
				t.Fatal(err)
			}
			m := newTestManager(t, ManagerOptions{Dir: dir}, Launcher{Name: "bad", Kind: sdk.KindAction, Path: path})
			err := m.Start(sdk.KindAction, "bad")
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v\nwant it to contain %q", err, tc.want)
			}
			if strings.Contains(err.Error(), "This usually means") {
				t.Errorf("go-plugin's generic advice is passed on: %v", err)
			}
		})
	}
}
