package main

import (
	"errors"
	"flag"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"github.com/hashicorp/hcl/v2"

	"github.com/kirofile/kirofile/internal/cache"
	"github.com/kirofile/kirofile/internal/fsutil"
	"github.com/kirofile/kirofile/internal/lockfile"
	"github.com/kirofile/kirofile/internal/project"
	"github.com/kirofile/kirofile/internal/starter"
	"github.com/kirofile/kirofile/lang"
	"github.com/kirofile/kirofile/plugins/host"
)

var initCommand = &commandSpec{
	name:     "init",
	synopsis: "Prepare the project: a first Kirofile if none, plugins pinned, .kirofile/",
	help: `
In a directory without a Kirofile, first writes one: in a Kiro project (one
with .kiro/specs/ or .kiro/steering/), a Kirofile that adopts its spec
documents and steering files; anywhere else, a starter project from the
template named by -template (see -list-templates). Existing files are never
overwritten.

Then checks the configuration, creates .kirofile/ (kirofile's run state, with
a .gitignore that keeps it out of version control), and installs every
third-party plugin the kirofile block declares: the binary must exist, start
and complete kirofile's plugin handshake; its sha256 is then pinned in
Kirofile.lock.hcl. A binary that differs from its pin is refused: review the
new binary, then run "kirofile init -upgrade" to pin it.

With -json, stdout holds one JSON object per line instead of text, ending
with "init_complete" when init succeeded (see docs/commands.md).`,
	new: func() command { return &initCmd{} },
}

type initCmd struct {
	loadFlags
	lockFlags
	upgrade       bool
	template      templateFlag
	listTemplates bool
	feature       string
	model         string
	json          bool
}

func (c *initCmd) flags(fs *flag.FlagSet) {
	fs.BoolVar(&c.upgrade, "upgrade", false, "Pin plugin binaries that changed since they were pinned.")
	c.template.name = starter.DefaultTemplate
	fs.Var(&c.template, "template", "Write the starter project `NAME` into a directory without a Kirofile (see -list-templates).")
	fs.BoolVar(&c.listTemplates, "list-templates", false, "List the starter templates and exit.")
	fs.Func("feature", "Name the starter's feature `NAME` (default "+starter.DefaultFeature+").", func(s string) error {
		if !starter.ValidName(s) {
			return errors.New("names start with a letter or underscore and hold only letters, digits, underscores and dashes")
		}
		c.feature = s
		return nil
	})
	fs.BoolVar(&c.json, "json", false, "Write JSON lines on stdout instead of text.")
	fs.StringVar(&c.model, "model", "", "The `MODEL` the provider of a new Kirofile asks for (default "+starter.DefaultModel+").")
	c.loadFlags.flags(fs)
	c.lockFlags.flags(fs)
}

// templateFlag is -template. It remembers whether it was given, since the
// default applies only to an empty directory: given explicitly where it
// cannot apply, it is an error rather than silently ignored.
type templateFlag struct {
	name string
	set  bool
}

func (f *templateFlag) String() string {
	if f == nil {
		return ""
	}
	return f.name
}

func (f *templateFlag) Set(s string) error {
	if starter.Summary(s) == "" {
		return fmt.Errorf("unknown template %q; want one of %s", s, strings.Join(starter.Names(), ", "))
	}
	f.name, f.set = s, true
	return nil
}

