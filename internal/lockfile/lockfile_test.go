package lockfile

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"reflect"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/hcl/v2/hclwrite"
)

// h returns a distinct, valid "sha256:" hash for a short seed.
func h(seed string) string { return HashBytes([]byte(seed)) }

// digest returns a valid plain hex digest for a plugin.
func digest(seed string) string { return strings.TrimPrefix(h(seed), hashPrefix) }

var approvedAt = time.Date(2026, 11, 25, 10, 0, 0, 0, time.UTC)

// fullLock exercises every field, quoted keys, unicode and characters that
// need escaping in HCL strings.
func fullLock() *Lock {
	l := New()
	l.Plugins["bedrock"] = &Plugin{Name: "bedrock", Source: "./plugins/kirofile-provider-bedrock", Hashes: map[string]string{"": digest("bedrock")}}
	l.Plugins["wordcount"] = &Plugin{Name: "wordcount", Source: "./plugins/kirofile-action-wordcount", Hashes: map[string]string{"linux_amd64": digest("wc"), "darwin_arm64": digest("wc-mac")}}
	l.SetNode(&Node{
		Address:     "feature.email.spec.requirements",
		Fingerprint: h("fp-req"),
		Inputs: map[string]string{
			"config":   h("config"),
			"provider": h("provider"),
			"steering": h("steering"),
			"template": h("template"),
		},
		Status:   StatusGenerated,
		Attempts: 1,
		Outputs:  map[string]string{".kiro/specs/email/requirements.md": h("req.md")},
		Usage:    Usage{PromptTokens: 1200, CachedTokens: 200, CompletionTokens: 800, Cost: "0.01075", Currency: "USD"},
		Approval: &Approval{SHA256: h("req.md"), Fingerprint: h("fp-req"), By: "ana@example.com", At: approvedAt, CheckErrors: 2, Hooks: HooksPending},
	})
	l.SetNode(&Node{
		Address:     "feature.email.spec.design",
		Fingerprint: h("fp-design"),
		Inputs: map[string]string{
			"config": h("config2"),
			"upstream.feature.email.spec.requirements": h("req.md"),
		},
		Status:   StatusFailed,
		Attempts: 3,
		Error:    "hook \"test\" failed:\n\tFAIL ./... ${not a template} %{nor this}",
		Outputs:  map[string]string{},
		Usage:    Usage{PromptTokens: 0, CompletionTokens: 17, Estimated: true},
	})
	l.SetNode(&Node{
		Address:     `feature.email.codegen.sender.task["2.1"]`,
		Fingerprint: h("fp-task"),
		Inputs: map[string]string{
			"config": h("config3"),
			"task":   h("task text"),
			`depends.feature.email.codegen.sender.task["1"]`: h("task 1 output"),
		},
		Status:   StatusGenerated,
		Attempts: 2,
		Outputs:  map[string]string{"services/email/send.go": h("send.go")},
		Hooks:    map[string]int{"gofmt": 0, "test": 0, "go vet": 0},
		Usage:    Usage{PromptTokens: 900, CompletionTokens: 300},
	})
	l.SetNode(&Node{
		Address:  "feature.handwritten.spec.design",
		Inputs:   map[string]string{},
		Outputs:  map[string]string{},
		Approval: &Approval{SHA256: h("hand"), By: "bo@example.com", At: approvedAt.Add(time.Hour)},
	})
	return l
}

func unicodeLock() *Lock {
	l := New()
	l.SetNode(&Node{
		Address:     "feature.café.codegen.überservice",
		Fingerprint: h("u"),
		Inputs:      map[string]string{"upstream.feature.café.spec.requirements": h("a"), "null": h("b"), "true": h("c"), "for": h("d"), "naïve": h("e")},
		Status:      StatusGenerated,
		Attempts:    2,
		Outputs: map[string]string{
			"services/日本語/main.go":      h("1"),
			"services/emoji 🚀/a b.go":   h("2"),
			"docs/quote\"and\\slash.md": h("3"),
			"weird/tab\tand\u0085.txt":  h("4"),
		},
		Hooks:    map[string]int{"naïve": 1, "null": 2147483647, "for": 0},
		Approval: &Approval{SHA256: h("x"), By: "Zoë <zoe@example.com>", At: approvedAt},
	})
	return l
}

