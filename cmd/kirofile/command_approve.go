package main

import (
	"context"
	"flag"
	"fmt"
	"strings"
	"time"

	"github.com/hashicorp/hcl/v2"

	"github.com/kirofile/kirofile/internal/approval"
	"github.com/kirofile/kirofile/internal/hook"
	"github.com/kirofile/kirofile/internal/lockfile"
	"github.com/kirofile/kirofile/internal/project"
	"github.com/kirofile/kirofile/lang"
	"github.com/kirofile/kirofile/plugins/builtin"
	"github.com/kirofile/kirofile/plugins/host"
)

var approveCommand = &commandSpec{
	name:     "approve",
	synopsis: "Approve spec documents as they are on disk now",
	args:     "ADDR...",
	help: `
Records in Kirofile.lock.hcl the approval of each spec document as it is on
disk now: its content hash, who approved it and when. A feature address
(feature.NAME) approves that feature's pending specs in dependency order.
A spec cannot be approved before the specs it depends on, nor when it is
out of date (run apply to regenerate it first).

Editing an approved document, or regenerating it, voids the approval. The
approver is -by, else git's user.email, else the OS user.`,
	new: func() command { return &approveCmd{} },
}

type approveCmd struct {
	loadFlags
	by string
}

func (c *approveCmd) flags(fs *flag.FlagSet) {
	fs.StringVar(&c.by, "by", "", "Record `WHO` approved, instead of git's user.email.")
	c.loadFlags.flags(fs)
}

func (c *approveCmd) run(m *meta, args []string) int {
	if len(args) == 0 {
		return m.usageErrorf("approve needs at least one address, like feature.NAME.spec.requirements")
	}
	view := newHumanView(m)
	addrs, diags := parseAddresses(args)
	runLock, p, pdiags := c.loadLockedProject(m, "kirofile approve", c.vars)
	defer runLock.Release()
	diags = append(diags, pdiags...)
	if diags.HasErrors() {
		view.Diagnostics(p.Files, diags)
		return exitError
	}
	by := c.by
	if by == "" {
		by = approval.Approver(m.dir)
	}
	approved, adiags := approval.Approve(p.Config, p.Lock, addrs, by, time.Now())
	// Approvals that went through are kept even when a later one failed.
	changed := false
	for _, a := range approved {
		if a.Already {
			fmt.Fprintf(m.stdout, "%s is already approved as it is.\n", a.Address)
			continue
		}
		changed = true
		fmt.Fprintf(m.stdout, "%s %s (%s) as %s.\n", colorize(m.colorOut, ansiGreen, "Approved"), a.Address, shortHash(a.SHA256), by)
	}
	if changed {
		if err := lockfile.Write(p.LockPath, p.Lock); err != nil {
			adiags = append(adiags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Cannot write the lock file", Detail: err.Error() + "."})
		}
	}
	view.Diagnostics(p.Files, adiags)
	c.runApprovedHooks(m, p, approved)
	if adiags.HasErrors() {
		return exitError
	}
	return exitOK
}

// runApprovedHooks fires "spec.approved" for each spec approved just now.
// A failing hook is reported but does not undo the approval: the approval
// is a person's decision, recorded; the hook is what follows from it.
func (c *approveCmd) runApprovedHooks(m *meta, p *project.Project, approved []approval.Approved) {
	var hostPlugins *host.Plugins
	for _, a := range approved {
		if a.Already {
			continue
		}
		addr, _ := lang.ParseAddress(a.Address)
		s := p.Config.Node(addr)
		files := []string{s.(*lang.Spec).Path}
		if len(hook.Select(p.Config, s, lang.EventSpecApproved, files)) == 0 {
			continue
		}
		if hostPlugins == nil {
			manager := host.NewManager(host.ManagerOptions{Dir: m.dir, Logger: m.logger})
			defer manager.Close()
			hostPlugins = host.NewPlugins(p.Config, p.Lock, manager, builtin.Launcher)
		}
		hook.RunForNode(context.Background(), hostPlugins, p.Config, s, lang.EventSpecApproved, files, func(o hook.Outcome) {
			switch {
			case o.Err != nil:
				fmt.Fprintf(m.stdout, "%s: hook %s %s: %s\n", a.Address, o.Hook, colorize(m.colorOut, ansiRed, "could not run"), o.Err)
			case o.Passed:
				fmt.Fprintf(m.stdout, "%s: hook %s %s\n", a.Address, o.Hook, colorize(m.colorOut, ansiGreen, "passed"))
			default:
				fmt.Fprintf(m.stdout, "%s: hook %s %s\n%s\n", a.Address, o.Hook, colorize(m.colorOut, ansiRed, "failed"), indent(strings.TrimRight(o.Output, "\n"), "    "))
			}
		})
	}
}

// shortHash abbreviates "sha256:<hex>" for people, as git abbreviates ids.
func shortHash(h string) string {
	if len(h) > len("sha256:")+12 {
		return h[:len("sha256:")+12]
	}
	return h
}

var revokeCommand = &commandSpec{
	name:     "revoke",
	synopsis: "Remove approvals of spec documents",
	args:     "ADDR...",
	help: `
Removes the recorded approval of each spec (every spec of a feature for a
feature address). Everything downstream is blocked until the spec is
approved again.`,
	new: func() command { return &revokeCmd{} },
}

type revokeCmd struct{ loadFlags }

func (c *revokeCmd) flags(fs *flag.FlagSet) { c.loadFlags.flags(fs) }

func (c *revokeCmd) run(m *meta, args []string) int {
	if len(args) == 0 {
		return m.usageErrorf("revoke needs at least one address, like feature.NAME.spec.design")
	}
	view := newHumanView(m)
	addrs, diags := parseAddresses(args)
	runLock, p, pdiags := c.loadLockedProject(m, "kirofile revoke", c.vars)
	defer runLock.Release()
	diags = append(diags, pdiags...)
	if diags.HasErrors() {
		view.Diagnostics(p.Files, diags)
		return exitError
	}
	revoked, rdiags := approval.Revoke(p.Config, p.Lock, addrs)
	for _, a := range revoked {
		fmt.Fprintf(m.stdout, "%s the approval of %s.\n", colorize(m.colorOut, ansiYellow, "Revoked"), a)
	}
	if len(revoked) == 0 && !rdiags.HasErrors() {
		fmt.Fprintln(m.stdout, "Nothing to revoke: none of these specs is approved.")
	}
	if len(revoked) > 0 {
		if err := lockfile.Write(p.LockPath, p.Lock); err != nil {
			rdiags = append(rdiags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Cannot write the lock file", Detail: err.Error() + "."})
		}
	}
	view.Diagnostics(p.Files, rdiags)
	if rdiags.HasErrors() {
		return exitError
	}
	return exitOK
}
