package plan

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"maps"
	"os"
	stdpath "path"
	"path/filepath"
	"runtime"
	"slices"
	"sort"
	"strings"
	"sync"

	"github.com/zclconf/go-cty/cty"
	ctyjson "github.com/zclconf/go-cty/cty/json"

	"github.com/kirofile/kirofile/internal/digest"
	"github.com/kirofile/kirofile/internal/lockfile"
	"github.com/kirofile/kirofile/internal/prompt"
	"github.com/kirofile/kirofile/internal/specdoc"
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
	// InputTask is a task's own text in the tasks document, and
	// InputCites the text of the criteria it cites.
	InputTask  = "task"
	InputCites = "cites"
	// upstreamPrefix names the content hash of a spec document in the
	// node's prompt: "upstream.ADDRESS".
	upstreamPrefix = "upstream."
	// dependsPrefix names the fingerprint of a direct dependency:
	// "depends.ADDRESS".
	dependsPrefix = "depends."
)

// inputReasons phrase a changed input.
var inputReasons = map[string]Reason{
	InputConfig:      {CodeConfigChanged, "its configuration changed"},
	InputDescription: {CodeDescriptionChanged, "the feature description changed"},
	InputProvider:    {CodeProviderChanged, "the provider or model changed"},
	InputSteering:    {CodeSteeringChanged, "steering changed"},
	InputContext:     {CodeContextChanged, "context files changed"},
	InputTemplate:    {CodeTemplateChanged, "the prompt template changed"},
	InputTask:        {CodeTaskChanged, "the task changed in the tasks document"},
	InputCites:       {CodeCitesChanged, "an acceptance criterion it cites changed"},
}

// hashString returns "sha256:<hex>" of s.
func hashString(s string) string {
	sum := sha256.Sum256([]byte(s))
	return "sha256:" + hex.EncodeToString(sum[:])
}

