package lang

import (
	"fmt"
	"os"
	"sort"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/ext/typeexpr"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"
	"github.com/zclconf/go-cty/cty/convert"
)

// sensitiveMark marks values that must never be written anywhere.
const sensitiveMark = "sensitive"

// Sensitive reports whether a value is or contains a sensitive value.
func Sensitive(v cty.Value) bool {
	return v.HasMark(sensitiveMark) || v.ContainsMarked() && hasDeepMark(v)
}

func hasDeepMark(v cty.Value) bool {
	_, pvm := v.UnmarkDeepWithPaths()
	for _, pm := range pvm {
		if _, ok := pm.Marks[sensitiveMark]; ok {
			return true
		}
	}
	return false
}

type varDecl struct {
	v           *Variable
	defaults    *typeexpr.Defaults
	validations []*hcl.Block
	// valueRange is where the final value came from, when it came from a
	// file; validation failures point there.
	valueRange *hcl.Range
	// invalid: a value was given but did not convert, which was reported:
	// the variable is not also reported as given no value.
	invalid bool
}

func (l *loader) decodeVariables() {
	decls := map[string]*varDecl{}
	var order []string
	for _, b := range l.variableBlocks {
		name := b.Labels[0]
		if prev, ok := l.cfg.Variables[name]; ok {
			l.duplicate("variable", name, b.DefRange, prev.DeclRange)
			continue
		}
		if !validName(name) {
			l.errorf(b.LabelRanges[0], "Invalid variable name", "%q is not a valid name: %s.", name, nameRule)
		}
		content, diags := b.Body.Content(variableSchema)
		l.diags = append(l.diags, diags...)
		v := &Variable{Name: name, Type: cty.DynamicPseudoType, DeclRange: b.DefRange}
		d := &varDecl{v: v, validations: content.Blocks}
		if attr, ok := content.Attributes["type"]; ok {
			ty, defaults, diags := typeexpr.TypeConstraintWithDefaults(attr.Expr)
			l.diags = append(l.diags, diags...)
			if !diags.HasErrors() {
				v.Type, d.defaults = ty, defaults
			}
		}
		if attr, ok := content.Attributes["description"]; ok {
			if s, ok := stringOf(l.evalStatic(attr, cty.String)); ok {
				v.Description = s
			}
		}
		if attr, ok := content.Attributes["sensitive"]; ok {
			if b := l.evalStatic(attr, cty.Bool); b != cty.NilVal && !b.IsNull() {
				v.Sensitive = b.True()
			}
		}
		if attr, ok := content.Attributes["default"]; ok {
			if def := l.evalStatic(attr, cty.DynamicPseudoType); def != cty.NilVal {
				if conv, err := convert.Convert(def, v.Type); err != nil {
					l.errorf(attr.Expr.Range(), "Invalid default value for variable",
						"The default of variable %q does not match its type: %s.", name, err)
				} else {
					v.Default = l.applyDefaults(d, conv)
					r := attr.Expr.Range()
					d.valueRange = &r
				}
			}
		}
		v.Value = v.Default
		l.cfg.Variables[name] = v
		decls[name] = d
		order = append(order, name)
	}

	l.readEnvVars(decls)
	l.readAutoVarFiles(decls)
	l.readVarArgs(decls)

	for _, name := range order {
		d := decls[name]
		v := d.v
		if v.Value == cty.NilVal {
			if l.opts.RequireVariables && !d.invalid {
				l.errorf(v.DeclRange, "No value for required variable",
					"Variable %q has no default and no value was given. Set it with -var '%s=VALUE', in a -var-file, or with the environment variable %s%s.",
					name, name, VarEnvPrefix, name)
			}
			v.Value = cty.UnknownVal(v.Type)
		}
		l.checkValidations(d)
		if v.Sensitive {
			v.Value = v.Value.Mark(sensitiveMark)
		}
	}
}

func (l *loader) applyDefaults(d *varDecl, v cty.Value) cty.Value {
	if d.defaults == nil {
		return v
	}
	return d.defaults.Apply(v)
}

// setVar converts a value given for a variable and records it.
func (l *loader) setVar(d *varDecl, val cty.Value, rng *hcl.Range, source string) {
	conv, err := convert.Convert(val, d.v.Type)
	if err != nil {
		diag := &hcl.Diagnostic{
			Severity: hcl.DiagError,
			Summary:  "Invalid value for variable",
			Detail:   fmt.Sprintf("The value for variable %q from %s is not valid: %s.", d.v.Name, source, err),
			Subject:  rng,
		}
		if rng == nil {
			r := d.v.DeclRange
			diag.Subject = &r
		}
		l.diags = append(l.diags, diag)
		d.invalid = true
		return
	}
	d.v.Value = l.applyDefaults(d, conv)
	d.valueRange = rng
}

