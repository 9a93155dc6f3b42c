package builtin

import (
	"os"
	"strings"
	"testing"

	plugin "github.com/hashicorp/go-plugin"

	"github.com/kirofile/kirofile/plugins/host"
	"github.com/kirofile/kirofile/plugins/internal/fakeplugin"
)

// builtinHelper makes the test binary serve a built-in plugin, as
// `kirofile internal-plugin KIND NAME` would, with the arguments in
// builtinHelper+"_ARGS".
const builtinHelper = "KIROFILE_TEST_BUILTIN"

func TestMain(m *testing.M) {
	fakeplugin.ServeIfHelper()
	if os.Getenv(builtinHelper) != "" {
		os.Exit(Serve(strings.Fields(os.Getenv(builtinHelper + "_ARGS"))))
	}
	code := m.Run()
	plugin.CleanupClients()
	os.Exit(code)
}

func newTestManager(t testing.TB, opts host.ManagerOptions, ls ...host.Launcher) *host.Manager {
	t.Helper()
	m := host.NewManager(opts)
	t.Cleanup(func() { m.Close() })
	for _, l := range ls {
		if err := m.Register(l); err != nil {
			t.Fatal(err)
		}
	}
	return m
}