// combine folds named hashes into one fingerprint, independent of map order.
func combine(inputs map[string]string) string {
	keys := make([]string, 0, len(inputs))
	n := 0
	for k, v := range inputs {
		keys = append(keys, k)
		n += len(k) + len(v) + 2
	}
	slices.Sort(keys)
	var b strings.Builder
	b.Grow(n)
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

// fingerprint computes a node's inputs and the fingerprint that combines
// them, Merkle style: the node's own inputs (its configuration, feature
// description, provider and model, prompt template, steering, context
// files, and the content of every spec document its prompt holds) and,
// for each direct dependency, one hash that stands for everything upstream
// through it (output). A change to any document upstream, however far,
// changes the fingerprint of every node below it, exactly as when each
// node held every document above it, while each holds a constant number of
// entries: a chain of any length costs linear time to plan and linear
// space in the lock.
//
// known is false when a document the prompt holds does not exist yet, or
// what a dependency stands for is not known yet, so the fingerprint is
// known only after apply; unknown is true when a variable without a value
// feeds an input, so the fingerprint cannot be known without it.
func (pl *Planner) fingerprint(n lang.Node) (fp string, inputs map[string]string, known, unknown bool) {
	if pre, ok := pl.ahead[n]; ok && pl.building {
		return pre.fp, pre.inputs, pre.known, pre.unknown
	}
	inputs, unknown = pl.ownInputs(n)
	known = true
	ups := pl.locals[n].upstream
	if !pl.locals[n].upstreamOK {
		ups = prompt.Upstream(pl.cfg, n)
	}
	for _, up := range ups {
		h := pl.docHash(up)
		if h == "" {
			known = false
			inputs[upstreamPrefix+up.Addr.String()] = h
			continue
		}
		inputs[upstreamPrefix+up.Addr.String()] = h
		// The files the document pulls into the prompt with #[[file:]].
		for _, ref := range pl.documentRefs(up.Path, h).files {
			inputs[fileRefPrefix+ref] = pl.disk.hash(ref)
		}
		for _, missing := range pl.documentRefs(up.Path, h).missing {
			inputs[fileRefPrefix+missing] = "missing"
		}
	}
	for _, dep := range n.Dependencies() {
		o := pl.output(dep.Addr)
		if o == "" {
			known = false
			continue
		}
		inputs[dependsPrefix+dep.Addr.String()] = o
	}
	return combine(inputs), inputs, known, unknown
}

// output is the hash that stands, in the fingerprints of the nodes that
// depend on it, for a node and everything upstream of it: for a spec, its
// document and the outputs of its own dependencies (specOutput); for a
// codegen, the files it last generated, as the lock records them. "" when
// not known yet.
func (pl *Planner) output(a lang.Address) string {
	if a.IsTask() {
		return pl.taskOutput(a.String())
	}
	switch pl.cfg.Node(a).(type) {
	case *lang.Spec:
		if ch := pl.changes[a.String()]; ch != nil {
			return ch.output
		}
	case *lang.Codegen:
		if rec := pl.lock.Node(a.String()); rec != nil {
			var b strings.Builder
			b.WriteString("generated\n")
			for _, p := range sortedKeys(rec.Outputs) {
				b.WriteString(p + "=" + rec.Outputs[p] + "\n")
			}
			return hashString(b.String())
		}
	}
	return ""
}

// specOutput hashes a spec's document with the outputs of its
// dependencies: the content of every document upstream of it, folded into
// one hash. "" when the document, or any upstream, is not there yet.
func (pl *Planner) specOutput(s *lang.Spec) string {
	doc := pl.docHash(s)
	if doc == "" {
		return ""
	}
	var b strings.Builder
	b.WriteString("document=" + doc + "\n")
	for _, dep := range s.DependsOn {
		o := pl.output(dep.Addr)
		if o == "" {
			return ""
		}
		b.WriteString(dep.Addr.String() + "=" + o + "\n")
	}
	return hashString(b.String())
}

// ownInputs hashes what a node's prompt is made of, besides upstream
// documents; unknown is true when a variable without a value feeds one.
func (pl *Planner) ownInputs(n lang.Node) (inputs map[string]string, unknown bool) {
	inputs = make(map[string]string, 8+2*len(n.Dependencies()))
	l, ok := pl.locals[n]
	if !ok {
		l = localInputsOf(pl.cfg, n)
	}
	unknown = l.unknown
	if l.config != "" {
		inputs[InputConfig] = l.config
	}
	if c, ok := n.(*lang.Codegen); ok {
		var ctx strings.Builder
		for _, pattern := range c.Context {
			for _, file := range pl.disk.expand(pattern) {
				fmt.Fprintf(&ctx, "%s=%s\n", file, pl.disk.hash(file))
			}
		}
		inputs[InputContext] = hashString(ctx.String())
	}
	inputs[InputDescription] = l.description
	inputs[InputProvider] = l.provider
	inputs[InputTemplate] = l.template
	steer, steerUnknown := l.steering, l.steeringUnknown
	if !l.steeringOK || !pl.building {
		// Computed now: after Build, apply writes files, a steering
		// file among them perhaps.
		steer, steerUnknown, _ = pl.steeringInput(n,
			func(p string) (string, bool) { return pl.disk.hash(p), true },
			func(s *lang.Steering) (string, bool) { return pl.steeringHash(s), true })
	}
	inputs[InputSteering] = steer
	return inputs, unknown || steerUnknown
}

// steeringInput hashes the steering a node's prompt holds; unknown is true
// when a variable without a value feeds it. hash gives a file's hash, and
// inline an inline steering document's; ok is false when either could
// not.
func (pl *Planner) steeringInput(n lang.Node, hash func(string) (string, bool), inline func(*lang.Steering) (string, bool)) (in string, unknown, ok bool) {
	var steer strings.Builder
	for _, s := range prompt.Steering(pl.cfg, n) {
		unknown = unknown || s.Unknown
		var content string
		if s.File != "" {
			content, ok = hash(s.File)
		} else {
			content, ok = inline(s)
		}
		if !ok {
			return "", false, false
		}
		fmt.Fprintf(&steer, "%s=%s\n", s.Name, content)
		for _, ref := range s.FileRefs {
			h, ok := hash(ref)
			if !ok {
				return "", false, false
			}
			fmt.Fprintf(&steer, "%s %s=%s\n", s.Name, ref, h)
		}
	}
	return hashString(steer.String()), unknown, true
}

// steeringHash is the content hash of an inline steering document,
// computed once for every node it applies to.
func (pl *Planner) steeringHash(s *lang.Steering) string {
	if h, ok := pl.steering[s]; ok {
		return h
	}
	h := digest.String(s.Content)
	if pl.steering == nil {
		pl.steering = map[*lang.Steering]string{}
	}
	pl.steering[s] = h
	return h
}

// localInputs are the inputs of a node that depend on the configuration
// alone, not on files: computed for every node at once, in parallel
// (Planner.computeLocals), before the nodes are planned in order.
type localInputs struct {
	config, description, provider, template string
	unknown                                 bool
	// steering is the steering input, when steeringOK: every file it
	// names was hashed already. It holds while Build plans (nothing is
	// written meanwhile), not after.
	steering                    string
	steeringUnknown, steeringOK bool
	// upstream is prompt.Upstream of the node, when upstreamOK.
	upstream   []*lang.Spec
	upstreamOK bool
}

// localInputsOf computes a node's localInputs; it only reads cfg, and is
// safe for concurrent use.
func localInputsOf(cfg *lang.Config, n lang.Node) localInputs {
	var l localInputs
	f := cfg.Features[n.Address().Feature]
	l.unknown = f.DescriptionUnknown
	var provider, tmpl string
	switch n := n.(type) {
	case *lang.Spec:
		l.config = configHash(n.Config)
		l.unknown = l.unknown || !whollyKnown(n.Config)
		provider = n.Provider
		_, tmpl = prompt.Template(cfg, n)
	case *lang.Codegen:
		l.config = configHash(n.Config)
		l.unknown = l.unknown || !whollyKnown(n.Config)
		provider = n.Provider
		_, tmpl = prompt.Template(cfg, n)
	}
	l.description = digest.String(f.Description)
	l.provider = providerHash(cfg, provider)
	if p, ok := cfg.Providers[provider]; ok {
		if m, ok := p.Config["model"]; ok && !m.IsWhollyKnown() {
			l.unknown = true
		}
	}
	l.template = hashString(tmpl)
	return l
}

// computeLocals computes the localInputs of nodes on every core. The
// disk snapshot is only read meanwhile: a steering file not hashed yet
// leaves the node's steering to be computed when it is planned.
func (pl *Planner) computeLocals(nodes []lang.Node) {
	for _, s := range pl.cfg.Steering {
		if s.File == "" {
			pl.steeringHash(s) // the workers only read them
		}
	}
	known := func(p string) (string, bool) {
		h, ok := pl.disk.hashes[p]
		return h, ok && pl.disk.known[p]
	}
	inline := func(s *lang.Steering) (string, bool) {
		h, ok := pl.steering[s]
		return h, ok
	}
	out := make([]localInputs, len(nodes))
	workers := min(runtime.GOMAXPROCS(0), len(nodes)/64+1)
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			for i := w; i < len(nodes); i += workers {
				l := localInputsOf(pl.cfg, nodes[i])
				l.steering, l.steeringUnknown, l.steeringOK = pl.steeringInput(nodes[i], known, inline)
				l.upstream, l.upstreamOK = prompt.Upstream(pl.cfg, nodes[i]), true
				out[i] = l
			}
		})
	}
	wg.Wait()
	if pl.locals == nil {
		pl.locals = make(map[lang.Node]localInputs, len(nodes))
	}
	for i, n := range nodes {
		pl.locals[n] = out[i]
	}
	pl.fingerprintsAhead(nodes, workers)
}