// parseRawValue turns the text of a -var or KIRO_VAR_ value into a value:
// primitive types take the text as it is; other types parse it as an HCL
// expression, as `-var 'tags={a="b"}'` needs.
func (l *loader) parseRawValue(d *varDecl, raw, source string) (cty.Value, bool) {
	if d.v.Type.IsPrimitiveType() {
		return cty.StringVal(raw), true
	}
	expr, diags := hclsyntax.ParseExpression([]byte(raw), source, hcl.InitialPos)
	if !diags.HasErrors() {
		val, vdiags := expr.Value(nil)
		diags = append(diags, vdiags...)
		if !diags.HasErrors() {
			return val, true
		}
	}
	if d.v.Type == cty.DynamicPseudoType {
		return cty.StringVal(raw), true
	}
	r := d.v.DeclRange
	l.diags = append(l.diags, &hcl.Diagnostic{
		Severity: hcl.DiagError,
		Summary:  "Invalid value for variable",
		Detail:   fmt.Sprintf("The value for variable %q from %s is not a valid expression of type %s: %s.", d.v.Name, source, d.v.Type.FriendlyName(), diagsText(diags)),
		Subject:  &r,
	})
	return cty.NilVal, false
}

func (l *loader) readEnvVars(decls map[string]*varDecl) {
	for name, d := range decls {
		raw, ok := l.opts.LookupEnv(VarEnvPrefix + name)
		if !ok {
			continue
		}
		source := "the environment variable " + VarEnvPrefix + name
		if val, ok := l.parseRawValue(d, raw, source); ok {
			l.setVar(d, val, nil, source)
		}
	}
}

func (l *loader) readVarArgs(decls map[string]*varDecl) {
	for _, arg := range l.opts.Vars {
		if arg.File != "" {
			l.readVarFile(decls, arg.File)
			continue
		}
		name, raw, ok := strings.Cut(arg.Raw, "=")
		name = strings.TrimSpace(name)
		if !ok || name == "" {
			l.diags = append(l.diags, &hcl.Diagnostic{
				Severity: hcl.DiagError,
				Summary:  "Invalid -var option",
				Detail:   fmt.Sprintf("The option -var %q is not NAME=VALUE. Write it like -var 'service=notifications'.", arg.Raw),
			})
			continue
		}
		d, declared := decls[name]
		if !declared {
			l.diags = append(l.diags, &hcl.Diagnostic{
				Severity: hcl.DiagError,
				Summary:  "Value for undeclared variable",
				Detail: fmt.Sprintf("The option -var %q sets a variable that no variable block declares.%s",
					arg.Raw, suggest(name, sortedKeys(decls))),
			})
			continue
		}
		source := "the -var option"
		if val, ok := l.parseRawValue(d, raw, source); ok {
			l.setVar(d, val, nil, source)
		}
	}
}

// AutoVarsFile is the variables file loaded without a flag, as Terraform
// loads terraform.tfvars; files named *.auto.kirovars are loaded too, after
// it, in name order. JSON forms (with ".json" added) are read as well.
const AutoVarsFile = "kirofile" + VarsSuffix

// autoVarFiles lists the variables files of dir loaded without a flag, in
// the order they apply: kirofile.kirovars, kirofile.kirovars.json, then
// every *.auto.kirovars and *.auto.kirovars.json by name.
func autoVarFiles(dir string) []string {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil // the configuration's own reading reports it
	}
	var first, auto []string
	for _, e := range entries {
		name := e.Name()
		if e.IsDir() {
			continue
		}
		switch {
		case name == AutoVarsFile || name == AutoVarsFile+".json":
			first = append(first, name)
		case strings.HasSuffix(name, ".auto"+VarsSuffix) || strings.HasSuffix(name, ".auto"+VarsSuffix+".json"):
			auto = append(auto, name)
		}
	}
	sort.Strings(first)
	sort.Strings(auto)
	return append(first, auto...)
}

// readAutoVarFiles reads the variables files loaded without a flag:
// values there come after the environment's and before -var and
// -var-file, in the order of autoVarFiles. A value for a variable no block
// declares is a warning there, not an error: such a file may serve more
// than one configuration.
func (l *loader) readAutoVarFiles(decls map[string]*varDecl) {
	for _, name := range autoVarFiles(l.dir) {
		l.readVarFileAs(decls, name, true)
	}
}

