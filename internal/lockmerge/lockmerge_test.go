package lockmerge

import (
	"strings"
	"testing"
	"time"

	"github.com/kirofile/kirofile/internal/digest"
	"github.com/kirofile/kirofile/internal/lockfile"
)

func hash(s string) string { return digest.String(s) }

func hex(s string) string { return strings.TrimPrefix(hash(s), digest.Prefix) }

var t0 = time.Date(2026, 11, 25, 10, 0, 0, 0, time.UTC)

func node(addr, out string, approval *lockfile.Approval) *lockfile.Node {
	return &lockfile.Node{
		Address: addr, Fingerprint: hash("fp" + addr + out), Status: lockfile.StatusGenerated, Attempts: 1,
		Outputs: map[string]string{".kiro/specs/" + addr + ".md": hash(out)}, Approval: approval,
	}
}

func approved(doc, by string, at time.Time) *lockfile.Approval {
	return &lockfile.Approval{SHA256: hash(doc), By: by, At: at}
}

func lock(nodes ...*lockfile.Node) *lockfile.Lock {
	l := lockfile.New()
	for _, n := range nodes {
		l.SetNode(n)
	}
	return l
}

func withPlugin(l *lockfile.Lock, source string, hashes map[string]string) *lockfile.Lock {
	l.Plugins["wc"] = &lockfile.Plugin{Name: "wc", Source: source, Hashes: hashes}
	return l
}

func TestMerge(t *testing.T) {
	a1, b1 := node("a", "A1", nil), node("b", "B1", nil)
	tests := []struct {
		name              string
		base, ours, their *lockfile.Lock
		want              *lockfile.Lock
		conflicts         []string
	}{
		{
			name:  "each branch approves another spec",
			base:  lock(a1, b1),
			ours:  lock(node("a", "A1", approved("A1", "ana", t0)), b1),
			their: lock(a1, node("b", "B1", approved("B1", "bo", t0))),
			want:  lock(node("a", "A1", approved("A1", "ana", t0)), node("b", "B1", approved("B1", "bo", t0))),
		},
		{
			name: "each branch adds a node",
			base: lock(a1), ours: lock(a1, b1), their: lock(a1, node("c", "C1", nil)),
			want: lock(a1, b1, node("c", "C1", nil)),
		},
		{
			name: "a removal on one side is kept",
			base: lock(a1, b1), ours: lock(a1), their: lock(a1, b1, node("c", "C1", nil)),
			want: lock(a1, node("c", "C1", nil)),
		},
		{
			name: "the same change on both sides is taken once",
			base: lock(a1), ours: lock(node("a", "A2", nil)), their: lock(node("a", "A2", nil)),
			want: lock(node("a", "A2", nil)),
		},
		{
			name:  "both approve the same document: the earlier approval stays",
			base:  lock(a1),
			ours:  lock(node("a", "A1", approved("A1", "ana", t0.Add(time.Hour)))),
			their: lock(node("a", "A1", approved("A1", "bo", t0))),
			want:  lock(node("a", "A1", approved("A1", "bo", t0))),
		},
		{
			name:      "both change the same node: a conflict",
			base:      lock(a1, b1),
			ours:      lock(node("a", "A2", nil), node("b", "B1", approved("B1", "ana", t0))),
			their:     lock(node("a", "A3", nil), b1),
			want:      lock(node("b", "B1", approved("B1", "ana", t0))),
			conflicts: []string{"node a"},
		},
		{
			name:  "one regenerates what the other approved: a conflict",
			base:  lock(a1),
			ours:  lock(node("a", "A1", approved("A1", "ana", t0))),
			their: lock(node("a", "A2", nil)),
			want:  lock(), conflicts: []string{"node a"},
		},
		{
			name:  "pins added on two platforms are both kept",
			base:  withPlugin(lock(), "./wc", map[string]string{"linux_amd64": hex("l")}),
			ours:  withPlugin(lock(), "./wc", map[string]string{"linux_amd64": hex("l"), "darwin_arm64": hex("m")}),
			their: withPlugin(lock(), "./wc", map[string]string{"linux_amd64": hex("l"), "windows_amd64": hex("w")}),
			want:  withPlugin(lock(), "./wc", map[string]string{"linux_amd64": hex("l"), "darwin_arm64": hex("m"), "windows_amd64": hex("w")}),
		},
		{
			name:  "two pins for the same platform conflict",
			base:  withPlugin(lock(), "./wc", map[string]string{"linux_amd64": hex("l")}),
			ours:  withPlugin(lock(), "./wc", map[string]string{"linux_amd64": hex("l2")}),
			their: withPlugin(lock(), "./wc", map[string]string{"linux_amd64": hex("l3")}),
			want:  lock(), conflicts: []string{"plugin wc"},
		},
		{
			name: "both created the lock",
			base: nil, ours: lock(a1), their: lock(b1),
			want: lock(a1, b1),
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var base []byte
			if tt.base != nil {
				base = tt.base.Bytes()
			}
			res, err := Merge(base, tt.ours.Bytes(), tt.their.Bytes())
			if err != nil {
				t.Fatal(err)
			}
			if got, want := string(res.Lock.Bytes()), string(tt.want.Bytes()); got != want {
				t.Errorf("merged:\n%s\nwant:\n%s", got, want)
			}
			var conflicts []string
			for _, c := range res.Conflicts {
				conflicts = append(conflicts, c.Kind+" "+c.Name)
			}
			if strings.Join(conflicts, ",") != strings.Join(tt.conflicts, ",") {
				t.Errorf("conflicts %v, want %v", conflicts, tt.conflicts)
			}
			// Merging the other way round gives the same lock.
			rev, err := Merge(base, tt.their.Bytes(), tt.ours.Bytes())
			if err != nil {
				t.Fatal(err)
			}
			if string(rev.Lock.Bytes()) != string(res.Lock.Bytes()) {
				t.Errorf("theirs into ours differs from ours into theirs:\n%s\n---\n%s", rev.Lock.Bytes(), res.Lock.Bytes())
			}
			text := res.Text("ours", "theirs")
			_, marked := lockfile.ConflictMarker(text, lockfile.FileName)
			if marked != (len(tt.conflicts) > 0) {
				t.Errorf("conflict markers %v in:\n%s", marked, text)
			}
			if !marked {
				if _, _, diags := lockfile.Parse(text, lockfile.FileName); diags.HasErrors() {
					t.Errorf("merged text does not parse: %v", diags)
				}
			}
		})
	}
}

