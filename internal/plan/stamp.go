package plan

import (
	"os"
	"path"
	"path/filepath"
	"strings"
	"time"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"

	"github.com/kirofile/kirofile/internal/cache"
	"github.com/kirofile/kirofile/lang"
)

// Stamp returns a cache.Stamp of everything this plan, and the loading of
// its configuration, depended on: the configuration's files and the
// project directory's listing, the files its file() calls read, its
// steering files, the variables' environment and env() calls, the lock,
// every file the plan hashed or found absent and every directory its globs
// listed; extra adds what the caller read (variable files, the
// executable). It returns false when something cannot be recorded: a
// configuration in JSON syntax, a file(), env() or fileset() call whose
// argument is not a literal, templatefile(), a glob that met a symbolic
// link. A plan that took no shortcut is then simply made again next time.
//
// Only a plan of the whole project, with the hash cache, is stamped.
//
// since is when the command started: a stamp of a file changed less than
// two seconds before is not kept (cache.SaveStamp), and then Stamp gives
// up early, before the work of listing the configuration's inputs.
func (pl *Planner) Stamp(key string, lookupEnv func(string) (string, bool), extra []string, since time.Time) (*cache.Stamp, bool) {
	d := pl.disk
	if d.unstamps || d.cache == nil || len(pl.Nodes) != len(pl.cfg.Nodes) {
		return nil, false
	}
	if root, err := cache.StatPath(pl.cfg.Dir); err != nil || cache.Racy(root, since) {
		return nil, false
	}
	for _, st := range d.seen {
		if cache.Racy(st, since) {
			return nil, false
		}
	}
	s := &cache.Stamp{Key: key, Env: map[string]cache.EnvValue{}, Paths: make(map[string]cache.PathStat, len(d.seen)+len(d.walked)+16)}
	for p, st := range d.seen {
		s.Paths[p] = st
	}
	toStat := []string{".", lockfileName}
	for p := range d.walked {
		toStat = append(toStat, p)
	}
	toStat = append(toStat, extra...)
	files, env, ok := configInputs(pl.cfg)
	if !ok {
		return nil, false
	}
	toStat = append(toStat, files...)
	for _, name := range env {
		v, set := lookupEnv(name)
		s.Env[name] = cache.EnvValue{Value: v, Set: set}
	}
	for _, p := range toStat {
		if _, done := s.Paths[p]; done {
			continue
		}
		full := p
		if !filepath.IsAbs(p) {
			full = filepath.Join(pl.cfg.Dir, filepath.FromSlash(p))
		}
		st, err := cache.StatPath(full)
		if err != nil {
			return nil, false
		}
		s.Paths[p] = st
		if !st.Exists && !filepath.IsAbs(p) {
			// An absence holds while the listing around it does.
			if dir := path.Dir(p); s.Paths[dir] == (cache.PathStat{}) {
				dst, err := cache.StatPath(filepath.Join(pl.cfg.Dir, filepath.FromSlash(dir)))
				if err != nil {
					return nil, false
				}
				s.Paths[dir] = dst
			}
		}
	}
	return s, true
}

const lockfileName = "Kirofile.lock.hcl"

// configInputs lists what loading cfg read besides its own files: the
// files of file() calls and steering, and the environment variables of
// env() calls and of the variables (KIRO_VAR_name). ok is false when the
// configuration reads something that cannot be listed from its text.
func configInputs(cfg *lang.Config) (files, env []string, ok bool) {
	for name := range cfg.Files {
		// Every file loading read (configuration, variables files,
		// steering read for its front matter) is an input.
		if name == "Kirofile.json" || strings.HasSuffix(name, ".kiro.json") {
			return nil, nil, false // JSON syntax: calls hide in strings
		}
		files = append(files, filepath.ToSlash(name))
	}
	// Variables files loaded without a flag (kirofile.kirovars,
	// *.auto.kirovars), whether the configuration's files list them or not.
	if entries, err := os.ReadDir(cfg.Dir); err == nil {
		for _, e := range entries {
			if n := e.Name(); strings.HasPrefix(n, lang.AutoVarsFile) || strings.Contains(n, ".auto"+lang.VarsSuffix) {
				files = append(files, n)
			}
		}
	}
	for _, s := range cfg.Steering {
		if s.File != "" {
			files = append(files, s.File)
		}
	}
	for name := range cfg.Variables {
		env = append(env, lang.VarEnvPrefix+name)
	}
	for _, decl := range cfg.Settings.Plugins {
		files = append(files, decl.Source)
	}
	for name, f := range cfg.Files {
		if name != "Kirofile" && !strings.HasSuffix(name, ".kiro.hcl") && !strings.HasSuffix(name, lang.VarsSuffix) {
			continue // not HCL: nothing in it is evaluated
		}
		body, isSyntax := f.Body.(*hclsyntax.Body)
		if !isSyntax {
			return nil, nil, false
		}
		diags := hclsyntax.VisitAll(body, func(n hclsyntax.Node) hcl.Diagnostics {
			call, isCall := n.(*hclsyntax.FunctionCallExpr)
			if !isCall {
				return nil
			}
			switch call.Name {
			case "file", "env":
				if len(call.Args) == 0 {
					return nil // an error lang reports
				}
				arg, literal := literalString(call.Args[0])
				if !literal {
					return hcl.Diagnostics{{}}
				}
				if call.Name == "file" {
					files = append(files, filepath.ToSlash(arg))
				} else {
					env = append(env, arg)
				}
			case "fileset", "templatefile":
				return hcl.Diagnostics{{}}
			}
			return nil
		})
		if len(diags) > 0 {
			return nil, nil, false
		}
	}
	return files, env, true
}

// literalString reads a string written as a plain literal.
func literalString(e hclsyntax.Expression) (string, bool) {
	t, ok := e.(*hclsyntax.TemplateExpr)
	if !ok || len(t.Parts) != 1 {
		return "", false
	}
	lit, ok := t.Parts[0].(*hclsyntax.LiteralValueExpr)
	if !ok || lit.Val.Type() != cty.String || lit.Val.IsNull() || !lit.Val.IsKnown() {
		return "", false
	}
	return lit.Val.AsString(), true
}
