package main

import (
	"flag"
	"fmt"

	"github.com/hashicorp/hcl/v2"
	"github.com/kirofile/kirofile/internal/cache"
	"github.com/kirofile/kirofile/internal/engine"
	"github.com/kirofile/kirofile/internal/lockfile"
	"github.com/kirofile/kirofile/lang"
	"github.com/kirofile/kirofile/plugins"
)

var initCommand = &commandSpec{
	name:     "init",
	synopsis: "Check the configuration, install and pin plugins, prepare .kirofile/",
	help: `
Checks the configuration, creates .kirofile/ (kirofile's run state, with a
.gitignore that keeps it out of version control), and installs every
third-party plugin the kirofile block declares: the binary must exist, start
and complete kirofile's plugin handshake; its sha256 is then pinned in
Kirofile.lock.hcl. A binary that differs from its pin is refused: review the
new binary, then run "kirofile init -upgrade" to pin it.`,
	new: func() command { return &initCmd{} },
}

type initCmd struct {
	loadFlags
	upgrade bool
}

func (c *initCmd) flags(fs *flag.FlagSet) {
	fs.BoolVar(&c.upgrade, "upgrade", false, "Pin plugin binaries that changed since they were pinned.")
	c.loadFlags.flags(fs)
}

func (c *initCmd) run(m *meta, args []string) int {
	if !m.noArgs(args) {
		return exitError
	}
	view := newHumanView(m)
	p, diags := engine.LoadProject(m.dir, lang.LoadOptions{Vars: c.vars, Version: version()})
	if diags.HasErrors() {
		view.Diagnostics(p.Files, diags)
		return exitError
	}
	if err := cache.EnsureWorkDir(m.dir); err != nil {
		view.Diagnostics(nil, hcl.Diagnostics{{Severity: hcl.DiagError, Summary: "Cannot create .kirofile/", Detail: err.Error() + "."}})
		return exitError
	}
	manager := plugins.NewManager(plugins.ManagerOptions{Dir: m.dir})
	defer manager.Close()
	before := string(p.Lock.Bytes())
	installed, idiags := engine.InstallPlugins(p.Config, p.Lock, c.upgrade, func(l plugins.Launcher) error {
		if err := manager.Register(l); err != nil {
			return err
		}
		return manager.Start(l.Kind, l.Name)
	})
	diags = append(diags, idiags...)
	for _, in := range installed {
		switch in.Status {
		case "removed":
			fmt.Fprintf(m.stdout, "- %s: no longer declared, pin removed\n", in.Name)
		default:
			fmt.Fprintf(m.stdout, "- %s: %s (sha256 %s) %s\n", in.Name, in.Source, in.SHA256[:12], in.Status)
		}
	}
	if string(p.Lock.Bytes()) != before {
		if err := lockfile.Write(p.LockPath, p.Lock); err != nil {
			diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Cannot write the lock file", Detail: err.Error() + "."})
		}
	}
	view.Diagnostics(p.Files, diags)
	if diags.HasErrors() {
		return exitError
	}
	fmt.Fprintf(m.stdout, "%s\n", colorize(m.colorOut, ansiBold+ansiGreen, "kirofile is ready in this directory."))
	return exitOK
}