func (l *loader) readVarFile(decls map[string]*varDecl, name string) {
	l.readVarFileAs(decls, name, false)
}

func (l *loader) readVarFileAs(decls map[string]*varDecl, name string, auto bool) {
	data, err := os.ReadFile(projectPath(l.dir, name))
	if err != nil {
		what := fmt.Sprintf("The -var-file %q", name)
		if auto {
			what = fmt.Sprintf("The variables file %s (loaded without a flag)", name)
		}
		l.diags = append(l.diags, &hcl.Diagnostic{
			Severity: hcl.DiagError,
			Summary:  "Cannot read variables file",
			Detail:   fmt.Sprintf("%s cannot be read: %s.", what, unwrapPathError(err)),
		})
		return
	}
	var f *hcl.File
	var diags hcl.Diagnostics
	if strings.HasSuffix(name, ".json") {
		f, diags = l.parser.ParseJSON(data, name)
	} else {
		f, diags = l.parser.ParseHCL(data, name)
	}
	l.diags = append(l.diags, diags...)
	if diags.HasErrors() {
		return
	}
	attrs, diags := f.Body.JustAttributes()
	l.diags = append(l.diags, diags...)
	for _, attr := range sortedAttributes(attrs) {
		d, declared := decls[attr.Name]
		if !declared && auto {
			l.warnf(attr.NameRange, "Value for undeclared variable",
				"%s, loaded without a flag, sets %q, which no variable block declares; it is ignored.%s", name, attr.Name, suggest(attr.Name, sortedKeys(decls)))
			continue
		}
		if !declared {
			l.errorf(attr.NameRange, "Value for undeclared variable",
				"The variables file sets %q, which no variable block declares.%s", attr.Name, suggest(attr.Name, sortedKeys(decls)))
			continue
		}
		val, vdiags := attr.Expr.Value(nil)
		l.diags = append(l.diags, vdiags...)
		if vdiags.HasErrors() {
			continue
		}
		r := attr.Expr.Range()
		l.setVar(d, val, &r, name)
	}
}

// checkValidations runs a variable's validation blocks. A condition may only
// refer to the variable itself, and is skipped while its value is unknown.
func (l *loader) checkValidations(d *varDecl) {
	v := d.v
	for _, b := range d.validations {
		content, diags := b.Body.Content(validationSchema)
		l.diags = append(l.diags, diags...)
		cond, ok := content.Attributes["condition"]
		if !ok {
			continue
		}
		msgAttr := content.Attributes["error_message"]
		selfOnly := true
		for _, trav := range cond.Expr.Variables() {
			names := traversalNames(trav)
			if len(names) < 2 || names[0] != "var" || names[1] != v.Name {
				l.errorf(trav.SourceRange(), "Invalid validation condition",
					"The condition of variable %q may only refer to var.%s.", v.Name, v.Name)
				selfOnly = false
			}
		}
		if !selfOnly || !v.Value.IsWhollyKnown() {
			continue
		}
		ctx := &hcl.EvalContext{
			Variables: map[string]cty.Value{"var": cty.ObjectVal(map[string]cty.Value{v.Name: v.Value})},
			Functions: l.funcs,
		}
		res := l.convert(cond, ctx, cty.Bool)
		if res == cty.NilVal || !res.IsKnown() {
			continue
		}
		if res.IsNull() {
			l.errorf(cond.Expr.Range(), "Invalid validation condition", "The condition of variable %q returned null.", v.Name)
			continue
		}
		res, _ = res.Unmark()
		if res.True() {
			continue
		}
		msg := "The value is not valid."
		if msgAttr != nil {
			if s, ok := stringOf(l.convert(msgAttr, ctx, cty.String)); ok {
				msg = s
			}
		}
		subject := cond.Expr.Range()
		if d.valueRange != nil {
			subject = *d.valueRange
		}
		l.errorf(subject, "Invalid value for variable",
			"%s\n\nThis was checked by the validation rule at %s.", msg, rangeText(cond.Expr.Range()))
	}
}

func (l *loader) variableObject() cty.Value {
	vals := make(map[string]cty.Value, len(l.cfg.Variables))
	for name, v := range l.cfg.Variables {
		vals[name] = v.Value
	}
	return cty.ObjectVal(vals)
}
