package sdk_test

import (
	"context"
	"testing"

	"github.com/hashicorp/go-plugin"

	"github.com/kirofile/kirofile/plugins/sdk"
)

// The exit status and the task id cross the protocol both ways, and an
// action that reports no status stays without one.
func TestActionAdapterExitCodeAndTask(t *testing.T) {
	action := sdk.ActionFunc(func(_ context.Context, req sdk.ActionRequest) (*sdk.ActionResult, error) {
		res := &sdk.ActionResult{Passed: req.Task != "3", Output: []byte(req.Task)}
		if req.Task != "" {
			code := len(req.Task)
			res.ExitCode = &code
		}
		return res, nil
	})
	client, _ := plugin.TestPluginGRPCConn(t, false, map[string]plugin.Plugin{"action": &sdk.ActionPlugin{Action: action}})
	defer client.Close()
	raw, err := client.Dispense("action")
	if err != nil {
		t.Fatal(err)
	}
	a := raw.(sdk.HookAction)
	res, err := a.Run(context.Background(), sdk.ActionRequest{Event: "task.completed", Task: "2.1", Config: []byte(`{}`)})
	if err != nil {
		t.Fatal(err)
	}
	if string(res.Output) != "2.1" || res.ExitCode == nil || *res.ExitCode != 3 || !res.Passed {
		t.Fatalf("res = %+v", res)
	}
	res, err = a.Run(context.Background(), sdk.ActionRequest{Event: "codegen.completed", Config: []byte(`{}`)})
	if err != nil {
		t.Fatal(err)
	}
	if res.ExitCode != nil {
		t.Fatalf("exit code %d from an action that reported none", *res.ExitCode)
	}
}