// fingerprinted is a fingerprint computed ahead of planning.
type fingerprinted struct {
	fp             string
	inputs         map[string]string
	known, unknown bool
}

// fingerprintsAhead computes, on every core, the fingerprints Build will
// ask for, in its order (nodes), from the disk snapshot as it is: what a
// spec stands for downstream (specOutput) is a function of the documents
// alone, so every fingerprint can be computed before any node is planned.
// A node whose fingerprint needs what the snapshot does not hold yet (a
// file not hashed, a document's references, a task) is left to be
// fingerprinted when it is planned; the others get exactly what
// fingerprint would give them then. Only reads happen meanwhile.
func (pl *Planner) fingerprintsAhead(nodes []lang.Node, workers int) {
	// What each spec stands for, in dependency order, as Plan records it.
	outs := make(map[string]string, len(nodes))
	for _, n := range nodes {
		s, ok := n.(*lang.Spec)
		if !ok {
			continue
		}
		o, ok := pl.specOutputAhead(s, outs)
		if !ok {
			return // a task upstream: left to Build
		}
		outs[s.Addr.String()] = o
	}
	pl.aheadOuts = outs
	res := make([]*fingerprinted, len(nodes))
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			for i := w; i < len(nodes); i += workers {
				res[i] = pl.fingerprintAhead(nodes[i], outs)
			}
		})
	}
	wg.Wait()
	pl.ahead = make(map[lang.Node]fingerprinted, len(nodes))
	for i, n := range nodes {
		if res[i] != nil {
			pl.ahead[n] = *res[i]
		}
	}
}

