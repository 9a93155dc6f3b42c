// Package starter writes the first Kirofile of a project: a starter
// project from a named template for an empty directory, or a Kirofile that
// adopts the spec documents and steering files of an existing Kiro project.
//
// Both return files as a map from slash-separated, project-relative paths to
// contents and write nothing themselves: the caller decides whether a file
// may be written (kirofile init never overwrites one).
package starter

import (
	"bytes"
	"fmt"
	"regexp"
	"sort"
	"strings"
	"sync"
	"text/template"

	"github.com/hashicorp/hcl/v2/hclwrite"
	"github.com/zclconf/go-cty/cty"
)

// Defaults of Options.
const (
	DefaultFeature  = "hello"
	DefaultModel    = "gpt-4o-mini"
	DefaultTemplate = "minimal"
)

// Options fill in a template.
type Options struct {
	// Feature is the name of the starter's feature; "" means
	// DefaultFeature. It must be a valid Kirofile name, as it becomes a
	// block label and part of the spec paths.
	Feature string
	// Model is the model the provider asks for; "" means DefaultModel.
	Model string
}

func (o Options) withDefaults() Options {
	if o.Feature == "" {
		o.Feature = DefaultFeature
	}
	if o.Model == "" {
		o.Model = DefaultModel
	}
	return o
}

// nameRE is the rule of Kirofile names (see lang): a starter must never
// write a Kirofile that its own loader refuses.
var nameRE = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_-]*$`) })

// ValidName reports whether s may name a feature, spec or steering block.
func ValidName(s string) bool { return nameRE().MatchString(s) }

// tmpl is one starter template.
type tmpl struct {
	name    string
	summary string // one line, for init -list-templates
	// files maps a path template to a content template; both are
	// text/templates over Options.
	files map[string]string
	// steps are the next steps printed after the files are written, as
	// text/templates over Options.
	steps []string
}

// templates lists the starters in the order -list-templates shows them.
var templates = []*tmpl{minimalTemplate, goServiceTemplate, offlineTemplate}

func lookup(name string) (*tmpl, error) {
	for _, t := range templates {
		if t.name == name {
			return t, nil
		}
	}
	return nil, fmt.Errorf("unknown template %q; want one of %s", name, strings.Join(Names(), ", "))
}

// Names returns the template names, in the order they are listed.
func Names() []string {
	names := make([]string, len(templates))
	for i, t := range templates {
		names[i] = t.name
	}
	return names
}

// Summary returns a one-line description of the template, or "" when there
// is no such template.
func Summary(name string) string {
	if t, err := lookup(name); err == nil {
		return t.summary
	}
	return ""
}

// Render returns the files of the starter project named name.
//
// Kirofiles are returned in canonical format (as `kirofile fmt` writes them),
// so that a fresh project passes `kirofile fmt -check`.
func Render(name string, opts Options) (map[string][]byte, error) {
	t, err := lookup(name)
	if err != nil {
		return nil, err
	}
	opts = opts.withDefaults()
	if !ValidName(opts.Feature) {
		return nil, fmt.Errorf("invalid feature name %q: names start with a letter or underscore and hold only letters, digits, underscores and dashes", opts.Feature)
	}
	files := make(map[string][]byte, len(t.files))
	for pathTmpl, contentTmpl := range t.files {
		path, err := execute(t.name+": path", pathTmpl, opts)
		if err != nil {
			return nil, err
		}
		content, err := execute(t.name+": "+path, contentTmpl, opts)
		if err != nil {
			return nil, err
		}
		data := []byte(content)
		if isKirofile(path) {
			data = hclwrite.Format(data)
		}
		files[path] = data
	}
	return files, nil
}

// NextSteps returns what to do after the starter's files are written, one
// step a line.
func NextSteps(name string, opts Options) ([]string, error) {
	t, err := lookup(name)
	if err != nil {
		return nil, err
	}
	opts = opts.withDefaults()
	steps := make([]string, len(t.steps))
	for i, s := range t.steps {
		if steps[i], err = execute(t.name+": step", s, opts); err != nil {
			return nil, err
		}
	}
	return steps, nil
}

// SortedPaths returns the paths of files in lexical order, for printing
// and writing in a stable order.
func SortedPaths(files map[string][]byte) []string {
	paths := make([]string, 0, len(files))
	for p := range files {
		paths = append(paths, p)
	}
	sort.Strings(paths)
	return paths
}

func isKirofile(path string) bool {
	return path == "Kirofile" || strings.HasSuffix(path, ".kiro.hcl")
}

var funcs = template.FuncMap{"q": hclString}

func execute(what, text string, opts Options) (string, error) {
	t, err := template.New(what).Funcs(funcs).Option("missingkey=error").Parse(text)
	if err != nil {
		// The templates are part of the binary: this is a bug, caught by
		// the package's tests.
		return "", fmt.Errorf("template %s: %w", what, err)
	}
	var b bytes.Buffer
	if err := t.Execute(&b, opts); err != nil {
		return "", fmt.Errorf("template %s: %w", what, err)
	}
	return b.String(), nil
}

// hclString returns s as a quoted HCL string literal, escaping quotes,
// backslashes and the "${" and "%{" sequences that would otherwise start
// a template interpolation.
func hclString(s string) string {
	return string(hclwrite.TokensForValue(cty.StringVal(s)).Bytes())
}
