package bench

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/kirofile/kirofile/internal/digest"
	"github.com/kirofile/kirofile/internal/lockfile"
	"github.com/kirofile/kirofile/internal/plan"
	"github.com/kirofile/kirofile/lang"
)

// WriteGeneratedProject writes a project of n features as it is after
// every node was generated and every spec approved: spec documents on disk,
// files codegen outputs under services/fI/ (filesPerCodegen files of
// fileSize bytes each), and a Kirofile.lock.hcl recording all of it. A
// plan of it has no change.
func WriteGeneratedProject(dir string, n, filesPerCodegen, fileSize int) error {
	if err := WriteProject(dir, n); err != nil {
		return err
	}
	lock := lockfile.New()
	filler := bytes.Repeat([]byte("// generated code, padded to size.\n"), fileSize/35+1)[:fileSize]
	// Walk the graph level by level: each pass generates what the last
	// pass's approvals unblocked, as apply and approve would.
	for pass := 0; ; pass++ {
		cfg, diags := lang.Load(dir, lang.LoadOptions{RequireVariables: true})
		if diags.HasErrors() {
			return diags
		}
		pln, diags := plan.Build(cfg, lock, plan.Options{})
		if diags.HasErrors() {
			return diags
		}
		progress := false
		for _, ch := range pln.Changes {
			switch ch.State {
			case plan.Create:
				addr, _ := lang.ParseAddress(ch.Address)
				outputs := map[string]string{}
				write := func(rel string, data []byte) error {
					p := filepath.Join(dir, filepath.FromSlash(rel))
					if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
						return err
					}
					outputs[rel] = digest.Bytes(data)
					return os.WriteFile(p, data, 0o644)
				}
				switch node := cfg.Node(addr).(type) {
				case *lang.Spec:
					if err := write(node.Path, []byte(fmt.Sprintf("# %s\n\nGenerated for the benchmark.\n", ch.Address))); err != nil {
						return err
					}
				case *lang.Codegen:
					for i := 0; i < filesPerCodegen; i++ {
						rel := fmt.Sprintf("services/%s/file%02d.go", addr.Feature, i)
						if err := write(rel, filler); err != nil {
							return err
						}
					}
				}
				plan.Record(lock, ch, plan.Generation{Outputs: outputs, Attempts: 1, Usage: lockfile.Usage{PromptTokens: 1000, CompletionTokens: 500}})
				progress = true
			case plan.Approve:
				rec := lock.Node(ch.Address)
				rec.Approval = &lockfile.Approval{SHA256: ch.Document, Fingerprint: ch.Fingerprint, By: "bench@example.com", At: time.Unix(0, 0).UTC()}
				lock.SetNode(rec)
				progress = true
			}
		}
		if !progress {
			if pln.HasChanges() {
				return fmt.Errorf("pass %d: the plan still has changes: %v", pass, pln.Counts())
			}
			return lockfile.Write(filepath.Join(dir, lockfile.FileName), lock)
		}
	}
}
