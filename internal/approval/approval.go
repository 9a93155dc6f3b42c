// Package approval records and removes approvals of spec documents in the
// lock: an approval binds the document's content hash and the inputs it
// was approved under.
package approval

import (
	"fmt"
	"os/exec"
	"os/user"
	"strings"
	"time"

	"github.com/hashicorp/hcl/v2"

	"github.com/kirofile/kirofile/internal/lockfile"
	"github.com/kirofile/kirofile/internal/plan"
	"github.com/kirofile/kirofile/lang"
)

// Approved is the outcome of approving one spec.
type Approved struct {
	Address string
	SHA256  string
	// Already is true when the document was approved as it is before.
	Already bool
}

// Approve records approval of spec documents as they are on disk now. A
// feature address approves that feature's pending specs (generated or
// edited, awaiting approval) in dependency order, and skips the others.
// A spec whose upstream spec is not approved is refused, as is one without
// a document or one whose inputs changed since it was generated. The lock
// is changed in memory only; the caller writes it.
func Approve(cfg *lang.Config, lock *lockfile.Lock, addrs []lang.Address, by string, now time.Time) ([]Approved, hcl.Diagnostics) {
	var out []Approved
	var diags hcl.Diagnostics
	for _, a := range addrs {
		specs, d := specsToApprove(cfg, a)
		diags = append(diags, d...)
		for _, s := range specs {
			ch, d := specChange(cfg, lock, s)
			if d.HasErrors() {
				diags = append(diags, d...)
				break
			}
			if a.IsFeature() && ch.State != plan.Approve && ch.State != plan.Drift {
				continue // nothing to approve there yet, or already approved
			}
			res, d := approveOne(lock, s, ch, by, now)
			diags = append(diags, d...)
			if d.HasErrors() {
				break // later specs of a feature wait for this one
			}
			out = append(out, res)
		}
	}
	return out, diags
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
			return nil, errorDiag("No such spec", "%s names no spec in the configuration. Run \"kirofile show\" to list the nodes.", a)
		}
		return []*lang.Spec{s}, nil
	}
	if _, ok := cfg.Features[a.Feature]; !ok {
		return nil, errorDiag("No such feature", "%s names no feature in the configuration.", a)
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

func approveOne(lock *lockfile.Lock, s *lang.Spec, ch *plan.Change, by string, now time.Time) (Approved, hcl.Diagnostics) {
	addr := s.Addr.String()
	switch ch.State {
	case plan.NoOp:
		return Approved{Address: addr, SHA256: ch.Document, Already: true}, nil
	case plan.Approve, plan.Drift:
		// Approving a drifted spec adopts it as edited, under its current
		// inputs.
	case plan.Create:
		return Approved{}, errorDiag("Nothing to approve",
			"%s has no document at %s yet. Run \"kirofile apply\" to generate it, or write it by hand.", addr, s.Path)
	case plan.Blocked:
		return Approved{}, errorDiag("Upstream spec not approved",
			"%s cannot be approved before %s: approve that first (kirofile approve %s).", addr, ch.BlockedBy, ch.BlockedBy)
	default:
		return Approved{}, errorDiag("Spec out of date",
			"%s is out of date (%s): run \"kirofile apply\" to regenerate it, then approve the result.", addr, strings.Join(ch.Reasons, "; "))
	}
	rec := lock.Node(addr)
	if rec == nil {
		rec = &lockfile.Node{Address: addr}
	}
	rec.Approval = &lockfile.Approval{
		SHA256:      ch.Document,
		Fingerprint: ch.Fingerprint,
		By:          by,
		At:          now.UTC().Truncate(time.Second),
	}
	lock.SetNode(rec)
	return Approved{Address: addr, SHA256: ch.Document}, nil
}

// Revoke removes the approvals of specs, or of every spec of a feature. It
// returns the addresses whose approval was removed.
func Revoke(cfg *lang.Config, lock *lockfile.Lock, addrs []lang.Address) ([]string, hcl.Diagnostics) {
	var out []string
	var diags hcl.Diagnostics
	for _, a := range addrs {
		nodes := plan.NodesOf(cfg, a)
		if len(nodes) == 0 {
			diags = append(diags, errorDiag("No such node", "%s names nothing in the configuration.", a)...)
			continue
		}
		for _, n := range nodes {
			rec := lock.Node(n.Address().String())
			if rec == nil || rec.Approval == nil {
				continue
			}
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

func errorDiag(summary, detail string, args ...any) hcl.Diagnostics {
	return hcl.Diagnostics{{Severity: hcl.DiagError, Summary: summary, Detail: fmt.Sprintf(detail, args...)}}
}
