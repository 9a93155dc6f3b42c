package main

import (
	"flag"
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
	newVersionView(m, c.json).Version()
	return exitOK
}
