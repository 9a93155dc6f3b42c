package sdk

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"runtime/debug"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"

	plugin "github.com/hashicorp/go-plugin"
	"google.golang.org/grpc"

	"github.com/kirofile/kirofile/plugins/pluginv1"
	"github.com/kirofile/kirofile/providers"
)

// ProviderPlugin is the go-plugin Plugin of the Provider service. Factory
// is set on the serving side only.
type ProviderPlugin struct {
	plugin.NetRPCUnsupportedPlugin
	Factory ProviderFactory
}

var _ plugin.GRPCPlugin = (*ProviderPlugin)(nil)

// GRPCServer registers the Provider service.
func (p *ProviderPlugin) GRPCServer(_ *plugin.GRPCBroker, s *grpc.Server) error {
	pluginv1.RegisterProviderServer(s, &providerServer{factory: p.Factory, instances: map[string]providers.Provider{}})
	return nil
}

// GRPCClient returns a *ProviderClient.
func (p *ProviderPlugin) GRPCClient(_ context.Context, _ *plugin.GRPCBroker, c *grpc.ClientConn) (interface{}, error) {
	return &ProviderClient{rpc: pluginv1.NewProviderClient(c)}, nil
}

type providerServer struct {
	pluginv1.UnimplementedProviderServer
	factory   ProviderFactory
	mu        sync.Mutex
	next      int
	instances map[string]providers.Provider
}

// panicDiag turns a panic in plugin code into an error diagnostic, so that
// one bad request fails its node and the process keeps serving the others.
// The stack goes to the plugin's stderr, which the host logs (and shows
// when the plugin crashes), not into the message a user reads.
func panicDiag(r any) *pluginv1.Diagnostic {
	fmt.Fprintf(os.Stderr, "kirofile plugin: panic: %v\n%s", r, debug.Stack())
	return &pluginv1.Diagnostic{
		Severity: pluginv1.Diagnostic_ERROR,
		Summary:  fmt.Sprintf("the plugin panicked: %v", r),
		Detail:   "this is a bug in the plugin; its log has the stack trace (KIROFILE_LOG=debug)",
	}
}

