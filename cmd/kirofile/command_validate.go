package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"runtime/debug"

	"github.com/hashicorp/hcl/v2"

	"github.com/kirofile/kirofile/internal/cache"
	"github.com/kirofile/kirofile/internal/lockfile"
	"github.com/kirofile/kirofile/internal/plan"
	"github.com/kirofile/kirofile/internal/project"
	"github.com/kirofile/kirofile/internal/prompt"
	"github.com/kirofile/kirofile/internal/starter"
	"github.com/kirofile/kirofile/lang"
)

var validateCommand = &commandSpec{
	name:     "validate",
	synopsis: "Check that the configuration is valid",
	help: `
Parses, evaluates and checks every Kirofile in the working directory:
references, types, globs and the dependency graph. Spec documents on disk
are checked too: requirements in EARS form with numbered acceptance
criteria, designs with their sections, tasks citing requirement ids that
exist. It needs no variable
values (a variable without one is unknown) and makes no network call.

The findings of each spec document are kept in .kirofile/cache/checks,
under the identity (size, modification time, inode, change time) of the
document and of everything its checks read: a document that did not change
is not checked again, nor read unless it has findings to show. -recheck
checks every document again, ignoring the findings kept.

Exits 0 when the configuration is valid (warnings allowed), 1 otherwise.
With -json, stdout holds one JSON object per line: a "version" line, one
"diagnostic" line per problem, and a final "validate" line.`,
	new: func() command { return &validateCmd{} },
}

type validateCmd struct {
	loadFlags
	json    bool
	recheck bool
}

func (c *validateCmd) flags(fs *flag.FlagSet) {
	fs.BoolVar(&c.json, "json", false, "Write JSON lines on stdout instead of text.")
	fs.BoolVar(&c.recheck, "recheck", false, "Check every spec document, ignoring the findings kept in .kirofile/cache.")
	c.loadFlags.flags(fs)
}

func (c *validateCmd) run(m *meta, args []string) int {
	if !m.noArgs(args) {
		return exitError
	}
	view := newValidateView(m, c.json)
	if _, set := os.LookupEnv("GOGC"); !set {
		// validate is short-lived and holds most of what it allocates
		// until it ends (the configuration's syntax tree and values):
		// collecting at five times the live heap instead of twice cuts
		// the collector's work on a large project by two thirds, for
		// some 40 % more peak memory (see plan, which does the same at
		// 200).
		debug.SetGCPercent(400)
	}
	// The spec documents are read while the configuration loads (those
	// that changed since their findings were kept, or that have some).
	ahead := project.ReadDocumentsCached(m.dir, project.CacheOptions{Salt: checksSalt(), Recheck: c.recheck})
	cfg, diags := c.load(m)
	files := cfg.Files
	if !diags.HasErrors() {
		// Spec documents are checked against a configuration that is
		// sound: their paths and kinds come from it.
		docs, ddiags := project.CheckDocumentsRead(cfg, ahead)
		files = mergeFiles(cfg.Files, docs)
		diags = append(diags, ddiags...)
		m.logger.Named("validate").Debug("spec documents", "replayed", ahead.Replayed, "checked", ahead.Checked)
		// The documents just read or stat-ed give their sizes; the
		// others do not exist.
		sizes := map[string]int64{}
		for _, n := range cfg.Nodes {
			if s, ok := n.(*lang.Spec); ok {
				sizes[s.Path] = -1
				if size, ok := ahead.Size(s.Path); ok {
					sizes[s.Path] = size
				}
			}
		}
		diags = append(diags, prompt.Warnings(cfg, plan.Files(cfg.Dir, sizes))...)
		diags = append(diags, starter.PlaceholderWarnings(cfg)...)
		diags = append(diags, phantomTicks(cfg, docs)...)
	}
	view.Diagnostics(files, diags)
	view.Result(diags)
	if diags.HasErrors() {
		return exitError
	}
	return exitOK
}

// checksSalt is what the kept findings of spec documents depend on besides
// the documents and the checks' version: kirofile's version and the
// identity of its executable, so that a build with other checks does not
// take the findings of this one.
func checksSalt() string {
	salt := "validate\x00" + version()
	if exe, err := os.Executable(); err == nil {
		if st, err := cache.Stat(exe); err == nil {
			salt += fmt.Sprintf("\x00%s\x00%d %d %d %d", exe, st.Size, st.ModTime, st.Inode, st.ChangeTime)
		}
	}
	return salt
}

// phantomTicks reports the tasks ticked without evidence in the lock (see
// plan.PhantomTicks); nothing when the lock cannot be read, which plan
// reports.
func phantomTicks(cfg *lang.Config, docs map[string]*hcl.File) hcl.Diagnostics {
	hasTasks := false
	for _, n := range cfg.Nodes {
		if c, ok := n.(*lang.Codegen); ok && c.Each == lang.EachTask {
			hasTasks = true
		}
	}
	if !hasTasks {
		return nil
	}
	lock, _, ldiags := lockfile.Read(filepath.Join(cfg.Dir, lockfile.FileName))
	if ldiags.HasErrors() || lock == nil {
		return nil
	}
	src := map[string][]byte{}
	for p, f := range docs {
		src[p] = f.Bytes
	}
	return plan.PhantomTicks(cfg, lock, src)
}

// mergeFiles returns one map holding the files of both.
func mergeFiles(a, b map[string]*hcl.File) map[string]*hcl.File {
	out := make(map[string]*hcl.File, len(a)+len(b))
	for k, v := range a {
		out[k] = v
	}
	for k, v := range b {
		out[k] = v
	}
	return out
}
