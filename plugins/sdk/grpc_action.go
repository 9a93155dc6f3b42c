package sdk

import (
	"context"
	"errors"
	"fmt"
	"strconv"

	plugin "github.com/hashicorp/go-plugin"
	"google.golang.org/grpc"

	"github.com/kirofile/kirofile/plugins/pluginv1"
	"github.com/kirofile/kirofile/providers"
)

// ActionPlugin is the go-plugin Plugin of the HookAction service. Action is
// set on the serving side only.
type ActionPlugin struct {
	plugin.NetRPCUnsupportedPlugin
	Action HookAction
}

var _ plugin.GRPCPlugin = (*ActionPlugin)(nil)

// GRPCServer registers the HookAction service.
func (p *ActionPlugin) GRPCServer(_ *plugin.GRPCBroker, s *grpc.Server) error {
	pluginv1.RegisterHookActionServer(s, &actionServer{action: p.Action})
	return nil
}

// GRPCClient returns a *ActionClient, which implements HookAction.
func (p *ActionPlugin) GRPCClient(_ context.Context, _ *plugin.GRPCBroker, c *grpc.ClientConn) (interface{}, error) {
	return &ActionClient{rpc: pluginv1.NewHookActionClient(c)}, nil
}

type actionServer struct {
	pluginv1.UnimplementedHookActionServer
	action HookAction
}

func (s *actionServer) Run(ctx context.Context, req *pluginv1.Run_Request) (resp *pluginv1.Run_Response, err error) {
	defer func() {
		if r := recover(); r != nil {
			resp, err = &pluginv1.Run_Response{Diagnostics: []*pluginv1.Diagnostic{panicDiag(r)}}, nil
		}
	}()
	if s.action == nil {
		return &pluginv1.Run_Response{Diagnostics: diagsToProto(providers.DiagnosticsFromError(errors.New("this plugin serves no hook action")))}, nil
	}
	areq := ActionRequest{
		Event: req.GetEvent(), NodeAddress: req.GetNodeAddress(), Feature: req.GetFeature(),
		ProjectDir: req.GetProjectDir(), FilesWritten: req.GetFilesWritten(), Config: req.GetConfigJson(),
		FeatureOutputs: req.GetFeatureOutputs(), Task: req.GetTask(),
	}
	for _, d := range req.GetSpecDocuments() {
		areq.SpecDocuments = append(areq.SpecDocuments, SpecDocument{Name: d.GetName(), Path: d.GetPath()})
	}
	res, rerr := s.action.Run(ctx, areq)
	if rerr != nil {
		return &pluginv1.Run_Response{Diagnostics: diagsToProto(providers.DiagnosticsFromError(rerr))}, nil
	}
	if res == nil {
		return &pluginv1.Run_Response{Diagnostics: diagsToProto(providers.DiagnosticsFromError(errors.New("the action returned no result")))}, nil
	}
	resp = &pluginv1.Run_Response{Passed: res.Passed, Output: res.Output, Diagnostics: diagsToProto(res.Diagnostics)}
	if res.ExitCode != nil {
		code := int32(*res.ExitCode)
		resp.ExitCode = &code
	}
	return resp, nil
}

// ActionClient is the host side of a hook action plugin; it implements
// HookAction.
type ActionClient struct {
	rpc     pluginv1.HookActionClient
	wrapErr TransportErrorFunc
	name    string
}

// Identify names the plugin in the client's errors and lets the host
// explain transport failures.
func (c *ActionClient) Identify(name string, explain TransportErrorFunc) {
	c.name, c.wrapErr = name, explain
}

var _ HookAction = (*ActionClient)(nil)

// Run implements HookAction.
func (c *ActionClient) Run(ctx context.Context, req ActionRequest) (*ActionResult, error) {
	preq := &pluginv1.Run_Request{
		Event: req.Event, NodeAddress: req.NodeAddress, Feature: req.Feature, ProjectDir: req.ProjectDir,
		FilesWritten: req.FilesWritten, ConfigJson: req.Config, FeatureOutputs: req.FeatureOutputs, Task: req.Task,
	}
	for _, d := range req.SpecDocuments {
		preq.SpecDocuments = append(preq.SpecDocuments, &pluginv1.SpecDocument{Name: d.Name, Path: d.Path})
	}
	name := "(action)"
	if c.name != "" {
		name = strconv.Quote(c.name)
	}
	resp, err := c.rpc.Run(ctx, preq)
	if err != nil {
		op := "running for " + req.NodeAddress
		if c.wrapErr != nil {
			return nil, c.wrapErr(op, err)
		}
		return nil, fmt.Errorf("plugin %s: %s: %w", name, op, err)
	}
	diags := diagsFromProto(resp.GetDiagnostics())
	if err := diags.Err(); err != nil {
		return nil, fmt.Errorf("plugin %s: %s: %w", name, req.NodeAddress, err)
	}
	res := &ActionResult{Passed: resp.GetPassed(), Output: resp.GetOutput(), Diagnostics: diags}
	if resp.ExitCode != nil {
		code := int(resp.GetExitCode())
		res.ExitCode = &code
	}
	return res, nil
}
