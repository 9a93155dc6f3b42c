package lang

import (
	"maps"
	"slices"
	"sort"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/zclconf/go-cty/cty"
)

// standardKinds are the spec labels that need no kind or prompt.
var standardKinds = map[string]bool{KindRequirements: true, KindBugfix: true, KindDesign: true, KindTasks: true}

// specKinds are the values `kind` may take.
var specKinds = []string{KindRequirements, KindBugfix, KindDesign, KindTasks, KindDocument}

// workflows are the values `workflow` may take.
var workflows = []string{WorkflowRequirementsFirst, WorkflowDesignFirst}

// DefaultMaxAttempts is how often a codegen step may try when its feedback
// hooks fail and max_attempts is not set.
const DefaultMaxAttempts = 3

func (l *loader) declareFeature(b *hcl.Block) {
	name := b.Labels[0]
	if prev := l.featureByName(name); prev != nil {
		l.duplicate("feature", name, b.DefRange, prev.block.DefRange)
		return
	}
	if !validName(name) {
		l.errorf(b.LabelRanges[0], "Invalid feature name", "%q is not a valid name: %s.", name, nameRule)
	}
	content, diags := b.Body.Content(featureSchema)
	l.diags = append(l.diags, diags...)
	f := &Feature{Name: name, Specs: map[string]*Spec{}, Codegens: map[string]*Codegen{}, DeclRange: b.DefRange}
	fd := &featureDecl{feature: f, block: b, content: content}
	for _, nb := range content.Blocks {
		if nb.Type == "budget" {
			fd.budgets = append(fd.budgets, nb)
			continue
		}
		label := nb.Labels[0]
		if !validName(label) {
			l.errorf(nb.LabelRanges[0], "Invalid "+nb.Type+" name", "%q is not a valid name: %s.", label, nameRule)
		}
		switch nb.Type {
		case NodeSpec:
			if prev, ok := f.Specs[label]; ok {
				l.duplicate("spec", label, nb.DefRange, prev.DeclRange)
				continue
			}
			s := &Spec{Addr: SpecAddr(name, label), DeclRange: nb.DefRange}
			f.Specs[label] = s
			fd.specs = append(fd.specs, &specDecl{spec: s, block: nb})
		case NodeCodegen:
			if prev, ok := f.Codegens[label]; ok {
				l.duplicate("codegen", label, nb.DefRange, prev.DeclRange)
				continue
			}
			c := &Codegen{Addr: CodegenAddr(name, label), DeclRange: nb.DefRange}
			f.Codegens[label] = c
			fd.codegens = append(fd.codegens, &codegenDecl{codegen: c, block: nb})
		}
	}
	l.cfg.Features[name] = f
	l.featureDecls = append(l.featureDecls, fd)
	if l.featureIndex == nil {
		l.featureIndex = map[string]*featureDecl{}
	}
	l.featureIndex[name] = fd
}

func (l *loader) featureByName(name string) *featureDecl { return l.featureIndex[name] }

func (l *loader) featureNames() []string { return sortedKeys(l.featureIndex) }