func (c *initCmd) run(m *meta, args []string) int {
	if !m.noArgs(args) {
		return exitError
	}
	view := newInitView(m, c.json)
	if c.listTemplates {
		view.Templates(starter.Names())
		return exitOK
	}
	nextSteps, diags := c.writeFirstKirofile(m, view)
	if diags.HasErrors() {
		view.Diagnostics(nil, diags)
		return exitError
	}
	runLock, diags := lockProject(m, "kirofile init", c.lockTimeout)
	if diags.HasErrors() {
		view.Diagnostics(nil, diags)
		return exitError
	}
	defer runLock.Release()
	p, diags := project.Load(m.dir, lang.LoadOptions{Vars: c.vars, Version: version()})
	if diags.HasErrors() {
		view.Diagnostics(p.Files, diags)
		return exitError
	}
	if err := cache.EnsureWorkDir(m.dir); err != nil {
		view.Diagnostics(nil, hcl.Diagnostics{{Severity: hcl.DiagError, Summary: "Cannot create .kirofile/", Detail: err.Error() + "."}})
		return exitError
	}
	manager := host.NewManager(host.ManagerOptions{Dir: m.dir, Logger: m.logger})
	defer manager.Close()
	before := string(p.Lock.Bytes())
	installed, idiags := host.InstallPlugins(p.Config, p.Lock, c.upgrade, func(l host.Launcher) error {
		if err := manager.Register(l); err != nil {
			return err
		}
		return manager.Start(l.Kind, l.Name)
	})
	diags = append(diags, idiags...)
	for _, in := range installed {
		view.Plugin(in)
	}
	if string(p.Lock.Bytes()) != before {
		if err := lockfile.Write(p.LockPath, p.Lock); err != nil {
			diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Cannot write the lock file", Detail: err.Error() + "."})
		}
	}
	if did, err := starter.EnsureGitAttributes(m.dir); err != nil {
		diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Cannot write .gitattributes", Detail: err.Error() + "."})
	} else if did != "" {
		view.GitAttributes(did)
	}
	view.Diagnostics(p.Files, diags)
	if diags.HasErrors() {
		return exitError
	}
	var mergeDriver []string
	if needsMergeDriver(m.dir) {
		mergeDriver = starter.MergeDriverConfig
	}
	view.Ready(nextSteps, mergeDriver)
	return exitOK
}

// needsMergeDriver reports whether dir is in a Git work tree whose
// configuration lacks kirofile's merge driver.
func needsMergeDriver(dir string) bool {
	inside := exec.Command("git", "rev-parse", "--is-inside-work-tree")
	inside.Dir = dir
	if out, err := inside.Output(); err != nil || strings.TrimSpace(string(out)) != "true" {
		return false
	}
	driver := exec.Command("git", "config", "--get", "merge.kirofile-lock.driver")
	driver.Dir = dir
	out, err := driver.Output()
	return err != nil || strings.TrimSpace(string(out)) == ""
}

// writeFirstKirofile gives a directory without configuration its first
// Kirofile: one that adopts a Kiro project, or a starter project. It
// returns the next steps to print once init is done; none when the
// directory already had a configuration.
func (c *initCmd) writeFirstKirofile(m *meta, view initView) ([]string, hcl.Diagnostics) {
	configs, err := lang.ConfigFiles(m.dir)
	if err != nil {
		return nil, initError("Cannot read the project directory", err.Error()+".")
	}
	if len(configs) > 0 {
		// -feature and -model only shape a new Kirofile: accepting them
		// here would suggest that init changed the existing one.
		if given := c.starterFlag(); given != "" {
			return nil, initError("This directory already has a Kirofile",
				fmt.Sprintf("%s shapes a new Kirofile, and this directory has %s. Run \"kirofile init\" without it to check the configuration and pin its plugins.",
					given, strings.Join(configs, ", ")))
		}
		return nil, nil
	}
	opts := starter.Options{Feature: c.feature, Model: c.model}
	if starter.IsKiroProject(m.dir) {
		files, report, err := starter.AdoptWith(m.dir, opts)
		switch {
		case errors.Is(err, starter.ErrNothingToAdopt):
			// Empty .kiro directories: nothing to keep, so a starter is
			// as welcome as in an empty directory.
		case err != nil:
			return nil, initError("Cannot adopt the Kiro project", err.Error()+".")
		default:
			return c.writeAdopted(m, view, files, report)
		}
	}
	files, err := starter.Render(c.template.name, opts)
	if err != nil {
		return nil, initError("Cannot render the starter project", err.Error()+".")
	}
	if diags := writeNewFiles(m.dir, files); diags.HasErrors() {
		return nil, diags
	}
	view.StarterWritten(c.template.name, starter.SortedPaths(files))
	steps, err := starter.NextSteps(c.template.name, opts)
	if err != nil {
		return nil, initError("Cannot render the starter project", err.Error()+".")
	}
	return steps, nil
}

