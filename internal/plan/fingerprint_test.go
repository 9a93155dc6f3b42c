package plan_test

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/kirofile/kirofile/internal/approval"
	"github.com/kirofile/kirofile/internal/lockfile"
	"github.com/kirofile/kirofile/internal/plan"
	"github.com/kirofile/kirofile/internal/plan/plantest"
	"github.com/kirofile/kirofile/internal/prompt"
	"github.com/kirofile/kirofile/lang"
)

// chainKirofile declares one feature with a chain of n specs, each
// depending on the one before, and a chain of n codegens after them.
func chainKirofile(n int) string {
	var b strings.Builder
	b.WriteString("provider \"openai\" \"main\" {\n  model = \"m\"\n}\n\nfeature \"f\" {\n  description = \"Chain.\"\n  provider = provider.openai.main\n")
	for i := range n {
		fmt.Fprintf(&b, "  spec \"s%d\" {\n    kind = \"document\"\n    prompt = \"Write part %d.\"\n", i, i)
		if i > 0 {
			fmt.Fprintf(&b, "    depends_on = [spec.s%d]\n", i-1)
		}
		b.WriteString("  }\n")
	}
	for i := range n {
		fmt.Fprintf(&b, "  codegen \"c%d\" {\n    outputs = [\"c%d/**\"]\n    prompt = \"Part %d.\"\n", i, i, i)
		if i > 0 {
			fmt.Fprintf(&b, "    depends_on = [codegen.c%d]\n", i-1)
		} else {
			fmt.Fprintf(&b, "    depends_on = [spec.s%d]\n", n-1)
		}
		b.WriteString("  }\n")
	}
	b.WriteString("}\n")
	return b.String()
}

type project struct {
	t    *testing.T
	dir  string
	lock *lockfile.Lock
}

func newProject(t *testing.T, kirofile string) *project {
	p := &project{t: t, dir: t.TempDir(), lock: lockfile.New()}
	p.write("Kirofile", kirofile)
	return p
}

func (p *project) write(name, content string) {
	p.t.Helper()
	full := filepath.Join(p.dir, filepath.FromSlash(name))
	if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
		p.t.Fatal(err)
	}
	if err := os.WriteFile(full, []byte(content), 0o644); err != nil {
		p.t.Fatal(err)
	}
}

func (p *project) config() *lang.Config {
	p.t.Helper()
	cfg, diags := lang.Load(p.dir, lang.LoadOptions{RequireVariables: true})
	if diags.HasErrors() {
		p.t.Fatal(diags)
	}
	return cfg
}

func (p *project) plan() *plan.Plan {
	p.t.Helper()
	pln, diags := plan.Build(p.config(), p.lock, plan.Options{})
	if diags.HasErrors() {
		p.t.Fatal(diags)
	}
	return pln
}

// settle generates every node that would run (content from text) and
// approves every spec awaiting approval, until the plan has no change. It
// returns the reasons of every update it made, by address.
func (p *project) settle(text func(addr string) string) map[string]string {
	p.t.Helper()
	updates := map[string]string{}
	for pass := 0; ; pass++ {
		if pass > 1000 {
			p.t.Fatal("the project does not settle")
		}
		cfg := p.config()
		pln := p.plan()
		progress := false
		for _, ch := range pln.Changes {
			switch ch.State {
			case plan.Create, plan.Update:
				if ch.State == plan.Update {
					updates[ch.Address] = plan.Join(ch.Reasons, "; ")
				}
				a, _ := lang.ParseAddress(ch.Address)
				name := ""
				switch n := cfg.Node(a).(type) {
				case *lang.Spec:
					name = n.Path
				case *lang.Codegen:
					name = strings.TrimSuffix(n.Outputs[0], "**") + "main.go"
				}
				p.write(name, text(ch.Address))
				plan.Record(p.lock, ch, plan.Generation{Outputs: map[string]string{name: lockfile.HashBytes([]byte(text(ch.Address)))}, Attempts: 1})
				progress = true
			case plan.Approve:
				if _, diags := approval.Approve(cfg, p.lock, plantest.Addrs(p.t, []string{ch.Address}), approval.Options{By: "ana@example.com", Now: time.Unix(0, 0)}); diags.HasErrors() {
					p.t.Fatal(diags)
				}
				progress = true
			}
			if progress {
				break // plan again: what depends on it changed
			}
		}
		if !progress {
			if pln.HasChanges() {
				p.t.Fatalf("stuck: %v", pln.Counts())
			}
			return updates
		}
	}
}

