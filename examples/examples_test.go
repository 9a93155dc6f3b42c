//go:build unix

// Package examples_test runs every example project's whole cycle, offline,
// with the real kirofile binary: validate, then apply, approve what awaits
// approval and apply again until the plan is empty, with the replay
// provider answering from the committed cassettes. It checks what each
// example is there to show, and that no request fell outside its cassette.
//
// When a prompt template changes, the cassettes no longer match: record
// them again with examples/record.sh (see README.md).
package examples_test

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// kirofileBin is the binary built once by TestMain.
var kirofileBin string

func TestMain(m *testing.M) {
	os.Exit(run(m))
}

func run(m *testing.M) int {
	dir, err := os.MkdirTemp("", "kirofile-examples-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer os.RemoveAll(dir)
	kirofileBin = filepath.Join(dir, "kirofile")
	out, err := exec.Command("go", "build", "-o", kirofileBin, "github.com/kirofile/kirofile/cmd/kirofile").CombinedOutput()
	if err != nil {
		fmt.Fprintf(os.Stderr, "building kirofile: %v\n%s", err, out)
		return 1
	}
	return m.Run()
}

// project is a temporary copy of an example.
type project struct {
	t   *testing.T
	dir string
	// log holds the output of every command run, for failure messages and
	// for checks over the whole cycle.
	log strings.Builder
}

// newProject copies the example directory src (relative to this
// directory) to a temporary directory.
func newProject(t *testing.T, src string) *project {
	t.Helper()
	dir := t.TempDir()
	if err := os.CopyFS(dir, os.DirFS(src)); err != nil {
		t.Fatalf("copying %s: %v", src, err)
	}
	// A run of the example in place would have left generated files:
	// the test starts from what the repository holds.
	for _, p := range []string{".kiro/specs", ".kirofile", "Kirofile.lock.hcl"} {
		if _, err := os.Stat(filepath.Join(dir, p)); err == nil {
			t.Fatalf("%s/%s exists: the example directory holds generated files; delete them", src, p)
		}
	}
	return &project{t: t, dir: dir}
}

// env is the environment of every child: nothing that could point a
// provider at a network, and no colour.
func env() []string {
	var out []string
	for _, kv := range os.Environ() {
		name, _, _ := strings.Cut(kv, "=")
		switch {
		case name == "OPENAI_BASE_URL", name == "OPENAI_API_KEY", name == "KIROFILE_REPLAY_MODE",
			strings.HasPrefix(name, "KIRO_VAR_"), name == "CLICOLOR_FORCE":
			continue
		}
		out = append(out, kv)
	}
	return append(out, "NO_COLOR=1")
}

// run runs kirofile with args in the project and returns its combined
// output and exit code.
func (p *project) run(args ...string) (string, int) {
	p.t.Helper()
	cmd := exec.Command(kirofileBin, append([]string{"-no-color", "-chdir=" + p.dir}, args...)...)
	cmd.Env = env()
	out, err := cmd.CombinedOutput()
	code := 0
	if err != nil {
		ee, ok := err.(*exec.ExitError)
		if !ok {
			p.t.Fatalf("kirofile %s: %v", strings.Join(args, " "), err)
		}
		code = ee.ExitCode()
	}
	fmt.Fprintf(&p.log, "$ kirofile %s\n%s[exit %d]\n", strings.Join(args, " "), out, code)
	return string(out), code
}

// ok runs kirofile and fails the test unless it exits with one of codes
// (0 when none is given).
func (p *project) ok(args []string, codes ...int) string {
	p.t.Helper()
	if len(codes) == 0 {
		codes = []int{0}
	}
	out, code := p.run(args...)
	for _, c := range codes {
		if code == c {
			return out
		}
	}
	p.t.Fatalf("kirofile %s: exit %d, want %v\n%s", strings.Join(args, " "), code, codes, &p.log)
	return ""
}

// plan returns the action of every node, from plan -json.
func (p *project) plan() map[string]string {
	p.t.Helper()
	out := p.ok([]string{"plan", "-json"})
	actions := map[string]string{}
	sc := bufio.NewScanner(strings.NewReader(out))
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		var msg struct{ Type, Address, Action string }
		if json.Unmarshal(sc.Bytes(), &msg) == nil && msg.Type == "planned_change" {
			actions[msg.Address] = msg.Action
		}
	}
	return actions
}

// round describes the state after one apply, for an example's checks.
type round struct {
	n       int               // from 1
	output  string            // of the apply
	actions map[string]string // the plan after it, by node address
}

