// Package hook selects and runs the hooks a Kirofile declares: the hooks
// of a node's event, and the file.saved hooks of saved files. Only hooks
// the Kirofile declares ever run: nothing a model replies can add one.
package hook

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/bmatcuk/doublestar/v4"

	"github.com/kirofile/kirofile/lang"
	"github.com/kirofile/kirofile/plugins/sdk"
)

// Select returns the hooks that run on event for node n, in name order:
// the hooks n lists itself, and the hooks no node lists (project-wide
// hooks), each limited by its match globs to the files concerned. Only
// hooks the Kirofile declares ever run: nothing a model replies can add one.
func Select(cfg *lang.Config, n lang.Node, event string, files []string) []*lang.Hook {
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
	for _, name := range slices.Sorted(maps.Keys(cfg.Hooks)) {
		h := cfg.Hooks[name]
		if !slices.Contains(h.On, event) || !listed[name] && referenced[name] {
			continue
		}
		if len(h.Match) > 0 && !anyMatch(h.Match, files) {
			continue
		}
		out = append(out, h)
	}
	return out
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

// Actions gives hooks their actions: the plugin host, or a test's own.
type Actions interface {
	// Action returns the hook action of a type ("exec", a plugin name).
	Action(ctx context.Context, typ string) (sdk.HookAction, error)
}

// Outcome is the result of one hook.
type Outcome struct {
	Hook     string
	Passed   bool
	Feedback bool
	Output   string
	Err      error
	// ExitCode is the exit status of the last action that reported one
	// (exec does), the failing one when an action failed; nil when none
	// did.
	ExitCode *int
}

// Run runs a hook's actions in order, stopping at the first that fails.
func Run(ctx context.Context, host Actions, cfg *lang.Config, h *lang.Hook, req sdk.ActionRequest) Outcome {
	out := Outcome{Hook: h.Name, Passed: true, Feedback: h.Feedback}
	var output strings.Builder
	for _, a := range h.Actions {
		action, err := host.Action(ctx, a.Type)
		if err != nil {
			return Outcome{Hook: h.Name, Feedback: h.Feedback, Err: fmt.Errorf("hook %q: %w", h.Name, err)}
		}
		config, err := ActionConfig(a)
		if err != nil {
			return Outcome{Hook: h.Name, Feedback: h.Feedback, Err: fmt.Errorf("hook %q: %w", h.Name, err)}
		}
		req.Config = config
		res, err := action.Run(ctx, req)
		if err != nil {
			return Outcome{Hook: h.Name, Feedback: h.Feedback, Err: fmt.Errorf("hook %q, action %s: %w", h.Name, a.Type, err)}
		}
		output.Write(res.Output)
		if res.ExitCode != nil {
			code := *res.ExitCode
			out.ExitCode = &code
		}
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
func SpecDocuments(cfg *lang.Config, feature string) []sdk.SpecDocument {
	f, ok := cfg.Features[feature]
	if !ok {
		return nil
	}
	// Order the feature's specs among themselves only: the whole graph
	// need not be sorted for one feature.
	g := cfg.Graph().Subgraph(func(a string) bool { return strings.HasPrefix(a, "feature."+feature+".spec.") })
	order, _ := g.TopoOrder()
	var docs []sdk.SpecDocument
	for _, a := range order {
		name := strings.TrimPrefix(a, "feature."+feature+".spec.")
		if s, ok := f.Specs[name]; ok {
			docs = append(docs, sdk.SpecDocument{Name: name, Path: s.Path})
		}
	}
	return docs
}

// FeatureOutputs lists the outputs globs of a feature's codegen steps, in
// node order, without repeats: the files the feature writes.
func FeatureOutputs(cfg *lang.Config, feature string) []string {
	var out []string
	for _, n := range cfg.Nodes {
		if c, ok := n.(*lang.Codegen); ok && c.Addr.Feature == feature {
			for _, o := range c.Outputs {
				if !slices.Contains(out, o) {
					out = append(out, o)
				}
			}
		}
	}
	return out
}

// FileSaved returns the hooks that run when files are saved: every
// hook on "file.saved" whose match globs cover one of the files, with the
// files it covers.
func FileSaved(cfg *lang.Config, files []string) map[*lang.Hook][]string {
	out := map[*lang.Hook][]string{}
	for _, name := range slices.Sorted(maps.Keys(cfg.Hooks)) {
		h := cfg.Hooks[name]
		if !slices.Contains(h.On, lang.EventFileSaved) {
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

// RunForNode runs the hooks of an event for a node (see Select), one
// after the other, calling report with each outcome. It starts no plugin
// when no hook applies.
func RunForNode(ctx context.Context, host Actions, cfg *lang.Config, n lang.Node, event string, files []string, report func(Outcome)) []Outcome {
	hooks := Select(cfg, n, event, files)
	if len(hooks) == 0 {
		return nil
	}
	addr := n.Address()
	req := sdk.ActionRequest{
		Event:          event,
		NodeAddress:    addr.String(),
		Feature:        addr.Feature,
		ProjectDir:     cfg.Dir,
		FilesWritten:   files,
		SpecDocuments:  SpecDocuments(cfg, addr.Feature),
		FeatureOutputs: FeatureOutputs(cfg, addr.Feature),
	}
	var out []Outcome
	for _, h := range hooks {
		o := Run(ctx, host, cfg, h, req)
		if report != nil {
			report(o)
		}
		out = append(out, o)
	}
	return out
}

// ActionConfig renders an action block's attributes as the JSON object its
// plugin is run with.
func ActionConfig(a *lang.Action) (json.RawMessage, error) {
	attrs := map[string]json.RawMessage{}
	for _, n := range slices.Sorted(maps.Keys(a.Config)) {
		raw, err := lang.ValueJSON(a.Config[n])
		if err != nil {
			return nil, fmt.Errorf("action %s: attribute %s: %w", a.Type, n, err)
		}
		attrs[n] = raw
	}
	return json.Marshal(attrs)
}