// hashAhead is disk.hash of a path already hashed; ok is false for any
// other.
func (pl *Planner) hashAhead(p string) (string, bool) {
	h, ok := pl.disk.hashes[p]
	return h, ok && pl.disk.known[p]
}

// docHashAhead is docHash from what is known already, without reading.
func (pl *Planner) docHashAhead(s *lang.Spec) (string, bool) {
	raw, ok := pl.hashAhead(s.Path)
	if !ok || raw == "" || s.Kind != lang.KindTasks {
		return raw, ok
	}
	if h, ok := pl.docNorm[s.Path]; ok && h.raw == raw {
		return h.norm, true
	}
	if sc, ok := pl.disk.scans[s.Path]; ok && sc.hash == raw && sc.norm != "" {
		return sc.norm, true
	}
	return "", false
}

// outputAhead is output, from outs for specs.
func (pl *Planner) outputAhead(a lang.Address, outs map[string]string) (string, bool) {
	if a.IsTask() {
		return "", false
	}
	if _, ok := pl.cfg.Node(a).(*lang.Spec); ok {
		return outs[a.String()], true // "" when not planned: not among the nodes
	}
	return pl.output(a), true // a codegen: from the lock alone
}

// specOutputAhead is specOutput, from outs.
func (pl *Planner) specOutputAhead(s *lang.Spec, outs map[string]string) (string, bool) {
	doc, ok := pl.docHashAhead(s)
	if !ok {
		return "", false
	}
	if doc == "" {
		return "", true
	}
	var b strings.Builder
	b.WriteString("document=" + doc + "\n")
	for _, dep := range s.DependsOn {
		o, ok := pl.outputAhead(dep.Addr, outs)
		if !ok {
			return "", false
		}
		if o == "" {
			return "", true
		}
		b.WriteString(dep.Addr.String() + "=" + o + "\n")
	}
	return hashString(b.String()), true
}

