package lang

import (
	"math/big"
	"os"
	"strings"
	"time"

	"github.com/hashicorp/hcl/v2"
	"github.com/kirofile/kirofile/internal/specdoc"
	"github.com/zclconf/go-cty/cty"
)

// declareObjects registers the names of providers, steering and hooks so
// that references to them can be resolved before their bodies are decoded.
func (l *loader) declareObjects() {
	var keep []*hcl.Block
	for _, b := range l.providerBlocks {
		p := &Provider{Type: b.Labels[0], Name: b.Labels[1], Config: map[string]cty.Value{}, DeclRange: b.DefRange}
		key := p.Type + "." + p.Name
		if prev, ok := l.cfg.Providers[key]; ok {
			l.duplicate("provider", p.Type+"\" \""+p.Name, b.DefRange, prev.DeclRange)
			continue
		}
		l.cfg.Providers[key] = p
		keep = append(keep, b)
	}
	l.providerBlocks = keep

	keep = nil
	for _, b := range l.steeringBlocks {
		name := b.Labels[0]
		if prev, ok := l.cfg.Steering[name]; ok {
			l.duplicate("steering", name, b.DefRange, prev.DeclRange)
			continue
		}
		l.cfg.Steering[name] = &Steering{Name: name, DeclRange: b.DefRange}
		keep = append(keep, b)
	}
	l.steeringBlocks = keep

	keep = nil
	for _, b := range l.hookBlocks {
		name := b.Labels[0]
		if prev, ok := l.cfg.Hooks[name]; ok {
			l.duplicate("hook", name, b.DefRange, prev.DeclRange)
			continue
		}
		l.cfg.Hooks[name] = &Hook{Name: name, DeclRange: b.DefRange}
		keep = append(keep, b)
	}
	l.hookBlocks = keep

	for _, b := range append(append(append([]*hcl.Block{}, l.providerBlocks...), l.steeringBlocks...), l.hookBlocks...) {
		for i, label := range b.Labels {
			if !validName(label) {
				l.errorf(b.LabelRanges[i], "Invalid name", "%q is not a valid name: %s.", label, nameRule)
			}
		}
	}
}

func (l *loader) decodeProviders() {
	sc := &scope{what: "a provider block", roots: baseRoots}
	for _, b := range l.providerBlocks {
		p := l.cfg.Providers[b.Labels[0]+"."+b.Labels[1]]
		allowed, builtin := builtinProviderAttrs[p.Type]
		if !builtin {
			plug, ok := l.cfg.Settings.Plugins[p.Type]
			if !ok || plug.Kind != PluginProvider {
				l.errorf(b.LabelRanges[0], "Unknown provider type",
					"There is no provider type %q. The built-in providers are openai and replay; a third-party provider needs "+
						"kirofile { plugin %q { source = \"./path/to/kirofile-provider-%s\" } }.%s",
					p.Type, p.Type, p.Type, suggest(p.Type, []string{"openai", "replay"}))
				continue
			}
		}
		attrs, diags := b.Body.JustAttributes()
		l.diags = append(l.diags, diags...)
		for _, attr := range sortedAttributes(attrs) {
			if builtin && !allowed[attr.Name] {
				l.errorf(attr.NameRange, "Unsupported argument",
					"The %s provider has no argument %q. It accepts: %s.%s", p.Type, attr.Name,
					strings.Join(sortedKeys(allowed), ", "), suggest(attr.Name, sortedKeys(allowed)))
				continue
			}
			want := cty.DynamicPseudoType
			if builtin || HostProviderAttrs[attr.Name] {
				want = providerAttrType(attr.Name)
			}
			v, _ := l.evalAttr(attr, l.baseCtx, sc, want)
			if v == cty.NilVal {
				continue
			}
			if builtin || HostProviderAttrs[attr.Name] {
				l.checkProviderAttr(attr, v)
			}
			p.Config[attr.Name] = v
		}
		if builtin {
			required := "model"
			if p.Type == "replay" {
				required = "cassette"
			}
			if _, ok := attrs[required]; !ok {
				l.errorf(b.DefRange, "Missing required argument",
					"The %s provider needs %s.", p.Type, required)
			}
		}
	}
}

