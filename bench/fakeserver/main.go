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
	"strings"
	"syscall"
	"time"

	"github.com/kirofile/kirofile/internal/fakellm"
)

func main() {
	script := flag.String("script", "", "fakellm script to answer from")
	latency := flag.Duration("latency", 0, "latency added to every reply")
	urlFile := flag.String("url-file", "", "file to write the base URL to")
	timeline := flag.String("timeline", "", "file to write, on exit, when each request arrived (Unix nanoseconds) and its last user message's first line")
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
	if *timeline != "" {
		if err := writeTimeline(*timeline, srv.Requests()); err != nil {
			fmt.Fprintln(os.Stderr, "fakeserver:", err)
			os.Exit(1)
		}
	}
}

// writeTimeline writes one line per request: the Unix time in nanoseconds
// at which its body had arrived, and the first line of its last message.
func writeTimeline(path string, requests []fakellm.Request) error {
	var b strings.Builder
	for _, r := range requests {
		first := ""
		if n := len(r.Messages); n > 0 {
			first, _, _ = strings.Cut(r.Messages[n-1].Content, "\n")
		}
		fmt.Fprintf(&b, "%d\t%s\n", r.Received.UnixNano(), first)
	}
	return os.WriteFile(path, []byte(b.String()), 0o644)
}