func same(addr string) string { return "# " + addr + "\n" }

// A node holds a constant number of inputs however long the chain above
// it, and its prompt a constant number of documents.
func TestFingerprintSizeIsConstantAlongAChain(t *testing.T) {
	const n = 30
	p := newProject(t, chainKirofile(n))
	p.settle(same)
	cfg := p.config()
	for _, rec := range p.lock.Nodes {
		if len(rec.Inputs) > 9 {
			t.Errorf("%s holds %d inputs: %v", rec.Address, len(rec.Inputs), rec.Inputs)
		}
		a, _ := lang.ParseAddress(rec.Address)
		if up := prompt.Upstream(cfg, cfg.Node(a)); len(up) > 2 {
			t.Errorf("%s's prompt holds %d documents", rec.Address, len(up))
		}
	}
	last := p.lock.Node(fmt.Sprintf("feature.f.spec.s%d", n-1))
	if got := last.Inputs["upstream.feature.f.spec.s"+fmt.Sprint(n-3)]; got == "" {
		t.Errorf("the last spec's prompt does not hold the document its dependency cites: %v", last.Inputs)
	}
}

// A change at the top of a chain reaches its bottom, as it did when every
// node held every document above it: through the fingerprints.
func TestChangeReachesTheEndOfAChain(t *testing.T) {
	const n = 12
	p := newProject(t, chainKirofile(n))
	p.settle(same)

	// Codegens do not gate what follows: a change to the first one's
	// configuration makes every one after it due, after it.
	p.write("Kirofile", strings.Replace(chainKirofile(n), `prompt = "Part 0."`, `prompt = "Part 0, revised."`, 1))
	pln := p.plan()
	for i := range n {
		ch := pln.Change(fmt.Sprintf("feature.f.codegen.c%d", i))
		want := "its configuration changed"
		if i > 0 {
			want = fmt.Sprintf("feature.f.codegen.c%d will be generated first", i-1)
		}
		if ch.State != plan.Update || !strings.Contains(plan.Join(ch.Reasons, "; "), want) {
			t.Errorf("c%d: %s %v, want update: %s", i, ch.State, ch.Reasons, want)
		}
	}
	p.write("Kirofile", chainKirofile(n))

	// A spec edited by hand and approved: the next spec is due because
	// the document changed, and once it is regenerated to the same text,
	// the one after it still is, through the fingerprint; and so on down.
	p.write(".kiro/specs/f/s0.md", "# s0, edited\n")
	updates := p.settle(same)
	for i := 1; i < n; i++ {
		want := fmt.Sprintf("a document upstream of feature.f.spec.s%d changed", i-1)
		switch i {
		case 1:
			want = "upstream feature.f.spec.s0 changed"
		case 2:
			want = "a document upstream of feature.f.spec.s1 changed; upstream feature.f.spec.s0 changed"
		}
		if got := updates[fmt.Sprintf("feature.f.spec.s%d", i)]; got != want {
			t.Errorf("s%d updated because %q, want %q", i, got, want)
		}
	}
	if p.plan().HasChanges() {
		t.Fatal("changes after settling")
	}
}

