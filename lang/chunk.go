package lang

import (
	"bytes"
	"runtime"
	"sync"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
)

// A configuration of thousands of features is one large file, and
// hclsyntax parses a file on one core. parseChunked parses such a file in
// pieces, one per core, cut where a top-level block seems to end, and
// joins the pieces into the body a parse of the whole file gives.
//
// A cut is only a guess (a line holding just "}" may end a heredoc, a
// comment or a nested block), so it is checked: a piece cut anywhere but
// between two top-level items does not parse cleanly, since it ends, or
// starts, inside something. A piece parsed from its own place in the
// file (hclsyntax takes the position to start at) has the positions the
// whole parse gives it. So when every piece parses without a diagnostic
// and no argument is set in two pieces, the joined body is the whole
// parse's; otherwise the file is parsed whole, which reports what is
// wrong exactly as it always did.
const (
	// chunkedMinSize is the size from which a file is parsed in pieces:
	// below it, a whole parse takes about as long as starting the others.
	chunkedMinSize = 64 << 10
	// chunkMinSize bounds the number of pieces of a file.
	chunkMinSize = 32 << 10
	// chunkMax bounds the pieces of a file, whatever the cores.
	chunkMax = 8
)

// parseChunked parses an HCL configuration file in pieces in parallel. It
// returns nil when the file is too small to gain from it, or when the
// pieces do not join into what parsing the whole file gives.
func parseChunked(src []byte, filename string) *hcl.File {
	n := min(runtime.GOMAXPROCS(0), chunkMax, len(src)/chunkMinSize)
	if len(src) < chunkedMinSize || n < 2 {
		return nil
	}
	return parsePieces(src, filename, n)
}

// parsePieces parses src in up to n pieces; see parseChunked.
func parsePieces(src []byte, filename string, n int) *hcl.File {
	cuts := chunkCuts(src, n)
	if len(cuts) == 0 {
		return nil
	}
	bounds := append(append([]int{0}, cuts...), len(src))
	files := make([]*hcl.File, len(bounds)-1)
	clean := make([]bool, len(files))
	var wg sync.WaitGroup
	for i := range files {
		wg.Go(func() {
			start := positionAt(src, bounds[i])
			f, diags := hclsyntax.ParseConfig(src[bounds[i]:bounds[i+1]], filename, start)
			files[i], clean[i] = f, len(diags) == 0
		})
	}
	wg.Wait()
	for _, ok := range clean {
		if !ok {
			return nil
		}
	}
	// The first piece's body becomes the whole's: the file's navigation
	// (what names the block around a diagnostic) walks that body.
	root, ok := files[0].Body.(*hclsyntax.Body)
	if !ok {
		return nil
	}
	for _, f := range files[1:] {
		b, ok := f.Body.(*hclsyntax.Body)
		if !ok {
			return nil
		}
		for name, attr := range b.Attributes {
			if _, dup := root.Attributes[name]; dup {
				return nil // the whole parse reports it
			}
			root.Attributes[name] = attr
		}
		root.Blocks = append(root.Blocks, b.Blocks...)
		root.SrcRange = hcl.RangeBetween(root.SrcRange, b.SrcRange)
		root.EndRange = b.EndRange
	}
	files[0].Bytes = src
	return files[0]
}

// chunkCuts returns up to n-1 offsets, in order, at which src seems to
// pass from one top-level item to the next: after a line holding only a
// closing brace, before a line that starts in its first column with
// neither a brace nor a blank. Each is the first such offset from an n-th
// of the file on.
func chunkCuts(src []byte, n int) []int {
	var cuts []int
	from := 0
	for i := 1; i < n; i++ {
		at := max(from, len(src)*i/n)
		cut := nextCut(src, at)
		if cut < 0 {
			break
		}
		if len(cuts) == 0 || cut > cuts[len(cuts)-1] {
			cuts = append(cuts, cut)
		}
		from = cut + 1
	}
	return cuts
}

// nextCut returns the first offset from at where a line holding only "}"
// (and a carriage return) has ended and the next line that is not blank
// starts a new item, or -1.
func nextCut(src []byte, at int) int {
	for {
		i := bytes.Index(src[at:], []byte("\n}"))
		if i < 0 {
			return -1
		}
		end := at + i + 2 // after the brace
		at = end
		if end < len(src) && src[end] == '\r' {
			end++
		}
		if end >= len(src) || src[end] != '\n' {
			continue
		}
		cut := end + 1
		// Blank lines may part the items.
		next := cut
		for next < len(src) {
			eol := bytes.IndexByte(src[next:], '\n')
			if eol < 0 || len(bytes.TrimSpace(src[next:next+eol])) > 0 {
				break
			}
			next += eol + 1
		}
		if next < len(src) && startsItem(src[next]) {
			return cut
		}
	}
}

// startsItem reports whether a line starting with c, in its first column,
// may start a top-level item (or a comment before one).
func startsItem(c byte) bool {
	switch c {
	case ' ', '\t', '\r', '\n', '}', ']', ')':
		return false
	}
	return true
}

// positionAt is the position of offset in src, as hclsyntax counts it:
// lines from 1, columns in characters from 1. Only offsets at the start of
// a line are asked for.
func positionAt(src []byte, offset int) hcl.Pos {
	return hcl.Pos{Line: 1 + bytes.Count(src[:offset], []byte("\n")), Column: 1, Byte: offset}
}
