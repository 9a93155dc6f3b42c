package bench

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// The graph of Kirofile(n), file by file: each spec document and the
// documents it is generated from, and each codegen's files and the
// documents they are generated from. The peers' build files describe this
// same graph over these same files.
type peerTarget struct {
	outputs []string
	sources []string
	depth   int
}

func peerGraph(n, filesPerCodegen int) []peerTarget {
	doc := func(i int, s string) string { return fmt.Sprintf(".kiro/specs/f%d/%s.md", i, s) }
	depth := map[string]int{}
	var out []peerTarget
	add := func(t peerTarget) {
		d := 0
		for _, s := range t.sources {
			d = max(d, depth[s])
		}
		t.depth = d + 1
		for _, o := range t.outputs {
			depth[o] = t.depth
		}
		out = append(out, t)
	}
	for i := 0; i < n; i++ {
		var reqSources []string
		if i > 0 {
			reqSources = []string{doc(i/2, "design")}
		}
		add(peerTarget{outputs: []string{doc(i, "requirements")}, sources: reqSources})
		add(peerTarget{outputs: []string{doc(i, "design")}, sources: []string{doc(i, "requirements")}})
		add(peerTarget{outputs: []string{doc(i, "tasks")}, sources: []string{doc(i, "design")}})
		add(peerTarget{outputs: []string{doc(i, "runbook")}, sources: []string{doc(i, "design")}})
		var files []string
		for j := 0; j < filesPerCodegen; j++ {
			files = append(files, fmt.Sprintf("services/f%d/file%02d.go", i, j))
		}
		add(peerTarget{outputs: files, sources: []string{doc(i, "requirements"), doc(i, "design"), doc(i, "tasks"), doc(i, "runbook")}})
	}
	return out
}

// WritePeers writes, for a project from WriteGeneratedProject, the same
// dependency graph over the same files for the tools kirofile's plan is
// compared with: a Makefile (make -q) and a Taskfile.yml (go-task, with
// checksums). It sets every file's modification time in dependency order,
// an hour ago and later, so that make finds everything up to date.
func WritePeers(dir string, n, filesPerCodegen int) error {
	targets := peerGraph(n, filesPerCodegen)
	var mk, tf strings.Builder
	mk.WriteString(".PHONY: all\nall:")
	for _, t := range targets {
		for _, o := range t.outputs {
			mk.WriteString(" ")
			mk.WriteString(o)
		}
	}
	mk.WriteString("\n\n")
	tf.WriteString("version: '3'\n\n# Each task runs (or is found up to date) once per invocation, however\n# many tasks depend on it, as make does.\nrun: once\n\ntasks:\n  all:\n    deps:\n")
	for i := range targets {
		fmt.Fprintf(&tf, "      - t%d\n", i)
	}
	base := time.Now().Add(-time.Hour).Truncate(time.Second)
	producer := map[string]int{}
	for i, t := range targets {
		for _, o := range t.outputs {
			fmt.Fprintf(&mk, "%s: %s\n\t@true\n", o, strings.Join(t.sources, " "))
			producer[o] = i
			mt := base.Add(time.Duration(t.depth) * time.Second)
			if err := os.Chtimes(filepath.Join(dir, filepath.FromSlash(o)), mt, mt); err != nil {
				return err
			}
		}
		fmt.Fprintf(&tf, "  t%d:\n    method: checksum\n", i)
		if len(t.sources) > 0 {
			tf.WriteString("    deps: [")
			for j, s := range t.sources {
				if j > 0 {
					tf.WriteString(", ")
				}
				fmt.Fprintf(&tf, "t%d", producer[s])
			}
			tf.WriteString("]\n    sources:\n")
			for _, s := range t.sources {
				fmt.Fprintf(&tf, "      - %s\n", s)
			}
		}
		tf.WriteString("    generates:\n")
		for _, o := range t.outputs {
			fmt.Fprintf(&tf, "      - %s\n", o)
		}
		tf.WriteString("    cmds:\n      - 'true'\n")
	}
	if err := os.WriteFile(filepath.Join(dir, "Makefile"), []byte(mk.String()), 0o644); err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, "Taskfile.yml"), []byte(tf.String()), 0o644)
}
