// Package approval records and removes approvals of spec documents in the
// lock: an approval binds the document's content hash and the inputs it
// was approved under. Approving only records: the spec.approved hooks an
// approval makes due run in the next apply, never on the approver's
// machine.
package approval

import (
	"fmt"
	"maps"
	"os/exec"
	"os/user"
	"slices"
	"strings"
	"time"

	"github.com/hashicorp/hcl/v2"

	"github.com/kirofile/kirofile/internal/hook"
	"github.com/kirofile/kirofile/internal/lockfile"
	"github.com/kirofile/kirofile/internal/plan"
	"github.com/kirofile/kirofile/lang"
)

// Outcome is what approving did with one spec.
type Outcome struct {
	Address string
	// Approved is true when an approval was recorded now; SHA256 is the
	// document's hash.
	Approved bool
	SHA256   string
	// Already is true when the document was approved as it is before.
	Already bool
	// Skipped explains why a spec of a feature address was left alone
	// (nothing to approve there yet, or already approved).
	Skipped string
	// CheckErrors counts the spec checks' errors approved over
	// (-ignore-checks), recorded in the lock.
	CheckErrors int
	// Hooks are the spec.approved hooks due: they run in the next apply.
	Hooks []string
}

// Options say who approves, when, and what the spec checks found.
type Options struct {
	By  string
	Now time.Time
	// Findings are the spec checks' diagnostics of the documents on disk
	// (project.CheckDocuments). A spec whose document has errors among
	// them is refused, unless IgnoreChecks: the override is recorded.
	Findings     hcl.Diagnostics
	IgnoreChecks bool
}

// Approve records approval of spec documents as they are on disk now. A
// feature address approves that feature's pending specs (generated or
// edited, awaiting approval) in dependency order, and skips the others,
// saying why. A spec whose upstream spec is not approved is refused, as is
// one without a document, one whose inputs changed since it was generated,
// one whose inputs depend on a variable without a value (the approval
// binds them), and one whose document fails the spec checks. The lock is
// changed in memory only; the caller writes it.
func Approve(cfg *lang.Config, lock *lockfile.Lock, addrs []lang.Address, opts Options) ([]Outcome, hcl.Diagnostics) {
	var out []Outcome
	var diags hcl.Diagnostics
	for _, a := range addrs {
		if a.IsTask() {
			res, d := approveTask(cfg, lock, a, opts)
			diags = append(diags, d...)
			if !d.HasErrors() {
				out = append(out, res)
			}
			continue
		}
		specs, d := specsToApprove(cfg, a)
		diags = append(diags, d...)
		for _, s := range specs {
			ch, d := specChange(cfg, lock, s)
			if d.HasErrors() {
				diags = append(diags, d...)
				break
			}
			if a.IsFeature() && ch.State != plan.Approve && ch.State != plan.Drift {
				// Nothing to approve there yet, or already approved.
				out = append(out, Outcome{Address: ch.Address, Skipped: skipPhrase(ch)})
				continue
			}
			res, d := approveOne(cfg, lock, s, ch, opts)
			diags = append(diags, d...)
			if d.HasErrors() {
				break // later specs of a feature wait for this one
			}
			out = append(out, res)
		}
	}
	return out, diags
}

// skipPhrase says why a feature's spec has nothing to approve.
func skipPhrase(ch *plan.Change) string {
	switch ch.State {
	case plan.NoOp, plan.RunHooks:
		return "approved as it is"
	case plan.Create:
		return "not generated yet"
	case plan.Blocked:
		return "waits for " + ch.BlockedBy
	case plan.Update:
		return "to be regenerated first"
	case plan.Retry:
		return "its last generation failed"
	}
	return string(ch.State)
}

