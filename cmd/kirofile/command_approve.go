package main

import (
	"flag"
	"fmt"
	"strings"
	"time"

	"github.com/hashicorp/hcl/v2"

	"github.com/kirofile/kirofile/internal/approval"
	"github.com/kirofile/kirofile/internal/lockfile"
	"github.com/kirofile/kirofile/internal/project"
	"github.com/kirofile/kirofile/lang"
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
out of date (run apply to regenerate it first), nor when its document
fails the spec checks (fix it, or override with -ignore-checks, which the
lock records).

Approving only records. The spec.approved hooks an approval makes due run
in the next apply, by the author or in CI: never on the approver's machine,
so reviewing a pull request's spec never runs a command its author wrote.

Editing an approved document, or regenerating it, voids the approval. The
approver is -by, else git's user.email, else the OS user. Variables need
no value, as in validate, unless one feeds the inputs the approval binds.`,
	new: func() command { return &approveCmd{} },
}

type approveCmd struct {
	loadFlags
	lockFlags
	by           string
	ignoreChecks bool
	json         bool
}

func (c *approveCmd) flags(fs *flag.FlagSet) {
	fs.StringVar(&c.by, "by", "", "Record `WHO` approved, instead of git's user.email.")
	fs.BoolVar(&c.ignoreChecks, "ignore-checks", false, "Approve documents that fail the spec checks; the lock records how many errors were overridden.")
	fs.BoolVar(&c.json, "json", false, "Write JSON lines on stdout instead of text.")
	c.loadFlags.flags(fs)
	c.lockFlags.flags(fs)
}

func (c *approveCmd) run(m *meta, args []string) int {
	if len(args) == 0 {
		return m.usageErrorf("approve needs at least one address, like feature.NAME.spec.requirements")
	}
	view := newApproveView(m, c.json)
	addrs, diags := parseAddresses(args)
	runLock, p, pdiags := c.loadLockedProject(m, "kirofile approve", c.lockTimeout, c.vars, unknownVariables)
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
	// The spec checks validate runs: a document with errors is refused.
	docFiles, findings := project.CheckDocuments(p.Config)
	for name, f := range docFiles {
		p.Files[name] = f
	}
	outcomes, adiags := approval.Approve(p.Config, p.Lock, addrs, approval.Options{
		By: by, Now: time.Now(), Findings: findings, IgnoreChecks: c.ignoreChecks,
	})
	// Approvals that went through are kept even when a later one failed.
	changed := false
	for _, o := range outcomes {
		changed = changed || o.Approved
	}
	if changed {
		if err := lockfile.Write(p.LockPath, p.Lock); err != nil {
			adiags = append(adiags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Cannot write the lock file", Detail: err.Error() + "."})
		}
	}
	view.Outcomes(addrs, outcomes, by)
	view.Diagnostics(p.Files, adiags)
	if adiags.HasErrors() {
		return exitError
	}
	return exitOK
}

// approveView reports what approve did.
type approveView interface {
	diagnosticsView
	// Outcomes reports each spec approved, already approved or skipped,
	// and the feature addresses that had nothing to approve.
	Outcomes(addrs []lang.Address, outcomes []approval.Outcome, by string)
}

func newApproveView(m *meta, jsonOutput bool) approveView {
	if jsonOutput {
		return approveJSON{newJSONView(m)}
	}
	return approveHuman{newHumanView(m)}
}

type approveHuman struct{ *humanView }

func (v approveHuman) Outcomes(addrs []lang.Address, outcomes []approval.Outcome, by string) {
	w := v.stdout
	for _, o := range outcomes {
		switch {
		case o.Approved:
			fmt.Fprintf(w, "%s %s (%s) as %s.\n", colorize(v.colorOut, ansiGreen, "Approved"), o.Address, shortHash(o.SHA256), by)
			if o.CheckErrors > 0 {
				fmt.Fprintf(w, "  Approved over %s from the spec checks (-ignore-checks); the lock records it.\n", plural(o.CheckErrors, "error"))
			}
			if len(o.Hooks) > 0 {
				fmt.Fprintf(w, "  Its spec.approved hooks (%s) run in the next apply, not here.\n", strings.Join(o.Hooks, ", "))
			}
		case o.Already:
			fmt.Fprintf(w, "%s is already approved as it is.\n", o.Address)
		}
	}
	// A feature address with nothing pending says so, and why.
	for _, a := range addrs {
		if !a.IsFeature() {
			continue
		}
		var skipped []string
		acted := false
		for _, o := range outcomes {
			oa, _ := lang.ParseAddress(o.Address)
			if oa.Feature != a.Feature {
				continue
			}
			if o.Skipped != "" {
				skipped = append(skipped, o.Address+": "+o.Skipped)
			} else {
				acted = true
			}
		}
		if !acted && len(skipped) > 0 {
			fmt.Fprintf(w, "Nothing to approve in %s:\n  %s\n", a, strings.Join(skipped, "\n  "))
		}
	}
}

type approveJSON struct{ *jsonView }

func (v approveJSON) Outcomes(_ []lang.Address, outcomes []approval.Outcome, by string) {
	var sum approveSummaryMessage
	for _, o := range outcomes {
		msg := &approvalMessage{Address: o.Address, SHA256: o.SHA256, CheckErrors: o.CheckErrors, Hooks: list(o.Hooks)}
		switch {
		case o.Approved:
			msg.Result, msg.By = "approved", by
			sum.Approved++
		case o.Already:
			msg.Result = "already_approved"
			sum.Already++
		default:
			msg.Result, msg.Reason = "skipped", o.Skipped
			sum.Skipped++
		}
		v.emit("approve_result", msg)
	}
	v.emit("approve_summary", &sum)
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
approved again. Variables need no value.`,
	new: func() command { return &revokeCmd{} },
}

