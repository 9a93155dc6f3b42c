package main

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"sync"
	"time"

	"github.com/kirofile/kirofile/bench"
)

// taskNodeRE reads a task's address in a transcript.
var taskNodeRE = regexp.MustCompile(`^feature\.([^.]+)\.codegen\.[^.]+\.task\["([0-9.]+)"\]$`)

// replayTasks sends the first attempt of every request an apply of the
// task benchmark's project made (bench.WriteTaskProject), as a bare client
// would, each feature's tasks in the order kirofile runs them
// (bench.TaskOrder): a task once those it runs after are done, the ready
// task with the longest chain after it first. Each reply is written
// atomically, as in replay. It prints the wall time in milliseconds.
func replayTasks(args []string) error {
	fset := flag.NewFlagSet("tasks", flag.ExitOnError)
	url := fset.String("url", "", "base URL of the endpoint, ending in /v1")
	dir := fset.String("transcripts", "", "directory of an apply's transcripts")
	out := fset.String("out", "", "directory to write the replies into")
	par := fset.Int("parallelism", 32, "requests at once")
	model := fset.String("model", "gpt-bench", "model to ask for")
	_ = fset.Parse(args)
	order := bench.TaskOrder()
	files, err := filepath.Glob(filepath.Join(*dir, "*.attempt-1.json"))
	if err != nil {
		return err
	}
	type node struct {
		t       *transcript
		waiting int
		after   []*node
		height  int
	}
	nodes := map[string]*node{} // "feature/id"
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			return err
		}
		t := &transcript{}
		if err := json.Unmarshal(data, t); err != nil {
			return fmt.Errorf("%s: %w", f, err)
		}
		if m := taskNodeRE.FindStringSubmatch(t.Node); m != nil {
			nodes[m[1]+"/"+m[2]] = &node{t: t}
		}
	}
	for key, n := range nodes {
		feature, id := splitKey(key)
		for _, up := range order[id] {
			u := nodes[feature+"/"+up]
			if u == nil {
				return errors.New("a feature's transcripts are incomplete")
			}
			n.waiting++
			u.after = append(u.after, n)
		}
	}
	var height func(n *node) int
	height = func(n *node) int {
		if n.height == 0 {
			n.height = 1
			for _, a := range n.after {
				n.height = max(n.height, height(a)+1)
			}
		}
		return n.height
	}
	var ready []*node
	for _, n := range nodes {
		height(n)
		if n.waiting == 0 {
			ready = append(ready, n)
		}
	}
	if err := os.MkdirAll(*out, 0o755); err != nil {
		return err
	}
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: *par}}
	var mu sync.Mutex
	cond := sync.NewCond(&mu)
	pending := len(nodes)
	var firstErr error
	start := time.Now()
	var wg sync.WaitGroup
	for range *par {
		wg.Go(func() {
			for {
				mu.Lock()
				for len(ready) == 0 && pending > 0 && firstErr == nil {
					cond.Wait()
				}
				if pending == 0 || firstErr != nil {
					mu.Unlock()
					return
				}
				sort.Slice(ready, func(i, j int) bool { return ready[i].height > ready[j].height })
				n := ready[0]
				ready = ready[1:]
				mu.Unlock()
				err := request(client, *url, *model, *out, n.t)
				mu.Lock()
				pending--
				if err != nil && firstErr == nil {
					firstErr = err
				}
				for _, a := range n.after {
					if a.waiting--; a.waiting == 0 {
						ready = append(ready, a)
					}
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

func splitKey(key string) (feature, id string) {
	for i := len(key) - 1; i >= 0; i-- {
		if key[i] == '/' {
			return key[:i], key[i+1:]
		}
	}
	return key, ""
}
