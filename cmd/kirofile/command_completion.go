package main

import (
	"bytes"
	"flag"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"

	"github.com/posener/complete"

	"github.com/kirofile/kirofile/internal/specdoc"
	"github.com/kirofile/kirofile/lang"
)

// Shell completion is posener/complete's: the shell runs kirofile itself
// with the command line in COMP_LINE (and the cursor in COMP_POINT), and
// kirofile prints the candidates, one per line. The shell scripts are the
// few lines that tell each shell to do that; what to offer comes from the
// command table, so a new command or flag completes without a change here.

var completionCommand = &commandSpec{
	name:     "completion",
	synopsis: "Print the shell code that enables completion in bash, zsh or fish",
	args:     "bash|zsh|fish",
	help: `
Prints the few lines that make the shell complete kirofile's commands, their
options, the values of options such as graph -format, file names for plan
files and -var-file, and the feature and node addresses of the project (for
approve, revoke, show, -target and -replace; with -chdir, of the project
there). The shell asks the kirofile on PATH for the candidates each time, so
completion follows the installed version.

bash, in ~/.bashrc:

  source <(kirofile completion bash)

zsh, in ~/.zshrc (after compinit):

  source <(kirofile completion zsh)

fish:

  kirofile completion fish > ~/.config/fish/completions/kirofile.fish`,
	new: func() command { return &completionCmd{} },
}

type completionCmd struct{}

func (c *completionCmd) flags(*flag.FlagSet) {}

// completionScripts holds each shell's script: posener/complete's own
// install lines, for the kirofile found on PATH.
var completionScripts = map[string]string{
	"bash": `# bash completion for kirofile: bash runs "kirofile" with the command line
# in COMP_LINE and completes with the lines it prints.
complete -C kirofile kirofile
`,
	"zsh": `# zsh completion for kirofile, through zsh's bash completion support: zsh
# runs "kirofile" with the command line in COMP_LINE and completes with the
# lines it prints.
autoload -U +X bashcompinit && bashcompinit
complete -o nospace -C kirofile kirofile
`,
	"fish": `# fish completion for kirofile: fish runs "kirofile" with the command line
# in COMP_LINE and completes with the lines it prints.
function __complete_kirofile
    set -lx COMP_LINE (commandline -cp)
    test -z (commandline -ct)
    and set COMP_LINE "$COMP_LINE "
    kirofile
end
complete -f -c kirofile -a "(__complete_kirofile)"
`,
}

func (c *completionCmd) run(m *meta, args []string) int {
	if len(args) != 1 {
		return m.usageErrorf("want one shell name: bash, zsh or fish")
	}
	script, ok := completionScripts[args[0]]
	if !ok {
		return m.usageErrorf("unsupported shell %q; want bash, zsh or fish", args[0])
	}
	m.logger.Named("completion").Debug("writing completion script", "shell", args[0])
	_, _ = io.WriteString(m.stdout, script)
	return exitOK
}

// completeFromEnv answers the shell when it runs kirofile for completion
// candidates (COMP_LINE is set) and reports whether it did; args are the
// process's arguments. It prints the
// candidates on stdout and nothing else, whatever happens: a message in the
// middle of a command line would be worse than no candidate.
func completeFromEnv(args []string, stdout io.Writer) bool {
	line := os.Getenv("COMP_LINE")
	if line == "" {
		return false
	}
	if cursor, err := strconv.Atoi(os.Getenv("COMP_POINT")); err == nil && cursor >= 0 && cursor < len(line) {
		line = line[:cursor]
	}
	// Paths on the command line are relative to -chdir's directory, and
	// addresses are those of the project there: this process does nothing
	// else, so it may move there.
	if dir := completionChdir(line); dir != "" {
		if err := os.Chdir(dir); err != nil {
			return true
		}
	}
	var out bytes.Buffer
	c := complete.New("kirofile", completionTree())
	c.Out = &out
	c.Complete()
	candidates := strings.Fields(out.String())
	sort.Strings(candidates)
	// posener/complete completes what follows the "=" of "-flag=value",
	// which is the word bash completes (it splits words at "="). zsh and
	// fish complete the whole "-flag=value": bash passes the word it
	// completes as the second argument, they pass none.
	word := ""
	if len(args) >= 2 {
		word = args[1]
	} else if f := strings.Fields(line); len(f) > 0 && !strings.HasSuffix(line, " ") {
		word = f[len(f)-1]
	}
	prefix := word[:strings.LastIndex(word, "=")+1]
	var b strings.Builder
	for _, c := range candidates {
		b.WriteString(prefix + c + "\n")
	}
	_, _ = io.WriteString(stdout, b.String())
	return true
}

