// Package secret finds the secret values a run knows of and blanks them
// out of text before it is stored or shown: error texts an endpoint sent
// back (which may quote a header), the output of a hook (which may print
// its environment), a third-party plugin's messages (which may quote its
// key).
//
// The secrets are the values of sensitive variables, every value in a
// provider or hook action block derived from one, the providers' keys
// (an api_key attribute, or the variable api_key_env names), and the
// values of environment variables whose names mark a credential
// (OPENAI_API_KEY, GITHUB_TOKEN, DB_PASSWORD, ...). Each is also looked
// for as JSON and URLs escape it, the forms an echo usually takes.
package secret

import (
	"encoding/json"
	"net/url"
	"sort"
	"strings"

	"github.com/zclconf/go-cty/cty"

	"github.com/kirofile/kirofile/lang"
)

// Redacted replaces every secret.
const Redacted = "[redacted]"

// minLen is the shortest value of a sensitive variable that is blanked:
// shorter ones ("1", "yes") would blank ordinary words everywhere, and no
// credential is that short.
const minLen = 4

// minEnvLen is the same for environment variables, which are set by much
// more than kirofile and are only guessed to be secrets by their names.
const minEnvLen = 6

// Redactor blanks a set of secrets. The zero value and nil blank nothing.
type Redactor struct {
	values []string // longest first, so a secret holding another goes whole
}

// New returns a Redactor for values, each with its escaped forms; values
// shorter than four bytes are left out.
func New(values ...string) *Redactor {
	seen := map[string]bool{}
	r := &Redactor{}
	for _, v := range values {
		if len(v) < minLen {
			continue
		}
		for _, form := range []string{v, jsonForm(v, true), jsonForm(v, false), url.QueryEscape(v), url.PathEscape(v)} {
			if !seen[form] {
				seen[form] = true
				r.values = append(r.values, form)
			}
		}
	}
	sort.Slice(r.values, func(i, j int) bool { return len(r.values[i]) > len(r.values[j]) })
	return r
}

// jsonForm is v as a JSON string holds it, without the quotes.
func jsonForm(v string, escapeHTML bool) string {
	var b strings.Builder
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(escapeHTML)
	_ = enc.Encode(v)
	out := strings.TrimSuffix(b.String(), "\n")
	return out[1 : len(out)-1]
}

// Redact returns s with every secret replaced by [redacted].
func (r *Redactor) Redact(s string) string {
	if r == nil {
		return s
	}
	for _, v := range r.values {
		if strings.Contains(s, v) {
			s = strings.ReplaceAll(s, v, Redacted)
		}
	}
	return s
}

// Values returns the secrets, with their escaped forms.
func (r *Redactor) Values() []string {
	if r == nil {
		return nil
	}
	return append([]string(nil), r.values...)
}

// credentialWords mark an environment variable whose value is a credential.
var credentialWords = []string{"KEY", "TOKEN", "SECRET", "PASSWORD", "PASSWD", "CREDENTIAL", "AUTH", "PRIVATE"}

// CredentialName reports whether an environment variable's name marks a
// credential: OPENAI_API_KEY, GITHUB_TOKEN, KIRO_VAR_db_password.
func CredentialName(name string) bool {
	upper := strings.ToUpper(name)
	for _, w := range credentialWords {
		if strings.Contains(upper, w) {
			return true
		}
	}
	return false
}

// EnvValues returns the values of the variables of environ ("NAME=VALUE"
// entries, as os.Environ returns) whose names mark a credential
// (CredentialName) and that are at least six bytes long, longest first.
func EnvValues(environ []string) []string {
	seen := map[string]bool{}
	var out []string
	for _, kv := range environ {
		name, value, ok := strings.Cut(kv, "=")
		if !ok || len(value) < minEnvLen || seen[value] || !CredentialName(name) {
			continue
		}
		seen[value] = true
		out = append(out, value)
	}
	sort.Slice(out, func(i, j int) bool { return len(out[i]) > len(out[j]) })
	return out
}

// ForConfig returns the Redactor of a configuration's secrets, with the
// environment environ.
func ForConfig(cfg *lang.Config, environ []string) *Redactor {
	var values []string
	for _, v := range cfg.Variables {
		if v.Sensitive {
			values = append(values, Strings(v.Value)...)
		}
	}
	env := map[string]string{}
	for _, kv := range environ {
		if name, value, ok := strings.Cut(kv, "="); ok {
			env[name] = value
		}
	}
	for _, p := range cfg.Providers {
		for name, v := range p.Config {
			values = append(values, sensitiveStrings(v)...)
			if name == "api_key" {
				values = append(values, Strings(v)...)
			}
		}
		for _, name := range KeyVariables(p) {
			if value := env[name]; value != "" {
				values = append(values, value)
			}
		}
	}
	for _, h := range cfg.Hooks {
		for _, a := range h.Actions {
			for _, v := range a.Config {
				values = append(values, sensitiveStrings(v)...)
			}
		}
	}
	for _, v := range EnvValues(environ) {
		if len(v) >= minEnvLen {
			values = append(values, v)
		}
	}
	return New(values...)
}

// KeyVariables returns the environment variables a provider block reads
// its key from: its api_key_env, or OPENAI_API_KEY for the built-in
// providers that default to it.
func KeyVariables(p *lang.Provider) []string {
	if v, ok := p.Config["api_key_env"]; ok {
		if names := Strings(v); len(names) == 1 {
			return names
		}
	}
	if p.Type == "openai" || p.Type == "replay" {
		return []string{"OPENAI_API_KEY"}
	}
	return nil
}

// Strings returns every string (and number, as written) inside a value:
// the value itself, or the elements of a collection or object, at any
// depth. Unknown and null parts have none.
func Strings(v cty.Value) []string {
	v, _ = v.UnmarkDeep()
	var out []string
	_ = cty.Walk(v, func(_ cty.Path, v cty.Value) (bool, error) {
		if !v.IsKnown() || v.IsNull() {
			return false, nil
		}
		switch v.Type() {
		case cty.String:
			out = append(out, v.AsString())
		case cty.Number:
			out = append(out, v.AsBigFloat().Text('f', -1))
		}
		return true, nil
	})
	return out
}

// sensitiveStrings returns the strings of the parts of v derived from a
// sensitive variable (headers = { Authorization = "Bearer ${var.key}" }).
func sensitiveStrings(v cty.Value) []string {
	if !lang.Sensitive(v) {
		return nil
	}
	if v.HasMark("sensitive") || !v.CanIterateElements() && v.Type().IsPrimitiveType() {
		return Strings(v)
	}
	_, marks := v.UnmarkDeepWithPaths()
	var out []string
	for _, pm := range marks {
		if part, err := pm.Path.Apply(v); err == nil && lang.Sensitive(part) {
			out = append(out, Strings(part)...)
		}
	}
	return out
}