// nastyLock puts hard-to-escape text in every free-form string field: what
// Validate accepts must come back unchanged.
func nastyLock() *Lock {
	nasty := []string{
		"\x00nul", "cr\rlf\n", "\ufeffbom", "\u2028sep", "\ufffd", "$${x}", "%%{y}", "${x}", "%{y}",
		"back\\slash\\", "\"quoted\"", "$", "%", "{}", " lead and trail ", "\x7f", "\U0001F600",
	}
	l := New()
	for i, s := range nasty {
		addr := fmt.Sprintf("n%d %s", i, s)
		l.Plugins[s] = &Plugin{Name: s, Source: s, Hashes: map[string]string{"": digest(s)}}
		l.SetNode(&Node{
			Address:  addr,
			Status:   StatusFailed,
			Error:    s,
			Inputs:   map[string]string{s: h(s)},
			Outputs:  map[string]string{"dir/" + strings.NewReplacer("/", "", "\x00", "").Replace(s) + "x": h(s)},
			Hooks:    map[string]int{s: i},
			Approval: &Approval{SHA256: h(s), By: s, At: approvedAt},
		})
	}
	return l
}

func manyLock(n, outputs int) *Lock {
	l := New()
	for i := 0; i < n; i++ {
		addr := fmt.Sprintf("feature.f%04d.codegen.c", i)
		node := &Node{
			Address:     addr,
			Fingerprint: h(addr),
			Inputs:      map[string]string{"config": h(addr + "c"), "provider": h("p")},
			Status:      StatusGenerated,
			Attempts:    1 + i%3,
			Outputs:     map[string]string{},
			Usage:       Usage{PromptTokens: i, CompletionTokens: 2 * i},
		}
		for j := 0; j < outputs; j++ {
			node.Outputs[fmt.Sprintf("services/f%04d/file%d.go", i, j)] = h(fmt.Sprintf("%s/%d", addr, j))
		}
		if i%2 == 0 {
			node.Approval = &Approval{SHA256: h(addr + "doc"), Fingerprint: node.Fingerprint, By: "ci@example.com", At: approvedAt}
		}
		l.SetNode(node)
	}
	return l
}

func TestRoundTrip(t *testing.T) {
	tests := []struct {
		name string
		lock *Lock
	}{
		{"empty", New()},
		{"plugins only", &Lock{Plugins: map[string]*Plugin{"p": {Name: "p", Source: "", Hashes: map[string]string{"": digest("p")}}}, Nodes: map[string]*Node{}}},
		{"full", fullLock()},
		{"unicode and escapes", unicodeLock()},
		{"escapes in every field", nastyLock()},
		{"many nodes", manyLock(300, 3)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := tt.lock.Validate(); err != nil {
				t.Fatalf("Validate: %v", err)
			}
			first := tt.lock.Bytes()
			got, _, diags := Parse(first, FileName)
			if diags.HasErrors() {
				t.Fatalf("Parse(Bytes()) failed: %s\n%s", diags.Error(), first)
			}
			if !reflect.DeepEqual(got, tt.lock) {
				t.Errorf("Parse(Bytes(l)) differs from l\n got: %s\nwant: %s", dump(got), dump(tt.lock))
			}
			if second := got.Bytes(); !bytes.Equal(first, second) {
				t.Errorf("Bytes(Parse(Bytes(l))) is not byte-identical:\n%s\n---\n%s", first, second)
			}
			if formatted := hclwrite.Format(first); !bytes.Equal(formatted, first) {
				t.Errorf("hclwrite.Format changes the output:\n%s\n---\n%s", first, formatted)
			}
		})
	}
}