// specsToApprove returns the spec at a, or a feature's specs in dependency
// order.
func specsToApprove(cfg *lang.Config, a lang.Address) ([]*lang.Spec, hcl.Diagnostics) {
	if !a.IsFeature() {
		if a.Kind != lang.NodeSpec {
			return nil, errorDiag("Only specs are approved",
				"%s is a codegen step; approvals are for spec documents. Approve the specs it depends on.", a)
		}
		s, ok := cfg.Node(a).(*lang.Spec)
		if !ok {
			return nil, errorDiag("No such spec", "%s names no spec in the configuration.%s Run \"kirofile show\" to list the nodes.", a, cfg.SuggestAddress(a))
		}
		return []*lang.Spec{s}, nil
	}
	if _, ok := cfg.Features[a.Feature]; !ok {
		return nil, errorDiag("No such feature", "%s names no feature in the configuration.%s", a, cfg.SuggestAddress(a))
	}
	order, _ := cfg.Graph().TopoOrder()
	var specs []*lang.Spec
	for _, addr := range order {
		na, _ := lang.ParseAddress(addr)
		if s, ok := cfg.Node(na).(*lang.Spec); ok && na.Feature == a.Feature {
			specs = append(specs, s)
		}
	}
	return specs, nil
}

// specChange plans one spec (and what it depends on), after the approvals
// recorded so far.
func specChange(cfg *lang.Config, lock *lockfile.Lock, s *lang.Spec) (*plan.Change, hcl.Diagnostics) {
	p, diags := plan.Build(cfg, lock, plan.Options{Targets: []lang.Address{s.Addr}})
	if diags.HasErrors() {
		return nil, diags
	}
	return p.Change(s.Addr.String()), diags
}

func approveOne(cfg *lang.Config, lock *lockfile.Lock, s *lang.Spec, ch *plan.Change, opts Options) (Outcome, hcl.Diagnostics) {
	addr := s.Addr.String()
	switch ch.State {
	case plan.NoOp, plan.RunHooks:
		return Outcome{Address: addr, SHA256: ch.Document, Already: true}, nil
	case plan.Approve, plan.Drift:
		// Approving a drifted spec adopts it as edited, under its current
		// inputs.
	case plan.Create:
		return Outcome{}, errorDiag("Nothing to approve",
			"%s has no document at %s yet. Run \"kirofile apply\" to generate it, or write it by hand.", addr, s.Path)
	case plan.Blocked:
		return Outcome{}, errorDiag("Upstream spec not approved",
			"%s cannot be approved before %s: approve that first (kirofile approve %s).", addr, ch.BlockedBy, ch.BlockedBy)
	default:
		return Outcome{}, errorDiag("Spec out of date",
			"%s is out of date (%s): run \"kirofile apply\" to regenerate it, then approve the result.", addr, plan.Join(ch.Reasons, "; "))
	}
	if ch.InputsUnknown {
		return Outcome{}, errorDiag("Variable needed to approve",
			"An approval binds the inputs of %s, and one of the variables without a value (%s) feeds them. Give it a value with -var NAME=VALUE, a -var-file, kirofile.kirovars or KIRO_VAR_NAME, as plan needs.",
			addr, strings.Join(unknownVariables(cfg), ", "))
	}
	if ch.Fingerprint == "" {
		// An upstream spec approved automatically is still to be
		// generated: what this document would be approved under is not
		// known yet.
		return Outcome{}, errorDiag("Upstream not generated yet",
			"%s depends on a document that apply has not generated yet, so the inputs an approval binds are not known. Run \"kirofile apply\" first, then approve it.", addr)
	}
	errs := checkErrors(opts.Findings, s.Path)
	if errs > 0 && !opts.IgnoreChecks {
		// The findings themselves first, with their places in the
		// document, then the refusal.
		var found hcl.Diagnostics
		for _, d := range opts.Findings {
			if d.Severity == hcl.DiagError && d.Subject != nil && d.Subject.Filename == s.Path {
				found = append(found, d)
			}
		}
		return Outcome{}, append(found, errorDiag("Spec document has errors",
			"%s fails the spec checks with %s (shown above; \"kirofile validate\" shows them too). Fix the document and approve it then, or approve it as it is with -ignore-checks: the override is recorded in %s for reviewers to see.",
			s.Path, plural(errs, "error"), lockfile.FileName)...)
	}
	rec := lock.Node(addr).Clone()
	if rec == nil {
		rec = &lockfile.Node{Address: addr}
	}
	rec.Approval = &lockfile.Approval{
		SHA256:      ch.Document,
		Fingerprint: ch.Fingerprint,
		By:          opts.By,
		At:          opts.Now.UTC().Truncate(time.Second),
		CheckErrors: errs,
	}
	res := Outcome{Address: addr, Approved: true, SHA256: ch.Document, CheckErrors: errs}
	for _, h := range hook.Select(cfg, s, lang.EventSpecApproved, []string{s.Path}) {
		res.Hooks = append(res.Hooks, h.Name)
	}
	if len(res.Hooks) > 0 {
		rec.Approval.Hooks = lockfile.HooksPending
	}
	lock.SetNode(rec)
	return res, nil
}

