// Package fakeplugin is a provider and a hook action for the plugin
// tests, served from the test binary itself (the helper-process pattern),
// so that tests start real plugin subprocesses without building anything.
package fakeplugin

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"

	plugin "github.com/hashicorp/go-plugin"

	"github.com/kirofile/kirofile/plugins/sdk"
	"github.com/kirofile/kirofile/providers"
)

// HelperEnv makes a test binary serve a plugin instead of running tests:
// "provider" serves NewProvider, "action" serves Action; "provider-automtls"
// serves NewProvider as a plugin built with an earlier SDK does, with
// go-plugin's own Serve and AutoMTLS.
const HelperEnv = "KIROFILE_TEST_PLUGIN"

// ServeIfHelper serves the plugin HelperEnv names and exits, or returns
// when the variable is not set. Call it first in TestMain.
func ServeIfHelper() {
	switch os.Getenv(HelperEnv) {
	case "provider":
		sdk.ServeProvider(NewProvider)
		os.Exit(0)
	case "action":
		sdk.ServeAction(Action{})
		os.Exit(0)
	case "provider-automtls":
		plugin.Serve(&plugin.ServeConfig{
			HandshakeConfig: sdk.Handshake,
			Plugins:         sdk.PluginMap(&sdk.ProviderPlugin{Factory: NewProvider}, nil),
			GRPCServer:      plugin.DefaultGRPCServer,
		})
		os.Exit(0)
	}
}

// Provider acts on the last message:
//
//	crash     the process exits mid-stream
//	panic     the handler panics
//	hang      it never answers
//	big:N     streams N bytes in 1 KiB deltas
//	length    finishes with "length"
//	nostream  answers without deltas
//	whole:N   answers N bytes without deltas
//	anything else is echoed back with the configured prefix
type Provider struct{ prefix string }

// NewProvider configures a Provider; the configuration "bad" is refused.
func NewProvider(cfg []byte) (providers.Provider, error) {
	s := string(cfg)
	if s == "bad" {
		return nil, providers.Diagnostics{{Severity: providers.SeverityError, Summary: "bad config", Attribute: []string{"model"}, Code: "config"}}.Err()
	}
	return &Provider{prefix: s}, nil
}

func (f *Provider) Generate(ctx context.Context, req providers.Request, on providers.EventFunc) (*providers.Response, error) {
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
	case last == "unavailable":
		return nil, fmt.Errorf("fake: connection refused: %w", providers.ErrUnavailable)
	case last == "nostream":
		return &providers.Response{Text: "whole", FinishReason: "stop"}, nil
	case strings.HasPrefix(last, "whole:"):
		// whole:N answers N bytes in the final message only.
		n, _ := strconv.Atoi(strings.TrimPrefix(last, "whole:"))
		return &providers.Response{Text: strings.Repeat("z", n), FinishReason: "stop"}, nil
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

// Action passes, fails, errs or crashes as its configuration says.
type Action struct{}

func (Action) Run(ctx context.Context, req sdk.ActionRequest) (*sdk.ActionResult, error) {
	switch string(req.Config) {
	case `"fail"`:
		return &sdk.ActionResult{Passed: false, Output: []byte("it failed")}, nil
	case `"error"`:
		return nil, errors.New("cannot run")
	case `"crash"`:
		os.Exit(4)
	case `"env"`:
		// What a command the action starts would inherit.
		return &sdk.ActionResult{Passed: true, Output: []byte(strings.Join(os.Environ(), "\n"))}, nil
	}
	if strings.Contains(string(req.Config), `"hang"`) {
		select {} // ignores its context, as a broken plugin may
	}
	return &sdk.ActionResult{Passed: true, Output: []byte(req.Event + " " + req.NodeAddress + " " + strings.Join(req.FilesWritten, ",") + " " + fmt.Sprint(req.SpecDocuments)),
		Diagnostics: providers.Diagnostics{{Severity: providers.SeverityWarning, Summary: "just so you know"}}}, nil
}

// Request is a request whose last message is s, the word that tells
// Provider what to do.
func Request(s string) providers.Request {
	return providers.Request{NodeAddress: "feature.f.codegen.c", Messages: []providers.Message{{Role: providers.RoleSystem, Content: "s"}, {Role: providers.RoleUser, Content: s}}}
}