// fingerprintAhead is fingerprint of a spec or codegen from what is
// known already; nil when it cannot be.
func (pl *Planner) fingerprintAhead(n lang.Node, outs map[string]string) *fingerprinted {
	l, ok := pl.locals[n]
	if !ok || !l.steeringOK || !l.upstreamOK {
		return nil
	}
	var ctxFiles [][]string
	switch n := n.(type) {
	case *lang.Spec:
	case *lang.Codegen:
		if pl.taskPlans[n.Addr.String()] != nil {
			return nil
		}
		for _, pattern := range n.Context {
			files, ok := pl.disk.globs[pattern]
			if !ok {
				return nil
			}
			ctxFiles = append(ctxFiles, files)
		}
	default:
		return nil
	}
	inputs := make(map[string]string, 8+2*len(n.Dependencies()))
	if l.config != "" {
		inputs[InputConfig] = l.config
	}
	if _, ok := n.(*lang.Codegen); ok {
		var ctx strings.Builder
		for _, files := range ctxFiles {
			for _, file := range files {
				h, ok := pl.hashAhead(file)
				if !ok {
					return nil
				}
				fmt.Fprintf(&ctx, "%s=%s\n", file, h)
			}
		}
		inputs[InputContext] = hashString(ctx.String())
	}
	inputs[InputDescription] = l.description
	inputs[InputProvider] = l.provider
	inputs[InputTemplate] = l.template
	inputs[InputSteering] = l.steering
	f := fingerprinted{inputs: inputs, known: true, unknown: l.unknown || l.steeringUnknown}
	for _, up := range l.upstream {
		h, ok := pl.docHashAhead(up)
		if !ok {
			return nil
		}
		inputs[upstreamPrefix+up.Addr.String()] = h
		if h == "" {
			f.known = false
			continue
		}
		if !pl.disk.noRefs(up.Path, pl.disk.hashes[up.Path]) {
			return nil // its references are resolved when it is planned
		}
	}
	for _, dep := range n.Dependencies() {
		o, ok := pl.outputAhead(dep.Addr, outs)
		if !ok {
			return nil
		}
		if o == "" {
			f.known = false
			continue
		}
		inputs[dependsPrefix+dep.Addr.String()] = o
	}
	f.fp = combine(inputs)
	return &f
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
func (pl *Planner) changedInputs(rec *lockfile.Node, ch *Change, n lang.Node) []Reason {
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
	if _, isTask := n.(*Task); isTask || len(n.Dependencies()) == 0 {
		return "", nil // nothing changed in how such a node is fingerprinted
	}
	inputs, _ := pl.ownInputs(n)
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

// fileRefPrefix names, among a node's inputs, a file that a spec document
// in its prompt pulls in with #[[file:PATH]].
const fileRefPrefix = "file:"

// documentRefs are the files a spec document references: those it names,
// resolved in the project, and the references that name none.
type documentRefs struct {
	hash           string
	files, missing []string
}

// documentRefs returns the #[[file:]] references of the spec document at
// path whose content hash is hash, reading the document once per content.
// Documents without a reference cost a read and a byte search.
func (pl *Planner) documentRefs(path, hash string) documentRefs {
	if r, ok := pl.refs[path]; ok && r.hash == hash {
		return r
	}
	r := documentRefs{hash: hash}
	if pl.disk.noRefs(path, hash) {
		// Hashing it read it whole, and found no reference.
		pl.refs[path] = r
		return r
	}
	data, err := os.ReadFile(filepath.Join(pl.cfg.Dir, filepath.FromSlash(path)))
	if err == nil && bytes.Contains(data, []byte("#[[file:")) {
		refs, errs := specdoc.ResolveFileRefs(pl.cfg.Dir, path, data)
		for _, ref := range refs {
			r.files = append(r.files, ref.File)
			pl.lookedFor(path, ref.Path)
		}
		for _, e := range errs {
			r.missing = append(r.missing, e.Ref.Path)
			pl.lookedFor(path, e.Ref.Path)
		}
	}
	pl.refs[path] = r
	return r
}

// lookedFor notes, for the plan's stamp, where a reference of the
// document at doc was looked for: which file it names depends on which of
// those exist (specdoc.ResolveFileRefs tries the project's root, then the
// document's directory).
func (pl *Planner) lookedFor(doc, ref string) {
	for _, c := range []string{stdpath.Clean(ref), stdpath.Join(stdpath.Dir(doc), ref)} {
		if c != ".." && !strings.HasPrefix(c, "../") && !stdpath.IsAbs(c) {
			pl.disk.walked[c] = true
		}
	}
}
