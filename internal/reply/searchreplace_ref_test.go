package reply

import (
	"context"
	"sort"
	"strings"
	"testing"
)

// The straightforward matcher that the editor replaced: every pass tries
// the SEARCH at every position. It is quadratic, but plainly right, so the
// editor is checked against it.

func referenceApply(content string, b SearchReplace) (string, bool) {
	eol := "\n"
	if strings.Contains(content, "\r\n") {
		eol = "\r\n"
	}
	if isBlank(b.Search) {
		if content != "" && !strings.HasSuffix(content, "\n") {
			content += eol
		}
		return content + strings.ReplaceAll(b.Replace, "\n", eol), true
	}
	file := strings.SplitAfter(content, "\n")
	if file[len(file)-1] == "" {
		file = file[:len(file)-1]
	}
	bare := make([]string, len(file))
	for i, l := range file {
		bare[i] = strings.TrimSuffix(strings.TrimSuffix(l, "\n"), "\r")
	}
	search := strings.Split(strings.TrimSuffix(b.Search, "\n"), "\n")
	replace := []string{}
	if b.Replace != "" {
		replace = strings.Split(strings.TrimSuffix(b.Replace, "\n"), "\n")
	}
	at, reindent := referenceFind(bare, search)
	if at < 0 {
		return content, false
	}
	if reindent != nil {
		for i, l := range replace {
			if strings.TrimSpace(l) != "" {
				replace[i] = reindent(l)
			}
		}
	}
	eol = "\n"
	if strings.HasSuffix(file[at], "\r\n") {
		eol = "\r\n"
	}
	var out strings.Builder
	for _, l := range file[:at] {
		out.WriteString(l)
	}
	end := at + len(search)
	for i, l := range replace {
		out.WriteString(l)
		if i < len(replace)-1 || end < len(file) || strings.HasSuffix(file[end-1], "\n") {
			out.WriteString(eol)
		}
	}
	for _, l := range file[end:] {
		out.WriteString(l)
	}
	return out.String(), true
}

func referenceFind(file, search []string) (int, func(string) string) {
	exact := func(a, b string) bool { return a == b }
	trimmed := func(a, b string) bool { return strings.TrimRight(a, " \t\r") == strings.TrimRight(b, " \t\r") }
	for _, eq := range []func(a, b string) bool{exact, trimmed} {
		for i := 0; i+len(search) <= len(file); i++ {
			ok := true
			for j := range search {
				if !eq(file[i+j], search[j]) {
					ok = false
					break
				}
			}
			if ok {
				return i, nil
			}
		}
	}
	for i := 0; i+len(search) <= len(file); i++ {
		if s, ok := referenceShift(file[i:i+len(search)], search); ok {
			return i, func(l string) string {
				if s.add {
					return s.text + l
				}
				return strings.TrimPrefix(l, s.text)
			}
		}
	}
	for i := 0; i+len(search) <= len(file); i++ {
		if m, ok := referenceIndentMap(file[i:i+len(search)], search); ok {
			return i, func(l string) string { return mapIndent(l, m) }
		}
	}
	return -1, nil
}

type refShift struct {
	text string
	add  bool
}

func refSameText(f, s string) (fi, si string, blank, ok bool) {
	f = strings.TrimRight(f, " \t\r")
	s = strings.TrimRight(s, " \t\r")
	if s == "" || f == "" {
		return "", "", true, s == f
	}
	fi, si = indentOf(f), indentOf(s)
	return fi, si, false, f[len(fi):] == s[len(si):]
}

func referenceShift(file, search []string) (refShift, bool) {
	var shift refShift
	seen := false
	for j := range search {
		fi, si, blank, ok := refSameText(file[j], search[j])
		if !ok {
			return shift, false
		}
		if blank {
			continue
		}
		var cur refShift
		switch {
		case strings.HasSuffix(fi, si):
			cur = refShift{fi[:len(fi)-len(si)], true}
		case strings.HasSuffix(si, fi):
			cur = refShift{si[:len(si)-len(fi)], false}
		default:
			return shift, false
		}
		if seen && cur != shift && !(cur.text == "" && shift.text == "") {
			return shift, false
		}
		shift, seen = cur, true
	}
	return shift, seen
}