func (s *providerServer) Configure(ctx context.Context, req *pluginv1.Configure_Request) (resp *pluginv1.Configure_Response, err error) {
	defer func() {
		if r := recover(); r != nil {
			resp, err = &pluginv1.Configure_Response{Diagnostics: []*pluginv1.Diagnostic{panicDiag(r)}}, nil
		}
	}()
	if s.factory == nil {
		return &pluginv1.Configure_Response{Diagnostics: diagsToProto(providers.DiagnosticsFromError(errors.New("this plugin serves no provider")))}, nil
	}
	p, err := s.factory(req.GetConfigJson())
	if err != nil {
		return &pluginv1.Configure_Response{Diagnostics: diagsToProto(providers.DiagnosticsFromError(err))}, nil
	}
	if p == nil {
		return &pluginv1.Configure_Response{Diagnostics: diagsToProto(providers.DiagnosticsFromError(errors.New("the provider factory returned no provider")))}, nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.next++
	id := "p" + strconv.Itoa(s.next)
	s.instances[id] = p
	return &pluginv1.Configure_Response{InstanceId: id}, nil
}

func (s *providerServer) Generate(req *pluginv1.Generate_Request, stream grpc.ServerStreamingServer[pluginv1.Generate_Event]) (err error) {
	done := &pluginv1.Generate_Done{}
	defer func() {
		if r := recover(); r != nil {
			done = &pluginv1.Generate_Done{Diagnostics: []*pluginv1.Diagnostic{panicDiag(r)}}
		}
		if err == nil {
			err = stream.Send(&pluginv1.Generate_Event{Event: &pluginv1.Generate_Event_Done{Done: done}})
		}
	}()
	s.mu.Lock()
	p := s.instances[req.GetInstanceId()]
	s.mu.Unlock()
	if p == nil {
		done.Diagnostics = diagsToProto(providers.DiagnosticsFromError(fmt.Errorf("unknown provider instance %q: Configure first", req.GetInstanceId())))
		return nil
	}
	preq := providers.Request{NodeAddress: req.GetNodeAddress(), Model: req.GetModel(), MaxTokens: int(req.GetMaxTokens())}
	if req.Temperature != nil {
		t := req.GetTemperature()
		preq.Temperature = &t
	}
	for _, m := range req.GetMessages() {
		preq.Messages = append(preq.Messages, providers.Message{Role: providers.Role(m.GetRole()), Content: m.GetContent()})
	}
	var (
		sendMu  sync.Mutex
		sendErr error
		sent    strings.Builder
	)
	send := func(ev *pluginv1.Generate_Event) {
		sendMu.Lock()
		defer sendMu.Unlock()
		if sendErr == nil {
			sendErr = stream.Send(ev)
		}
	}
	resp, gerr := p.Generate(stream.Context(), preq, func(e providers.Event) {
		switch e.Kind {
		case providers.EventTextDelta:
			if e.Text == "" {
				return
			}
			sendMu.Lock()
			sent.WriteString(e.Text)
			sendMu.Unlock()
			send(&pluginv1.Generate_Event{Event: &pluginv1.Generate_Event_TextDelta{TextDelta: e.Text}})
		case providers.EventUsage:
			send(&pluginv1.Generate_Event{Event: &pluginv1.Generate_Event_Usage{Usage: usageToProto(e.Usage)}})
		case providers.EventFinish:
			send(&pluginv1.Generate_Event{Event: &pluginv1.Generate_Event_FinishReason{FinishReason: e.FinishReason}})
		}
	})
	sendMu.Lock()
	defer sendMu.Unlock()
	if sendErr != nil {
		return sendErr // transport failure: the host is gone
	}
	if gerr != nil {
		done.Diagnostics = diagsToProto(providers.DiagnosticsFromError(gerr))
		return nil
	}
	if resp == nil {
		done.Diagnostics = diagsToProto(providers.DiagnosticsFromError(errors.New("the provider returned no response")))
		return nil
	}
	done.Usage = usageToProto(resp.Usage)
	done.FinishReason = resp.FinishReason
	done.Model = resp.Model
	if resp.Text != sent.String() {
		t := resp.Text
		done.Text = &t
	}
	return nil
}

// TransportErrorFunc explains a failed call to a plugin process: the host
// knows whether the process crashed, hung or was stopped.
type TransportErrorFunc func(op string, err error) error

// ProviderClient is the host side of a provider plugin.
type ProviderClient struct {
	rpc pluginv1.ProviderClient
	// wrapErr, when set by the host, turns a transport error into one that
	// says whether the process crashed.
	wrapErr TransportErrorFunc
	name    string
}

// Identify names the plugin in the client's errors and lets the host
// explain transport failures.
func (c *ProviderClient) Identify(name string, explain TransportErrorFunc) {
	c.name, c.wrapErr = name, explain
}

func (c *ProviderClient) transportErr(op string, err error) error {
	if c.wrapErr != nil {
		return c.wrapErr(op, err)
	}
	return fmt.Errorf("plugin %s: %s: %w", c.displayName(), op, err)
}

func (c *ProviderClient) displayName() string {
	if c.name == "" {
		return "(provider)"
	}
	return strconv.Quote(c.name)
}

// Configure sends a provider block's configuration and returns the
// configured provider.
func (c *ProviderClient) Configure(ctx context.Context, config []byte) (providers.Provider, error) {
	resp, err := c.rpc.Configure(ctx, &pluginv1.Configure_Request{ConfigJson: config})
	if err != nil {
		return nil, c.transportErr("configure", err)
	}
	if err := diagsFromProto(resp.GetDiagnostics()).Err(); err != nil {
		// The provider's own words: the caller names the provider block.
		return nil, fmt.Errorf("invalid configuration: %w", err)
	}
	if resp.GetInstanceId() == "" {
		return nil, fmt.Errorf("plugin %s: configure returned no instance id", c.displayName())
	}
	return &remoteProvider{c: c, id: resp.GetInstanceId()}, nil
}

type remoteProvider struct {
	c  *ProviderClient
	id string
	// warnings counts warnings received, for tests and logs.
	warnings atomic.Int64
}

var _ providers.Provider = (*remoteProvider)(nil)

func (r *remoteProvider) Generate(ctx context.Context, req providers.Request, onEvent providers.EventFunc) (*providers.Response, error) {
	if onEvent == nil {
		onEvent = func(providers.Event) {}
	}
	preq := &pluginv1.Generate_Request{InstanceId: r.id, NodeAddress: req.NodeAddress, Model: req.Model, MaxTokens: int64(req.MaxTokens), Temperature: req.Temperature}
	for _, m := range req.Messages {
		preq.Messages = append(preq.Messages, &pluginv1.Message{Role: string(m.Role), Content: m.Content})
	}
	node := req.NodeAddress
	if node == "" {
		node = "(unnamed node)"
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel() // ends the stream on every return path
	stream, err := r.c.rpc.Generate(ctx, preq)
	if err != nil {
		return nil, r.c.transportErr("generating for "+node, err)
	}
	var text strings.Builder
	out := &providers.Response{}
	for {
		ev, err := stream.Recv()
		if errors.Is(err, io.EOF) {
			return nil, fmt.Errorf("plugin %s: generating for %s: the stream ended without a Done event", r.c.displayName(), node)
		}
		if err != nil {
			return nil, r.c.transportErr("generating for "+node, err)
		}
		switch e := ev.GetEvent().(type) {
		case *pluginv1.Generate_Event_TextDelta:
			text.WriteString(e.TextDelta)
			onEvent(providers.Event{Kind: providers.EventTextDelta, Text: e.TextDelta})
		case *pluginv1.Generate_Event_Usage:
			out.Usage = usageFromProto(e.Usage)
			onEvent(providers.Event{Kind: providers.EventUsage, Usage: out.Usage})
		case *pluginv1.Generate_Event_FinishReason:
			out.FinishReason = e.FinishReason
			onEvent(providers.Event{Kind: providers.EventFinish, FinishReason: e.FinishReason})
		case *pluginv1.Generate_Event_Diagnostic:
			r.warnings.Add(1)
		case *pluginv1.Generate_Event_Done:
			d := e.Done
			if err := diagsFromProto(d.GetDiagnostics()).Err(); err != nil {
				// The provider's own words; the caller names the node and
				// the provider block.
				return nil, err
			}
			if d.Usage != nil {
				out.Usage = usageFromProto(d.Usage)
			}
			if d.GetFinishReason() != "" {
				out.FinishReason = d.GetFinishReason()
			}
			out.Model = d.GetModel()
			out.Text = text.String()
			if d.Text != nil {
				out.Text = d.GetText()
			}
			// The host enforces the contract too: a plugin that reports
			// success without "stop" has produced a truncated reply.
			if out.FinishReason != providers.FinishStop {
				return nil, fmt.Errorf("plugin %s: %s: %w: finish reason %q", r.c.displayName(), node, providers.ErrTruncated, out.FinishReason)
			}
			return out, nil
		}
	}
}