// completionChdir returns the -chdir value of a command line being
// completed, with a leading ~ expanded as the shell would when running it;
// "" when there is none yet. Words are split as posener/complete splits
// them, and only the global options before the command are read.
func completionChdir(line string) string {
	words := strings.Fields(line)
	if len(words) > 0 && !strings.HasSuffix(line, " ") {
		words = words[:len(words)-1] // the word being typed is no value yet
	}
	dir := ""
	for i := 1; i < len(words); i++ {
		w := words[i]
		if !strings.HasPrefix(w, "-") {
			break // the command
		}
		name, value, hasValue := strings.Cut(strings.TrimLeft(w, "-"), "=")
		if name != "chdir" {
			continue
		}
		if !hasValue {
			if i+1 >= len(words) {
				break
			}
			i++
			value = words[i]
		}
		dir = value
	}
	if rest, ok := strings.CutPrefix(dir, "~"); ok && (rest == "" || strings.HasPrefix(rest, "/")) {
		if home, err := os.UserHomeDir(); err == nil {
			dir = home + rest
		}
	}
	return dir
}

// completionTree describes kirofile for posener/complete: the global
// options, then each visible command with its flags and arguments, from
// the command table.
func completionTree() complete.Command {
	var global globalOptions
	gfs := newFlagSet("kirofile")
	global.flags(gfs)
	root := complete.Command{Sub: complete.Commands{}, Flags: completionFlags(gfs)}
	var names []string
	for _, spec := range commands {
		if spec.hidden {
			continue
		}
		fs := newFlagSet("kirofile " + spec.name)
		spec.new().flags(fs)
		args := argPredictor(spec.args)
		if spec == approveCommand || spec == revokeCommand {
			// Approvals are of specs (and a tasks document's tasks):
			// a codegen's address would only be refused.
			args = predictApprovable
		}
		root.Sub[spec.name] = complete.Command{Flags: completionFlags(fs), Args: args}
		names = append(names, spec.name)
	}
	// "help" is handled by Run, outside the table.
	root.Sub["help"] = complete.Command{Args: complete.PredictSet(names...)}
	return root
}

// predictAddresses offers the feature and node addresses of the project in
// the working directory; nothing when its configuration does not load.
var predictAddresses = complete.PredictFunc(func(complete.Args) []string {
	cfg := completionConfig()
	if cfg == nil {
		return nil
	}
	return completionAddresses(cfg)
})

// predictApprovable offers what approve and revoke take: features, specs
// and tasks, no codegen step.
var predictApprovable = complete.PredictFunc(func(complete.Args) []string {
	cfg := completionConfig()
	if cfg == nil {
		return nil
	}
	var out []string
	for _, s := range completionAddresses(cfg) {
		if a, err := lang.ParseAddress(s); err == nil && a.Kind == lang.NodeCodegen && !a.IsTask() {
			continue
		}
		out = append(out, s)
	}
	return out
})

// completionConfig loads the project in the working directory, or nil
// when its configuration does not load. No variables and no version
// check: only names are needed, and a missing -var or an old binary
// should not cost the completion.
func completionConfig() *lang.Config {
	dir, err := os.Getwd()
	if err != nil {
		return nil
	}
	cfg, diags := lang.Load(dir, lang.LoadOptions{})
	if diags.HasErrors() || cfg == nil {
		return nil
	}
	return cfg
}

