package main

import (
	"flag"

	"github.com/kirofile/kirofile/plugins/builtin"
)

// pluginServerCommand is how kirofile serves its built-in providers and
// hook actions to itself: the plugin manager starts the running binary as
// `kirofile internal-plugin KIND NAME`, over the same go-plugin protocol
// third-party plugins speak. It is not meant to be run by hand.
var pluginServerCommand = &commandSpec{
	name:     builtin.HiddenCommand,
	synopsis: "Serve a built-in plugin (used by kirofile itself)",
	args:     "KIND NAME",
	help: `
Serves one built-in provider (openai, replay) or hook action (exec,
pr_description) over the plugin protocol on stdio. kirofile starts itself
this way; there is no reason to run it by hand.`,
	hidden: true,
	new:    func() command { return &pluginServerCmd{} },
}

type pluginServerCmd struct{}

func (c *pluginServerCmd) flags(*flag.FlagSet) {}

func (c *pluginServerCmd) run(m *meta, args []string) int {
	return builtin.Serve(args)
}
