package main

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	plugin "github.com/hashicorp/go-plugin"

	"github.com/kirofile/kirofile/plugins/host"
	"github.com/kirofile/kirofile/plugins/sdk"
)

// TestPluginBinary builds this example as a third-party plugin, pins its
// checksum and runs it through the plugin manager, as kirofile does.
func TestPluginBinary(t *testing.T) {
	goBin, err := exec.LookPath("go")
	if err != nil {
		t.Skip("the go command is not on PATH; cannot build the example plugin")
	}
	defer plugin.CleanupClients()
	dir := t.TempDir()
	bin := filepath.Join(dir, sdk.BinaryName(sdk.KindAction, "wordcount"))
	build := exec.Command(goBin, "build", "-o", bin, ".")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	sum, err := host.Checksum(bin)
	if err != nil {
		t.Fatal(err)
	}
	project := t.TempDir()
	os.WriteFile(filepath.Join(project, "short.md"), []byte("one two three"), 0o644)
	os.WriteFile(filepath.Join(project, "long.md"), []byte(strings.Repeat("word ", 20)), 0o644)

	m := host.NewManager(host.ManagerOptions{Dir: project})
	defer m.Close()
	if err := m.Register(host.ThirdPartyLauncher(sdk.KindAction, "wordcount", bin, sum)); err != nil {
		t.Fatal(err)
	}
	a, err := m.Action(context.Background(), "wordcount")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		files  []string
		config string
		passed bool
		output string
	}{
		{[]string{"short.md"}, `{"max_words":5}`, true, "short.md: 3 words\n"},
		{[]string{"short.md", "long.md"}, `{"max_words":5}`, false, "long.md has more than 5 words"},
		{[]string{"long.md"}, ``, true, "long.md: 20 words\n"},
	}
	for _, tt := range tests {
		res, err := a.Run(context.Background(), sdk.ActionRequest{ProjectDir: project, FilesWritten: tt.files, Config: []byte(tt.config)})
		if err != nil {
			t.Fatal(err)
		}
		if res.Passed != tt.passed || !strings.Contains(string(res.Output), tt.output) {
			t.Errorf("%v: passed %v, output %q", tt.files, res.Passed, res.Output)
		}
	}
	_, err = a.Run(context.Background(), sdk.ActionRequest{ProjectDir: project, FilesWritten: []string{"nope.md"}})
	if err == nil || !strings.Contains(err.Error(), `plugin "wordcount"`) {
		t.Errorf("err = %v", err)
	}
}
