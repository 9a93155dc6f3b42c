package approval

import (
	"slices"
	"time"

	"github.com/hashicorp/hcl/v2"

	"github.com/kirofile/kirofile/internal/lockfile"
	"github.com/kirofile/kirofile/internal/plan"
	"github.com/kirofile/kirofile/lang"
)

// A task ticked in its tasks document that the lock holds no evidence for
// (ticked by hand, or by another tool) is not run, and plan reports it.
// Approving the task accepts the tick: a person vouches that it was done.
// The record binds the task's text and its inputs: a task that changes
// afterwards is done again by apply.

// approveTask accepts the tick of a task.
func approveTask(cfg *lang.Config, lock *lockfile.Lock, a lang.Address, opts Options) (Outcome, hcl.Diagnostics) {
	addr := a.String()
	p, diags := plan.Build(cfg, lock, plan.Options{Targets: []lang.Address{a}})
	if diags.HasErrors() {
		return Outcome{}, diags
	}
	ch := p.Change(addr)
	switch {
	case ch == nil:
		return Outcome{}, errorDiag("No such task", "%s names no task of an approved tasks document. Run \"kirofile show %s\" to list its tasks.", addr, a.Codegen())
	case ch.State == plan.NoOp:
		return Outcome{Address: addr, Already: true}, nil
	case ch.State == plan.Blocked && ch.Ticked && lock.Node(addr) == nil:
		return Outcome{}, errorDiag("Tasks before it not done",
			"%s is ticked without evidence, but it runs after tasks not done yet (it waits for %s), so what an acceptance binds is not known. Accept or do those first, then approve it.", addr, ch.BlockedBy)
	case ch.State != plan.Drift || !slices.Contains(plan.Codes(ch.Reasons), plan.CodeTickedWithoutEvidence):
		return Outcome{}, errorDiag("Nothing to accept",
			"%s is not ticked without evidence (%s): approving a task accepts a tick made by hand, and apply records the evidence of the tasks it does.", addr, ch.State)
	case ch.Fingerprint == "":
		return Outcome{}, errorDiag("Tasks before it not done",
			"%s runs after tasks that are not done yet, so what an acceptance binds is not known. Accept or do those first.", addr)
	}
	at := opts.Now.UTC().Truncate(time.Second)
	// It binds the hash of the task's text, the input that says what the
	// task is.
	sha := ch.Inputs[plan.InputTask]
	lock.SetNode(&lockfile.Node{
		Address:     addr,
		Fingerprint: ch.Fingerprint,
		Inputs:      ch.Inputs,
		Status:      lockfile.StatusGenerated,
		Approval: &lockfile.Approval{
			SHA256:      sha,
			Fingerprint: ch.Fingerprint,
			By:          opts.By,
			At:          at,
		},
	})
	return Outcome{Address: addr, Approved: true, SHA256: sha}, nil
}
