// Command floor does, bare, what a kirofile command does beyond its own
// logic, so that bench/run.sh can compare kirofile with the floor of each
// measurement in the same run:
//
//	floor hash DIR        read and SHA-256 every project file (what a cold plan hashes), in parallel as plan does
//	floor parse DIR       parse every Kirofile of DIR with hclsyntax, nothing more
//	floor cold DIR        hash and parse together, in one process, as a cold plan must at the least
//	floor http [flags]    send the requests an apply sent (from its transcripts) with a plain HTTP client, writing each reply atomically
//	floor tasks [flags]   the same for the task benchmark's project, each feature's tasks in kirofile's order
//	floor time N CMD...   run CMD N times and print the median and the fastest wall time, in microseconds
package main

import (
	"bufio"
	"bytes"
	"container/heap"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclparse"

	"github.com/kirofile/kirofile/internal/fsutil"
)

func main() {
	if len(os.Args) < 2 {
		fail(errors.New("usage: floor hash|parse|http|tasks|time ARGS"))
	}
	var err error
	switch os.Args[1] {
	case "hash":
		err = hashAll(os.Args[2])
	case "parse":
		err = parse(os.Args[2])
	case "cold":
		err = cold(os.Args[2])
	case "http":
		err = replay(os.Args[2:])
	case "tasks":
		err = replayTasks(os.Args[2:])
	case "time":
		err = timeCmd(os.Args[2:])
	default:
		err = fmt.Errorf("unknown subcommand %q", os.Args[1])
	}
	if err != nil {
		fail(err)
	}
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "floor:", err)
	os.Exit(1)
}

// skip names what is not the project's: kirofile's state and the peers'
// build files.
func skip(rel string) bool {
	for _, p := range []string{".kirofile", ".git", ".task", "Makefile", "Taskfile.yml"} {
		if rel == p || strings.HasPrefix(rel, p+"/") {
			return true
		}
	}
	return false
}

// hashAll hashes every regular file of dir with 2 x GOMAXPROCS workers,
// the parallelism of plan's hashing.
func hashAll(dir string) error {
	var paths []string
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		if skip(filepath.ToSlash(rel)) {
			if d.IsDir() {
				return filepath.SkipDir
			}
			return nil
		}
		if d.Type().IsRegular() {
			paths = append(paths, p)
		}
		return nil
	})
	if err != nil {
		return err
	}
	jobs := make(chan string)
	var wg sync.WaitGroup
	var mu sync.Mutex
	var total int64
	for range runtime.GOMAXPROCS(0) * 2 {
		wg.Go(func() {
			buf := make([]byte, 64<<10)
			for p := range jobs {
				// Opened as plan opens them: without os.Open's four
				// calls more per file (fsutil.OpenRead).
				f, err := fsutil.OpenRead(p)
				if err != nil {
					continue
				}
				h := sha256.New()
				var n int64
				for {
					k, err := f.Read(buf)
					h.Write(buf[:k])
					n += int64(k)
					if err != nil {
						break
					}
				}
				f.Close()
				_ = h.Sum(nil)
				mu.Lock()
				total += n
				mu.Unlock()
			}
		})
	}
	for _, p := range paths {
		jobs <- p
	}
	close(jobs)
	wg.Wait()
	fmt.Printf("%d files, %d bytes\n", len(paths), total)
	return nil
}

// cold hashes every file of dir while it parses the Kirofiles of dir, on
// the same cores: the least a plan with no cache must do, since it can
// decide nothing without both. The parse is hclsyntax's, whole, on one
// core; the hashing takes the other core and whatever the parse leaves.
// Nothing is collected: a floor does the least, and this process ends
// before its garbage matters.
func cold(dir string) error {
	debug.SetGCPercent(-1)
	var parsed error
	var wg sync.WaitGroup
	wg.Go(func() { parsed = parse(dir) })
	hashed := hashAll(dir)
	wg.Wait()
	return errors.Join(hashed, parsed)
}

// parse parses the Kirofiles of dir as kirofile's loader finds them.
func parse(dir string) error {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return err
	}
	p := hclparse.NewParser()
	var diags hcl.Diagnostics
	for _, e := range entries {
		name := e.Name()
		switch {
		case name == "Kirofile" || strings.HasSuffix(name, ".kiro.hcl"):
			_, d := p.ParseHCLFile(filepath.Join(dir, name))
			diags = append(diags, d...)
		case name == "Kirofile.json" || strings.HasSuffix(name, ".kiro.json"):
			_, d := p.ParseJSONFile(filepath.Join(dir, name))
			diags = append(diags, d...)
		}
	}
	if diags.HasErrors() {
		return diags
	}
	return nil
}

// timeCmd runs a command n times and prints the median and the fastest
// wall time in microseconds.
func timeCmd(args []string) error {
	if len(args) < 2 {
		return errors.New("usage: floor time N CMD [ARGS...]")
	}
	n, err := strconv.Atoi(args[0])
	if err != nil || n < 1 {
		return fmt.Errorf("bad count %q", args[0])
	}
	var ds []time.Duration
	for range n {
		cmd := exec.Command(args[1], args[2:]...)
		start := time.Now()
		if err := cmd.Run(); err != nil {
			return fmt.Errorf("%s: %w", strings.Join(args[1:], " "), err)
		}
		ds = append(ds, time.Since(start))
	}
	slices.Sort(ds)
	fmt.Printf("%d %d\n", ds[len(ds)/2].Microseconds(), ds[0].Microseconds())
	return nil
}