func providerAttrType(name string) cty.Type {
	switch name {
	case "temperature", "max_tokens", "max_attempts", "max_reply_bytes":
		return cty.Number
	case "stream":
		return cty.Bool
	case "headers":
		return cty.Map(cty.String)
	case "price":
		return cty.DynamicPseudoType
	}
	return cty.String
}

func (l *loader) checkProviderAttr(attr *hcl.Attribute, v cty.Value) {
	if !v.IsWhollyKnown() || v.IsNull() {
		return
	}
	sensitive := Sensitive(v)
	v, _ = v.UnmarkDeep()
	rng := attr.Expr.Range()
	switch attr.Name {
	case "temperature":
		if f, _ := v.AsBigFloat().Float64(); f < 0 || f > 2 {
			l.errorf(rng, "Invalid temperature", "temperature must be between 0 and 2, not %s.", v.AsBigFloat().String())
		}
	case "max_tokens", "max_attempts", "max_reply_bytes":
		if !isWholeAtLeast(v, 1) {
			l.errorf(rng, "Invalid "+attr.Name, "%s must be a whole number of at least 1.", attr.Name)
		}
	case "timeout", "call_timeout":
		if d, err := time.ParseDuration(v.AsString()); err != nil || d <= 0 {
			l.errorf(rng, "Invalid "+attr.Name, "%q is not a duration; write it like \"90s\" or \"5m\".", v.AsString())
		}
	case "mode":
		if s := v.AsString(); s != "replay" && s != "record" {
			l.errorf(rng, "Invalid mode", "mode must be \"replay\" or \"record\", not %q.", s)
		}
	case "cassette":
		if err := CheckRelPath(v.AsString()); err != nil {
			l.errorf(rng, "Invalid cassette path", "%s.", capitalize(err.Error()))
		}
	case "price", "tokenizer":
		l.checkCostAttr(attr, v)
	case "api_key":
		if sensitive {
			break // from a sensitive variable, as the warning advises
		}
		l.warnf(rng, "API key in configuration",
			"Prefer api_key_env = \"NAME\" so that the key stays in the environment; if you keep api_key, take it from a sensitive variable.")
	}
}

func isWholeAtLeast(v cty.Value, min int64) bool {
	bf := v.AsBigFloat()
	if !bf.IsInt() {
		return false
	}
	i, _ := bf.Int(nil)
	return i.Cmp(big.NewInt(min)) >= 0
}

