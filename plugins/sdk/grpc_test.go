package sdk_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	plugin "github.com/hashicorp/go-plugin"

	"github.com/kirofile/kirofile/plugins/internal/fakeplugin"
	"github.com/kirofile/kirofile/plugins/sdk"
	"github.com/kirofile/kirofile/providers"
)

func inMemoryProvider(t *testing.T, config string) providers.Provider {
	t.Helper()
	client, _ := plugin.TestPluginGRPCConn(t, false, map[string]plugin.Plugin{"provider": &sdk.ProviderPlugin{Factory: fakeplugin.NewProvider}})
	t.Cleanup(func() { client.Close() })
	raw, err := client.Dispense("provider")
	if err != nil {
		t.Fatal(err)
	}
	p, err := raw.(*sdk.ProviderClient).Configure(context.Background(), []byte(config))
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func TestProviderAdapter(t *testing.T) {
	p := inMemoryProvider(t, "pre:")
	zero := 0.0
	req := fakeplugin.Request("hello")
	req.Temperature, req.Model, req.MaxTokens = &zero, "m", 7
	var events []providers.Event
	resp, err := p.Generate(context.Background(), req, func(e providers.Event) { events = append(events, e) })
	if err != nil {
		t.Fatal(err)
	}
	want := providers.Response{Text: "pre:hello", FinishReason: "stop", Usage: providers.Usage{PromptTokens: 1, CompletionTokens: 2, TotalTokens: 3}, Model: "m/0/7"}
	if *resp != want {
		t.Fatalf("resp = %+v, want %+v", *resp, want)
	}
	if len(events) != 3 || events[0].Text != "pre:hello" || events[1].Usage.TotalTokens != 3 || events[2].FinishReason != "stop" {
		t.Fatalf("events = %+v", events)
	}
	// No temperature stays no temperature.
	resp, err = p.Generate(context.Background(), fakeplugin.Request("x"), nil)
	if err != nil || resp.Model != "/-1/0" {
		t.Fatalf("resp = %+v, err %v", resp, err)
	}
}

func TestProviderAdapterFailures(t *testing.T) {
	p := inMemoryProvider(t, "")
	tests := []struct {
		input string
		want  string
		is    error
	}{
		{"length", `finish reason "length"`, providers.ErrTruncated},
		{"auth", "check $KEY", providers.ErrAuth},
		{"unavailable", "connection refused", providers.ErrUnavailable},
		{"panic", "the plugin panicked: fake provider panicked", nil},
	}
	for _, tt := range tests {
		t.Run(tt.input, func(t *testing.T) {
			_, err := p.Generate(context.Background(), fakeplugin.Request(tt.input), nil)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want %q", err, tt.want)
			}
			if tt.is != nil && !errors.Is(err, tt.is) {
				t.Errorf("%v is not %v", err, tt.is)
			}
		})
	}
	// A provider that does not stream still returns its whole text.
	resp, err := p.Generate(context.Background(), fakeplugin.Request("nostream"), nil)
	if err != nil || resp.Text != "whole" {
		t.Fatalf("resp = %+v, err %v", resp, err)
	}
}

func TestProviderConfigureDiagnostics(t *testing.T) {
	client, _ := plugin.TestPluginGRPCConn(t, false, map[string]plugin.Plugin{"provider": &sdk.ProviderPlugin{Factory: fakeplugin.NewProvider}})
	defer client.Close()
	raw, _ := client.Dispense("provider")
	_, err := raw.(*sdk.ProviderClient).Configure(context.Background(), []byte("bad"))
	if !errors.Is(err, providers.ErrConfig) || !strings.Contains(err.Error(), "model: bad config") {
		t.Fatalf("err = %v", err)
	}
}

func TestActionAdapter(t *testing.T) {
	client, _ := plugin.TestPluginGRPCConn(t, false, map[string]plugin.Plugin{"action": &sdk.ActionPlugin{Action: fakeplugin.Action{}}})
	defer client.Close()
	raw, err := client.Dispense("action")
	if err != nil {
		t.Fatal(err)
	}
	a := raw.(sdk.HookAction)
	req := sdk.ActionRequest{Event: "codegen.completed", NodeAddress: "feature.f.codegen.c", FilesWritten: []string{"a.go", "b.go"},
		SpecDocuments: []sdk.SpecDocument{{Name: "tasks", Path: "t.md"}}, Config: []byte(`{}`)}
	res, err := a.Run(context.Background(), req)
	if err != nil {
		t.Fatal(err)
	}
	if !res.Passed || string(res.Output) != "codegen.completed feature.f.codegen.c a.go,b.go [{tasks t.md}]" || len(res.Diagnostics) != 1 {
		t.Fatalf("res = %+v (%s)", res, res.Output)
	}
	req.Config = []byte(`"fail"`)
	if res, err = a.Run(context.Background(), req); err != nil || res.Passed || string(res.Output) != "it failed" {
		t.Fatalf("res = %+v, err %v", res, err)
	}
	req.Config = []byte(`"error"`)
	if _, err = a.Run(context.Background(), req); err == nil || !strings.Contains(err.Error(), "cannot run") {
		t.Fatalf("err = %v", err)
	}
}
