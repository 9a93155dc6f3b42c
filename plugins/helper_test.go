package plugins

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	plugin "github.com/hashicorp/go-plugin"

	"github.com/kirofile/kirofile/providers"
)

// helperEnv makes the test binary serve a plugin instead of running tests:
// the helper-process pattern, so that tests start real plugin subprocesses
// without building anything.
const helperEnv = "KIROFILE_TEST_PLUGIN"

func TestMain(m *testing.M) {
	switch os.Getenv(helperEnv) {
	case "provider":
		ServeProvider(newFakeProvider)
		os.Exit(0)
	case "action":
		ServeAction(fakeAction{})
		os.Exit(0)
	case "builtin":
		// As `kirofile internal-plugin KIND NAME` would.
		os.Exit(ServeBuiltin(strings.Fields(os.Getenv(helperEnv + "_ARGS"))))
	}
	code := m.Run()
	plugin.CleanupClients()
	os.Exit(code)
}

// fakeProvider acts on the last message:
//
//	crash     the process exits mid-stream
//	panic     the handler panics
//	hang      it never answers
//	big:N     streams N bytes in 1 KiB deltas
//	length    finishes with "length"
//	nostream  answers without deltas
//	anything else is echoed back with the configured prefix
type fakeProvider struct{ prefix string }

func newFakeProvider(cfg []byte) (providers.Provider, error) {
	s := string(cfg)
	if s == "bad" {
		return nil, providers.Diagnostics{{Severity: providers.SeverityError, Summary: "bad config", Attribute: []string{"model"}, Code: "config"}}.Err()
	}
	return &fakeProvider{prefix: s}, nil
}

func (f *fakeProvider) Generate(ctx context.Context, req providers.Request, on providers.EventFunc) (*providers.Response, error) {
	last := ""
	if n := len(req.Messages); n > 0 {
		last = req.Messages[n-1].Content
	}
	switch {
	case last == "crash":
		on(providers.Event{Kind: providers.EventTextDelta, Text: "partial"})
		// An unrecovered panic in another goroutine kills the process
		// the way a real plugin bug would.
		go func() { panic("fake plugin: boom") }()
		select {}
	case last == "panic":
		panic("fake provider panicked")
	case last == "hang":
		select {}
	case last == "length":
		return &providers.Response{Text: "x", FinishReason: "length"}, nil
	case last == "auth":
		return nil, fmt.Errorf("fake: %w: check $KEY", providers.ErrAuth)
	case last == "nostream":
		return &providers.Response{Text: "whole", FinishReason: "stop"}, nil
	case strings.HasPrefix(last, "big:"), strings.HasPrefix(last, "paced:"):
		// big:N streams N bytes at once; paced:N one 1 KiB delta per
		// millisecond, as a (very fast) model would. The pace follows the
		// clock, not the time each delta took to hand over, as a stream
		// arriving from the network does.
		paced := strings.HasPrefix(last, "paced:")
		n, _ := strconv.Atoi(last[strings.Index(last, ":")+1:])
		chunk := strings.Repeat("y", 1024)
		var b strings.Builder
		start := time.Now()
		for i := 1; b.Len() < n; i++ {
			if paced {
				time.Sleep(time.Until(start.Add(time.Duration(i) * time.Millisecond)))
			}
			d := chunk[:min(len(chunk), n-b.Len())]
			b.WriteString(d)
			on(providers.Event{Kind: providers.EventTextDelta, Text: d})
		}
		on(providers.Event{Kind: providers.EventFinish, FinishReason: "stop"})
		return &providers.Response{Text: b.String(), FinishReason: "stop"}, nil
	}
	text := f.prefix + last
	on(providers.Event{Kind: providers.EventTextDelta, Text: text})
	u := providers.Usage{PromptTokens: 1, CompletionTokens: 2, TotalTokens: 3}
	on(providers.Event{Kind: providers.EventUsage, Usage: u})
	on(providers.Event{Kind: providers.EventFinish, FinishReason: "stop"})
	t := -1.0
	if req.Temperature != nil {
		t = *req.Temperature
	}
	return &providers.Response{Text: text, FinishReason: "stop", Usage: u, Model: fmt.Sprintf("%s/%v/%d", req.Model, t, req.MaxTokens)}, nil
}

type fakeAction struct{}

func (fakeAction) Run(ctx context.Context, req ActionRequest) (*ActionResult, error) {
	switch string(req.Config) {
	case `"fail"`:
		return &ActionResult{Passed: false, Output: []byte("it failed")}, nil
	case `"error"`:
		return nil, errors.New("cannot run")
	case `"crash"`:
		os.Exit(4)
	}
	return &ActionResult{Passed: true, Output: []byte(req.Event + " " + req.NodeAddress + " " + strings.Join(req.FilesWritten, ",") + " " + fmt.Sprint(req.SpecDocuments)),
		Diagnostics: providers.Diagnostics{{Severity: providers.SeverityWarning, Summary: "just so you know"}}}, nil
}