// writeAdopted writes the Kirofile that adopts a Kiro project.
func (c *initCmd) writeAdopted(m *meta, view initView, files map[string][]byte, report []string) ([]string, hcl.Diagnostics) {
	// An explicit -template or -feature in a Kiro project is refused
	// rather than ignored: adopting and starting afresh are different
	// results, and the user should choose knowingly.
	switch {
	case c.template.set:
		return nil, initError("This is a Kiro project",
			fmt.Sprintf("-template writes a starter project, but this directory has %s or %s, which init adopts into a Kirofile instead. Run \"kirofile init\" without -template to adopt them.", starter.SpecsDir+"/", starter.SteeringDir+"/"))
	case c.feature != "":
		return nil, initError("This is a Kiro project",
			fmt.Sprintf("-feature names a starter's feature, but init adopts this Kiro project, whose features are named after their directories in %s/. Run \"kirofile init\" without -feature.", starter.SpecsDir))
	}
	if diags := writeNewFiles(m.dir, files); diags.HasErrors() {
		return nil, diags
	}
	view.Adopted(report)
	return []string{
		`Run "kirofile plan": the adopted spec documents count as written by hand and await approval.`,
		`Review them, then approve each feature's documents with "kirofile approve feature.NAME".`,
		`Add codegen blocks to generate code from approved specs, set OPENAI_API_KEY, then run "kirofile apply".`,
	}, nil
}

// starterFlag returns the first flag given that only shapes a new Kirofile,
// or "".
func (c *initCmd) starterFlag() string {
	switch {
	case c.template.set:
		return "-template"
	case c.feature != "":
		return "-feature"
	case c.model != "":
		return "-model"
	}
	return ""
}

// writeNewFiles writes files (project-relative slash paths) under dir,
// refusing to overwrite anything: every path is checked before the first
// write, so a refusal writes nothing. The Kirofile goes last, so that a
// failure part way leaves no configuration behind and "kirofile init" can
// simply be run again once the cause is fixed.
func writeNewFiles(dir string, files map[string][]byte) hcl.Diagnostics {
	paths := starter.SortedPaths(files)
	var existing []string
	for _, p := range paths {
		// Lstat: a symbolic link, even a dangling one, is a file the user
		// made, and writing would replace it.
		if _, err := os.Lstat(filepath.Join(dir, filepath.FromSlash(p))); err == nil {
			existing = append(existing, p)
		} else if !errors.Is(err, fs.ErrNotExist) {
			return initError("Cannot write the new project", err.Error()+".")
		}
	}
	if len(existing) > 0 {
		return initError("File already exists",
			fmt.Sprintf("init would write %s, which already exists; it never overwrites a file. Move it away and run \"kirofile init\" again (or pick another feature name with -feature).",
				strings.Join(existing, ", ")))
	}
	kirofileLast := func(p string) int {
		if p == lang.MainFile {
			return 1
		}
		return 0
	}
	for _, pass := range []int{0, 1} {
		for _, p := range paths {
			if kirofileLast(p) != pass {
				continue
			}
			full := filepath.Join(dir, filepath.FromSlash(p))
			if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
				return initError("Cannot write the new project", err.Error()+".")
			}
			if err := fsutil.WriteFileAtomic(full, files[p], 0o644); err != nil {
				return initError("Cannot write the new project", err.Error()+".")
			}
		}
	}
	return nil
}

// initError is a diagnostic without a source range: init's own problems
// are about the directory, not about a line of configuration.
func initError(summary, detail string) hcl.Diagnostics {
	return hcl.Diagnostics{{Severity: hcl.DiagError, Summary: summary, Detail: detail}}
}
