package plan

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"maps"
	"slices"
	"sort"
	"strings"

	"github.com/zclconf/go-cty/cty"
	ctyjson "github.com/zclconf/go-cty/cty/json"

	"github.com/kirofile/kirofile/lang"
)

// Input names recorded in the lock, so that plan can say which changed.
const (
	InputConfig      = "config"
	InputDescription = "description"
	InputProvider    = "provider"
	InputSteering    = "steering"
	InputContext     = "context"
	InputTemplate    = "template"
	upstreamPrefix   = "upstream."
)

// inputReasons phrase a changed input for people.
var inputReasons = map[string]string{
	InputConfig:      "its configuration changed",
	InputDescription: "the feature description changed",
	InputProvider:    "the provider or model changed",
	InputSteering:    "steering changed",
	InputContext:     "context files changed",
	InputTemplate:    "the prompt template changed",
}

// hashString returns "sha256:<hex>" of s.
func hashString(s string) string {
	sum := sha256.Sum256([]byte(s))
	return "sha256:" + hex.EncodeToString(sum[:])
}

// combine folds named hashes into one fingerprint, independent of map order.
func combine(inputs map[string]string) string {
	keys := make([]string, 0, len(inputs))
	for k := range inputs {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	for _, k := range keys {
		b.WriteString(k)
		b.WriteByte('=')
		b.WriteString(inputs[k])
		b.WriteByte('\n')
	}
	return hashString(b.String())
}

// configHash hashes a node's evaluated configuration. Sensitive values are
// left out entirely: their hash would leak nothing usable, but they must
// never reach the lock in any form. The approval mode is left out too:
// switching a spec between human and auto approval is no reason to spend
// tokens regenerating it.
func configHash(config map[string]cty.Value) string {
	keys := make([]string, 0, len(config))
	for k := range config {
		if k == "approval" {
			continue
		}
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	for _, k := range keys {
		v := config[k]
		if lang.Sensitive(v) || !v.IsWhollyKnown() {
			continue
		}
		raw, err := ctyjson.Marshal(v, v.Type())
		if err != nil {
			continue
		}
		b.WriteString(k)
		b.WriteByte('=')
		b.Write(raw)
		b.WriteByte('\n')
	}
	return hashString(b.String())
}

// providerHash covers what decides a reply's content: the provider type and
// the model. Endpoints, keys and timeouts do not.
func providerHash(cfg *lang.Config, key string) string {
	p, ok := cfg.Providers[key]
	if !ok {
		return hashString("none")
	}
	model := ""
	if v, ok := p.Config["model"]; ok && v.IsWhollyKnown() && !v.IsNull() && !lang.Sensitive(v) {
		model = v.AsString()
	}
	raw, _ := json.Marshal([]string{p.Type, model})
	return hashString(string(raw))
}

func sortedKeys[V any](m map[string]V) []string { return slices.Sorted(maps.Keys(m)) }
