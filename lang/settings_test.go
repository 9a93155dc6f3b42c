package lang

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestMaxPromptTokens(t *testing.T) {
	tests := []struct {
		name, block string
		want        int
		wantErr     string
	}{
		{"default", ``, DefaultMaxPromptTokens, ""},
		{"set", `kirofile {
  max_prompt_tokens = 200000
}`, 200000, ""},
		{"zero", `kirofile {
  max_prompt_tokens = 0
}`, 0, "Kirofile:2,23-24: Invalid max_prompt_tokens"},
		{"fraction", `kirofile {
  max_prompt_tokens = 1.5
}`, 0, "Invalid max_prompt_tokens"},
		{"string", `kirofile {
  max_prompt_tokens = "many"
}`, 0, "Incorrect attribute value type"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			if err := os.WriteFile(filepath.Join(dir, "Kirofile"), []byte(tt.block+"\n"), 0o644); err != nil {
				t.Fatal(err)
			}
			cfg, diags := Load(dir, LoadOptions{})
			if tt.wantErr != "" {
				if !diags.HasErrors() || !strings.Contains(diags.Error(), tt.wantErr) {
					t.Fatalf("diags = %v, want %q", diags, tt.wantErr)
				}
				return
			}
			if diags.HasErrors() {
				t.Fatal(diags)
			}
			if got := cfg.Settings.PromptTokenLimit(); got != tt.want {
				t.Errorf("PromptTokenLimit = %d, want %d", got, tt.want)
			}
		})
	}
}
