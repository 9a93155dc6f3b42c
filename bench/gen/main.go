// Command gen writes a synthetic kirofile project for benchmarks:
//
//	go run ./bench/gen -features 1000 -dir /tmp/kf1000
//	go run ./bench/gen -features 1000 -generated -dir /tmp/kf1000g
//	go run ./bench/gen -features 200 -apply -dir /tmp/kf200a
//	go run ./bench/gen -features 1000 -generated -peers -dir /tmp/kf1000g
//	go run ./bench/gen -chain 500 [-across] -dir /tmp/chain500
//	go run ./bench/gen -features 5000 -docs -dir /tmp/kf5000d
//	go run ./bench/gen -features 20 -tasks -dir /tmp/kf20t
//
// With -generated, every node is generated and approved: spec documents,
// ten 10 KB files per codegen and a full Kirofile.lock.hcl.
package main

import (
	"flag"
	"fmt"
	"os"

	"github.com/kirofile/kirofile/bench"
)

func main() {
	features := flag.Int("features", 1000, "number of features (five nodes each)")
	dir := flag.String("dir", "", "directory to write the project into")
	generated := flag.Bool("generated", false, "also generate every node, approve every spec and write the lock")
	files := flag.Int("files", 10, "with -generated: files per codegen")
	size := flag.Int("size", 10_000, "with -generated: bytes per generated file")
	apply := flag.Bool("apply", false, "write the apply benchmark's project (four auto-approved nodes a feature) and its llm.script")
	chain := flag.Int("chain", 0, "write a project whose specs form one chain of this many documents, and its llm.script")
	across := flag.Bool("across", false, "with -chain: the chain runs through features of three specs each")
	docs := flag.Bool("docs", false, "also write every spec document, each passing validate (no lock, no code)")
	tasks := flag.Bool("tasks", false, "write the task benchmark's project (a codegen a feature running ten tasks in waves, its documents written, to approve) and its llm.script")
	peers := flag.Bool("peers", false, "with -generated: also write a Makefile and a Taskfile.yml of the same graph, and order the files' times for make")
	flag.Parse()
	if *dir == "" {
		fmt.Fprintln(os.Stderr, "gen: -dir is required")
		os.Exit(1)
	}
	var err error
	if *chain > 0 {
		err = bench.WriteChainProject(*dir, *chain, *across)
	} else if *tasks {
		err = bench.WriteTaskProject(*dir, *features)
	} else if *apply {
		err = bench.WriteApplyProject(*dir, *features)
	} else if *generated {
		err = bench.WriteGeneratedProject(*dir, *features, *files, *size)
		if err == nil && *peers {
			err = bench.WritePeers(*dir, *features, *files)
		}
	} else if *docs {
		err = bench.WriteDocuments(*dir, *features)
	} else {
		err = bench.WriteProject(*dir, *features)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "gen:", err)
		os.Exit(1)
	}
}
