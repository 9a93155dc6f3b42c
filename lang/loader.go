package lang

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclparse"
	"github.com/zclconf/go-cty/cty"
	"github.com/zclconf/go-cty/cty/function"
)

// loader carries the state of one Load call. Every phase appends to diags
// and goes on where it can, so that one run reports every problem.
type loader struct {
	dir    string
	opts   LoadOptions
	parser *hclparse.Parser
	cfg    *Config
	diags  hcl.Diagnostics
	funcs  map[string]function.Function

	// Declarations found by the structural pass, in source order.
	variableBlocks []*hcl.Block
	localAttrs     []*hcl.Attribute
	providerBlocks []*hcl.Block
	steeringBlocks []*hcl.Block
	featureDecls   []*featureDecl
	featureIndex   map[string]*featureDecl
	hookBlocks     []*hcl.Block

	// baseCtx holds var, local and the functions; fullCtx adds every
	// declared object so that provider.X.Y, feature.F.spec.S and friends
	// evaluate.
	baseCtx *hcl.EvalContext
	fullCtx *hcl.EvalContext

	noProviderReported bool
	pendingContext     []pendingGlobs
	// extraFiles are the steering files read while loading, kept so that
	// diagnostics about their front matter show a snippet.
	extraFiles map[string]*hcl.File
}

// featureDecl is a feature block after the structural pass.
type featureDecl struct {
	feature  *Feature
	block    *hcl.Block
	content  *hcl.BodyContent
	specs    []*specDecl
	codegens []*codegenDecl
	ctx      *hcl.EvalContext // fullCtx plus spec and codegen
	budgets  []*hcl.Block
}

type specDecl struct {
	spec    *Spec
	block   *hcl.Block
	content *hcl.BodyContent
}

type codegenDecl struct {
	codegen *Codegen
	block   *hcl.Block
	content *hcl.BodyContent
}

func newLoader(dir string, opts LoadOptions) *loader {
	if opts.LookupEnv == nil {
		opts.LookupEnv = os.LookupEnv
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		abs = dir
	}
	return &loader{
		dir:    abs,
		opts:   opts,
		parser: hclparse.NewParser(),
		cfg: &Config{
			Dir:       abs,
			Files:     map[string]*hcl.File{},
			Settings:  &Settings{Plugins: map[string]*PluginDecl{}},
			Variables: map[string]*Variable{},
			Locals:    map[string]*Local{},
			Providers: map[string]*Provider{},
			Steering:  map[string]*Steering{},
			Features:  map[string]*Feature{},
			Hooks:     map[string]*Hook{},
		},
		funcs:      Functions(abs, opts.LookupEnv),
		extraFiles: map[string]*hcl.File{},
	}
}

func (l *loader) load() (*Config, hcl.Diagnostics) {
	defer func() {
		l.cfg.Files = l.parser.Files()
		for name, f := range l.extraFiles {
			if _, ok := l.cfg.Files[name]; !ok {
				l.cfg.Files[name] = f
			}
		}
	}()

	body := l.parse()
	if body == nil {
		return l.cfg, sortDiagnostics(l.diags)
	}
	content, diags := body.Content(rootSchema)
	l.diags = append(l.diags, diags...)

	var settingsBlocks, localsBlocks, budgetBlocks []*hcl.Block
	for _, b := range content.Blocks {
		switch b.Type {
		case "kirofile":
			settingsBlocks = append(settingsBlocks, b)
		case "variable":
			l.variableBlocks = append(l.variableBlocks, b)
		case "locals":
			localsBlocks = append(localsBlocks, b)
		case "provider":
			l.providerBlocks = append(l.providerBlocks, b)
		case "steering":
			l.steeringBlocks = append(l.steeringBlocks, b)
		case "feature":
			l.declareFeature(b)
		case "hook":
			l.hookBlocks = append(l.hookBlocks, b)
		case "budget":
			budgetBlocks = append(budgetBlocks, b)
		}
	}

	l.decodeSettings(settingsBlocks)
	l.decodeVariables()
	l.collectLocals(localsBlocks)
	l.declareObjects()
	l.evaluateLocals()
	l.baseCtx = &hcl.EvalContext{Variables: map[string]cty.Value{
		"var":   l.variableObject(),
		"local": l.localObject(),
	}, Functions: l.funcs}

	l.decodeProviders()
	l.checkCurrencies()
	l.decodeBudgets(budgetBlocks)
	l.decodeSteering()
	l.decodeHooks()
	l.decodeNodeHeaders()
	l.buildFullContext()
	l.decodeFeatures()
	l.collectNodes()
	l.markUnknownText()
	l.checkCycles()
	l.checkOutputs()
	l.cfg.evalCtx = l.fullCtx

	return l.cfg, sortDiagnostics(l.diags)
}

