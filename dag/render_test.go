package dag

import (
	"bytes"
	"fmt"
	"os/exec"
	"strings"
	"testing"
)

// renderGraph is a small project: two clusters, two unclustered vertices
// (one with characters that need escaping) and edges crossing clusters.
func renderGraph() *Graph[string] {
	g := New[string]()
	g.Connect("spec/billing", "code/billing")
	g.Connect("spec/auth", "code/billing")
	g.Connect("spec/auth", "code/auth")
	g.Connect("README", "spec/auth")
	g.Connect(`say "hi"\`, "code/auth")
	return g
}

func byPrefix(v string) string {
	prefix, _, ok := strings.Cut(v, "/")
	if !ok {
		return ""
	}
	return prefix
}

func TestDOT(t *testing.T) {
	tests := []struct {
		name string
		g    *Graph[string]
		opts RenderOptions[string]
		want string
	}{
		{
			name: "clustered",
			g:    renderGraph(),
			opts: RenderOptions[string]{Name: "deps", Cluster: byPrefix},
			want: `digraph "deps" {
	rankdir=LR;
	node [shape=box];
	"README" [label="README"];
	"say \"hi\"\\" [label="say \"hi\"\\"];
	subgraph "cluster_code" {
		label="code";
		"code/auth" [label="code/auth"];
		"code/billing" [label="code/billing"];
	}
	subgraph "cluster_spec" {
		label="spec";
		"spec/auth" [label="spec/auth"];
		"spec/billing" [label="spec/billing"];
	}
	"README" -> "spec/auth";
	"say \"hi\"\\" -> "code/auth";
	"spec/auth" -> "code/auth";
	"spec/auth" -> "code/billing";
	"spec/billing" -> "code/billing";
}
`,
		},
		{
			name: "default name, custom labels, no clusters",
			g:    graphOf([][2]string{{"a", "b"}}),
			opts: RenderOptions[string]{Label: func(v string) string { return strings.ToUpper(v) + "\nline 2" }},
			want: `digraph "kirofile" {
	rankdir=LR;
	node [shape=box];
	"a" [label="A\nline 2"];
	"b" [label="B\nline 2"];
	"a" -> "b";
}
`,
		},
		{
			name: "empty",
			g:    New[string](),
			opts: RenderOptions[string]{Name: `we"ird`},
			want: "digraph \"we\\\"ird\" {\n\trankdir=LR;\n\tnode [shape=box];\n}\n",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := tt.g.DOT(tt.opts)
			if got != tt.want {
				t.Errorf("DOT mismatch\n--- got ---\n%s--- want ---\n%s", got, tt.want)
			}
			checkDOTSyntax(t, got)
			if again := tt.g.DOT(tt.opts); again != got {
				t.Error("DOT output is not deterministic")
			}
		})
	}
}

func TestMermaid(t *testing.T) {
	tests := []struct {
		name string
		g    *Graph[string]
		opts RenderOptions[string]
		want string
	}{
		{
			name: "clustered",
			g:    renderGraph(),
			opts: RenderOptions[string]{Name: "deps", Cluster: byPrefix},
			want: `---
title: "deps"
---
flowchart LR
	n0["README"]
	n3["say #quot;hi#quot;\"]
	subgraph c0 ["code"]
		n1["code/auth"]
		n2["code/billing"]
	end
	subgraph c1 ["spec"]
		n4["spec/auth"]
		n5["spec/billing"]
	end
	n0 --> n4
	n3 --> n1
	n4 --> n1
	n4 --> n2
	n5 --> n2
`,
		},
		{
			name: "default name and custom labels",
			g:    graphOf([][2]string{{"b", "a"}}),
			opts: RenderOptions[string]{Label: func(v string) string { return "<" + v + "> & #1 `x`" }},
			want: `---
title: "kirofile"
---
flowchart LR
	n0["#lt;a#gt; #amp; #35;1 #96;x#96;"]
	n1["#lt;b#gt; #amp; #35;1 #96;x#96;"]
	n1 --> n0
`,
		},
		{
			name: "cluster function returning empty for all",
			g:    graphOf(nil, "x"),
			opts: RenderOptions[string]{Name: "t", Cluster: func(string) string { return "" }},
			want: "---\ntitle: \"t\"\n---\nflowchart LR\n\tn0[\"x\"]\n",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := tt.g.Mermaid(tt.opts)
			if got != tt.want {
				t.Errorf("Mermaid mismatch\n--- got ---\n%s--- want ---\n%s", got, tt.want)
			}
			if again := tt.g.Mermaid(tt.opts); again != got {
				t.Error("Mermaid output is not deterministic")
			}
		})
	}
}

func TestRenderIntKeys(t *testing.T) {
	g := New[int]()
	g.Connect(10, 9)
	g.Connect(2, 10)
	cluster := func(v int) string { return fmt.Sprintf("group %d", v%2) }
	dot := g.DOT(RenderOptions[int]{Cluster: cluster})
	wantDOT := `digraph "kirofile" {
	rankdir=LR;
	node [shape=box];
	subgraph "cluster_group 0" {
		label="group 0";
		"2" [label="2"];
		"10" [label="10"];
	}
	subgraph "cluster_group 1" {
		label="group 1";
		"9" [label="9"];
	}
	"2" -> "10";
	"10" -> "9";
}
`
	if dot != wantDOT {
		t.Errorf("DOT mismatch\n--- got ---\n%s--- want ---\n%s", dot, wantDOT)
	}
	mermaid := g.Mermaid(RenderOptions[int]{Cluster: cluster})
	wantMermaid := `---
title: "kirofile"
---
flowchart LR
	subgraph c0 ["group 0"]
		n0["2"]
		n2["10"]
	end
	subgraph c1 ["group 1"]
		n1["9"]
	end
	n0 --> n2
	n2 --> n1
`
	if mermaid != wantMermaid {
		t.Errorf("Mermaid mismatch\n--- got ---\n%s--- want ---\n%s", mermaid, wantMermaid)
	}
}

