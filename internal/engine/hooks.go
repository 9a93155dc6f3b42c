package engine

import (
	"context"
	"fmt"
	"strings"

	"github.com/bmatcuk/doublestar/v4"
	"github.com/kirofile/kirofile/lang"
	"github.com/kirofile/kirofile/plugins"
)

// HooksFor returns the hooks that run on event for node n, in name order:
// the hooks n lists itself, and the hooks no node lists (project-wide
// hooks), each limited by its match globs to the files concerned. Only
// hooks the Kirofile declares ever run: nothing a model replies can add one.
func HooksFor(cfg *lang.Config, n lang.Node, event string, files []string) []*lang.Hook {
	listed := map[string]bool{}
	referenced := map[string]bool{}
	for _, node := range cfg.Nodes {
		if c, ok := node.(*lang.Codegen); ok {
			for _, h := range c.Hooks {
				referenced[h] = true
				if node == n {
					listed[h] = true
				}
			}
		}
	}
	var out []*lang.Hook
	for _, name := range sortedKeys(cfg.Hooks) {
		h := cfg.Hooks[name]
		if !contains(h.On, event) || !listed[name] && referenced[name] {
			continue
		}
		if len(h.Match) > 0 && !anyMatch(h.Match, files) {
			continue
		}
		out = append(out, h)
	}
	return out
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func anyMatch(globs, files []string) bool {
	for _, f := range files {
		for _, g := range globs {
			if ok, _ := doublestar.Match(g, f); ok {
				return true
			}
		}
	}
	return false
}

// HookOutcome is the result of one hook.
type HookOutcome struct {
	Hook     string
	Passed   bool
	Feedback bool
	Output   string
	Err      error
}

// RunHook runs a hook's actions in order, stopping at the first that fails.
func RunHook(ctx context.Context, host Host, cfg *lang.Config, h *lang.Hook, req plugins.ActionRequest) HookOutcome {
	out := HookOutcome{Hook: h.Name, Passed: true, Feedback: h.Feedback}
	var output strings.Builder
	for _, a := range h.Actions {
		action, err := host.Action(ctx, a.Type)
		if err != nil {
			return HookOutcome{Hook: h.Name, Feedback: h.Feedback, Err: fmt.Errorf("hook %q: %w", h.Name, err)}
		}
		config, err := ActionConfigJSON(a)
		if err != nil {
			return HookOutcome{Hook: h.Name, Feedback: h.Feedback, Err: fmt.Errorf("hook %q: %w", h.Name, err)}
		}
		req.Config = config
		res, err := action.Run(ctx, req)
		if err != nil {
			return HookOutcome{Hook: h.Name, Feedback: h.Feedback, Err: fmt.Errorf("hook %q, action %s: %w", h.Name, a.Type, err)}
		}
		output.Write(res.Output)
		for _, d := range res.Diagnostics {
			fmt.Fprintf(&output, "%s: %s: %s\n", d.Severity, d.Summary, d.Detail)
		}
		if !res.Passed {
			out.Passed = false
			break
		}
	}
	out.Output = output.String()
	return out
}

// SpecDocuments lists a feature's spec documents in dependency order, for
// hook actions such as pr_description.
func SpecDocuments(cfg *lang.Config, feature string) []plugins.SpecDocument {
	f, ok := cfg.Features[feature]
	if !ok {
		return nil
	}
	// Order the feature's specs among themselves only: the whole graph
	// need not be sorted for one feature.
	g := cfg.Graph().Subgraph(func(a string) bool { return strings.HasPrefix(a, "feature."+feature+".spec.") })
	order, _ := g.TopoOrder()
	var docs []plugins.SpecDocument
	for _, a := range order {
		name := strings.TrimPrefix(a, "feature."+feature+".spec.")
		if s, ok := f.Specs[name]; ok {
			docs = append(docs, plugins.SpecDocument{Name: name, Path: s.Path})
		}
	}
	return docs
}

// FileSavedHooks returns the hooks that run when files are saved: every
// hook on "file.saved" whose match globs cover one of the files, with the
// files it covers.
func FileSavedHooks(cfg *lang.Config, files []string) map[*lang.Hook][]string {
	out := map[*lang.Hook][]string{}
	for _, name := range sortedKeys(cfg.Hooks) {
		h := cfg.Hooks[name]
		if !contains(h.On, lang.EventFileSaved) {
			continue
		}
		var covered []string
		for _, f := range files {
			if len(h.Match) == 0 || anyMatch(h.Match, []string{f}) {
				covered = append(covered, f)
			}
		}
		if len(covered) > 0 {
			out[h] = covered
		}
	}
	return out
}

// RunNodeHooks runs the hooks of an event for a node (see HooksFor), one
// after the other, calling report with each outcome. It starts no plugin
// when no hook applies.
func RunNodeHooks(ctx context.Context, host Host, cfg *lang.Config, n lang.Node, event string, files []string, report func(HookOutcome)) []HookOutcome {
	hooks := HooksFor(cfg, n, event, files)
	if len(hooks) == 0 {
		return nil
	}
	addr := n.Address()
	req := plugins.ActionRequest{
		Event:         event,
		NodeAddress:   addr.String(),
		Feature:       addr.Feature,
		ProjectDir:    cfg.Dir,
		FilesWritten:  files,
		SpecDocuments: SpecDocuments(cfg, addr.Feature),
	}
	var out []HookOutcome
	for _, h := range hooks {
		o := RunHook(ctx, host, cfg, h, req)
		if report != nil {
			report(o)
		}
		out = append(out, o)
	}
	return out
}
