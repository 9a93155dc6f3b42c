// Command kirofile turns Kirofiles (HCL files declaring features, specs and
// codegen steps) into spec documents and code, through LLM providers that
// run as plugins.
//
// Run "kirofile -help" for the commands. Besides the documented flags, the
// environment is read for NO_COLOR (any non-empty value turns colour off)
// and CLICOLOR_FORCE (a value other than "0" turns colour on even when the
// output is not a terminal; NO_COLOR and -no-color still win).
package main

import (
	"os"
	"runtime"
	"runtime/pprof"
	"time"

	"github.com/hashicorp/go-hclog"
	"github.com/hashicorp/go-plugin"

	"github.com/kirofile/kirofile/internal/logging"
	"github.com/kirofile/kirofile/plugins/builtin"
	"github.com/kirofile/kirofile/plugins/sdk"
)

// Version is the kirofile release. Release builds set it with
// -ldflags "-X main.Version=1.2.3".
var Version = "0.1.0"

// PluginProtocolVersion is the version of the plugin protocol this binary
// speaks: the plugins package's handshake version.
const PluginProtocolVersion = sdk.ProtocolVersion

// rootLogger is the diagnostic log (KIROFILE_LOG), set up once by Main and
// handed to commands through meta. Tests that call Run directly get the
// null logger.
var rootLogger hclog.Logger = hclog.NewNullLogger()

func main() {
	os.Exit(Main())
}

// Main runs kirofile with the process's arguments and standard streams and
// returns the exit code. It is the process entry point, and the one the
// script tests register as the "kirofile" command.
func Main() int {
	// Plugin processes must not outlive kirofile, whatever way it exits;
	// apply also cleans up on SIGINT.
	defer plugin.CleanupClients()
	// A shell asking for completion candidates gets them on stdout and
	// nothing else: no log, no profile.
	if completeFromEnv(os.Args[1:], os.Stdout) {
		return exitOK
	}
	// KIROFILE_CPUPROFILE=FILE writes a CPU profile of the run, for
	// investigating performance ("go tool pprof FILE").
	// Built-in plugins are this binary too: they must not write over the
	// profile of the command that started them.
	servingPlugin := len(os.Args) > 1 && os.Args[1] == builtin.HiddenCommand
	if path := os.Getenv("KIROFILE_CPUPROFILE"); path != "" && !servingPlugin {
		if f, err := os.Create(path); err == nil {
			defer f.Close()
			if pprof.StartCPUProfile(f) == nil {
				defer pprof.StopCPUProfile()
			}
		}
	}
	// KIROFILE_LOG=LEVEL turns the diagnostic log on ("docs/debugging.md").
	logger, closeLog := logging.New(os.Getenv, os.Stderr)
	defer func() { _ = closeLog() }()
	rootLogger = logger
	// Only the version and platform: arguments can carry -var secrets.
	start := time.Now()
	logger.Debug("kirofile starting", "version", Version, "go", runtime.Version(), "platform", runtime.GOOS+"/"+runtime.GOARCH)
	code := Run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr)
	logger.Debug("kirofile exiting", "exit_code", code, "elapsed", time.Since(start).Round(time.Millisecond))
	return code
}
