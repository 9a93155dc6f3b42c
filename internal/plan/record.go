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
	}
	prev := lock.Node(ch.Address)
	if gen.Err != "" {
		rec.Status, rec.Error = lockfile.StatusFailed, gen.Err
		if prev != nil {
			if len(gen.Outputs) == 0 {
				rec.Outputs = prev.Outputs
			}
			rec.Approval = prev.Approval
		}
	}
	lock.SetNode(rec)
}
