package main

import (
	"fmt"
	"runtime"
)

// versionView reports "kirofile version".
type versionView interface {
	Version()
}

func newVersionView(m *meta, jsonOutput bool) versionView {
	if jsonOutput {
		return versionJSON{newJSONView(m)}
	}
	return versionHuman{newHumanView(m)}
}

type versionHuman struct{ *humanView }

func (v versionHuman) Version() {
	fmt.Fprintf(v.stdout, "kirofile v%s\nplugin protocol %d\n%s %s/%s\n",
		version(), PluginProtocolVersion, runtime.Version(), runtime.GOOS, runtime.GOARCH)
}

type versionJSON struct{ *jsonView }

// Version has nothing to add: a JSON view starts with the version message,
// which is all this command has to say.
func (v versionJSON) Version() {}
