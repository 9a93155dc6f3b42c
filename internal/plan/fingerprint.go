package plan

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"sort"
	"strings"

	"github.com/zclconf/go-cty/cty"
	ctyjson "github.com/zclconf/go-cty/cty/json"

	"github.com/kirofile/kirofile/internal/lockfile"
	"github.com/kirofile/kirofile/internal/prompt"
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
	// upstreamPrefix names the content hash of a spec document in the
	// node's prompt: "upstream.ADDRESS".
	upstreamPrefix = "upstream."
	// dependsPrefix names the fingerprint of a direct dependency:
	// "depends.ADDRESS".
	dependsPrefix = "depends."
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

// fingerprint computes a node's inputs and the fingerprint that combines
// them, Merkle style: the node's own inputs (its configuration, feature
// description, provider and model, prompt template, steering, context
// files, and the content of every spec document its prompt holds) and the
// fingerprints of its direct dependencies. A change anywhere upstream
// changes the fingerprint of every node below it, as if each held the
// whole chain, while each holds a constant number of entries: a chain of
// any length costs linear time to plan and linear space in the lock.
//
// ok is false when a document the prompt holds does not exist yet, or a
// dependency's own fingerprint is not known, so the fingerprint is known
// only after apply.
func (pl *Planner) fingerprint(n lang.Node) (string, map[string]string, bool) {
	inputs := pl.ownInputs(n)
	known := true
	for _, up := range prompt.Upstream(pl.cfg, n) {
		h := pl.disk.hash(up.Path)
		if h == "" {
			known = false
		}
		inputs[upstreamPrefix+up.Addr.String()] = h
	}
	for _, dep := range n.Dependencies() {
		up := pl.changes[dep.Addr.String()]
		if up == nil || up.Fingerprint == "" {
			known = false
			continue
		}
		inputs[dependsPrefix+dep.Addr.String()] = up.Fingerprint
	}
	return combine(inputs), inputs, known
}

// ownInputs hashes what a node's prompt is made of, besides upstream
// documents.
func (pl *Planner) ownInputs(n lang.Node) map[string]string {
	inputs := make(map[string]string, 8+2*len(n.Dependencies()))
	f := pl.cfg.Features[n.Address().Feature]
	var provider, tmpl string
	switch n := n.(type) {
	case *lang.Spec:
		inputs[InputConfig] = configHash(n.Config)
		provider, tmpl = n.Provider, prompt.Versions[n.Kind]
	case *lang.Codegen:
		inputs[InputConfig] = configHash(n.Config)
		provider, tmpl = n.Provider, prompt.Versions[lang.NodeCodegen]
		var ctx strings.Builder
		for _, pattern := range n.Context {
			for _, file := range pl.disk.expand(pattern) {
				fmt.Fprintf(&ctx, "%s=%s\n", file, pl.disk.hash(file))
			}
		}
		inputs[InputContext] = hashString(ctx.String())
	}
	inputs[InputDescription] = hashString(f.Description)
	inputs[InputProvider] = providerHash(pl.cfg, provider)
	inputs[InputTemplate] = hashString(tmpl)
	var steer strings.Builder
	for _, s := range prompt.Steering(pl.cfg, n) {
		content := hashString(s.Content)
		if s.File != "" {
			content = pl.disk.hash(s.File)
		}
		fmt.Fprintf(&steer, "%s=%s\n", s.Name, content)
	}
	inputs[InputSteering] = hashString(steer.String())
	return inputs
}

// sameInputs reports whether a fingerprint recorded in the lock (of the
// node, or of its approval) stands for the node's current inputs: it is the
// current fingerprint, or the one kirofile computed for the same inputs
// before fingerprints were Merkle style (see legacy).
func (pl *Planner) sameInputs(recorded string, ch *Change, n lang.Node) bool {
	if recorded == "" || ch.Fingerprint == "" {
		return false
	}
	if recorded == ch.Fingerprint {
		return true
	}
	if fp, _ := pl.legacy(n); fp != "" && recorded == fp {
		ch.legacy = fp
		return true
	}
	return false
}

