package lang

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// Run in a subdirectory of a project, kirofile does not take the project
// above (as Terraform does not) but says where it is.
func TestNoKirofileNamesTheProjectAbove(t *testing.T) {
	root := t.TempDir()
	deeper := filepath.Join(root, "svc", "store")
	if err := os.MkdirAll(deeper, 0o755); err != nil {
		t.Fatal(err)
	}
	detail := func(dir string) string {
		_, diags := Load(dir, LoadOptions{})
		if len(diags) != 1 || diags[0].Summary != "No Kirofile found" {
			t.Fatalf("diags = %v", diags)
		}
		return diags[0].Detail
	}
	if projectAbove(root) != "" {
		t.Skip("a directory above the test's has a Kirofile")
	}
	if d := detail(deeper); !strings.Contains(d, "-chdir=DIR") {
		t.Errorf("no project above: %s", d)
	}
	if err := os.WriteFile(filepath.Join(root, "Kirofile"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	want := filepath.Join("..", "..")
	if d := detail(deeper); !strings.Contains(d, want+", above it, has one") || !strings.Contains(d, "-chdir="+want+".") {
		t.Errorf("project two levels up: %s", d)
	}
}