// dump renders a lock for failure messages, pointers followed.
func dump(l *Lock) string {
	if l == nil {
		return "<nil>"
	}
	var b strings.Builder
	for _, k := range sortedKeys(l.Plugins) {
		fmt.Fprintf(&b, "plugin %q: %+v\n", k, *l.Plugins[k])
	}
	for _, k := range sortedKeys(l.Nodes) {
		n := *l.Nodes[k]
		a := n.Approval
		n.Approval = nil
		fmt.Fprintf(&b, "node %q: %+v approval=%+v\n", k, n, a)
	}
	return b.String()
}

func TestEmptyLockBytes(t *testing.T) {
	want := header + "version = 1\n"
	for name, l := range map[string]*Lock{"New": New(), "zero": {}, "nil": nil} {
		if got := string(l.Bytes()); got != want {
			t.Errorf("%s: Bytes() = %q, want %q", name, got, want)
		}
	}
}

// TestGolden pins the exact text, so any change to the format shows up
// in review as a change to testdata/full.lock.hcl.
func TestGolden(t *testing.T) {
	golden := filepath.Join("testdata", "full.lock.hcl")
	got := fullLock().Bytes()
	if os.Getenv("UPDATE_GOLDEN") != "" {
		if err := os.WriteFile(golden, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("read golden file (set UPDATE_GOLDEN=1 to create it): %v", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("Bytes() differs from %s (set UPDATE_GOLDEN=1 to update):\n%s", golden, got)
	}
}

// TestDeterminism builds the same lock with maps filled in different
// orders; Go randomizes map iteration, and the output must not care.
func TestDeterminism(t *testing.T) {
	build := func(order []int) *Lock {
		l := &Lock{}
		for _, i := range order {
			n := &Node{
				Address:     fmt.Sprintf("feature.f%d.spec.s", i),
				Fingerprint: h(fmt.Sprint(i)),
				Status:      StatusGenerated,
				Inputs:      map[string]string{},
				Outputs:     map[string]string{},
			}
			for _, j := range order {
				n.Inputs[fmt.Sprintf("upstream.feature.f%d.spec.s", j)] = h(fmt.Sprint(i, j))
				n.Outputs[fmt.Sprintf("out/%d/%d.md", i, j)] = h(fmt.Sprint(j, i))
			}
			l.SetNode(n)
			if l.Plugins == nil {
				l.Plugins = map[string]*Plugin{}
			}
			l.Plugins[fmt.Sprintf("p%d", i)] = &Plugin{Name: fmt.Sprintf("p%d", i), Source: "s", Hashes: map[string]string{"linux_amd64": digest(fmt.Sprint(i))}}
		}
		return l
	}
	orders := map[string][]int{
		"ascending":  {0, 1, 2, 3, 4, 5, 6, 7, 8, 9},
		"descending": {9, 8, 7, 6, 5, 4, 3, 2, 1, 0},
		"shuffled":   {3, 7, 0, 9, 1, 8, 2, 6, 4, 5},
	}
	want := build(orders["ascending"]).Bytes()
	for name, order := range orders {
		for rep := 0; rep < 5; rep++ {
			if got := build(order).Bytes(); !bytes.Equal(got, want) {
				t.Fatalf("%s (repetition %d): output differs:\n%s\n---\n%s", name, rep, got, want)
			}
		}
	}
	// Sorted means sorted: the node blocks come out by address.
	text := string(want)
	if strings.Index(text, `node "feature.f0.spec.s"`) > strings.Index(text, `node "feature.f9.spec.s"`) {
		t.Errorf("nodes not sorted by address:\n%s", text)
	}
}

func TestNodeAccessors(t *testing.T) {
	var nilLock *Lock
	if nilLock.Node("x") != nil {
		t.Error("nil lock: Node should be nil")
	}
	l := &Lock{}
	l.SetNode(nil)
	l.SetNode(&Node{Address: "a"})
	if got := l.Node("a"); got == nil || got.Address != "a" {
		t.Fatalf("Node(a) = %v", got)
	}
	l.SetNode(&Node{Address: "a", Attempts: 2})
	if got := l.Node("a").Attempts; got != 2 {
		t.Errorf("SetNode did not replace: attempts %d", got)
	}
	l.RemoveNode("a")
	l.RemoveNode("missing")
	if l.Node("a") != nil {
		t.Error("RemoveNode left the node")
	}
	n := New()
	if n.Plugins == nil || n.Nodes == nil {
		t.Error("New must allocate its maps")
	}
}

func TestHashBytes(t *testing.T) {
	tests := []struct{ in, want string }{
		{"", "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"},
		{"abc", "sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"},
	}
	for _, tt := range tests {
		if got := HashBytes([]byte(tt.in)); got != tt.want {
			t.Errorf("HashBytes(%q) = %s, want %s", tt.in, got, tt.want)
		}
		if !isHash(HashBytes([]byte(tt.in))) {
			t.Errorf("HashBytes(%q) fails isHash", tt.in)
		}
	}
}

func TestValidate(t *testing.T) {
	good := func() *Node {
		return &Node{Address: "n", Fingerprint: h("n"), Status: StatusGenerated}
	}
	tests := []struct {
		name string
		edit func(l *Lock)
		want string // substring of the error; "" for valid
	}{
		{"valid", func(l *Lock) {}, ""},
		{"bad fingerprint", func(l *Lock) { l.Nodes["n"].Fingerprint = "sha256:ABC" }, "fingerprint"},
		{"bad status", func(l *Lock) { l.Nodes["n"].Status = "done" }, "status"},
		{"negative attempts", func(l *Lock) { l.Nodes["n"].Attempts = -1 }, "attempts"},
		{"negative tokens", func(l *Lock) { l.Nodes["n"].Usage.PromptTokens = -1 }, "token"},
		{"bad input hash", func(l *Lock) { l.Nodes["n"].Inputs = map[string]string{"config": "x"} }, "inputs"},
		{"empty input name", func(l *Lock) { l.Nodes["n"].Inputs = map[string]string{"": h("x")} }, "is empty"},
		{"absolute output", func(l *Lock) { l.Nodes["n"].Outputs = map[string]string{"/etc/passwd": h("x")} }, "absolute"},
		{"escaping output", func(l *Lock) { l.Nodes["n"].Outputs = map[string]string{"../x": h("x")} }, "outside"},
		{"unclean output", func(l *Lock) { l.Nodes["n"].Outputs = map[string]string{"a//b": h("x")} }, "clean"},
		{"address mismatch", func(l *Lock) { l.Nodes["n"].Address = "m" }, "Address"},
		{"nil node", func(l *Lock) { l.Nodes["z"] = nil }, "nil"},
		{"empty address", func(l *Lock) { l.Nodes[""] = &Node{} }, "empty address"},
		{"invalid utf8", func(l *Lock) { l.Nodes["n"].Error = "\xff" }, "UTF-8"},
		{"nfc collision", func(l *Lock) { l.Nodes["e\u0301"] = &Node{}; l.Nodes["\u00e9"] = &Node{} }, "normalized"},
		{"bad approval", func(l *Lock) { l.Nodes["n"].Approval = &Approval{SHA256: "nope"} }, "approval sha256"},
		{"approval year", func(l *Lock) {
			l.Nodes["n"].Approval = &Approval{SHA256: h("a"), At: time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC)}
		}, "years"},
		{"plugin digest with prefix", func(l *Lock) { l.Plugins["p"] = &Plugin{Hashes: map[string]string{"": h("p")}} }, "sha256"},
		{"plugin without digest", func(l *Lock) { l.Plugins["p"] = &Plugin{} }, "no sha256"},
		{"plugin platform", func(l *Lock) { l.Plugins["p"] = &Plugin{Hashes: map[string]string{"Linux": digest("p")}} }, "GOOS_GOARCH"},
		{"legacy beside platforms", func(l *Lock) {
			l.Plugins["p"] = &Plugin{Hashes: map[string]string{"": digest("p"), "linux_amd64": digest("q")}}
		}, "beside"},
		{"approval hooks", func(l *Lock) { l.Nodes["n"].Approval = &Approval{SHA256: h("a"), Hooks: "maybe"} }, "hooks"},
		{"approval check errors", func(l *Lock) { l.Nodes["n"].Approval = &Approval{SHA256: h("a"), CheckErrors: -1} }, "check_errors"},
		{"plugin name mismatch", func(l *Lock) { l.Plugins["p"] = &Plugin{Name: "q", Hashes: map[string]string{"": digest("p")}} }, "Name"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l := New()
			l.SetNode(good())
			tt.edit(l)
			err := l.Validate()
			if tt.want == "" {
				if err != nil {
					t.Fatalf("Validate() = %v, want nil", err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("Validate() = %v, want an error containing %q", err, tt.want)
			}
		})
	}
	var nilLock *Lock
	if nilLock.Validate() == nil {
		t.Error("nil lock must not validate")
	}
}

func TestReadMissingFile(t *testing.T) {
	l, file, diags := Read(filepath.Join(t.TempDir(), FileName))
	if len(diags) != 0 {
		t.Fatalf("diagnostics for a missing file: %s", diags.Error())
	}
	if file != nil {
		t.Errorf("file = %v, want nil", file)
	}
	if !reflect.DeepEqual(l, New()) {
		t.Errorf("lock = %s, want an empty lock", dump(l))
	}
}

func TestReadError(t *testing.T) {
	// A directory where the lock should be: reading fails, which must be
	// an error diagnostic with a range, not an empty lock.
	dir := t.TempDir()
	path := filepath.Join(dir, FileName)
	if err := os.Mkdir(path, 0o755); err != nil {
		t.Fatal(err)
	}
	l, _, diags := Read(path)
	if !diags.HasErrors() || l != nil {
		t.Fatalf("Read(dir) = %v, %v; want nil lock and an error", l, diags)
	}
	if d := diags[0]; d.Subject == nil || d.Subject.Filename != path || d.Subject.Start.Line != 1 {
		t.Errorf("diagnostic subject = %v", d.Subject)
	}
}

func TestWriteRead(t *testing.T) {
	path := filepath.Join(t.TempDir(), FileName)
	want := fullLock()
	if err := Write(path, want); err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	// Windows keeps only a read-only bit, not Unix permissions.
	if runtime.GOOS != "windows" && fi.Mode().Perm() != 0o644 {
		t.Errorf("mode = %v, want 0644", fi.Mode().Perm())
	}
	got, file, diags := Read(path)
	if diags.HasErrors() {
		t.Fatal(diags.Error())
	}
	if file == nil || !bytes.Equal(file.Bytes, want.Bytes()) {
		t.Error("Read did not return the file's bytes")
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Read(Write(l)) differs\n got: %s\nwant: %s", dump(got), dump(want))
	}
}

// TestWriteFailureKeepsOldLock checks the atomicity promise: when a write
// fails, the committed lock on disk is untouched.
func TestWriteFailureKeepsOldLock(t *testing.T) {
	old := fullLock().Bytes()
	tests := []struct {
		name  string
		setup func(t *testing.T, dir string) (path string)
		lock  *Lock
	}{
		{
			// A directory cannot be replaced by a file; its content
			// stands in for the old lock (the trick works as root too).
			name: "target is a directory",
			setup: func(t *testing.T, dir string) string {
				path := filepath.Join(dir, FileName)
				if err := os.Mkdir(path, 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(filepath.Join(path, "keep"), old, 0o644); err != nil {
					t.Fatal(err)
				}
				return path
			},
			lock: manyLock(3, 1),
		},
		{
			name: "read-only directory",
			setup: func(t *testing.T, dir string) string {
				if os.Geteuid() == 0 || runtime.GOOS == "windows" {
					t.Skip("directory permissions do not restrict root, nor anyone on Windows")
				}
				path := filepath.Join(dir, FileName)
				if err := os.WriteFile(path, old, 0o644); err != nil {
					t.Fatal(err)
				}
				if err := os.Chmod(dir, 0o555); err != nil {
					t.Fatal(err)
				}
				t.Cleanup(func() { _ = os.Chmod(dir, 0o755) })
				return path
			},
			lock: manyLock(3, 1),
		},
		{
			name: "invalid lock",
			setup: func(t *testing.T, dir string) string {
				path := filepath.Join(dir, FileName)
				if err := os.WriteFile(path, old, 0o644); err != nil {
					t.Fatal(err)
				}
				return path
			},
			lock: &Lock{Nodes: map[string]*Node{"n": {Address: "n", Status: "bogus"}}},
		},
		{
			name: "nil lock",
			setup: func(t *testing.T, dir string) string {
				path := filepath.Join(dir, FileName)
				if err := os.WriteFile(path, old, 0o644); err != nil {
					t.Fatal(err)
				}
				return path
			},
			lock: nil,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			path := tt.setup(t, dir)
			if err := Write(path, tt.lock); err == nil {
				t.Fatal("Write succeeded, want an error")
			} else if !strings.Contains(err.Error(), path) && !strings.Contains(err.Error(), "lock") {
				t.Errorf("error %q does not say what failed", err)
			}
			kept := path
			if fi, err := os.Stat(path); err == nil && fi.IsDir() {
				kept = filepath.Join(path, "keep")
			}
			got, err := os.ReadFile(kept)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, old) {
				t.Error("old lock content changed after a failed Write")
			}
			entries, err := os.ReadDir(dir)
			if err != nil {
				t.Fatal(err)
			}
			for _, e := range entries {
				if e.Name() != FileName {
					t.Errorf("failed Write left %s behind", e.Name())
				}
			}
		})
	}
}

// A Renderer fed the same changes as a Lock writes the same bytes.
func TestRendererMatchesBytes(t *testing.T) {
	for name, l := range map[string]*Lock{"empty": New(), "full": fullLock(), "unicode": unicodeLock(), "nasty": nastyLock(), "many": manyLock(40, 2)} {
		t.Run(name, func(t *testing.T) {
			r := NewRenderer(l)
			if got, want := r.Bytes(), l.Bytes(); !bytes.Equal(got, want) {
				t.Fatalf("fresh renderer:\n%s\n--- want ---\n%s", got, want)
			}
			rng := rand.New(rand.NewPCG(1, uint64(len(l.Nodes))))
			for step := range 60 {
				var n *Node
				if len(l.Nodes) > 0 && rng.IntN(2) == 0 {
					keys := sortedKeys(l.Nodes)
					n = l.Nodes[keys[rng.IntN(len(keys))]].Clone()
					n.Attempts++
					n.Outputs = map[string]string{fmt.Sprintf("out/%d.go", step): h(fmt.Sprint(step))}
				} else {
					n = &Node{Address: fmt.Sprintf("feature.n%03d.spec.s", rng.IntN(500)), Fingerprint: h("x"), Status: StatusGenerated,
						Inputs: map[string]string{"config": h(fmt.Sprint(step))}}
				}
				l.SetNode(n)
				r.SetNode(n.Clone())
				if step%7 == 0 || step == 59 {
					if got, want := r.Bytes(), l.Bytes(); !bytes.Equal(got, want) {
						t.Fatalf("step %d:\n%s\n--- want ---\n%s", step, got, want)
					}
				}
			}
		})
	}
}

func TestNodeClone(t *testing.T) {
	n := fullLock().Node("feature.email.spec.requirements")
	c := n.Clone()
	if !reflect.DeepEqual(n, c) {
		t.Fatal("clone differs")
	}
	c.Inputs["config"] = "changed"
	c.Outputs["x"] = "y"
	c.Approval.By = "someone else"
	if reflect.DeepEqual(n, c) || n.Inputs["config"] == "changed" || n.Approval.By == "someone else" {
		t.Error("the clone shares state with the original")
	}
}