func TestQuoting(t *testing.T) {
	tests := []struct{ in, dot, mermaid string }{
		{"plain", `"plain"`, `"plain"`},
		{`a"b`, `"a\"b"`, `"a#quot;b"`},
		{`trailing\`, `"trailing\\"`, `"trailing\"`},
		{`\N`, `"\\N"`, `"\N"`},
		{"two\nlines\r\n", `"two\nlines\n"`, `"two<br>lines<br>"`},
		{"#quot;", `"#quot;"`, `"#35;quot;"`},
		{"ünïcode ✓", `"ünïcode ✓"`, `"ünïcode ✓"`},
	}
	for _, tt := range tests {
		if got := dotQuote(tt.in); got != tt.dot {
			t.Errorf("dotQuote(%q) = %s, want %s", tt.in, got, tt.dot)
		}
		if got := mermaidQuote(tt.in); got != tt.mermaid {
			t.Errorf("mermaidQuote(%q) = %s, want %s", tt.in, got, tt.mermaid)
		}
	}
}

// TestDOTSyntaxOnHostileKeys renders keys full of DOT metacharacters and
// checks that the output still tokenizes.
func TestDOTSyntaxOnHostileKeys(t *testing.T) {
	g := New[string]()
	keys := []string{`"`, `\`, `\"`, "}", "{", ";", "a\nb", `"]; x -> y; ["`, "--", "->"}
	for i := 1; i < len(keys); i++ {
		g.Connect(keys[i-1], keys[i])
	}
	checkDOTSyntax(t, g.DOT(RenderOptions[string]{Cluster: func(v string) string { return v + `"\` }}))
	m := g.Mermaid(RenderOptions[string]{Cluster: func(v string) string { return v }})
	for i, line := range strings.Split(strings.TrimSuffix(m, "\n"), "\n") {
		if i > 2 && strings.Contains(line, "---") {
			t.Errorf("line %d leaks front-matter markers: %q", i, line)
		}
		if q := strings.Count(line, `"`); q%2 != 0 {
			t.Errorf("line %d has unbalanced quotes: %q", i, line)
		}
	}
}

// TestDOTWithGraphviz feeds rendered graphs, hostile keys included, to the
// real Graphviz parser when it is installed, and checks that the vertex
// names and labels survive the round trip.
func TestDOTWithGraphviz(t *testing.T) {
	dot, err := exec.LookPath("dot")
	if err != nil {
		t.Skip("graphviz not installed")
	}
	g := renderGraph()
	hostile := []string{`"`, `\`, `\"`, "}", `"]; x -> y; ["`, "->", `\N`}
	for i := 1; i < len(hostile); i++ {
		g.Connect(hostile[i-1], hostile[i])
	}
	src := g.DOT(RenderOptions[string]{Name: `n"\`, Cluster: func(v string) string { return byPrefix(v) + `"\` }})
	cmd := exec.Command(dot, "-Tcanon")
	cmd.Stdin = strings.NewReader(src)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil || stderr.Len() > 0 {
		t.Fatalf("dot rejected the output: %v\n%s\n%s", err, stderr.String(), src)
	}
	// Canonical output of a valid graph re-parses to the same vertex count.
	cmd = exec.Command(dot, "-Tplain")
	cmd.Stdin = strings.NewReader(src)
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("dot -Tplain: %v", err)
	}
	nodes := 0
	for _, line := range strings.Split(string(out), "\n") {
		if strings.HasPrefix(line, "node ") {
			nodes++
		}
	}
	if nodes != g.Len() {
		t.Fatalf("graphviz saw %d nodes, graph has %d:\n%s", nodes, g.Len(), out)
	}
}

// checkDOTSyntax is a minimal DOT lexer: quoted strings must close, braces
// must balance outside strings, and no raw newline may appear in a string.
func checkDOTSyntax(t *testing.T, s string) {
	t.Helper()
	depth := 0
	inString := false
	for i := 0; i < len(s); i++ {
		c := s[i]
		if inString {
			switch c {
			case '\\':
				i++
			case '"':
				inString = false
			case '\n':
				t.Fatalf("raw newline inside a string at byte %d:\n%s", i, s)
			}
			continue
		}
		switch c {
		case '"':
			inString = true
		case '{':
			depth++
		case '}':
			depth--
			if depth < 0 {
				t.Fatalf("unbalanced } at byte %d:\n%s", i, s)
			}
		}
	}
	if inString || depth != 0 {
		t.Fatalf("unterminated string or braces (depth %d):\n%s", depth, s)
	}
}

func ExampleGraph_Mermaid() {
	g := New[string]()
	g.Connect("spec/auth", "code/auth")
	fmt.Print(g.Mermaid(RenderOptions[string]{Name: "auth"}))
	// Output:
	// ---
	// title: "auth"
	// ---
	// flowchart LR
	// 	n0["code/auth"]
	// 	n1["spec/auth"]
	// 	n1 --> n0
}