// cycle runs the example's whole cycle, as a reviewer would: apply, approve
// every spec awaiting approval, and again, until plan -detailed-exitcode
// says there is nothing left to do. check, if not nil, is called after each
// apply. It returns the output of every apply.
func (p *project) cycle(check func(round)) string {
	p.t.Helper()
	p.ok([]string{"init"})
	p.ok([]string{"validate"})
	var applies strings.Builder
	for n := 1; ; n++ {
		if n > 12 {
			p.t.Fatalf("the cycle did not end after %d rounds\n%s", n-1, &p.log)
		}
		// 2: nodes still await approval or are blocked, as expected
		// until the last round. A replay miss fails the apply (1).
		out := p.ok([]string{"apply", "-yes", "-detailed-exitcode"}, 0, 2)
		applies.WriteString(out)
		actions := p.plan()
		if check != nil {
			check(round{n: n, output: out, actions: actions})
		}
		if _, code := p.run("plan", "-detailed-exitcode"); code == 0 {
			break
		}
		var pending []string
		for addr, action := range actions {
			switch action {
			case "approve":
				pending = append(pending, addr)
			case "blocked", "no-op":
			default:
				p.t.Fatalf("after apply %d, %s is %q: only approvals should be left\n%s", n, addr, action, &p.log)
			}
		}
		if len(pending) == 0 {
			p.t.Fatalf("the plan has changes but nothing awaits approval\n%s", &p.log)
		}
		p.ok(append([]string{"approve", "-by", "reviewer@example.com"}, pending...))
	}
	return applies.String()
}

// finish checks what every example ends with: documents that pass
// validate's checks without a warning, nothing to do on another apply, and
// every recorded interaction used, none missing.
func (p *project) finish(cassette string) {
	p.t.Helper()
	if out := p.ok([]string{"validate"}); !strings.Contains(out, "Success! The configuration is valid.\n") {
		p.t.Errorf("validate after the cycle:\n%s", out)
	}
	if out := p.ok([]string{"apply", "-yes"}); !strings.HasPrefix(out, "No changes.") {
		p.t.Errorf("a second apply did something:\n%s", out)
	}
	// One transcript is kept per request made; a cassette entry never
	// requested means the example no longer exercises what was recorded.
	var c struct{ Interactions []json.RawMessage }
	data, err := os.ReadFile(filepath.Join(p.dir, cassette))
	if err != nil {
		p.t.Fatal(err)
	}
	if err := json.Unmarshal(data, &c); err != nil {
		p.t.Fatal(err)
	}
	transcripts, _ := filepath.Glob(filepath.Join(p.dir, ".kirofile", "transcripts", "*.json"))
	if len(transcripts) != len(c.Interactions) {
		p.t.Errorf("%d requests made, %d recorded in %s", len(transcripts), len(c.Interactions), cassette)
	}
}

func (p *project) exists(path string) bool {
	_, err := os.Stat(filepath.Join(p.dir, filepath.FromSlash(path)))
	return err == nil
}

func (p *project) read(path string) string {
	p.t.Helper()
	b, err := os.ReadFile(filepath.Join(p.dir, filepath.FromSlash(path)))
	if err != nil {
		p.t.Fatal(err)
	}
	return string(b)
}

// transcript returns the messages sent in one request, joined, and the
// reply, from the transcript kirofile keeps in .kirofile/transcripts.
func (p *project) transcript(name string) (prompt, reply string) {
	p.t.Helper()
	var tr struct {
		Messages []struct{ Content string }
		Reply    struct{ Text string }
	}
	if err := json.Unmarshal([]byte(p.read(".kirofile/transcripts/"+name+".json")), &tr); err != nil {
		p.t.Fatalf("transcript %s: %v", name, err)
	}
	var b strings.Builder
	for _, m := range tr.Messages {
		b.WriteString(m.Content)
	}
	return b.String(), tr.Reply.Text
}

// goTest runs the generated project's own tests.
func (p *project) goTest(pkgs string) {
	p.t.Helper()
	cmd := exec.Command("go", "test", "-count=1", pkgs)
	cmd.Dir = p.dir
	cmd.Env = env()
	if out, err := cmd.CombinedOutput(); err != nil {
		p.t.Errorf("go test %s in the generated project: %v\n%s", pkgs, err, out)
	}
}

func mustMatch(t *testing.T, what, text string, patterns ...string) {
	t.Helper()
	for _, pat := range patterns {
		if !regexp.MustCompile(pat).MatchString(text) {
			t.Errorf("%s does not match %q", what, pat)
		}
	}
}