// changedInputs phrases what changed since a node's record was written,
// against the inputs of the scheme the record was written in.
func (pl *Planner) changedInputs(rec *lockfile.Node, ch *Change, n lang.Node) []string {
	old := rec.Inputs
	if isLegacyRecord(rec, n) {
		if _, inputs := pl.legacy(n); inputs != nil {
			return changedInputs(old, inputs)
		}
	}
	return changedInputs(old, ch.Inputs)
}

// isLegacyRecord reports whether a node's record was written before
// fingerprints were Merkle style: its inputs name no direct dependency
// though the node has some.
func isLegacyRecord(rec *lockfile.Node, n lang.Node) bool {
	if len(n.Dependencies()) == 0 || len(rec.Inputs) == 0 {
		return false
	}
	for k := range rec.Inputs {
		if strings.HasPrefix(k, dependsPrefix) {
			return false
		}
	}
	return true
}

// legacy returns the fingerprint and inputs the node would have had under
// the scheme of earlier versions, where every node held the content of
// every spec document upstream of it, and a codegen upstream by its
// recorded fingerprint. A lock written by them stays up to date: its
// records match this, and apply rewrites them in the current form
// (Upgrade). It is computed only for a node whose record does not match
// its current fingerprint, and only once; a lock written by this version
// never needs it. ("", nil) when it cannot be known.
func (pl *Planner) legacy(n lang.Node) (string, map[string]string) {
	addr := n.Address().String()
	if l, ok := pl.legacyMemo[addr]; ok {
		return l.fp, l.inputs
	}
	var l legacyFingerprint
	defer func() { pl.legacyMemo[addr] = l }()
	if len(n.Dependencies()) == 0 {
		return "", nil // nothing changed in how such a node is fingerprinted
	}
	inputs := pl.ownInputs(n)
	for _, up := range legacyUpstream(pl.cfg, n) {
		h := pl.disk.hash(up.Path)
		if h == "" {
			return "", nil
		}
		inputs[upstreamPrefix+up.Addr.String()] = h
	}
	for _, dep := range n.Dependencies() {
		if _, ok := pl.cfg.Node(dep.Addr).(*lang.Codegen); !ok {
			continue
		}
		rec := pl.lock.Node(dep.Addr.String())
		if rec == nil {
			return "", nil
		}
		inputs[upstreamPrefix+dep.Addr.String()] = rec.Fingerprint
	}
	l = legacyFingerprint{fp: combine(inputs), inputs: inputs}
	return l.fp, l.inputs
}

type legacyFingerprint struct {
	fp     string
	inputs map[string]string
}

// legacyUpstream is every spec upstream of n, most upstream first, not
// followed through a codegen: what earlier versions put in prompts.
func legacyUpstream(cfg *lang.Config, n lang.Node) []*lang.Spec {
	var out []*lang.Spec
	seen := map[string]bool{}
	var visit func(n lang.Node)
	visit = func(n lang.Node) {
		for _, dep := range n.Dependencies() {
			up, ok := cfg.Node(dep.Addr).(*lang.Spec)
			if !ok || seen[up.Addr.String()] {
				continue
			}
			seen[up.Addr.String()] = true
			visit(up)
			out = append(out, up)
		}
	}
	visit(n)
	return out
}

// Upgrade rewrites the record of a node found up to date under the
// fingerprint scheme of an earlier version in the current scheme: its
// fingerprint and inputs, and its approval's fingerprint when that was the
// earlier one. It reports whether it changed anything. The inputs are the
// same; only how they are fingerprinted changed.
func Upgrade(lock *lockfile.Lock, ch *Change) bool {
	if ch.legacy == "" || ch.Fingerprint == "" {
		return false
	}
	old := lock.Node(ch.Address)
	if old == nil {
		return false
	}
	rec := *old
	changed := false
	if rec.Fingerprint == ch.legacy {
		rec.Fingerprint, rec.Inputs = ch.Fingerprint, ch.Inputs
		changed = true
	}
	if rec.Approval != nil && rec.Approval.Fingerprint == ch.legacy {
		a := *rec.Approval
		a.Fingerprint = ch.Fingerprint
		rec.Approval = &a
		changed = true
	}
	if changed {
		lock.SetNode(&rec)
	}
	return changed
}
