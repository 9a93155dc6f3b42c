package plan

import (
	"github.com/kirofile/kirofile/internal/lockfile"
)

// Generation is what one run of a node produced.
type Generation struct {
	// Outputs maps each written file (project-relative, slash) to the hash
	// of its content.
	Outputs  map[string]string
	Attempts int
	Usage    lockfile.Usage
	// Err summarises why the last attempt failed; "" on success.
	Err string
	// Hooks are the hooks of a task's last attempt, each with its exit
	// status: the evidence that the task was done (see lockfile.Node).
	Hooks map[string]int
}

// Record stores a node's generation in the lock under the inputs the plan
// computed for it. Regenerating a spec replaces its document, so its
// approval no longer matches and is dropped. A failed run records the
// files it left on disk, or keeps the previous outputs when it wrote none.
func Record(lock *lockfile.Lock, ch *Change, gen Generation) {
	rec := &lockfile.Node{
		Address:     ch.Address,
		Fingerprint: ch.Fingerprint,
		Inputs:      ch.Inputs,
		Attempts:    gen.Attempts,
		Usage:       gen.Usage,
		Status:      lockfile.StatusGenerated,
		Outputs:     gen.Outputs,
		Hooks:       gen.Hooks,
	}
	prev := lock.Node(ch.Address)
	switch {
	case gen.Err != "":
		rec.Status, rec.Error = lockfile.StatusFailed, gen.Err
		if prev != nil {
			if len(gen.Outputs) == 0 {
				rec.Outputs = prev.Outputs
			}
			rec.Approval = prev.Approval
		}
	case prev != nil && prev.Approval != nil && prev.Approval.Fingerprint == ch.Fingerprint:
		// Regenerated under the inputs it was approved under (-replace)
		// into the very document that was approved: the approval stands.
		for _, h := range gen.Outputs {
			if h == prev.Approval.SHA256 {
				rec.Approval = prev.Approval
			}
		}
	}
	lock.SetNode(rec)
}

// recordAccepted records an accepted node (see Refresh): what is on disk,
// under its current inputs. The approval on record stays, to be judged
// against the new record: void when the document changed, stale when it
// was given under the old inputs. One without the inputs it was given
// under cannot be judged, and is dropped.
func recordAccepted(lock *lockfile.Lock, ch *Change) {
	rec := lock.Node(ch.Address).Clone()
	rec.Fingerprint, rec.Inputs, rec.Outputs = ch.Fingerprint, ch.Inputs, ch.Outputs
	rec.Status, rec.Error = lockfile.StatusGenerated, ""
	if rec.Approval != nil && rec.Approval.Fingerprint == "" {
		rec.Approval = nil
	}
	lock.SetNode(rec)
}

// ApprovalHooksRan records that the spec.approved hooks of a node's
// approval ran.
func ApprovalHooksRan(lock *lockfile.Lock, addr string) {
	if rec := lock.Node(addr); rec != nil && rec.Approval != nil {
		rec = rec.Clone()
		rec.Approval.Hooks = lockfile.HooksRan
		lock.SetNode(rec)
	}
}