// TestGoService: two features of a Go HTTP service, the second built on the
// first's design and code; gofmt and go test feedback hooks, one failing
// test fed back to the model and fixed.
func TestGoService(t *testing.T) {
	t.Parallel()
	p := newProject(t, "go-service")
	applies := p.cycle(func(r round) {
		if r.n == 1 {
			// Only the store's requirements can be written: everything
			// else waits for them, and the API waits for the store's
			// design across features.
			if !p.exists(".kiro/specs/store/requirements.md") || p.exists(".kiro/specs/store/design.md") {
				t.Errorf("after the first apply: store requirements %v, design %v", p.exists(".kiro/specs/store/requirements.md"), p.exists(".kiro/specs/store/design.md"))
			}
			for _, a := range []string{"feature.store.spec.design", "feature.api.spec.requirements", "feature.store.codegen.code"} {
				if r.actions[a] != "blocked" {
					t.Errorf("after the first apply, %s is %q, want blocked", a, r.actions[a])
				}
			}
		}
		// The API's requirements are never written before the store's
		// design is approved.
		if r.actions["feature.store.spec.design"] != "no-op" && p.exists(".kiro/specs/api/requirements.md") {
			t.Errorf("apply %d wrote the API requirements before the store design was approved", r.n)
		}
		// The API code is written against the store's finished code.
		if p.exists("api/api.go") && !strings.Contains(p.read("store/store.go"), "slices.Reverse") {
			t.Errorf("apply %d wrote the API before the store code was fixed", r.n)
		}
	})
	mustMatch(t, "the applies' output", applies,
		`feature\.store\.codegen\.code: hook test failed`,
		`--- FAIL: TestEncode\n`,
		`encode\(62\) = "01", want "10"`,
		`feature\.store\.codegen\.code: hook test passed`,
		`feature\.store\.codegen\.code: hook gofmt passed`,
		`feature\.api\.codegen\.code: hook test passed`,
		`feature\.api\.codegen\.code: hook gofmt passed`,
	)
	if strings.Contains(applies, "feature.api.codegen.code: hook test failed") {
		t.Errorf("the API's code failed its tests:\n%s", applies)
	}
	lock := p.read("Kirofile.lock.hcl")
	mustMatch(t, "Kirofile.lock.hcl", lock,
		`node "feature\.store\.codegen\.code" \{\n[^}]*attempts += 2\n`,
		`"upstream\.feature\.store\.spec\.design" += "sha256:`, // the API's specs
		`"depends\.feature\.store\.codegen\.code" += "sha256:`,
		`by += "reviewer@example\.com"`,
	)
	// The feedback request carried the failing output and the file as
	// written, and the fix came back as a SEARCH/REPLACE edit.
	prompt, reply := p.transcript("feature.store.codegen.code.attempt-2")
	mustMatch(t, "the second store attempt's prompt", prompt, `The hook "test" failed:\n--- FAIL: TestEncode\n`, `File: store/store\.go\n`)
	mustMatch(t, "the second store attempt's reply", reply, `(?m)^<<<<<<< SEARCH$`)
	p.finish("cassettes/main.json")
	p.goTest("./...")
}

// TestGoTasks: a Go package built task by task from its approved tasks
// document, two tasks side by side, each checked by gofmt and go test and
// ticked; a failing test fed back to the model for its task only.
func TestGoTasks(t *testing.T) {
	t.Parallel()
	p := newProject(t, "go-tasks")
	applies := p.cycle(func(r round) {
		// No code before the tasks document is approved.
		if r.actions["feature.slug.spec.tasks"] != "no-op" && p.exists("slug/slug.go") {
			t.Errorf("apply %d wrote code before the tasks were approved", r.n)
		}
	})
	mustMatch(t, "the applies' output", applies,
		`feature\.slug\.codegen\.code\.task\["1"\]: done`,
		`feature\.slug\.codegen\.code\.task\["2\.1"\] Keep only letters`,
		`feature\.slug\.codegen\.code\.task\["2\.2"\] Cut long slugs`,
		`feature\.slug\.codegen\.code\.task\["3"\]: hook test failed \(exit 1\)`,
		`Make\("  Go   is fun "\) = "-go-is-fun-", want "go-is-fun"`,
		`feature\.slug\.codegen\.code\.task\["3"\]: done`,
		`feature\.slug\.codegen\.code\.task\["4"\]: hook test passed`,
	)
	// Only task 3 failed, and its feedback reached its own second attempt.
	if n := strings.Count(applies, "hook test failed"); n != 1 {
		t.Errorf("hook test failed %d times", n)
	}
	prompt, reply := p.transcript(`feature.slug.codegen.code.task[3].attempt-2`)
	mustMatch(t, "task 3's second prompt", prompt, `The hook "test" failed:\n--- FAIL: TestMake\n`, `> 1\.4 THE package SHALL return no slug`)
	mustMatch(t, "task 3's second reply", reply, `(?m)^<<<<<<< SEARCH$`)
	// Ticked, every task; and the lock holds the evidence.
	tasks := p.read(".kiro/specs/slug/tasks.md")
	if strings.Contains(tasks, "- [ ]") {
		t.Errorf("a task is not ticked:\n%s", tasks)
	}
	mustMatch(t, "Kirofile.lock.hcl", p.read("Kirofile.lock.hcl"),
		`node "feature\.slug\.codegen\.code\.task\[\\"3\\"\]" \{\n[^}]*attempts += 2\n`,
		`hooks = \{\n +gofmt = 0\n +test += 0\n`,
	)
	trace := p.ok([]string{"show", "-trace"})
	mustMatch(t, "show -trace", trace, `Criteria: 5; covered by a task: 5; done: 5\.`)
	p.finish("cassettes/main.json")
	p.goTest("./...")
}

