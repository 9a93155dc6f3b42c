package main

import (
	"fmt"

	"github.com/kirofile/kirofile/internal/starter"
	"github.com/kirofile/kirofile/plugins/host"
)

// initView reports "kirofile init".
type initView interface {
	diagnosticsView
	// Templates lists the starter templates (-list-templates).
	Templates(names []string)
	// StarterWritten lists the files of the starter project written.
	StarterWritten(template string, paths []string)
	// Adopted reports the Kirofile written for a Kiro project, one line
	// per adopted document or steering file.
	Adopted(report []string)
	// Plugin reports what init did with one plugin.
	Plugin(in host.PluginInstall)
	// GitAttributes reports that init created or updated .gitattributes.
	GitAttributes(did string)
	// Ready ends a successful init, with the git configuration the clone
	// lacks for merging the lock (none when it has it), and the next steps
	// for a new project.
	Ready(nextSteps, mergeDriver []string)
}

func newInitView(m *meta, jsonOutput bool) initView {
	if jsonOutput {
		return initJSON{newJSONView(m)}
	}
	return initHuman{newHumanView(m)}
}

type initHuman struct{ *humanView }

func (v initHuman) Templates(names []string) {
	width := 0
	for _, n := range names {
		width = max(width, len(n))
	}
	for _, n := range names {
		summary := starter.Summary(n)
		if n == starter.DefaultTemplate {
			summary += " (default)"
		}
		fmt.Fprintf(v.stdout, "%-*s  %s\n", width, n, summary)
	}
}

func (v initHuman) StarterWritten(template string, paths []string) {
	fmt.Fprintf(v.stdout, "Wrote the %q starter project:\n", template)
	for _, p := range paths {
		fmt.Fprintf(v.stdout, "  + %s\n", p)
	}
}

func (v initHuman) Adopted(report []string) {
	fmt.Fprintf(v.stdout, "Adopted the Kiro project into a new Kirofile:\n")
	for _, line := range report {
		fmt.Fprintf(v.stdout, "  %s\n", line)
	}
}

func (v initHuman) Plugin(in host.PluginInstall) {
	if in.Status == "removed" {
		fmt.Fprintf(v.stdout, "- %s: no longer declared, pin removed\n", in.Name)
		return
	}
	fmt.Fprintf(v.stdout, "- %s: %s (sha256 %s for %s) %s\n", in.Name, in.Source, in.SHA256[:12], in.Platform, in.Status)
}

func (v initHuman) GitAttributes(did string) {
	fmt.Fprintf(v.stdout, "- .gitattributes: %s (the lock merges record by record; LF for the lock and spec documents)\n", did)
}

func (v initHuman) Ready(nextSteps, mergeDriver []string) {
	fmt.Fprintf(v.stdout, "%s\n", colorize(v.colorOut, ansiBold+ansiGreen, "kirofile is ready in this directory."))
	if len(mergeDriver) > 0 {
		fmt.Fprintf(v.stdout, "\nSo that Git merges Kirofile.lock.hcl record by record, run once in this clone (Git never runs a command a repository names by itself):\n")
		for _, line := range mergeDriver {
			fmt.Fprintf(v.stdout, "  %s\n", line)
		}
	}
	if len(nextSteps) > 0 {
		fmt.Fprintf(v.stdout, "\nNext steps:\n")
		for i, s := range nextSteps {
			fmt.Fprintf(v.stdout, "  %d. %s\n", i+1, s)
		}
	}
}

type initJSON struct{ *jsonView }

func (v initJSON) Templates(names []string) {
	for _, n := range names {
		v.emit("template", &templateMessage{Name: n, Summary: starter.Summary(n), Default: n == starter.DefaultTemplate})
	}
}

func (v initJSON) StarterWritten(template string, paths []string) {
	v.emit("starter_written", &starterWrittenMessage{Template: template, Files: list(paths)})
}

func (v initJSON) Adopted(report []string) {
	v.emit("kiro_adopted", &kiroAdoptedMessage{Report: list(report)})
}

func (v initJSON) Plugin(in host.PluginInstall) {
	v.emit("plugin", newPluginMessage(in))
}

func (v initJSON) GitAttributes(did string) {
	v.emit("gitattributes", &gitAttributesMessage{Change: did})
}

func (v initJSON) Ready(nextSteps, mergeDriver []string) {
	v.emit("init_complete", &initCompleteMessage{NextSteps: list(nextSteps), MergeDriverConfig: list(mergeDriver)})
}
