package sdk

import (
	"github.com/kirofile/kirofile/plugins/pluginv1"
	"github.com/kirofile/kirofile/providers"
)

func diagsToProto(ds providers.Diagnostics) []*pluginv1.Diagnostic {
	var out []*pluginv1.Diagnostic
	for _, d := range ds {
		sev := pluginv1.Diagnostic_ERROR
		if d.Severity == providers.SeverityWarning {
			sev = pluginv1.Diagnostic_WARNING
		}
		out = append(out, &pluginv1.Diagnostic{Severity: sev, Summary: d.Summary, Detail: d.Detail, Attribute: d.Attribute, Code: d.Code})
	}
	return out
}

// diagsFromProto trusts nothing: an unknown severity counts as an error, so
// a misbehaving plugin cannot make a failure look like success.
func diagsFromProto(ds []*pluginv1.Diagnostic) providers.Diagnostics {
	var out providers.Diagnostics
	for _, d := range ds {
		if d == nil {
			continue
		}
		sev := providers.SeverityError
		if d.GetSeverity() == pluginv1.Diagnostic_WARNING {
			sev = providers.SeverityWarning
		}
		out = append(out, providers.Diagnostic{Severity: sev, Summary: d.GetSummary(), Detail: d.GetDetail(), Attribute: d.GetAttribute(), Code: d.GetCode()})
	}
	return out
}

func usageToProto(u providers.Usage) *pluginv1.Usage {
	return &pluginv1.Usage{PromptTokens: int64(u.PromptTokens), CompletionTokens: int64(u.CompletionTokens), TotalTokens: int64(u.TotalTokens), CachedTokens: int64(u.CachedTokens)}
}

func usageFromProto(u *pluginv1.Usage) providers.Usage {
	// A plugin is untrusted: counts out of range are dropped, not wrapped.
	clamp := func(n int64) int {
		if n < 0 || n > 1<<40 {
			return 0
		}
		return int(n)
	}
	return providers.Usage{PromptTokens: clamp(u.GetPromptTokens()), CompletionTokens: clamp(u.GetCompletionTokens()), TotalTokens: clamp(u.GetTotalTokens()),
		CachedTokens: clamp(u.GetCachedTokens())}
}
