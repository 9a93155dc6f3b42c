// Command fakeserver serves a fakellm script over HTTP for benchmarks of
// the real binary:
//
//	go run ./bench/fakeserver -script llm.script -latency 100ms -url-file url.txt
//
// It writes its base URL to -url-file, serves until interrupted, and then
// prints how many requests it answered.
package main

import (
	"flag"
	"fmt"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/kirofile/kirofile/internal/fakellm"
)

func main() {
	script := flag.String("script", "", "fakellm script to answer from")
	latency := flag.Duration("latency", 0, "latency added to every reply")
	urlFile := flag.String("url-file", "", "file to write the base URL to")
	flag.Parse()
	srv, err := fakellm.StartFromFile(*script, fakellm.Options{Latency: *latency})
	if err != nil {
		fmt.Fprintln(os.Stderr, "fakeserver:", err)
		os.Exit(1)
	}
	defer srv.Close()
	if *urlFile != "" {
		if err := os.WriteFile(*urlFile, []byte(srv.URL+"\n"), 0o644); err != nil {
			fmt.Fprintln(os.Stderr, "fakeserver:", err)
			os.Exit(1)
		}
	}
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	<-sigs
	time.Sleep(10 * time.Millisecond)
	fmt.Printf("fakeserver: %d requests\n", srv.Count())
}