// decodeNodeHeaders decodes the parts of specs and codegens that other
// blocks may refer to (a spec's kind and path) before anything refers to
// them. They may use var and local only.
func (l *loader) decodeNodeHeaders() {
	sc := &scope{what: "a spec's kind or path", roots: baseRoots}
	for _, fd := range l.featureDecls {
		for _, sd := range fd.specs {
			s := sd.spec
			content, diags := sd.block.Body.Content(specSchema)
			l.diags = append(l.diags, diags...)
			sd.content = content
			label := s.Addr.Name
			if standardKinds[label] {
				s.Kind = label
			}
			if attr, ok := content.Attributes["kind"]; ok {
				v, _ := l.evalAttr(attr, l.baseCtx, sc, cty.String)
				if k, ok := stringOf(v); ok {
					if !contains(specKinds, k) {
						l.errorf(attr.Expr.Range(), "Invalid spec kind", "kind must be one of %s, not %q.%s",
							strings.Join(specKinds, ", "), k, suggest(k, specKinds))
					} else {
						s.Kind = k
					}
				}
			}
			if !standardKinds[label] {
				var missing []string
				if _, ok := content.Attributes["kind"]; !ok {
					missing = append(missing, "kind")
				}
				if _, ok := content.Attributes["prompt"]; !ok {
					missing = append(missing, "prompt")
				}
				if len(missing) > 0 {
					l.errorf(sd.block.LabelRanges[0], "Custom spec needs "+strings.Join(missing, " and "),
						"Spec %q is not one of the standard kinds (requirements, bugfix, design, tasks), so it must say what it is: set kind (one of %s) and prompt.%s",
						label, strings.Join(specKinds, ", "), suggest(label, slices.Sorted(maps.Keys(standardKinds))))
				}
			}
			s.Path = DefaultSpecs + "/" + fd.feature.Name + "/" + label + ".md"
			if attr, ok := content.Attributes["path"]; ok {
				v, _ := l.evalAttr(attr, l.baseCtx, sc, cty.String)
				if p, ok := stringOf(v); ok {
					if err := CheckRelPath(p); err != nil {
						l.errorf(attr.Expr.Range(), "Invalid spec path", "%s.", capitalize(err.Error()))
					} else {
						s.Path = p
					}
				}
			}
		}
		for _, cd := range fd.codegens {
			content, diags := cd.block.Body.Content(codegenSchema)
			l.diags = append(l.diags, diags...)
			cd.content = content
		}
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// buildFullContext adds every declared object to the evaluation context so
// that references such as provider.openai.main or feature.F.spec.S.path
// evaluate to something.
func (l *loader) buildFullContext() {
	providers := map[string]map[string]cty.Value{}
	for _, p := range l.cfg.Providers {
		if providers[p.Type] == nil {
			providers[p.Type] = map[string]cty.Value{}
		}
		providers[p.Type][p.Name] = cty.ObjectVal(map[string]cty.Value{
			"type": cty.StringVal(p.Type), "name": cty.StringVal(p.Name), "address": cty.StringVal(p.Addr()),
		})
	}
	providerObjs := map[string]cty.Value{}
	for t, m := range providers {
		providerObjs[t] = cty.ObjectVal(m)
	}
	named := func(kind string, names []string) cty.Value {
		m := make(map[string]cty.Value, len(names))
		for _, n := range names {
			m[n] = cty.ObjectVal(map[string]cty.Value{"name": cty.StringVal(n), "address": cty.StringVal(kind + "." + n)})
		}
		return cty.ObjectVal(m)
	}
	features := map[string]cty.Value{}
	for _, fd := range l.featureDecls {
		specs := map[string]cty.Value{}
		for _, sd := range fd.specs {
			specs[sd.spec.Addr.Name] = cty.ObjectVal(map[string]cty.Value{
				"name":    cty.StringVal(sd.spec.Addr.Name),
				"address": cty.StringVal(sd.spec.Addr.String()),
				"kind":    cty.StringVal(sd.spec.Kind),
				"path":    cty.StringVal(sd.spec.Path),
			})
		}
		codegens := map[string]cty.Value{}
		for _, cd := range fd.codegens {
			codegens[cd.codegen.Addr.Name] = cty.ObjectVal(map[string]cty.Value{
				"name":    cty.StringVal(cd.codegen.Addr.Name),
				"address": cty.StringVal(cd.codegen.Addr.String()),
			})
		}
		specObj, codegenObj := cty.ObjectVal(specs), cty.ObjectVal(codegens)
		features[fd.feature.Name] = cty.ObjectVal(map[string]cty.Value{
			"name": cty.StringVal(fd.feature.Name), "spec": specObj, "codegen": codegenObj,
		})
		fd.ctx = &hcl.EvalContext{Variables: map[string]cty.Value{"spec": specObj, "codegen": codegenObj}}
	}
	l.fullCtx = l.baseCtx.NewChild()
	l.fullCtx.Variables = map[string]cty.Value{
		"provider": cty.ObjectVal(providerObjs),
		"steering": named("steering", sortedKeys(l.cfg.Steering)),
		"hook":     named("hook", sortedKeys(l.cfg.Hooks)),
		"feature":  cty.ObjectVal(features),
	}
	for _, fd := range l.featureDecls {
		vars := fd.ctx.Variables
		fd.ctx = l.fullCtx.NewChild()
		fd.ctx.Variables = vars
	}
}

func (l *loader) decodeFeatures() {
	for _, fd := range l.featureDecls {
		f := fd.feature
		sc := &scope{what: "a feature block", roots: allRoots, feature: fd}
		if attr, ok := fd.content.Attributes["description"]; ok {
			v, _ := l.evalAttr(attr, fd.ctx, sc, cty.String)
			if s, ok := stringOf(v); ok {
				f.Description = s
			}
		}
		if attr, ok := fd.content.Attributes["provider"]; ok {
			f.Provider = l.providerRef(attr, sc)
		}
		l.decodeWorkflow(fd, sc)
		l.decodeFeatureBudget(fd, fd.budgets)
		for _, sd := range fd.specs {
			l.decodeSpec(fd, sd)
		}
		for _, cd := range fd.codegens {
			l.decodeCodegen(fd, cd)
		}
	}
	for _, pc := range l.pendingContext {
		l.warnUnmatched(pc.attr, pc.patterns)
	}
}

// pendingGlobs is a context attribute whose globs are checked for matches
// after every codegen is decoded.
type pendingGlobs struct {
	attr     *hcl.Attribute
	patterns []string
}

func (l *loader) decodeSpec(fd *featureDecl, sd *specDecl) {
	s := sd.spec
	sc := &scope{what: "a spec block", roots: allRoots, feature: fd}
	attrs := sd.content.Attributes
	var deps []Dependency
	s.Config = map[string]cty.Value{
		"kind": cty.StringVal(s.Kind), "path": cty.StringVal(s.Path),
	}
	s.Approval = ApprovalHuman
	for _, name := range []string{"kind", "path"} {
		if attr, ok := attrs[name]; ok {
			d, _ := l.checkRefs(attr.Expr, sc)
			deps = append(deps, d...)
		}
	}
	if attr, ok := attrs["prompt"]; ok {
		v, d := l.evalAttr(attr, fd.ctx, sc, cty.String)
		deps = append(deps, d...)
		if p, ok := stringOf(v); ok {
			s.Prompt = p
		}
		if v != cty.NilVal {
			s.Config["prompt"] = v
		}
	}
	if attr, ok := attrs["approval"]; ok {
		v, d := l.evalAttr(attr, fd.ctx, sc, cty.String)
		deps = append(deps, d...)
		if a, ok := stringOf(v); ok {
			if a != ApprovalHuman && a != ApprovalAuto {
				l.errorf(attr.Expr.Range(), "Invalid approval", "approval must be %q or %q, not %q.", ApprovalHuman, ApprovalAuto, a)
			} else {
				s.Approval = a
			}
		}
	}
	s.Config["approval"] = cty.StringVal(s.Approval)
	if attr, ok := attrs["provider"]; ok {
		s.Provider = l.providerRef(attr, sc)
	}
	if attr, ok := attrs["depends_on"]; ok {
		deps = append(deps, l.dependsOn(attr, sc)...)
	} else {
		deps = append(deps, defaultSpecDeps(fd, s)...)
	}
	s.DependsOn = dedupDeps(deps)
	s.Provider = l.effectiveProvider(fd, s.Provider, s.Addr, sd.block.DefRange)
}

// decodeWorkflow reads a feature's workflow, which orders its standard
// specs (see defaultSpecDeps).
func (l *loader) decodeWorkflow(fd *featureDecl, sc *scope) {
	f := fd.feature
	f.Workflow = WorkflowRequirementsFirst
	attr, ok := fd.content.Attributes["workflow"]
	if !ok {
		return
	}
	v, _ := l.evalAttr(attr, fd.ctx, sc, cty.String)
	w, ok := stringOf(v)
	if !ok {
		return
	}
	if !contains(workflows, w) {
		l.errorf(attr.Expr.Range(), "Invalid workflow", "workflow must be %q or %q, not %q.%s",
			WorkflowRequirementsFirst, WorkflowDesignFirst, w, suggest(w, workflows))
		return
	}
	if _, bugfix := f.Specs[KindBugfix]; bugfix && w == WorkflowDesignFirst {
		l.errorf(attr.Expr.Range(), "Workflow does not fit a bugfix spec",
			"Feature %q has a bugfix spec, whose workflow is always bugfix, then design, then tasks: the design is written from the analysis of the bug. Remove workflow = %q.", f.Name, w)
		return
	}
	f.Workflow = w
}

// defaultSpecDeps chains the standard specs of a feature. In the
// requirements-first workflow: design after requirements (or after the
// bugfix document of a bugfix spec), tasks after design (or after what
// comes before it when the feature has no design). In the design-first
// workflow: requirements after design, tasks after requirements.
func defaultSpecDeps(fd *featureDecl, s *Spec) []Dependency {
	var want []string
	switch {
	case fd.feature.Workflow == WorkflowDesignFirst && s.Addr.Name == KindDesign:
		// First: it is written from the feature's description.
	case fd.feature.Workflow == WorkflowDesignFirst && s.Addr.Name == KindRequirements:
		want = []string{KindDesign}
	case fd.feature.Workflow == WorkflowDesignFirst && s.Addr.Name == KindTasks:
		want = []string{KindRequirements, KindDesign}
	case s.Addr.Name == KindDesign:
		want = []string{KindRequirements, KindBugfix}
	case s.Addr.Name == KindTasks:
		want = []string{KindDesign, KindRequirements, KindBugfix}
	}
	for _, w := range want {
		if up, ok := fd.feature.Specs[w]; ok {
			return []Dependency{{Addr: up.Addr, Implicit: true, Range: s.DeclRange}}
		}
	}
	return nil
}

func (l *loader) decodeCodegen(fd *featureDecl, cd *codegenDecl) {
	c := cd.codegen
	sc := &scope{what: "a codegen block", roots: allRoots, feature: fd}
	attrs := cd.content.Attributes
	var deps []Dependency
	c.Config = map[string]cty.Value{}
	c.MaxAttempts = DefaultMaxAttempts
	if attr, ok := attrs["outputs"]; ok {
		v, d := l.evalAttr(attr, fd.ctx, sc, cty.List(cty.String))
		deps = append(deps, d...)
		if patterns, ok := stringsOf(v); ok {
			if len(patterns) == 0 {
				l.errorf(attr.Expr.Range(), "Empty outputs", "outputs must list at least one glob: the only paths this codegen may write.")
			} else if l.checkGlobs(attr, patterns) {
				c.Outputs = patterns
			}
		}
		if v != cty.NilVal {
			c.Config["outputs"] = v
		}
	}
	if attr, ok := attrs["context"]; ok {
		v, d := l.evalAttr(attr, fd.ctx, sc, cty.List(cty.String))
		deps = append(deps, d...)
		if patterns, ok := stringsOf(v); ok && l.checkGlobs(attr, patterns) {
			c.Context = patterns
			// Checked once every codegen's outputs are known.
			l.pendingContext = append(l.pendingContext, pendingGlobs{attr, patterns})
		}
		if v != cty.NilVal {
			c.Config["context"] = v
		}
	}
	if attr, ok := attrs["prompt"]; ok {
		v, d := l.evalAttr(attr, fd.ctx, sc, cty.String)
		deps = append(deps, d...)
		if p, ok := stringOf(v); ok {
			c.Prompt = p
		}
		if v != cty.NilVal {
			c.Config["prompt"] = v
		}
	}
	if attr, ok := attrs["max_attempts"]; ok {
		v, d := l.evalAttr(attr, fd.ctx, sc, cty.Number)
		deps = append(deps, d...)
		if v != cty.NilVal && v.IsWhollyKnown() && !v.IsNull() {
			uv, _ := v.Unmark()
			if !isWholeAtLeast(uv, 1) || uv.AsBigFloat().Cmp(cty.NumberIntVal(100).AsBigFloat()) > 0 {
				l.errorf(attr.Expr.Range(), "Invalid max_attempts", "max_attempts must be a whole number from 1 to 100.")
			} else {
				n, _ := uv.AsBigFloat().Int64()
				c.MaxAttempts = int(n)
			}
		}
	}
	c.Config["max_attempts"] = cty.NumberIntVal(int64(c.MaxAttempts))
	if attr, ok := attrs["hooks"]; ok {
		for _, trav := range l.staticRefs(attr, "hook.NAME") {
			names := traversalNames(trav)
			if names[0] != "hook" || len(names) != 2 {
				l.errorf(trav.SourceRange(), "Invalid hooks entry", "Each entry of hooks must be hook.NAME.")
				continue
			}
			if _, ok := l.resolveRef(trav, sc); ok {
				c.Hooks = append(c.Hooks, names[1])
			}
		}
		c.Config["hooks"] = stringList(c.Hooks)
	}
	if attr, ok := attrs["provider"]; ok {
		c.Provider = l.providerRef(attr, sc)
	}
	if attr, ok := attrs["depends_on"]; ok {
		deps = append(deps, l.dependsOn(attr, sc)...)
	} else {
		for _, sd := range fd.specs {
			deps = append(deps, Dependency{Addr: sd.spec.Addr, Implicit: true, Range: cd.block.DefRange})
		}
	}
	c.DependsOn = dedupDeps(deps)
	c.Provider = l.effectiveProvider(fd, c.Provider, c.Addr, cd.block.DefRange)
	l.decodeEach(fd, cd, sc)
}

// decodeEach reads each and optional_tasks: a codegen that carries out the
// tasks of the one tasks spec it depends on, task by task.
func (l *loader) decodeEach(fd *featureDecl, cd *codegenDecl, sc *scope) {
	c := cd.codegen
	attrs := cd.content.Attributes
	if attr, ok := attrs["optional_tasks"]; ok {
		v, _ := l.evalAttr(attr, fd.ctx, sc, cty.Bool)
		if v != cty.NilVal && v.IsWhollyKnown() && !v.IsNull() {
			uv, _ := v.Unmark()
			c.OptionalTasks = uv.True()
		}
		if _, each := attrs["each"]; !each {
			l.errorf(attr.Expr.Range(), "optional_tasks without each", `optional_tasks only applies to a codegen that runs its tasks one by one: set each = "task" too.`)
		}
	}
	attr, ok := attrs["each"]
	if !ok {
		return
	}
	v, _ := l.evalAttr(attr, fd.ctx, sc, cty.String)
	e, ok := stringOf(v)
	if !ok {
		return
	}
	if e != EachTask {
		l.errorf(attr.Expr.Range(), "Invalid each", `each must be "task" (run the feature's approved tasks one by one), not %q.`, e)
		return
	}
	c.Each = e
	c.Config["each"] = cty.StringVal(e)
	var tasks []*Spec
	for _, d := range c.DependsOn {
		if s, ok := fd.feature.Specs[d.Addr.Name]; ok && d.Addr.Kind == NodeSpec && d.Addr.Feature == fd.feature.Name && s.Kind == KindTasks {
			tasks = append(tasks, s)
		}
	}
	switch len(tasks) {
	case 0:
		l.errorf(attr.Expr.Range(), "No tasks to run",
			`each = "task" runs the tasks of the feature's tasks document, and %s depends on no spec of kind tasks in feature %q. Add spec "tasks" {} to the feature, or name it in depends_on.`, c.Addr, fd.feature.Name)
	case 1:
		c.TasksSpec = tasks[0]
	default:
		var names []string
		for _, s := range tasks {
			names = append(names, s.Addr.String())
		}
		l.errorf(attr.Expr.Range(), "Several tasks documents",
			`each = "task" runs the tasks of one tasks document, and %s depends on %s. Name the one to run in depends_on.`, c.Addr, strings.Join(names, " and "))
	}
}

func stringList(ss []string) cty.Value {
	if len(ss) == 0 {
		return cty.ListValEmpty(cty.String)
	}
	vals := make([]cty.Value, len(ss))
	for i, s := range ss {
		vals[i] = cty.StringVal(s)
	}
	return cty.ListVal(vals)
}

// providerRef reads `provider = provider.TYPE.NAME` and returns the
// provider's key, "TYPE.NAME", or "" after reporting a problem.
func (l *loader) providerRef(attr *hcl.Attribute, sc *scope) string {
	trav, ok := refTraversal(attr.Expr)
	names := traversalNames(trav)
	if !ok || len(names) != 3 || names[0] != "provider" {
		l.errorf(attr.Expr.Range(), "Invalid provider reference",
			"provider must be a reference to a provider block, like provider.openai.main.")
		return ""
	}
	if _, ok := l.resolveRef(trav, sc); !ok {
		return ""
	}
	return names[1] + "." + names[2]
}

// dependsOn reads a depends_on list: references to specs, codegens or
// whole features.
func (l *loader) dependsOn(attr *hcl.Attribute, sc *scope) []Dependency {
	var deps []Dependency
	for _, trav := range l.staticRefs(attr, "spec.requirements, feature.auth.spec.design") {
		root := trav.RootName()
		if root != "spec" && root != "codegen" && root != "feature" {
			l.errorf(trav.SourceRange(), "Invalid depends_on entry",
				"depends_on lists specs, codegens or features (spec.NAME, codegen.NAME, feature.F, feature.F.spec.NAME), not %s.", root)
			continue
		}
		d, _ := l.resolveRef(trav, sc)
		deps = append(deps, d...)
	}
	return deps
}

// effectiveProvider applies "nearest wins": the node's own provider, else
// its feature's, else the only provider declared.
func (l *loader) effectiveProvider(fd *featureDecl, own string, addr Address, rng hcl.Range) string {
	switch {
	case own != "":
		return own
	case fd.feature.Provider != "":
		return fd.feature.Provider
	case len(l.cfg.Providers) == 1:
		for key := range l.cfg.Providers {
			return key
		}
	case len(l.cfg.Providers) == 0:
		if l.noProviderReported {
			return ""
		}
		l.noProviderReported = true
		l.errorf(rng, "No provider declared",
			"%s needs a model to generate with, and the configuration declares no provider. Add a provider block, such as provider \"openai\" \"main\" { model = \"gpt-4o-mini\" }.", addr)
		return ""
	}
	if _, ok := fd.content.Attributes["provider"]; ok {
		return "" // the feature's provider reference was bad and already reported
	}
	l.errorf(rng, "No provider for "+addr.String(),
		"Several providers are declared, so %s must say which to use: set provider = provider.TYPE.NAME on it or on feature %q.", addr, fd.feature.Name)
	return ""
}

// dedupDeps keeps the first dependency on each address, preferring an
// explicit reference over an implicit default.
func dedupDeps(deps []Dependency) []Dependency {
	seen := map[Address]int{}
	var out []Dependency
	for _, d := range deps {
		if i, ok := seen[d.Addr]; ok {
			if out[i].Implicit && !d.Implicit {
				out[i] = d
			}
			continue
		}
		seen[d.Addr] = len(out)
		out = append(out, d)
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Addr.Less(out[j].Addr) })
	return out
}
