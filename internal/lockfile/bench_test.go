package lockfile

import "testing"

// The benchmarks size a large project: 5,000 nodes with two outputs each.
// The lock is read at the start and written after every node, so both
// directions matter.

func BenchmarkParse(b *testing.B) {
	data := manyLock(5000, 2).Bytes()
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		if _, _, diags := Parse(data, FileName); diags.HasErrors() {
			b.Fatal(diags.Error())
		}
	}
}

func BenchmarkBytes(b *testing.B) {
	l := manyLock(5000, 2)
	b.SetBytes(int64(len(l.Bytes())))
	b.ReportAllocs()
	for b.Loop() {
		l.Bytes()
	}
}

// BenchmarkParseHCL is the general parser on the same lock: what a lock
// that the dedicated parser leaves to HCL costs.
func BenchmarkParseHCL(b *testing.B) {
	data := manyLock(5000, 2).Bytes()
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		if _, _, diags := parseHCL(data, FileName); diags.HasErrors() {
			b.Fatal(diags.Error())
		}
	}
}
