package host

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/kirofile/kirofile/lang"
)

func TestProviderConfigJSON(t *testing.T) {
	dir := t.TempDir()
	kf := `
provider "replay" "main" {
  cassette = "c.json"
  mode     = "record"
  model    = "m"
  base_url = "http://x/v1"
}
provider "openai" "direct" {
  model       = "m"
  temperature = 0
  headers     = { "X-Team" = "core" }
}
`
	if err := os.WriteFile(filepath.Join(dir, "Kirofile"), []byte(kf), 0o644); err != nil {
		t.Fatal(err)
	}
	cfg, diags := lang.Load(dir, lang.LoadOptions{})
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	tests := []struct {
		key  string
		want string
	}{
		{"replay.main", `{"cassette":"c.json","mode":"record","provider":"openai","provider_config":{"base_url":"http://x/v1","model":"m"}}`},
		{"openai.direct", `{"headers":{"X-Team":"core"},"model":"m","temperature":0}`},
	}
	for _, tt := range tests {
		raw, err := ProviderConfigJSON(cfg.Providers[tt.key])
		if err != nil {
			t.Fatal(err)
		}
		var got, want any
		_ = json.Unmarshal(raw, &got)
		_ = json.Unmarshal([]byte(tt.want), &want)
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("%s: %s, want %s", tt.key, raw, tt.want)
		}
	}
}
