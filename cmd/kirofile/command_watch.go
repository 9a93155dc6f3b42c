package main

import (
	"context"
	"flag"
	"os"
	"os/signal"
	"path/filepath"
	"sort"
	"syscall"

	"github.com/hashicorp/hcl/v2"

	"github.com/kirofile/kirofile/internal/hook"
	"github.com/kirofile/kirofile/internal/lockfile"
	"github.com/kirofile/kirofile/internal/watch"
	"github.com/kirofile/kirofile/lang"
	"github.com/kirofile/kirofile/plugins/builtin"
	"github.com/kirofile/kirofile/plugins/host"
	"github.com/kirofile/kirofile/plugins/sdk"
)

var watchCommand = &commandSpec{
	name:     "watch",
	synopsis: "Run file.saved hooks as files are saved",
	help: `
Watches the project and, after each burst of saves settles, runs the hooks
listening to "file.saved" whose match globs cover the saved files. A file
whose content did not change since it last triggered hooks does not trigger
them again, so a hook that rewrites files (a formatter) does not loop.
.git/, .kirofile/ and node_modules/ are not watched. Ctrl-C stops it.

With -json, stdout holds one JSON object per line: "version", "watching",
then "files_saved" and one "saved_hook_result" per hook for each burst of
saves, and "watch_stopped" at the end.`,
	new: func() command { return &watchCmd{} },
}

type watchCmd struct {
	loadFlags
	json bool
}

func (c *watchCmd) flags(fs *flag.FlagSet) {
	fs.BoolVar(&c.json, "json", false, "Write JSON lines on stdout instead of text.")
	c.loadFlags.flags(fs)
}

func (c *watchCmd) run(m *meta, args []string) int {
	if !m.noArgs(args) {
		return exitError
	}
	view := newWatchView(m, c.json)
	p, diags := c.loadProject(m)
	if !diags.HasErrors() {
		diags = append(diags, host.CheckPlugins(p.Config, p.Lock)...)
	}
	if diags.HasErrors() {
		view.Diagnostics(p.Files, diags)
		return exitError
	}
	var listening []string
	for _, name := range sortedKeys(p.Config.Hooks) {
		for _, e := range p.Config.Hooks[name].On {
			if e == lang.EventFileSaved {
				listening = append(listening, name)
			}
		}
	}
	if len(listening) == 0 {
		view.Diagnostics(nil, hcl.Diagnostics{{Severity: hcl.DiagError, Summary: "No hook listens to file.saved",
			Detail: "watch runs hooks with on = [\"file.saved\"]; the configuration has none, so there is nothing to watch for."}})
		return exitError
	}

	w, err := watch.New(m.dir, watch.Options{})
	if err != nil {
		view.Diagnostics(nil, hcl.Diagnostics{{Severity: hcl.DiagError, Summary: "Cannot watch the project", Detail: err.Error() + "."}})
		return exitError
	}
	defer w.Close()
	manager := host.NewManager(host.ManagerOptions{Dir: m.dir, Logger: m.logger})
	defer manager.Close()
	hostPlugins := host.NewPlugins(p.Config, p.Lock, manager, builtin.Launcher)

	ctx, cancel := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer cancel()
	view.Watching(m.dir, listening)

	seen := map[string]string{} // path -> content hash that last triggered hooks
	for {
		select {
		case <-ctx.Done():
			view.Stopped()
			return exitOK
		case err, ok := <-w.Errors():
			if ok {
				view.WatchError(err)
			}
		case batch, ok := <-w.Batches():
			if !ok {
				return exitError
			}
			changed := changedFiles(m.dir, batch, seen)
			if len(changed) == 0 {
				continue
			}
			hooks := hook.FileSaved(p.Config, changed)
			if len(hooks) == 0 {
				continue
			}
			view.Saved(changed)
			names := make([]*lang.Hook, 0, len(hooks))
			for h := range hooks {
				names = append(names, h)
			}
			sort.Slice(names, func(i, j int) bool { return names[i].Name < names[j].Name })
			for _, h := range names {
				o := hook.Run(ctx, hostPlugins, p.Config, h, sdk.ActionRequest{
					Event:        lang.EventFileSaved,
					ProjectDir:   m.dir,
					FilesWritten: hooks[h],
				})
				view.HookResult(o)
			}
			// Files the hooks rewrote count as seen in their new form.
			changedFiles(m.dir, changed, seen)
		}
	}
}

// changedFiles returns the files of a batch whose content differs from the
// last content seen, and records the new content.
func changedFiles(dir string, batch []string, seen map[string]string) []string {
	var out []string
	for _, f := range batch {
		data, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(f)))
		if err != nil {
			continue
		}
		h := lockfile.HashBytes(data)
		if seen[f] != h {
			seen[f] = h
			out = append(out, f)
		}
	}
	return out
}