// completionAddresses lists each feature address followed by the addresses
// of its nodes, features in name order.
func completionAddresses(cfg *lang.Config) []string {
	names := make([]string, 0, len(cfg.Features))
	for name := range cfg.Features {
		names = append(names, name)
	}
	sort.Strings(names)
	byFeature := map[string][]string{}
	for _, n := range cfg.Nodes {
		a := n.Address()
		byFeature[a.Feature] = append(byFeature[a.Feature], a.String())
		if c, ok := n.(*lang.Codegen); ok {
			byFeature[a.Feature] = append(byFeature[a.Feature], completionTasks(cfg, c)...)
		}
	}
	var out []string
	for _, name := range names {
		out = append(out, lang.Address{Feature: name}.String())
		out = append(out, byFeature[name]...)
	}
	return out
}

// completionTasks lists the tasks of a codegen that runs its tasks one by
// one, as its tasks document on disk has them, in the form that needs no
// quoting in a shell: feature.F.codegen.C.task[2.1].
func completionTasks(cfg *lang.Config, c *lang.Codegen) []string {
	if c.Each != lang.EachTask || c.TasksSpec == nil {
		return nil
	}
	src, err := os.ReadFile(filepath.Join(cfg.Dir, filepath.FromSlash(c.TasksSpec.Path)))
	if err != nil {
		return nil
	}
	l, _ := specdoc.ParseTasks(c.TasksSpec.Path, src)
	var out []string
	for _, t := range l.Tasks {
		if !t.OutOfScope {
			out = append(out, c.Addr.String()+".task["+t.ID+"]")
		}
	}
	return out
}

// choicesRE matches an argument placeholder that lists its values, such
// as completion's "bash|zsh|fish".
var choicesRE = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^[a-z][a-z0-9-]*(\|[a-z][a-z0-9-]*)+$`) })

// argPredictor reads what a command's positional arguments are from the
// placeholders of its usage line ("ADDR...", "[PATH...]", "[ADDR|PLANFILE]").
func argPredictor(args string) complete.Predictor {
	bare := strings.Trim(args, "[].")
	switch {
	case args == "":
		return complete.PredictNothing
	case choicesRE().MatchString(bare):
		return complete.PredictSet(strings.Split(bare, "|")...)
	case strings.Contains(args, "ADDR") && strings.Contains(args, "FILE"):
		return complete.PredictOr(predictAddresses, complete.PredictFiles("*"))
	case strings.Contains(args, "ADDR"):
		return predictAddresses
	case strings.Contains(args, "FILE") || strings.Contains(args, "PATH"):
		return complete.PredictFiles("*")
	}
	return complete.PredictAnything
}

// completionFlags describes the flags of fs. The value a flag takes is
// read from its usage placeholder (`ADDR`, `FILE`, `DIR`), and a flag
// limited to a few values (choiceFlag) offers them. Boolean flags take no
// value. Aliases, which have no usage, are left out as the help leaves them
// out.
func completionFlags(fs *flag.FlagSet) complete.Flags {
	out := complete.Flags{}
	fs.VisitAll(func(f *flag.Flag) {
		if f.Usage == "" {
			return
		}
		placeholder, _ := flag.UnquoteUsage(f)
		var p complete.Predictor
		if b, ok := f.Value.(interface{ IsBoolFlag() bool }); ok && b.IsBoolFlag() {
			p = complete.PredictNothing
		} else if c, ok := f.Value.(choiceFlag); ok {
			p = complete.PredictSet(c.choices...)
		} else {
			p = valuePredictor(placeholder)
		}
		out["-"+f.Name] = p
	})
	return out
}

// valuePredictor is what a flag's value completes to, from its
// placeholder.
func valuePredictor(placeholder string) complete.Predictor {
	switch {
	case strings.Contains(placeholder, "ADDR"):
		return predictAddresses
	case strings.Contains(placeholder, "FILE") || strings.Contains(placeholder, "PATH"):
		return complete.PredictFiles("*")
	case strings.Contains(placeholder, "DIR"):
		return complete.PredictDirs("*")
	}
	return complete.PredictAnything
}