// Records written under the earlier scheme (every upstream document in
// every fingerprint) stay up to date, and Upgrade rewrites them in the
// current one without changing what they say.
func TestLegacyRecordsStayUpToDate(t *testing.T) {
	p := newProject(t, chainKirofile(6))
	p.settle(same)
	current := p.plan()
	cfg := p.config()

	// Rewrite every record the way the earlier scheme wrote it.
	pl, diags := plan.NewPlanner(cfg, p.lock, plan.Options{})
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	legacyCount := 0
	for _, n := range pl.Nodes {
		pl.Plan(n)
		fp, inputs := plan.LegacyFingerprint(pl, n)
		if fp == "" {
			continue
		}
		rec := *p.lock.Node(n.Address().String())
		if rec.Approval != nil && rec.Approval.Fingerprint == rec.Fingerprint {
			a := *rec.Approval
			a.Fingerprint = fp
			rec.Approval = &a
		}
		rec.Fingerprint, rec.Inputs = fp, inputs
		p.lock.SetNode(&rec)
		legacyCount++
	}
	if legacyCount == 0 {
		t.Fatal("no record rewritten")
	}
	legacyLock := p.lock.Bytes()

	pln := p.plan()
	if pln.HasChanges() {
		t.Fatalf("legacy records are not up to date: %v", pln.Counts())
	}
	upgraded := 0
	for _, ch := range pln.Changes {
		if plan.Upgrade(p.lock, ch) {
			upgraded++
		}
	}
	if upgraded != legacyCount {
		t.Errorf("upgraded %d records, want %d", upgraded, legacyCount)
	}
	for _, ch := range current.Changes {
		rec := p.lock.Node(ch.Address)
		if rec.Fingerprint != ch.Fingerprint {
			t.Errorf("%s: upgraded to %s, want %s", ch.Address, rec.Fingerprint, ch.Fingerprint)
		}
		if rec.Approval != nil && rec.Approval.Fingerprint != ch.Fingerprint {
			t.Errorf("%s: approval upgraded to %s, want %s", ch.Address, rec.Approval.Fingerprint, ch.Fingerprint)
		}
	}
	if p.plan().HasChanges() {
		t.Fatal("changes after the upgrade")
	}

	// A real change under a legacy record is still seen, and named.
	l, _, diags := lockfile.Parse(legacyLock, lockfile.FileName)
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	p.lock = l
	p.write(".kiro/specs/f/s2.md", "# s2, edited\n")
	if _, diags := approval.Approve(cfg, p.lock, plantest.Addrs(t, []string{"feature.f.spec.s2"}), approval.Options{By: "bo@example.com", Now: time.Unix(0, 0)}); diags.HasErrors() {
		t.Fatal(diags)
	}
	ch := p.plan().Change("feature.f.spec.s3")
	if ch.State != plan.Update || plan.Join(ch.Reasons, "; ") != "upstream feature.f.spec.s2 changed" {
		t.Errorf("s3 under a legacy record: %s %v", ch.State, ch.Reasons)
	}
}

// A file that a document in a node's prompt references with #[[file:]]
// is an input of the node: editing it regenerates what the prompt of,
// and only that; steering references likewise.
func TestFileReferencesAreInputs(t *testing.T) {
	p := newProject(t, `
provider "openai" "main" {
  model = "m"
}
steering "api" {
  file = "steering/api.md"
}
feature "f" {
  description = "F."
  spec "requirements" {}
  spec "design" {}
  spec "tasks" {}
}
`)
	p.write("steering/api.md", "Use #[[file:api/openapi.yaml]].\n")
	p.write("api/openapi.yaml", "openapi: 3.1.0\n")
	p.write("schema.sql", "create table t (id int);\n")
	text := func(addr string) string {
		if addr == "feature.f.spec.requirements" {
			return "# Requirements\n\nSee #[[file:schema.sql]].\n"
		}
		return same(addr)
	}
	p.settle(text)

	p.write("schema.sql", "create table t (id bigint);\n")
	pln := p.plan()
	if ch := pln.Change("feature.f.spec.design"); ch.State != plan.Update || !strings.Contains(plan.Join(ch.Reasons, "; "), "the referenced file schema.sql changed") {
		t.Errorf("design after the referenced file changed: %s %v", ch.State, ch.Reasons)
	}
	if ch := pln.Change("feature.f.spec.requirements"); ch.State != plan.NoOp {
		t.Errorf("requirements, which reference the file but do not hold it in their prompt: %s %v", ch.State, ch.Reasons)
	}
	p.settle(text)

	p.write("api/openapi.yaml", "openapi: 3.1.1\n")
	for _, ch := range p.plan().Changes {
		if ch.Address == "feature.f.spec.requirements" && (ch.State != plan.Update || !strings.Contains(plan.Join(ch.Reasons, "; "), "steering changed")) {
			t.Errorf("requirements after steering's referenced file changed: %s %v", ch.State, ch.Reasons)
		}
	}
}
