package plan

import (
	"strings"

	"github.com/hashicorp/hcl/v2"

	"github.com/kirofile/kirofile/internal/lockfile"
	"github.com/kirofile/kirofile/lang"
)

// Refresh accepts what is on disk, as Terraform's -refresh-only accepts
// what is in the cloud: generated files edited by hand, and documents and
// code whose inputs changed since they were generated (a one-character fix
// to a feature's description), are recorded in lock as the node's
// generation under its current inputs, without a model call. Each node is
// planned for itself: none waits for another.
//
// A spec accepted this way still needs a person's approval: an edited
// document no longer matches its approval, and an approval given under the
// old inputs is stale.
//
// Refresh changes lock; Build passes it a copy to plan only. only, when
// not nil, limits what is accepted to those addresses: the plan a person
// confirmed. The returned plan lists the nodes accepted, and nothing else.
func Refresh(cfg *lang.Config, lock *lockfile.Lock, opts Options, only map[string]bool) (*Plan, hcl.Diagnostics) {
	opts.Replace, opts.RefreshOnly = nil, true
	pl, diags := NewPlanner(cfg, lock, opts)
	if pl == nil {
		return nil, diags
	}
	plan := newPlan(opts)
	for _, n := range pl.Nodes {
		ch := pl.Plan(n)
		if pl.Joins(ch.Address) {
			continue // its record follows its tasks'
		}
		rec := lock.Node(ch.Address)
		if !acceptable(ch, rec) || only != nil && !only[ch.Address] {
			continue
		}
		acc := &Change{Address: ch.Address, Kind: ch.Kind, State: Accept, Fingerprint: ch.Fingerprint, Inputs: ch.Inputs, Document: ch.Document}
		acc.Outputs = pl.acceptedOutputs(n, rec)
		acc.Files = sortedKeys(acc.Outputs)
		_, isSpec := n.(*lang.Spec)
		again := ""
		if isSpec {
			again = "; it needs approval again"
		}
		if ch.State == Drift {
			acc.Reasons = reasons(CodeAcceptEdits, "the files as edited outside kirofile are recorded as its generation: "+strings.Join(ch.Files, ", ")+again)
		} else {
			acc.Reasons = reasons(CodeAcceptInputs, Join(ch.Reasons, ", ")+": the files on disk are recorded under the new inputs, without a model call"+again)
		}
		recordAccepted(lock, acc)
		plan.Changes = append(plan.Changes, acc)
		// Nodes after it are planned against the new record.
		pl.Plan(n)
	}
	return plan, diags
}

// acceptable reports whether a node's change can be accepted: generated
// before, its inputs known, and drifted or with changed inputs.
func acceptable(ch *Change, rec *lockfile.Node) bool {
	if rec == nil || rec.Status != lockfile.StatusGenerated || ch.Fingerprint == "" {
		return false
	}
	return ch.State == Drift || ch.State == Update
}

// acceptedOutputs hashes what a node's record will hold: a spec's
// document, or the files a codegen generated that are still there.
func (pl *Planner) acceptedOutputs(n lang.Node, rec *lockfile.Node) map[string]string {
	out := map[string]string{}
	if s, ok := n.(*lang.Spec); ok {
		if h := pl.disk.hash(s.Path); h != "" {
			out[s.Path] = h
		}
		return out
	}
	for p := range rec.Outputs {
		if h := pl.disk.hash(p); h != "" {
			out[p] = h
		}
	}
	return out
}
