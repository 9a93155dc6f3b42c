package lockfile

import (
	"bytes"
	"testing"

	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/hashicorp/hcl/v2/hclwrite"
	"github.com/zclconf/go-cty/cty"
)

// referenceBytes builds the lock the straightforward way, as an hclwrite
// file run through hclwrite.Format. Bytes lays the text out itself for
// speed; this is the oracle it must match byte for byte.
func referenceBytes(l *Lock) []byte {
	f := hclwrite.NewEmptyFile()
	root := f.Body()
	root.SetAttributeValue("version", cty.NumberIntVal(Version))
	if l != nil {
		for _, e := range normalizedEntries(l.Plugins, isNilPlugin) {
			root.AppendNewline()
			b := root.AppendNewBlock("plugin", []string{e.key}).Body()
			b.SetAttributeValue("source", cty.StringVal(e.val.Source))
			if legacy, ok := e.val.Hashes[""]; ok && len(e.val.Hashes) == 1 {
				b.SetAttributeValue("sha256", cty.StringVal(legacy))
				continue
			}
			var attrs []hclwrite.ObjectAttrTokens
			for _, h := range normalizedEntries(e.val.Hashes, nil) {
				attrs = append(attrs, hclwrite.ObjectAttrTokens{Name: referenceKey(h.key), Value: hclwrite.TokensForValue(cty.StringVal(h.val))})
			}
			b.SetAttributeRaw("sha256", hclwrite.TokensForObject(attrs))
		}
		for _, e := range normalizedEntries(l.Nodes, isNilNode) {
			root.AppendNewline()
			referenceNode(root.AppendNewBlock("node", []string{e.key}).Body(), e.val)
		}
	}
	return hclwrite.Format(append([]byte(header), f.Bytes()...))
}

func referenceNode(b *hclwrite.Body, n *Node) {
	if n.Fingerprint != "" {
		b.SetAttributeValue("fingerprint", cty.StringVal(n.Fingerprint))
	}
	if n.Status != "" {
		b.SetAttributeValue("status", cty.StringVal(n.Status))
	}
	if n.Attempts != 0 {
		b.SetAttributeValue("attempts", cty.NumberIntVal(int64(n.Attempts)))
	}
	if n.Error != "" {
		b.SetAttributeValue("error", cty.StringVal(n.Error))
	}
	for _, m := range []struct {
		name string
		m    map[string]string
	}{{"inputs", n.Inputs}, {"outputs", n.Outputs}} {
		if len(m.m) == 0 {
			continue
		}
		var attrs []hclwrite.ObjectAttrTokens
		for _, e := range normalizedEntries(m.m, nil) {
			attrs = append(attrs, hclwrite.ObjectAttrTokens{Name: referenceKey(e.key), Value: hclwrite.TokensForValue(cty.StringVal(e.val))})
		}
		b.SetAttributeRaw(m.name, hclwrite.TokensForObject(attrs))
	}
	if len(n.Hooks) > 0 {
		var attrs []hclwrite.ObjectAttrTokens
		for _, e := range normalizedEntries(n.Hooks, nil) {
			attrs = append(attrs, hclwrite.ObjectAttrTokens{Name: referenceKey(e.key), Value: hclwrite.TokensForValue(cty.NumberIntVal(int64(e.val)))})
		}
		b.SetAttributeRaw("hooks", hclwrite.TokensForObject(attrs))
	}
	if n.Usage != (Usage{}) {
		u := b.AppendNewBlock("usage", nil).Body()
		u.SetAttributeValue("prompt_tokens", cty.NumberIntVal(int64(n.Usage.PromptTokens)))
		if n.Usage.CachedTokens != 0 {
			u.SetAttributeValue("cached_tokens", cty.NumberIntVal(int64(n.Usage.CachedTokens)))
		}
		u.SetAttributeValue("completion_tokens", cty.NumberIntVal(int64(n.Usage.CompletionTokens)))
		if n.Usage.Estimated {
			u.SetAttributeValue("estimated", cty.True)
		}
		if n.Usage.Cost != "" {
			u.SetAttributeValue("cost", cty.StringVal(n.Usage.Cost))
		}
		if n.Usage.Currency != "" {
			u.SetAttributeValue("currency", cty.StringVal(n.Usage.Currency))
		}
	}
	if a := n.Approval; a != nil {
		ab := b.AppendNewBlock("approval", nil).Body()
		ab.SetAttributeValue("sha256", cty.StringVal(a.SHA256))
		if a.Fingerprint != "" {
			ab.SetAttributeValue("fingerprint", cty.StringVal(a.Fingerprint))
		}
		ab.SetAttributeValue("by", cty.StringVal(a.By))
		ab.SetAttributeValue("at", cty.StringVal(a.At.UTC().Format(timeLayout)))
		if a.CheckErrors != 0 {
			ab.SetAttributeValue("check_errors", cty.NumberIntVal(int64(a.CheckErrors)))
		}
		if a.Hooks != "" {
			ab.SetAttributeValue("hooks", cty.StringVal(a.Hooks))
		}
	}
}

// checkMatchesReference fails when Bytes and the hclwrite oracle disagree,
// or when hclwrite.Format would change the output.
func checkMatchesReference(t *testing.T, l *Lock) {
	t.Helper()
	got := l.Bytes()
	if want := referenceBytes(l); !bytes.Equal(got, want) {
		t.Fatalf("Bytes differs from hclwrite build + Format:\n%s\n--- want ---\n%s", got, want)
	}
	if formatted := hclwrite.Format(got); !bytes.Equal(formatted, got) {
		t.Fatalf("hclwrite.Format changes the output:\n%s\n---\n%s", got, formatted)
	}
}

func TestBytesMatchesHCLWrite(t *testing.T) {
	wide := New()
	wide.SetNode(&Node{
		Address:  "n",
		Attempts: -3, // invalid, but Bytes must still lay it out like hclwrite
		Error:    "é\u0301 combining, 日本, \U0001F680, \x00 nul, \u200b zero width",
		Inputs: map[string]string{
			"a":                        h("1"),
			"日本語":                      h("2"),
			"e\u0301\u0301":            h("3"),
			"👩‍👩‍👧 family":             h("4"),
			"zero\u200bwidth":          h("5"),
			"tab\there":                h("6"),
			"quote\"q":                 h("7"),
			"upstream.feature.x.y.z.w": h("8"),
		},
		Outputs: map[string]string{"Ω/ü.go": h("9"), "a.go": h("10")},
		Usage:   Usage{PromptTokens: 1},
	})
	tests := map[string]*Lock{
		"nil":     nil,
		"empty":   New(),
		"full":    fullLock(),
		"unicode": unicodeLock(),
		"wide":    wide,
		"many":    manyLock(50, 4),
		"nasty":   nastyLock(),
		"nil entries": {
			Plugins: map[string]*Plugin{"p": nil},
			Nodes:   map[string]*Node{"n": nil, "m": {Status: StatusFailed}},
		},
	}
	for name, l := range tests {
		t.Run(name, func(t *testing.T) { checkMatchesReference(t, l) })
	}
}

// referenceKey renders a key as hclwrite tokens, bare when bareKey says so.
func referenceKey(k string) hclwrite.Tokens {
	if bareKey(k) {
		if !hclsyntax.ValidIdentifier(k) {
			panic("bareKey accepted " + k + ", which HCL does not take as an identifier")
		}
		return hclwrite.TokensForIdentifier(k)
	}
	return hclwrite.TokensForValue(cty.StringVal(k))
}