func TestConflictText(t *testing.T) {
	base := lock(node("a", "A1", nil), node("b", "B1", nil), node("c", "C1", nil))
	ours := lock(node("a", "A1", nil), node("b", "B2", nil), node("c", "C1", nil))
	theirs := lock(node("a", "A1", nil), node("b", "B3", nil))
	res, err := Merge(base.Bytes(), ours.Bytes(), theirs.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	text := string(res.Text("HEAD", "feature-branch"))
	// The conflict sits where the record goes, between its neighbours.
	ia, ib, ic := strings.Index(text, `node "a"`), strings.Index(text, "<<<<<<< HEAD\nnode \"b\""), strings.Index(text, `node "c"`)
	if ia < 0 || ib < ia || ic >= 0 {
		t.Errorf("layout:\n%s", text)
	}
	if !strings.Contains(text, "=======\nnode \"b\"") || !strings.Contains(text, ">>>>>>> feature-branch\n") {
		t.Errorf("markers:\n%s", text)
	}
	// Keeping one side gives a valid lock.
	kept := text[:strings.Index(text, "<<<<<<<")] + string(nodeText(ours.Nodes["b"]))
	if _, _, diags := lockfile.Parse([]byte(kept), lockfile.FileName); diags.HasErrors() {
		t.Errorf("ours kept: %v\n%s", diags, kept)
	}
}

func TestMergeRefusesWhatIsNotALock(t *testing.T) {
	good := lock(node("a", "A1", nil)).Bytes()
	for _, bad := range []string{"not hcl {", "version = 1\n<<<<<<< ours\n=======\n>>>>>>> theirs\n", "version = 9\n"} {
		if _, err := Merge(good, good, []byte(bad)); err == nil {
			t.Errorf("merged %q", bad)
		}
	}
}