// transcript is what kirofile keeps of a request (.kirofile/transcripts).
type transcript struct {
	Node     string `json:"node"`
	Attempt  int    `json:"attempt"`
	Messages []struct {
		Role    string `json:"role"`
		Content string `json:"content"`
	} `json:"messages"`
}

// replay sends the first attempt of every request an apply of the apply
// benchmark's project made (four nodes a feature, each after the one
// before), as a bare client would: the same messages, streamed replies
// read to the end, each reply written atomically (temporary file, fsync,
// rename, directory fsync) as kirofile writes a document. Among the
// requests ready to go, those with the longest chain after them go first,
// as in kirofile's walk. It prints the wall time in milliseconds.
func replay(args []string) error {
	fset := flag.NewFlagSet("http", flag.ExitOnError)
	url := fset.String("url", "", "base URL of the endpoint, ending in /v1")
	dir := fset.String("transcripts", "", "directory of an apply's transcripts")
	out := fset.String("out", "", "directory to write the replies into")
	par := fset.Int("parallelism", 32, "requests at once")
	model := fset.String("model", "gpt-bench", "model to ask for")
	_ = fset.Parse(args)
	stages := []string{".spec.requirements", ".spec.design", ".spec.tasks", ".codegen.service"}
	chains := map[string][]*transcript{}
	files, err := filepath.Glob(filepath.Join(*dir, "*.attempt-1.json"))
	if err != nil {
		return err
	}
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			return err
		}
		t := &transcript{}
		if err := json.Unmarshal(data, t); err != nil {
			return fmt.Errorf("%s: %w", f, err)
		}
		for i, s := range stages {
			if feature, ok := strings.CutSuffix(t.Node, s); ok {
				c := chains[feature]
				if c == nil {
					c = make([]*transcript, len(stages))
					chains[feature] = c
				}
				c[i] = t
			}
		}
	}
	if err := os.MkdirAll(*out, 0o755); err != nil {
		return err
	}
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: *par}}
	var mu sync.Mutex
	cond := sync.NewCond(&mu)
	ready := &readyQueue{}
	for _, c := range chains {
		if slices.Contains(c, nil) {
			return errors.New("a feature's transcripts are incomplete")
		}
		heap.Push(ready, item{chain: c, stage: 0})
	}
	pending := len(chains) * len(stages)
	var firstErr error
	start := time.Now()
	var wg sync.WaitGroup
	for range *par {
		wg.Go(func() {
			for {
				mu.Lock()
				for ready.Len() == 0 && pending > 0 && firstErr == nil {
					cond.Wait()
				}
				if pending == 0 || firstErr != nil {
					mu.Unlock()
					return
				}
				it := heap.Pop(ready).(item)
				mu.Unlock()
				err := request(client, *url, *model, *out, it.chain[it.stage])
				mu.Lock()
				pending--
				if err != nil && firstErr == nil {
					firstErr = err
				}
				if it.stage+1 < len(it.chain) {
					heap.Push(ready, item{chain: it.chain, stage: it.stage + 1})
				}
				cond.Broadcast()
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	if firstErr != nil {
		return firstErr
	}
	fmt.Println(time.Since(start).Milliseconds())
	return nil
}

// item is a feature's chain of requests, at one of its stages.
type item struct {
	chain []*transcript
	stage int
}

// readyQueue orders requests by the length of the chain left after them.
type readyQueue []item

func (q readyQueue) Len() int { return len(q) }
func (q readyQueue) Less(i, j int) bool {
	return len(q[i].chain)-q[i].stage > len(q[j].chain)-q[j].stage
}
func (q readyQueue) Swap(i, j int) { q[i], q[j] = q[j], q[i] }
func (q *readyQueue) Push(x any)   { *q = append(*q, x.(item)) }
func (q *readyQueue) Pop() any {
	old := *q
	x := old[len(old)-1]
	*q = old[:len(old)-1]
	return x
}

// request streams one chat completion and writes its text atomically.
func request(client *http.Client, url, model, out string, t *transcript) error {
	body, err := json.Marshal(map[string]any{
		"model": model, "messages": t.Messages, "stream": true,
		"stream_options": map[string]bool{"include_usage": true}, "temperature": 0,
	})
	if err != nil {
		return err
	}
	resp, err := client.Post(url+"/chat/completions", "application/json", bytes.NewReader(body))
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(resp.Body)
		return fmt.Errorf("%s: %s: %s", t.Node, resp.Status, b)
	}
	var text strings.Builder
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 64<<10), 16<<20)
	for sc.Scan() {
		line, ok := strings.CutPrefix(sc.Text(), "data: ")
		if !ok || line == "[DONE]" {
			continue
		}
		var chunk struct {
			Choices []struct {
				Delta struct {
					Content string `json:"content"`
				} `json:"delta"`
			} `json:"choices"`
		}
		if json.Unmarshal([]byte(line), &chunk) == nil {
			for _, c := range chunk.Choices {
				text.WriteString(c.Delta.Content)
			}
		}
	}
	if err := sc.Err(); err != nil {
		return err
	}
	return writeAtomic(filepath.Join(out, t.Node+".txt"), []byte(text.String()))
}

func writeAtomic(path string, data []byte) error {
	dir := filepath.Dir(path)
	tmp, err := os.CreateTemp(dir, ".tmp-*")
	if err != nil {
		return err
	}
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return err
	}
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}
