package main

import (
	"flag"
	"fmt"
	"runtime"
)

var versionCommand = &commandSpec{
	name:     "version",
	synopsis: "Print the kirofile and plugin protocol versions",
	help: `
Prints the kirofile version, the plugin protocol version that plugins must
speak, and the Go version and platform of the build. With -json, prints the
same "version" object that starts every -json output.`,
	new: func() command { return &versionCmd{} },
}

type versionCmd struct {
	json bool
}

func (c *versionCmd) flags(fs *flag.FlagSet) {
	fs.BoolVar(&c.json, "json", false, "Write one JSON object instead of text.")
}

func (c *versionCmd) run(m *meta, args []string) int {
	if !m.noArgs(args) {
		return exitError
	}
	if c.json {
		// A JSON view starts with the version message, which is all
		// this command has to say.
		newJSONView(m)
		return exitOK
	}
	fmt.Fprintf(m.stdout, "kirofile v%s\nplugin protocol %d\n%s %s/%s\n",
		version(), PluginProtocolVersion, runtime.Version(), runtime.GOOS, runtime.GOARCH)
	return exitOK
}