// projectAbove returns the nearest directory above dir that has
// configuration files, as a path relative to dir ("..", "../.."), or "".
func projectAbove(dir string) string {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return ""
	}
	rel := ""
	for {
		parent := filepath.Dir(abs)
		if parent == abs {
			return ""
		}
		abs, rel = parent, filepath.Join(rel, "..")
		if names, err := ConfigFiles(abs); err == nil && len(names) > 0 {
			return rel
		}
	}
}

// parse reads every configuration file of the directory and merges them.
func (l *loader) parse() hcl.Body {
	names, err := ConfigFiles(l.dir)
	if err != nil {
		l.diags = append(l.diags, &hcl.Diagnostic{
			Severity: hcl.DiagError,
			Summary:  "Cannot read the project directory",
			Detail:   fmt.Sprintf("Reading %s failed: %s.", l.dir, unwrapPathError(err)),
		})
		return nil
	}
	if len(names) == 0 {
		hint := "Run kirofile in a project directory, pass -chdir=DIR, or create one with \"kirofile init\"."
		if up := projectAbove(l.dir); up != "" {
			// As with Terraform, the project is the working directory,
			// never one found above it: say where one is.
			hint = fmt.Sprintf("%s, above it, has one: run kirofile there, or pass -chdir=%s.", up, up)
		}
		l.diags = append(l.diags, &hcl.Diagnostic{
			Severity: hcl.DiagError,
			Summary:  "No Kirofile found",
			Detail: fmt.Sprintf("The directory %s has no Kirofile, *.kiro.hcl, Kirofile.json or *.kiro.json file. %s",
				l.dir, hint),
		})
		return nil
	}
	var files []*hcl.File
	for _, name := range names {
		data, err := os.ReadFile(filepath.Join(l.dir, name))
		if err != nil {
			l.diags = append(l.diags, &hcl.Diagnostic{
				Severity: hcl.DiagError,
				Summary:  "Cannot read configuration file",
				Detail:   fmt.Sprintf("Reading %s failed: %s.", name, unwrapPathError(err)),
			})
			continue
		}
		if len(data) > maxConfigSize {
			l.diags = append(l.diags, &hcl.Diagnostic{
				Severity: hcl.DiagError,
				Summary:  "Configuration file too large",
				Detail:   fmt.Sprintf("%s is %d bytes; configuration files are limited to %d bytes.", name, len(data), maxConfigSize),
			})
			continue
		}
		var f *hcl.File
		var diags hcl.Diagnostics
		if _, isJSON := IsConfigFile(name); isJSON {
			f, diags = l.parser.ParseJSON(data, name)
		} else {
			if f = parseChunked(data, name); f != nil {
				l.parser.AddFile(name, f)
			} else {
				f, diags = l.parser.ParseHCL(data, name)
			}
		}
		l.diags = append(l.diags, diags...)
		if f != nil && !diags.HasErrors() {
			files = append(files, f)
		}
	}
	// A file that does not parse would make every later check report
	// cascades of "undeclared" errors; the syntax errors alone are clearer.
	if len(files) == 0 || l.diags.HasErrors() {
		return nil
	}
	return hcl.MergeFiles(files)
}

func unwrapPathError(err error) error {
	if pe, ok := err.(*os.PathError); ok {
		return pe.Err
	}
	return err
}

// markUnknownText marks the feature descriptions and steering texts that
// depend on a variable without a value. Decoding leaves such a text empty;
// the mark tells plan that the fingerprints they feed cannot be known, so
// that approve refuses to bind an approval to a wrong one.
func (l *loader) markUnknownText() {
	unknownVar := false
	for _, v := range l.cfg.Variables {
		if !v.Value.IsWhollyKnown() {
			unknownVar = true
		}
	}
	if !unknownVar {
		return
	}
	unknown := func(attr *hcl.Attribute, ctx *hcl.EvalContext) bool {
		v, _ := attr.Expr.Value(ctx)
		return !v.IsWhollyKnown()
	}
	for _, fd := range l.featureDecls {
		if attr, ok := fd.content.Attributes["description"]; ok && fd.ctx != nil && unknown(attr, fd.ctx) {
			fd.feature.DescriptionUnknown = true
		}
	}
	for _, b := range l.steeringBlocks {
		s := l.cfg.Steering[b.Labels[0]]
		content, _, _ := b.Body.PartialContent(steeringSchema)
		if s == nil || content == nil {
			continue
		}
		for _, name := range []string{"file", "content"} {
			if attr, ok := content.Attributes[name]; ok && unknown(attr, l.baseCtx) {
				s.Unknown = true
			}
		}
	}
}
