package lang

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"unicode/utf8"

	"github.com/bmatcuk/doublestar/v4"
	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/ext/tryfunc"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"
	"github.com/zclconf/go-cty/cty/function"
	"github.com/zclconf/go-cty/cty/function/stdlib"
)

// Functions returns the function table of a configuration rooted at dir:
// go-cty's standard library under Terraform's familiar names, plus file,
// fileset, templatefile and env. Paths are relative to dir.
func Functions(dir string, lookupEnv func(string) (string, bool)) map[string]function.Function {
	if lookupEnv == nil {
		lookupEnv = os.LookupEnv
	}
	fns := map[string]function.Function{
		"abs":             stdlib.AbsoluteFunc,
		"can":             tryfunc.CanFunc,
		"ceil":            stdlib.CeilFunc,
		"chomp":           stdlib.ChompFunc,
		"chunklist":       stdlib.ChunklistFunc,
		"coalesce":        stdlib.CoalesceFunc,
		"coalescelist":    stdlib.CoalesceListFunc,
		"compact":         stdlib.CompactFunc,
		"concat":          stdlib.ConcatFunc,
		"contains":        stdlib.ContainsFunc,
		"csvdecode":       stdlib.CSVDecodeFunc,
		"distinct":        stdlib.DistinctFunc,
		"element":         stdlib.ElementFunc,
		"flatten":         stdlib.FlattenFunc,
		"floor":           stdlib.FloorFunc,
		"format":          stdlib.FormatFunc,
		"formatdate":      stdlib.FormatDateFunc,
		"formatlist":      stdlib.FormatListFunc,
		"indent":          stdlib.IndentFunc,
		"index":           stdlib.IndexFunc,
		"join":            stdlib.JoinFunc,
		"jsondecode":      stdlib.JSONDecodeFunc,
		"jsonencode":      stdlib.JSONEncodeFunc,
		"keys":            stdlib.KeysFunc,
		"length":          stdlib.LengthFunc,
		"log":             stdlib.LogFunc,
		"lookup":          stdlib.LookupFunc,
		"lower":           stdlib.LowerFunc,
		"max":             stdlib.MaxFunc,
		"merge":           stdlib.MergeFunc,
		"min":             stdlib.MinFunc,
		"parseint":        stdlib.ParseIntFunc,
		"pow":             stdlib.PowFunc,
		"range":           stdlib.RangeFunc,
		"regex":           stdlib.RegexFunc,
		"regexall":        stdlib.RegexAllFunc,
		"regex_replace":   stdlib.RegexReplaceFunc,
		"replace":         stdlib.ReplaceFunc,
		"reverse":         stdlib.ReverseListFunc,
		"setintersection": stdlib.SetIntersectionFunc,
		"setproduct":      stdlib.SetProductFunc,
		"setsubtract":     stdlib.SetSubtractFunc,
		"setunion":        stdlib.SetUnionFunc,
		"signum":          stdlib.SignumFunc,
		"slice":           stdlib.SliceFunc,
		"sort":            stdlib.SortFunc,
		"split":           stdlib.SplitFunc,
		"strlen":          stdlib.StrlenFunc,
		"strrev":          stdlib.ReverseFunc,
		"substr":          stdlib.SubstrFunc,
		"timeadd":         stdlib.TimeAddFunc,
		"title":           stdlib.TitleFunc,
		"tolist":          conversionFunc(cty.List(cty.DynamicPseudoType)),
		"tomap":           conversionFunc(cty.Map(cty.DynamicPseudoType)),
		"tonumber":        conversionFunc(cty.Number),
		"toset":           conversionFunc(cty.Set(cty.DynamicPseudoType)),
		"tostring":        conversionFunc(cty.String),
		"tobool":          conversionFunc(cty.Bool),
		"trim":            stdlib.TrimFunc,
		"trimprefix":      stdlib.TrimPrefixFunc,
		"trimspace":       stdlib.TrimSpaceFunc,
		"trimsuffix":      stdlib.TrimSuffixFunc,
		"try":             tryfunc.TryFunc,
		"upper":           stdlib.UpperFunc,
		"values":          stdlib.ValuesFunc,
		"zipmap":          stdlib.ZipmapFunc,
		"file":            fileFunc(dir),
		"fileset":         filesetFunc(dir),
		"env":             envFunc(lookupEnv),
	}
	// templatefile renders with the same functions, minus itself: a template
	// that calls templatefile could recurse without end.
	fns["templatefile"] = templateFileFunc(dir, func() map[string]function.Function {
		inner := make(map[string]function.Function, len(fns))
		for k, v := range fns {
			if k != "templatefile" {
				inner[k] = v
			}
		}
		return inner
	})
	return fns
}

// FunctionNames lists the names of every function, sorted.
func FunctionNames() []string {
	var names []string
	for name := range Functions(".", nil) {
		names = append(names, name)
	}
	sort.Strings(names)
	return names
}

func conversionFunc(want cty.Type) function.Function {
	return stdlib.MakeToFunc(want)
}

// readProjectFile reads a file named relative to dir, with an error that
// says where it looked.
func readProjectFile(dir, name string) (string, error) {
	full := projectPath(dir, name)
	data, err := os.ReadFile(full)
	if err != nil {
		if os.IsNotExist(err) {
			return "", fmt.Errorf("no file exists at %q (paths are relative to the project directory)", name)
		}
		return "", fmt.Errorf("reading %q: %w", name, err)
	}
	if !utf8.Valid(data) {
		return "", fmt.Errorf("%q is not valid UTF-8 text", name)
	}
	return string(data), nil
}