// checkErrors counts the error findings in the document at path.
func checkErrors(findings hcl.Diagnostics, path string) int {
	n := 0
	for _, d := range findings {
		if d.Severity == hcl.DiagError && d.Subject != nil && d.Subject.Filename == path {
			n++
		}
	}
	return n
}

// unknownVariables names the variables without a value.
func unknownVariables(cfg *lang.Config) []string {
	var out []string
	for _, name := range slices.Sorted(maps.Keys(cfg.Variables)) {
		if !cfg.Variables[name].Value.IsWhollyKnown() {
			out = append(out, "var."+name)
		}
	}
	return out
}

// Revoke removes the approvals of specs, or of every spec of a feature. It
// returns the addresses whose approval was removed.
func Revoke(cfg *lang.Config, lock *lockfile.Lock, addrs []lang.Address) ([]string, hcl.Diagnostics) {
	var out []string
	var diags hcl.Diagnostics
	for _, a := range addrs {
		if a.IsTask() {
			// The acceptance of a tick is all such a record holds.
			if rec := lock.Node(a.String()); rec != nil && rec.Approval != nil {
				lock.RemoveNode(a.String())
				out = append(out, a.String())
			}
			continue
		}
		nodes := plan.NodesOf(cfg, a)
		if len(nodes) == 0 {
			diags = append(diags, errorDiag("No such node", "%s names nothing in the configuration.%s", a, cfg.SuggestAddress(a))...)
			continue
		}
		for _, n := range nodes {
			rec := lock.Node(n.Address().String())
			if rec == nil || rec.Approval == nil {
				continue
			}
			rec = rec.Clone()
			rec.Approval = nil
			if rec.Fingerprint == "" && len(rec.Outputs) == 0 {
				lock.RemoveNode(rec.Address) // only held the approval of a hand-written document
			} else {
				lock.SetNode(rec)
			}
			out = append(out, rec.Address)
		}
	}
	return out, diags
}

// Approver names the person approving: git's user.email in the project,
// else the OS user.
func Approver(dir string) string {
	cmd := exec.Command("git", "config", "user.email")
	cmd.Dir = dir
	if out, err := cmd.Output(); err == nil {
		if email := strings.TrimSpace(string(out)); email != "" {
			return email
		}
	}
	if u, err := user.Current(); err == nil && u.Username != "" {
		return u.Username
	}
	return "unknown"
}

func plural(n int, noun string) string {
	if n == 1 {
		return fmt.Sprintf("1 %s", noun)
	}
	return fmt.Sprintf("%d %ss", n, noun)
}

func errorDiag(summary, detail string, args ...any) hcl.Diagnostics {
	return hcl.Diagnostics{{Severity: hcl.DiagError, Summary: summary, Detail: fmt.Sprintf(detail, args...)}}
}