type revokeCmd struct {
	loadFlags
	lockFlags
	json bool
}

func (c *revokeCmd) flags(fs *flag.FlagSet) {
	fs.BoolVar(&c.json, "json", false, "Write JSON lines on stdout instead of text.")
	c.loadFlags.flags(fs)
	c.lockFlags.flags(fs)
}

func (c *revokeCmd) run(m *meta, args []string) int {
	if len(args) == 0 {
		return m.usageErrorf("revoke needs at least one address, like feature.NAME.spec.design")
	}
	view := newRevokeView(m, c.json)
	addrs, diags := parseAddresses(args)
	runLock, p, pdiags := c.loadLockedProject(m, "kirofile revoke", c.lockTimeout, c.vars, unknownVariables)
	defer runLock.Release()
	diags = append(diags, pdiags...)
	if diags.HasErrors() {
		view.Diagnostics(p.Files, diags)
		return exitError
	}
	revoked, rdiags := approval.Revoke(p.Config, p.Lock, addrs)
	if len(revoked) > 0 {
		if err := lockfile.Write(p.LockPath, p.Lock); err != nil {
			rdiags = append(rdiags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Cannot write the lock file", Detail: err.Error() + "."})
		}
	}
	view.Revoked(revoked, rdiags.HasErrors())
	view.Diagnostics(p.Files, rdiags)
	if rdiags.HasErrors() {
		return exitError
	}
	return exitOK
}

// revokeView reports what revoke did.
type revokeView interface {
	diagnosticsView
	Revoked(addrs []string, failed bool)
}

func newRevokeView(m *meta, jsonOutput bool) revokeView {
	if jsonOutput {
		return revokeJSON{newJSONView(m)}
	}
	return revokeHuman{newHumanView(m)}
}

type revokeHuman struct{ *humanView }

func (v revokeHuman) Revoked(addrs []string, failed bool) {
	for _, a := range addrs {
		fmt.Fprintf(v.stdout, "%s the approval of %s.\n", colorize(v.colorOut, ansiYellow, "Revoked"), a)
	}
	if len(addrs) == 0 && !failed {
		fmt.Fprintln(v.stdout, "Nothing to revoke: none of these nodes has an approval (a spec's, or a task's tick accepted by hand). A task done by apply is undone with apply -replace.")
	}
}

type revokeJSON struct{ *jsonView }

func (v revokeJSON) Revoked(addrs []string, _ bool) {
	for _, a := range addrs {
		v.emit("revoke_result", &revocationMessage{Address: a})
	}
	v.emit("revoke_summary", &revokeSummaryMessage{Revoked: len(addrs)})
}