func referenceIndentMap(file, search []string) (map[string]string, bool) {
	m := map[string]string{}
	for j := range search {
		fi, si, blank, ok := refSameText(file[j], search[j])
		if !ok {
			return nil, false
		}
		if blank {
			continue
		}
		if prev, seen := m[si]; seen && prev != fi {
			return nil, false
		}
		m[si] = fi
	}
	keys := make([]string, 0, len(m))
	for si := range m {
		keys = append(keys, si)
	}
	sort.Slice(keys, func(a, b int) bool {
		if len(keys[a]) != len(keys[b]) {
			return len(keys[a]) < len(keys[b])
		}
		return keys[a] < keys[b]
	})
	for k := 1; k < len(keys); k++ {
		if len(m[keys[k]]) <= len(m[keys[k-1]]) {
			return nil, false
		}
	}
	return m, len(m) > 0
}

// FuzzApplyMatchesReference checks that the linear matcher finds exactly
// what trying every position finds, and edits the same way.
func FuzzApplyMatchesReference(f *testing.F) {
	f.Add("a\nb\nc\n", "b\n", "x\n")
	f.Add("\ta\r\n\t\tb", "  a\n    b\n", "  c\n")
	f.Add("\ta\n\n\t\tb\n\ta\n\t\tb\n", "a\n\n\tb\n", "c\n")
	f.Add("x\n  y\nx\n    y\n", "x\n  y\n", "z\n")
	f.Add("  a\n\tb\n  a\n\t\tb\n", "a\n  b\n", "q\n  r\n")
	f.Add("\n\n a\n\n b\n", "\n a\n", "c\n")
	f.Fuzz(func(t *testing.T, content, search, replace string) {
		// Keep the inputs to what the parser produces: no CR in blocks.
		search = strings.ReplaceAll(search, "\r", "")
		b := SearchReplace{Search: search, Replace: strings.ReplaceAll(replace, "\r", "")}
		want, wantOK := referenceApply(content, b)
		got, gotOK := apply(content, b)
		if got != want || gotOK != wantOK {
			t.Fatalf("apply(%q, %q) = %q, %v; the reference gives %q, %v", content, search, got, gotOK, want, wantOK)
		}
	})
}

// TestApplyMatchesReferenceExhaustive compares the matchers on every small
// file and SEARCH over an alphabet of lines that exercises every pass.
func TestApplyMatchesReferenceExhaustive(t *testing.T) {
	alphabet := []string{"a", "\ta", "  a", "\t\ta", "b", "\tb", "    b", "", "  "}
	var files []string
	var gen func(prefix []string, n int)
	gen = func(prefix []string, n int) {
		if n == 0 {
			files = append(files, strings.Join(prefix, "\n")+"\n")
			return
		}
		for _, l := range alphabet {
			gen(append(prefix, l), n-1)
		}
	}
	for n := 1; n <= 4; n++ {
		gen(nil, n)
	}
	searches := files
	count := 0
	for i, f := range files {
		if i%7 != 0 {
			continue // a sample keeps the test quick
		}
		for j, s := range searches {
			if j%5 != 0 || strings.Count(s, "\n") > 3 {
				continue
			}
			b := SearchReplace{Search: s, Replace: "\tX\n  Y\n"}
			want, wantOK := referenceApply(f, b)
			got, gotOK := apply(f, b)
			if got != want || gotOK != wantOK {
				t.Fatalf("apply(%q, %q) = %q, %v; the reference gives %q, %v", f, s, got, gotOK, want, wantOK)
			}
			count++
		}
	}
	if count < 1000 {
		t.Fatalf("only %d cases compared", count)
	}
}

