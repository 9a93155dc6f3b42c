package host

import (
	"os"
	"testing"

	plugin "github.com/hashicorp/go-plugin"

	"github.com/kirofile/kirofile/plugins/internal/fakeplugin"
)

func TestMain(m *testing.M) {
	fakeplugin.ServeIfHelper()
	code := m.Run()
	plugin.CleanupClients()
	os.Exit(code)
}
