package lang

import (
	"fmt"
	"math"
	"math/big"
	"path"
	"strings"

	"github.com/hashicorp/go-version"
	"github.com/hashicorp/hcl/v2"
	"github.com/zclconf/go-cty/cty"
)

// Binary name prefixes of third-party plugins.
const (
	ProviderPluginPrefix = "kirofile-provider-"
	ActionPluginPrefix   = "kirofile-action-"
)

func (l *loader) decodeSettings(blocks []*hcl.Block) {
	for i, b := range blocks {
		if i > 0 {
			l.errorf(b.DefRange, "Duplicate kirofile block",
				"Only one kirofile block is allowed; the first is at %s.", rangeText(blocks[0].DefRange))
			continue
		}
		l.cfg.Settings.DeclRange = b.DefRange
		content, diags := b.Body.Content(settingsSchema)
		l.diags = append(l.diags, diags...)
		if attr, ok := content.Attributes["required_version"]; ok {
			l.checkRequiredVersion(attr)
		}
		if attr, ok := content.Attributes["max_prompt_tokens"]; ok {
			l.decodeMaxPromptTokens(attr)
		}
		for _, pb := range content.Blocks {
			l.decodePlugin(pb)
		}
	}
}

func (l *loader) checkRequiredVersion(attr *hcl.Attribute) {
	v := l.evalStatic(attr, cty.String)
	if v == cty.NilVal || v.IsNull() {
		return
	}
	l.cfg.Settings.RequiredVersion = v.AsString()
	constraints, err := version.NewConstraint(v.AsString())
	if err != nil {
		l.errorf(attr.Expr.Range(), "Invalid required_version",
			"%q is not a version constraint: %s. Write it like \">= 0.1.0\".", v.AsString(), err)
		return
	}
	if l.opts.Version == "" {
		return
	}
	running, err := version.NewVersion(l.opts.Version)
	if err != nil {
		return
	}
	// Compare the release only: a pre-release build of 0.2.0 satisfies
	// ">= 0.2.0" for the purpose of this check.
	if !constraints.Check(running.Core()) {
		l.errorf(attr.Expr.Range(), "Unsupported kirofile version",
			"This configuration requires kirofile %s, but this is kirofile %s. Install a matching version.", v.AsString(), l.opts.Version)
	}
}

func (l *loader) decodePlugin(b *hcl.Block) {
	name := b.Labels[0]
	if prev, ok := l.cfg.Settings.Plugins[name]; ok {
		l.duplicate("plugin", name, b.DefRange, prev.DeclRange)
		return
	}
	content, diags := b.Body.Content(pluginSchema)
	l.diags = append(l.diags, diags...)
	p := &PluginDecl{Name: name, DeclRange: b.DefRange}
	l.cfg.Settings.Plugins[name] = p
	if !validName(name) {
		l.errorf(b.LabelRanges[0], "Invalid plugin name", "%q is not a valid name: %s", name, nameRule)
	}
	if attr, ok := content.Attributes["source"]; ok {
		if v := l.evalStatic(attr, cty.String); v != cty.NilVal && !v.IsNull() {
			p.Source = v.AsString()
			if p.Source == "" {
				l.errorf(attr.Expr.Range(), "Empty plugin source", "source must be the path of the plugin binary.")
			}
		}
	}
	base := path.Base(strings.ReplaceAll(p.Source, "\\", "/"))
	switch {
	case strings.HasPrefix(base, ProviderPluginPrefix):
		p.Kind = PluginProvider
	case strings.HasPrefix(base, ActionPluginPrefix):
		p.Kind = PluginAction
	}
	if attr, ok := content.Attributes["kind"]; ok {
		if v := l.evalStatic(attr, cty.String); v != cty.NilVal && !v.IsNull() {
			switch k := PluginKind(v.AsString()); k {
			case PluginProvider, PluginAction:
				p.Kind = k
			default:
				l.errorf(attr.Expr.Range(), "Invalid plugin kind", "kind must be \"provider\" or \"action\", not %q.", v.AsString())
			}
		}
	} else if p.Kind == "" && p.Source != "" {
		l.errorf(b.DefRange, "Cannot tell the plugin's kind",
			"The binary %q is named neither %sNAME nor %sNAME; add kind = \"provider\" or kind = \"action\".",
			p.Source, ProviderPluginPrefix, ActionPluginPrefix)
	}
}

// DefaultMaxPromptTokens is the prompt size allowed when the kirofile
// block sets no max_prompt_tokens: it fits a 128k-token context window,
// the most common size, with room left for the reply.
const DefaultMaxPromptTokens = 100_000

// PromptTokenLimit is the largest prompt, in estimated tokens, that a node
// may send: max_prompt_tokens, or DefaultMaxPromptTokens.
func (s *Settings) PromptTokenLimit() int {
	if s == nil || s.MaxPromptTokens <= 0 {
		return DefaultMaxPromptTokens
	}
	return s.MaxPromptTokens
}

func (l *loader) decodeMaxPromptTokens(attr *hcl.Attribute) {
	v := l.evalStatic(attr, cty.Number)
	if v == cty.NilVal || v.IsNull() {
		return
	}
	bf := v.AsBigFloat()
	n, acc := bf.Int64()
	if !bf.IsInt() || acc != big.Exact || n < 1 || n > math.MaxInt32 {
		l.errorf(attr.Expr.Range(), "Invalid max_prompt_tokens",
			"max_prompt_tokens must be a whole number of tokens from 1 to %d, like %d; got %s.", math.MaxInt32, DefaultMaxPromptTokens, bf.Text('g', -1))
		return
	}
	l.cfg.Settings.MaxPromptTokens = int(n)
}

// evalStatic evaluates an expression that may not refer to anything, such
// as a variable default or a plugin source.
func (l *loader) evalStatic(attr *hcl.Attribute, want cty.Type) cty.Value {
	return l.convert(attr, nil, want)
}

// rangeText renders a range as FILE:LINE:COL for use in details.
func rangeText(r hcl.Range) string {
	return fmt.Sprintf("%s:%d:%d", r.Filename, r.Start.Line, r.Start.Column)
}
