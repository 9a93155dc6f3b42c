package plan

import (
	"github.com/hashicorp/hcl/v2"

	"github.com/kirofile/kirofile/internal/prompt"
	"github.com/kirofile/kirofile/lang"
)

// Size returns a project file's size in bytes, -1 when it does not exist,
// from the snapshot when it has it (prompt.Files).
func (pl *Planner) Size(path string) int64 { return pl.disk.size(path) }

// promptWarnings warns about every node apply would generate, now or once
// what blocks it is done, whose prompt is estimated over max_prompt_tokens
// (see prompt.Estimate): from the sizes of the files the plan already
// looked at, without reading any.
func (pl *Planner) promptWarnings(p *Plan) hcl.Diagnostics {
	var diags hcl.Diagnostics
	seen := map[string]bool{}
	for _, ch := range p.Changes {
		if !ch.State.Runs() && ch.State != Blocked {
			continue
		}
		a, err := lang.ParseAddress(ch.Address)
		if err != nil {
			continue
		}
		if a.IsTask() {
			// A task's prompt holds less than its codegen's would: the
			// codegen's estimate bounds every task's, once.
			a = a.Codegen()
		}
		if seen[a.String()] {
			continue
		}
		seen[a.String()] = true
		n := pl.cfg.Node(a)
		if n == nil {
			continue
		}
		if d := prompt.Warning(pl.cfg, n, prompt.Estimate(pl.cfg, n, pl)); d != nil {
			diags = append(diags, d)
		}
	}
	return diags
}

// Files lists and measures a project's files without hashing them, for
// commands that check prompt sizes without planning (validate). sizes holds
// what the caller already knows (-1 for a file that does not exist), which
// is then not looked up again.
func Files(dir string, sizes map[string]int64) prompt.Files {
	d := newDisk(dir)
	for p, s := range sizes {
		d.sizes[p] = s
	}
	return diskFiles{d}
}

type diskFiles struct{ d *disk }

func (f diskFiles) Expand(pattern string) []string { return f.d.expand(pattern) }
func (f diskFiles) Size(path string) int64         { return f.d.size(path) }