func fileFunc(dir string) function.Function {
	return function.New(&function.Spec{
		Description: "Reads a text file relative to the project directory.",
		Params:      []function.Parameter{{Name: "path", Type: cty.String}},
		Type:        function.StaticReturnType(cty.String),
		RefineResult: func(b *cty.RefinementBuilder) *cty.RefinementBuilder {
			return b.NotNull()
		},
		Impl: func(args []cty.Value, _ cty.Type) (cty.Value, error) {
			text, err := readProjectFile(dir, args[0].AsString())
			if err != nil {
				return cty.UnknownVal(cty.String), function.NewArgError(0, err)
			}
			return cty.StringVal(text), nil
		},
	})
}

func filesetFunc(dir string) function.Function {
	return function.New(&function.Spec{
		Description: "Lists the files under a directory that match a glob, relative to that directory.",
		Params: []function.Parameter{
			{Name: "path", Type: cty.String},
			{Name: "pattern", Type: cty.String},
		},
		Type: function.StaticReturnType(cty.Set(cty.String)),
		Impl: func(args []cty.Value, _ cty.Type) (cty.Value, error) {
			base := projectPath(dir, args[0].AsString())
			pattern := args[1].AsString()
			if !doublestar.ValidatePattern(pattern) {
				return cty.NilVal, function.NewArgErrorf(1, "invalid glob pattern %q", pattern)
			}
			matches, err := doublestar.Glob(os.DirFS(base), pattern, doublestar.WithFilesOnly())
			if err != nil {
				return cty.NilVal, function.NewArgErrorf(0, "listing %q: %s", args[0].AsString(), err)
			}
			if len(matches) == 0 {
				return cty.SetValEmpty(cty.String), nil
			}
			vals := make([]cty.Value, len(matches))
			for i, m := range matches {
				vals[i] = cty.StringVal(filepath.ToSlash(m))
			}
			return cty.SetVal(vals), nil
		},
	})
}

// envFunc reads the environment: env(NAME) is "" when NAME is unset,
// env(NAME, DEFAULT) is DEFAULT when NAME is unset or empty.
func envFunc(lookupEnv func(string) (string, bool)) function.Function {
	return function.New(&function.Spec{
		Description: "Reads an environment variable, with an optional default.",
		Params:      []function.Parameter{{Name: "name", Type: cty.String}},
		VarParam:    &function.Parameter{Name: "default", Type: cty.String},
		Type:        function.StaticReturnType(cty.String),
		Impl: func(args []cty.Value, _ cty.Type) (cty.Value, error) {
			if len(args) > 2 {
				return cty.NilVal, function.NewArgErrorf(2, "env takes a name and at most one default")
			}
			v, ok := lookupEnv(args[0].AsString())
			if (!ok || v == "") && len(args) == 2 {
				return args[1], nil
			}
			return cty.StringVal(v), nil
		},
	})
}

func templateFileFunc(dir string, funcs func() map[string]function.Function) function.Function {
	return function.New(&function.Spec{
		Description: "Renders a template file with the given variables.",
		Params: []function.Parameter{
			{Name: "path", Type: cty.String},
			{Name: "vars", Type: cty.DynamicPseudoType},
		},
		Type: function.StaticReturnType(cty.String),
		Impl: func(args []cty.Value, _ cty.Type) (cty.Value, error) {
			name := args[0].AsString()
			text, err := readProjectFile(dir, name)
			if err != nil {
				return cty.NilVal, function.NewArgError(0, err)
			}
			vars := args[1]
			if !vars.Type().IsObjectType() && !vars.Type().IsMapType() {
				return cty.NilVal, function.NewArgErrorf(1, "template variables must be an object or a map")
			}
			expr, diags := hclsyntax.ParseTemplate([]byte(text), name, hcl.InitialPos)
			if diags.HasErrors() {
				return cty.NilVal, function.NewArgErrorf(0, "template %s: %s", name, diagsText(diags))
			}
			ctx := &hcl.EvalContext{Variables: map[string]cty.Value{}, Functions: funcs()}
			if !vars.IsNull() {
				for k, v := range vars.AsValueMap() {
					ctx.Variables[k] = v
				}
			}
			for _, trav := range expr.Variables() {
				if _, ok := ctx.Variables[trav.RootName()]; !ok {
					r := trav.SourceRange()
					return cty.NilVal, function.NewArgErrorf(1, "template %s line %d refers to %q, which vars does not define", name, r.Start.Line, trav.RootName())
				}
			}
			val, diags := expr.Value(ctx)
			if diags.HasErrors() {
				return cty.NilVal, function.NewArgErrorf(0, "template %s: %s", name, diagsText(diags))
			}
			if val.IsNull() {
				return cty.NilVal, function.NewArgErrorf(0, "template %s produced null", name)
			}
			return val, nil
		},
	})
}

func diagsText(diags hcl.Diagnostics) string {
	var parts []string
	for _, d := range diags {
		s := d.Summary
		if d.Detail != "" {
			s += ": " + d.Detail
		}
		if d.Subject != nil {
			s = fmt.Sprintf("line %d: %s", d.Subject.Start.Line, s)
		}
		parts = append(parts, s)
	}
	return strings.Join(parts, "; ")
}
