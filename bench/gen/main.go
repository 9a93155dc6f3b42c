// Command gen writes a synthetic kirofile project for benchmarks:
//
//	go run ./bench/gen -features 1000 -dir /tmp/kf1000
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
	flag.Parse()
	if *dir == "" {
		fmt.Fprintln(os.Stderr, "gen: -dir is required")
		os.Exit(1)
	}
	if err := bench.WriteProject(*dir, *features); err != nil {
		fmt.Fprintln(os.Stderr, "gen:", err)
		os.Exit(1)
	}
}