func (l *loader) decodeSteering() {
	sc := &scope{what: "a steering block", roots: baseRoots}
	for _, b := range l.steeringBlocks {
		s := l.cfg.Steering[b.Labels[0]]
		content, diags := b.Body.Content(steeringSchema)
		l.diags = append(l.diags, diags...)
		fileAttr, hasFile := content.Attributes["file"]
		contentAttr, hasContent := content.Attributes["content"]
		switch {
		case hasFile && hasContent:
			l.errorf(contentAttr.NameRange, "Conflicting steering source", "A steering block takes file or content, not both.")
		case !hasFile && !hasContent:
			l.errorf(b.DefRange, "Missing steering source", "A steering block needs file = \"PATH\" or content = \"...\".")
		}
		var fm FrontMatter
		var data []byte
		if hasFile {
			v, _ := l.evalAttr(fileAttr, l.baseCtx, sc, cty.String)
			if name, ok := stringOf(v); ok {
				if err := CheckRelPath(name); err != nil {
					l.errorf(fileAttr.Expr.Range(), "Invalid steering file", "%s.", capitalize(err.Error()))
				} else {
					s.File = name
					var err error
					data, err = os.ReadFile(projectPath(l.dir, name))
					switch {
					case os.IsNotExist(err):
						l.warnf(fileAttr.Expr.Range(), "Steering file not found",
							"%q does not exist, so this steering adds nothing to prompts until it does.", name)
					case err != nil:
						l.errorf(fileAttr.Expr.Range(), "Cannot read steering file", "Reading %q failed: %s.", name, unwrapPathError(err))
					default:
						var diags hcl.Diagnostics
						fm, _, diags = parseFrontMatter(name, data)
						l.diags = append(l.diags, diags...)
						l.extraFiles[name] = &hcl.File{Bytes: data}
					}
				}
			}
		}
		if hasContent {
			v, _ := l.evalAttr(contentAttr, l.baseCtx, sc, cty.String)
			if text, ok := stringOf(v); ok {
				s.Content = text
			}
		}
		s.Inclusion = InclusionAlways
		if fm.Inclusion != "" {
			inc, diag := steeringInclusion(fm.Inclusion, fm.inclusionRange)
			if diag != nil {
				l.diags = append(l.diags, diag)
			}
			if inc != "" {
				s.Inclusion = inc
			}
		}
		for i, p := range fm.FileMatchPatterns {
			if err := CheckGlob(kiroPattern(p)); err != nil {
				l.errorf(*fm.patternRanges[i], "Invalid fileMatchPattern in steering front matter", "%s.", capitalize(err.Error()))
				continue
			}
			s.Match = append(s.Match, kiroPattern(p))
		}
		if len(fm.FileMatchPatterns) > 0 && fm.Inclusion != "" && s.Inclusion != InclusionFileMatch {
			l.warnf(*fm.patternRanges[0], "fileMatchPattern is not used",
				"The front matter sets fileMatchPattern but its inclusion is %s, so the patterns select nothing. Set inclusion: fileMatch to include the file only for the files they match.", fm.Inclusion)
		}
		if attr, ok := content.Attributes["match"]; ok {
			v, _ := l.evalAttr(attr, l.baseCtx, sc, cty.List(cty.String))
			if patterns, ok := stringsOf(v); ok && l.checkGlobs(attr, patterns) {
				s.Match = append(s.Match, patterns...)
				s.Inclusion = InclusionFileMatch
			}
		}
		if attr, ok := content.Attributes["inclusion"]; ok {
			v, _ := l.evalAttr(attr, l.baseCtx, sc, cty.String)
			if inc, ok := stringOf(v); ok {
				switch Inclusion(inc) {
				case InclusionAlways, InclusionFileMatch, InclusionManual:
					s.Inclusion = Inclusion(inc)
				default:
					l.errorf(attr.Expr.Range(), "Invalid inclusion", "inclusion must be \"always\", \"fileMatch\" or \"manual\", not %q.", inc)
				}
			}
		}
		if s.Inclusion == InclusionFileMatch && len(s.Match) == 0 {
			l.warnf(b.DefRange, "Steering never included",
				"Steering %q has inclusion fileMatch but no pattern; add match = [\"GLOB\"] or a fileMatchPattern.", s.Name)
		}
		l.steeringRefs(s, data, contentAttr)
	}
}

// steeringRefs resolves the #[[file:PATH]] references of a steering
// document (its file, or its inline content) into s.FileRefs, reporting
// the ones that name no file of the project.
func (l *loader) steeringRefs(s *Steering, data []byte, contentAttr *hcl.Attribute) {
	name := s.File
	if s.File == "" {
		if s.Content == "" {
			return
		}
		data, name = []byte(s.Content), "steering "+s.Name
	}
	if data == nil {
		return
	}
	refs, errs := specdoc.ResolveFileRefs(l.dir, name, data)
	for _, r := range refs {
		s.FileRefs = append(s.FileRefs, r.File)
	}
	diags := specdoc.FileRefDiagnostics(errs)
	if s.File == "" {
		// Inline content has no file to point into: point at the attribute.
		for _, d := range diags {
			rng := contentAttr.Expr.Range()
			d.Subject = &rng
		}
	}
	l.diags = append(l.diags, diags...)
}

