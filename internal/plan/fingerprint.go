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

// inputReasons phrase a changed input.
var inputReasons = map[string]Reason{
	InputConfig:      {CodeConfigChanged, "its configuration changed"},
	InputDescription: {CodeDescriptionChanged, "the feature description changed"},
	InputProvider:    {CodeProviderChanged, "the provider or model changed"},
	InputSteering:    {CodeSteeringChanged, "steering changed"},
	InputContext:     {CodeContextChanged, "context files changed"},
	InputTemplate:    {CodeTemplateChanged, "the prompt template changed"},
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
		raw, err := ctyjson.Marshal(normalizeText(v), v.Type())
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

// normalizeText turns every CRLF in the strings of v into LF, as digest
// does for files: a prompt read with file() from a Windows-style checkout
// is the same prompt.
func normalizeText(v cty.Value) cty.Value {
	out, err := cty.Transform(v, func(_ cty.Path, v cty.Value) (cty.Value, error) {
		if v.Type() == cty.String && v.IsKnown() && !v.IsNull() && !v.IsMarked() {
			if s := v.AsString(); strings.Contains(s, "\r\n") {
				return cty.StringVal(strings.ReplaceAll(s, "\r\n", "\n")), nil
			}
		}
		return v, nil
	})
	if err != nil {
		return v
	}
	return out
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

// whollyKnown reports whether every value of a node's configuration is
// known: a variable without a value makes one unknown.
func whollyKnown(config map[string]cty.Value) bool {
	for _, v := range config {
		if !v.IsWhollyKnown() {
			return false
		}
	}
	return true
}

func sortedKeys[V any](m map[string]V) []string { return slices.Sorted(maps.Keys(m)) }