// TestNotifications: two features where the second's requirements are
// written from the first's approved design.
func TestNotifications(t *testing.T) {
	t.Parallel()
	p := newProject(t, "notifications")
	applies := p.cycle(func(r round) {
		if r.actions["feature.email.spec.design"] != "no-op" && p.exists(".kiro/specs/digest/requirements.md") {
			t.Errorf("apply %d wrote the digest requirements before the email design was approved", r.n)
		}
		if r.actions["feature.email.spec.design"] == "approve" && r.actions["feature.digest.spec.requirements"] != "blocked" {
			t.Errorf("digest requirements are %q while the email design awaits approval", r.actions["feature.digest.spec.requirements"])
		}
	})
	mustMatch(t, "the applies' output", applies,
		`feature\.email\.codegen\.service: hook test passed`,
		`feature\.digest\.codegen\.service: hook test passed`,
		`feature\.digest\.codegen\.service: hook gofmt passed`,
	)
	// The email design was part of the digest requirements' prompt.
	prompt, _ := p.transcript("feature.digest.spec.requirements.attempt-1")
	mustMatch(t, "the digest requirements' prompt", prompt, `## \.kiro/specs/email/design\.md`, `func NewQueue\(relay Relay, log \*Log\) \*Queue`)
	mustMatch(t, "services/notifications/digest/digest.go", p.read("services/notifications/digest/digest.go"),
		`"example\.com/notifications/services/notifications/email"`)
	p.finish("cassettes/notifications.json")
	p.goTest("./services/...")
}

// TestPluginActionWordcount: a third-party hook action, built from
// plugin-action-wordcount/main.go, pinned by init and run on every spec
// document and on the generated guide.
func TestPluginActionWordcount(t *testing.T) {
	t.Parallel()
	p := newProject(t, "plugin-action-wordcount/project")
	bin := filepath.Join(p.dir, "bin", "kirofile-action-wordcount")
	if out, err := exec.Command("go", "build", "-o", bin, "github.com/kirofile/kirofile/examples/plugin-action-wordcount").CombinedOutput(); err != nil {
		t.Fatalf("building the plugin: %v\n%s", err, out)
	}
	applies := p.cycle(nil)
	mustMatch(t, "Kirofile.lock.hcl", p.read("Kirofile.lock.hcl"), `(?s)plugin "wordcount".*sha256:[0-9a-f]{64}`)
	for _, a := range []string{"spec.requirements", "spec.design", "spec.tasks", "codegen.guide"} {
		mustMatch(t, "the applies' output", applies, `feature\.contributing\.`+regexp.QuoteMeta(a)+`: hook concise passed`)
	}
	mustMatch(t, "CONTRIBUTING.md", p.read("CONTRIBUTING.md"), `^# Contributing to tally\n`, "(?m)^go test \\./\\.\\.\\.$")
	p.finish("cassettes/main.json")

	// A plugin binary that changes after init is refused.
	if err := os.WriteFile(bin, []byte("#!/bin/sh\nexit 0\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	if out, code := p.run("plan"); code != 1 || !strings.Contains(out, "wordcount") {
		t.Errorf("plan with a changed plugin binary: exit %d\n%s", code, out)
	}
}

// TestJSON: the same kind of project written as Kirofile.json; its task
// list is approved automatically.
func TestJSON(t *testing.T) {
	t.Parallel()
	p := newProject(t, "json")
	p.cycle(func(r round) {
		if r.actions["feature.slug.spec.tasks"] == "approve" {
			t.Errorf("the tasks, approval = \"auto\", await approval")
		}
	})
	mustMatch(t, "Kirofile.lock.hcl", p.read("Kirofile.lock.hcl"),
		`(?s)node "feature\.slug\.spec\.tasks" \{.*by += "auto"`)
	if !p.exists("slug/slug.go") {
		t.Error("slug/slug.go was not generated")
	}
	p.finish("cassettes/main.json")
	p.goTest("./...")
}