func (l *loader) decodeHooks() {
	sc := &scope{what: "a hook block", roots: baseRoots}
	for _, b := range l.hookBlocks {
		h := l.cfg.Hooks[b.Labels[0]]
		content, diags := b.Body.Content(hookSchema)
		l.diags = append(l.diags, diags...)
		if attr, ok := content.Attributes["on"]; ok {
			v, _ := l.evalAttr(attr, l.baseCtx, sc, cty.List(cty.String))
			if events, ok := stringsOf(v); ok {
				ranges := elementRanges(attr.Expr, len(events))
				for i, e := range events {
					if !knownEvent(e) {
						l.errorf(ranges[i], "Unknown hook event", "%q is not an event. Hooks can run on %s.%s",
							e, strings.Join(HookEvents, ", "), suggest(e, HookEvents))
						continue
					}
					h.On = append(h.On, e)
				}
				if len(events) == 0 {
					l.errorf(attr.Expr.Range(), "Hook without events", "on must name at least one of %s.", strings.Join(HookEvents, ", "))
				}
			}
		}
		if attr, ok := content.Attributes["feedback"]; ok {
			if v, _ := l.evalAttr(attr, l.baseCtx, sc, cty.Bool); v != cty.NilVal && v.IsKnown() && !v.IsNull() {
				h.Feedback = v.True()
			}
		}
		if attr, ok := content.Attributes["match"]; ok {
			v, _ := l.evalAttr(attr, l.baseCtx, sc, cty.List(cty.String))
			if patterns, ok := stringsOf(v); ok && l.checkGlobs(attr, patterns) {
				h.Match = patterns
			}
		}
		if len(content.Blocks) == 0 {
			l.errorf(b.DefRange, "Hook without action", "Hook %q needs at least one action block, such as action \"exec\" { command = [...] }.", h.Name)
		}
		for _, ab := range content.Blocks {
			if a := l.decodeAction(ab, sc); a != nil {
				h.Actions = append(h.Actions, a)
			}
		}
	}
}

func knownEvent(e string) bool {
	for _, k := range HookEvents {
		if e == k {
			return true
		}
	}
	return false
}

func (l *loader) decodeAction(b *hcl.Block, sc *scope) *Action {
	a := &Action{Type: b.Labels[0], Config: map[string]cty.Value{}, DeclRange: b.DefRange}
	schema, builtin := builtinActions[a.Type]
	var attrs hcl.Attributes
	if builtin {
		content, diags := b.Body.Content(schema)
		l.diags = append(l.diags, diags...)
		attrs = content.Attributes
	} else {
		plug, ok := l.cfg.Settings.Plugins[a.Type]
		if !ok || plug.Kind != PluginAction {
			l.errorf(b.LabelRanges[0], "Unknown action type",
				"There is no hook action %q. The built-in actions are exec and pr_description; a third-party action needs "+
					"kirofile { plugin %q { source = \"./path/to/kirofile-action-%s\" } }.%s",
				a.Type, a.Type, a.Type, suggest(a.Type, sortedKeys(builtinActions)))
			return nil
		}
		var diags hcl.Diagnostics
		attrs, diags = b.Body.JustAttributes()
		l.diags = append(l.diags, diags...)
	}
	for _, attr := range sortedAttributes(attrs) {
		want := cty.DynamicPseudoType
		if builtin {
			want = actionAttrType(attr.Name)
		}
		v, _ := l.evalAttr(attr, l.baseCtx, sc, want)
		if v == cty.NilVal {
			continue
		}
		a.Config[attr.Name] = v
		if !v.IsWhollyKnown() || v.IsNull() {
			continue
		}
		rng := attr.Expr.Range()
		switch attr.Name {
		case "command":
			a.Command, _ = stringsOf(v)
			if len(a.Command) == 0 || a.Command[0] == "" {
				l.errorf(rng, "Empty command", "command must list the program and its arguments, like [\"go\", \"test\", \"./...\"].")
			}
		case "timeout":
			s, _ := stringOf(v)
			d, err := time.ParseDuration(s)
			if err != nil || d <= 0 {
				l.errorf(rng, "Invalid timeout", "%q is not a duration; write it like \"90s\" or \"5m\".", s)
			}
			a.Timeout = d
		case "env":
			uv, _ := v.UnmarkDeep()
			a.Env = map[string]string{}
			for k, ev := range uv.AsValueMap() {
				if !ev.IsNull() {
					a.Env[k] = ev.AsString()
				}
			}
		case "dir", "output":
			s, _ := stringOf(v)
			if err := CheckRelPath(s); err != nil {
				l.errorf(rng, "Invalid "+attr.Name, "%s.", capitalize(err.Error()))
			} else if attr.Name == "dir" {
				a.Dir = s
			}
		}
	}
	return a
}

func actionAttrType(name string) cty.Type {
	switch name {
	case "command":
		return cty.List(cty.String)
	case "env":
		return cty.Map(cty.String)
	}
	return cty.String
}