// TestApplyWorkIsLinear checks the bound that makes a hostile reply cheap:
// a SEARCH of many lines that nearly matches at every position of a file
// of the same line, in each pass. Doubling both doubles the work; a scan
// trying every position would quadruple it (and took minutes for a 150 KB
// reply).
func TestApplyWorkIsLinear(t *testing.T) {
	for _, tc := range []struct {
		name       string
		file, miss func(i int) string
	}{
		{"exact", func(int) string { return "x" }, func(int) string { return "y" }},
		{"shifted", func(int) string { return "\tx" }, func(int) string { return "  y" }},
		{"mapped", func(i int) string { return strings.Repeat("\t", i%2) + "x" }, func(int) string { return "y" }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			work := func(n int) int {
				var file, search strings.Builder
				for i := 0; i < n; i++ {
					file.WriteString(tc.file(i) + "\n")
				}
				for i := 0; i < n/2; i++ {
					search.WriteString(strings.TrimLeft(tc.file(i), "\t") + "\n")
				}
				search.WriteString(tc.miss(0) + "\n")
				ed := newEditor(file.String())
				ok, err := ed.apply(context.Background(), SearchReplace{Search: search.String(), Replace: "z\n"})
				if ok || err != nil {
					t.Fatalf("n=%d: ok=%v err=%v", n, ok, err)
				}
				return ed.work
			}
			small, large := work(2000), work(4000)
			if large > 3*small || small > 40*2000 {
				t.Fatalf("work grows faster than the input: %d comparisons for 2000 lines, %d for 4000", small, large)
			}
		})
	}
}

// TestApplyInterrupted checks that a cancelled context stops matching.
func TestApplyInterrupted(t *testing.T) {
	var file strings.Builder
	for i := 0; i < 200000; i++ {
		file.WriteString("x\n")
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	ed := newEditor(file.String())
	ok, err := ed.apply(ctx, SearchReplace{Search: "x\ny\n", Replace: "z\n"})
	if ok || err != context.Canceled {
		t.Fatalf("apply with a cancelled context = %v, %v; want context.Canceled", ok, err)
	}
}

// BenchmarkSearchReplaceHostile is the 150 KB reply of the security test:
// one SEARCH of 37,500 lines that matches a 75,000-line file everywhere
// but at its last line.
func BenchmarkSearchReplaceHostile(b *testing.B) {
	file := strings.Repeat("x\n", 75000)
	search := strings.Repeat("x\n", 37499) + "y\n"
	for b.Loop() {
		if _, ok := apply(file, SearchReplace{Search: search, Replace: "z\n"}); ok {
			b.Fatal("matched")
		}
	}
}

// BenchmarkSearchReplaceManyBlocks is a 150 KB reply of 3,000 small blocks
// editing one 3,000-line file.
func BenchmarkSearchReplaceManyBlocks(b *testing.B) {
	var file strings.Builder
	var blocks []SearchReplace
	for i := 0; i < 3000; i++ {
		line := "line " + strings.Repeat("x", i%40) + " " + itoa(i)
		file.WriteString("\t" + line + "\n")
		blocks = append(blocks, SearchReplace{Search: line + "\n", Replace: line + " edited\n"})
	}
	for b.Loop() {
		ed := newEditor(file.String())
		for _, blk := range blocks {
			if ok, _ := ed.apply(context.Background(), blk); !ok {
				b.Fatal("not found")
			}
		}
	}
}

// BenchmarkSearchReplaceHostileReference is the same with the matcher the
// editor replaced, at a tenth of the size (the full size takes minutes).
func BenchmarkSearchReplaceHostileReference(b *testing.B) {
	file := strings.Repeat("x\n", 7500)
	search := strings.Repeat("x\n", 3749) + "y\n"
	for b.Loop() {
		if _, ok := referenceApply(file, SearchReplace{Search: search, Replace: "z\n"}); ok {
			b.Fatal("matched")
		}
	}
}
