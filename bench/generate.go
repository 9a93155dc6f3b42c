// Package bench generates large synthetic projects for kirofile's
// benchmarks, so that every figure in docs/performance.md can be
// reproduced with one command.
package bench

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/kirofile/kirofile/lang"
)

// Kirofile returns a configuration with n features of five nodes each
// (requirements, design, tasks, a custom runbook spec and a codegen), where
// every feature after the first builds on an earlier feature's design, so
// the graph has cross-feature edges as well as the chains inside features.
func Kirofile(n int) string {
	var b strings.Builder
	b.Grow(n * 700)
	b.WriteString(`variable "root" {
  type    = string
  default = "services"
}

locals {
  lang = "go"
}

provider "openai" "main" {
  model       = "gpt-4o-mini"
  temperature = 0
}

steering "tech" {
  content = "Go, standard library first."
}

hook "test" {
  on       = ["codegen.completed"]
  feedback = true
  action "exec" {
    command = ["go", "test", "./..."]
    timeout = "5m"
  }
}
`)
	for i := 0; i < n; i++ {
		fmt.Fprintf(&b, `
feature "f%[1]d" {
  description = "Feature %[1]d: does one thing well, in ${local.lang}."
  provider    = provider.openai.main

  spec "requirements" {
`, i)
		if i > 0 {
			// Link to a few features back so that edges cross features
			// without making one long chain.
			fmt.Fprintf(&b, "    depends_on = [feature.f%d.spec.design]\n", i/2)
		}
		fmt.Fprintf(&b, `  }
  spec "design" {}
  spec "tasks" {}
  spec "runbook" {
    kind       = "document"
    prompt     = "Write the on-call runbook for ${feature.f%[1]d.spec.design.path}."
    depends_on = [spec.design]
  }

  codegen "service" {
    outputs      = ["${var.root}/f%[1]d/**"]
    hooks        = [hook.test]
    max_attempts = 3
  }
}
`, i)
	}
	return b.String()
}

// WriteProject writes a project with n features into dir.
func WriteProject(dir string, n int) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, "Kirofile"), []byte(Kirofile(n)), 0o644)
}

// WriteDocuments writes a project of n features (Kirofile(n)) with every
// spec document on disk, each passing validate's checks: what validate
// reads and checks in a project that has been generated.
func WriteDocuments(dir string, n int) error {
	if err := WriteProject(dir, n); err != nil {
		return err
	}
	for i := 0; i < n; i++ {
		specs := filepath.Join(dir, ".kiro", "specs", fmt.Sprintf("f%d", i))
		if err := os.MkdirAll(specs, 0o755); err != nil {
			return err
		}
		for _, s := range [][2]string{{"requirements", lang.KindRequirements}, {"design", lang.KindDesign}, {"tasks", lang.KindTasks}, {"runbook", lang.KindDocument}} {
			addr := fmt.Sprintf("feature.f%d.spec.%s", i, s[0])
			if err := os.WriteFile(filepath.Join(specs, s[0]+".md"), []byte(SpecDocument(s[1], addr)), 0o644); err != nil {
				return err
			}
		}
	}
	return nil
}
