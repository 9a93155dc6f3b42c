package lang

import (
	"slices"
	"testing"
)

// TestProviderLimits checks call_timeout and max_reply_bytes, which every
// provider block accepts, a third-party one's too.
func TestProviderLimits(t *testing.T) {
	for _, tc := range []struct {
		name, block string
		want        []string
	}{
		{"built-in, good", `provider "openai" "main" {
  model           = "m"
  call_timeout    = "20m"
  max_reply_bytes = 4194304
}`, nil},
		{"built-in, bad", `provider "openai" "main" {
  model           = "m"
  call_timeout    = "soon"
  max_reply_bytes = 0
}`, []string{"error Kirofile:8,21: Invalid call_timeout", "error Kirofile:9,21: Invalid max_reply_bytes"}},
		{"third-party, good", `provider "mine" "main" {
  anything        = [1, 2]
  call_timeout    = "1h"
  max_reply_bytes = 1000
}`, nil},
		{"third-party, bad", `provider "mine" "main" {
  call_timeout    = 30
  max_reply_bytes = "big"
}`, []string{"error Kirofile:7,21: Invalid call_timeout", "error Kirofile:8,21: Incorrect attribute value type"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := writeProject(t, map[string]string{"Kirofile": `kirofile {
  plugin "mine" {
    source = "./kirofile-provider-mine"
  }
}
` + tc.block})
			_, diags := Load(dir, LoadOptions{})
			var got []string
			for _, d := range diags {
				got = append(got, diagLine(d))
			}
			if !slices.Equal(got, tc.want) {
				t.Errorf("diagnostics:\n%q\nwant\n%q", got, tc.want)
			}
		})
	}
}
