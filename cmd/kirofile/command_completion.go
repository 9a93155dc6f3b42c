package main

import (
	"flag"
	"fmt"
	"io"
	"regexp"
	"sort"
	"strings"
	"sync"

	"github.com/kirofile/kirofile/lang"
)

var completionCommand = &commandSpec{
	name:     "completion",
	synopsis: "Print a shell completion script for bash, zsh or fish",
	args:     "bash|zsh|fish",
	help: `
Prints a script that makes the shell complete kirofile's commands, their
options, the values of options such as graph -format, and the node and
feature addresses of the project in the working directory (for approve,
revoke, show, -target and -replace). The script is made from the running
binary's commands, so loading it at shell start keeps it current.

bash (needs bash 4.1 or later), in ~/.bashrc:

  source <(kirofile completion bash)

zsh, in ~/.zshrc (after compinit):

  source <(kirofile completion zsh)

or, to load it from fpath, save it as _kirofile in a directory of fpath:

  kirofile completion zsh > "${fpath[1]}/_kirofile"

fish:

  kirofile completion fish > ~/.config/fish/completions/kirofile.fish`,
	new: func() command { return &completionCmd{} },
}

// completeCommand is what the completion scripts call for values that
// depend on the project: "kirofile __complete addresses" prints every
// feature and node address of the working directory's configuration.
var completeCommand = &commandSpec{
	name:     "__complete",
	synopsis: "Print completion candidates (used by the completion scripts)",
	args:     "addresses",
	help: `
Prints the feature and node addresses of the configuration in the working
directory, one per line, for the shell completion scripts. A configuration
that does not load prints nothing: completion must never show errors in
the middle of a command line.`,
	hidden: true,
	new:    func() command { return &completeCmd{} },
}

type completionCmd struct{}

func (c *completionCmd) flags(*flag.FlagSet) {}

// completionShells maps each supported shell to its script generator.
var completionShells = map[string]func(io.Writer, []compCommand){
	"bash": writeBashCompletion,
	"zsh":  writeZshCompletion,
	"fish": writeFishCompletion,
}

func (c *completionCmd) run(m *meta, args []string) int {
	if len(args) != 1 {
		return m.usageErrorf("want one shell name: bash, zsh or fish")
	}
	gen, ok := completionShells[args[0]]
	if !ok {
		return m.usageErrorf("unsupported shell %q; want bash, zsh or fish", args[0])
	}
	m.logger.Named("completion").Debug("writing completion script", "shell", args[0])
	gen(m.stdout, completionModel())
	return exitOK
}

type completeCmd struct{}

func (c *completeCmd) flags(*flag.FlagSet) {}

func (c *completeCmd) run(m *meta, args []string) int {
	if len(args) != 1 || args[0] != "addresses" {
		return m.usageErrorf("want one kind of candidate: addresses")
	}
	log := m.logger.Named("complete")
	// No variables and no version check: only names are needed, and a
	// missing -var or an old binary should not cost the completion.
	cfg, diags := lang.Load(m.dir, lang.LoadOptions{})
	if diags.HasErrors() || cfg == nil {
		log.Debug("no addresses: the configuration does not load", "dir", m.dir, "error", diags.Error())
		return exitOK
	}
	var b strings.Builder
	for _, addr := range completionAddresses(cfg) {
		b.WriteString(addr)
		b.WriteByte('\n')
	}
	_, _ = io.WriteString(m.stdout, b.String())
	log.Debug("addresses listed", "dir", m.dir, "features", len(cfg.Features), "nodes", len(cfg.Nodes))
	return exitOK
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
	}
	var out []string
	for _, name := range names {
		out = append(out, lang.Address{Feature: name}.String())
		out = append(out, byFeature[name]...)
	}
	return out
}

// What a flag's value or a positional argument completes to.
type compKind int

const (
	compNone        compKind = iota // free text: nothing to offer
	compFile                        // a file name
	compDir                         // a directory name
	compAddr                        // a node or feature address
	compAddrFile                    // an address or a file (show, a plan file)
	compChoice                      // one of a fixed list
	compCommandName                 // a command name (help)
)

// compFlag is one flag of a command, as the scripts need it.
type compFlag struct {
	name    string
	usage   string // first sentence, for the shells that show descriptions
	isBool  bool
	kind    compKind
	choices []string
}

// compCommand is one command, as the scripts need it.
type compCommand struct {
	name     string
	synopsis string
	flags    []compFlag
	args     compKind
	choices  []string // for args == compChoice
}

// completionModel describes the visible commands, their flags and their
// arguments, from the command table: a new command or flag is completed
// without touching this file. The first entry, with an empty name, holds
// the global options; "help" is added, as Run handles it outside the
// table.
func completionModel() []compCommand {
	var global globalOptions
	gfs := newFlagSet("kirofile")
	global.flags(gfs)
	model := []compCommand{{flags: completionFlags(gfs)}}
	for _, spec := range commands {
		if spec.hidden {
			continue
		}
		fs := newFlagSet("kirofile " + spec.name)
		spec.new().flags(fs)
		kind, choices := argKind(spec.args)
		model = append(model, compCommand{
			name:     spec.name,
			synopsis: spec.synopsis,
			flags:    completionFlags(fs),
			args:     kind,
			choices:  choices,
		})
	}
	model = append(model, compCommand{name: "help", synopsis: "Show the help of kirofile or of a command", args: compCommandName})
	return model
}

// choicesRE matches an argument placeholder that lists its values, such
// as completion's "bash|zsh|fish".
var choicesRE = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^[a-z][a-z0-9-]*(\|[a-z][a-z0-9-]*)+$`) })

// argKind reads what a command's positional arguments are from the
// placeholders of its usage line ("ADDR...", "[PATH...]", "[ADDR|PLANFILE]").
func argKind(args string) (compKind, []string) {
	bare := strings.Trim(args, "[].")
	switch {
	case args == "":
		return compNone, nil
	case choicesRE().MatchString(bare):
		return compChoice, strings.Split(bare, "|")
	case strings.Contains(args, "ADDR") && strings.Contains(args, "FILE"):
		return compAddrFile, nil
	case strings.Contains(args, "ADDR"):
		return compAddr, nil
	case strings.Contains(args, "FILE") || strings.Contains(args, "PATH"):
		return compFile, nil
	}
	return compNone, nil
}

// completionFlags describes the flags of fs. The value a flag takes is
// read from its usage placeholder (`ADDR`, `FILE`, `DIR`), and a flag
// limited to a few values (choiceFlag) offers them. Aliases, which have no
// usage, are left out as the help leaves them out.
func completionFlags(fs *flag.FlagSet) []compFlag {
	var out []compFlag
	fs.VisitAll(func(f *flag.Flag) {
		if f.Usage == "" {
			return
		}
		placeholder, usage := flag.UnquoteUsage(f)
		cf := compFlag{name: f.Name, usage: firstSentence(usage)}
		if b, ok := f.Value.(interface{ IsBoolFlag() bool }); ok && b.IsBoolFlag() {
			cf.isBool = true
		}
		switch {
		case cf.isBool:
		case isChoiceFlag(f.Value, &cf.choices):
			cf.kind = compChoice
		case strings.Contains(placeholder, "ADDR"):
			cf.kind = compAddr
		case strings.Contains(placeholder, "FILE") || strings.Contains(placeholder, "PATH"):
			cf.kind = compFile
		case strings.Contains(placeholder, "DIR"):
			cf.kind = compDir
		}
		out = append(out, cf)
	})
	return out
}

func isChoiceFlag(v flag.Value, choices *[]string) bool {
	c, ok := v.(choiceFlag)
	if ok {
		*choices = c.choices
	}
	return ok
}

// firstSentence shortens a usage string to its first sentence, without
// the full stop: completion menus have one line per option.
func firstSentence(s string) string {
	if i := strings.Index(s, ". "); i >= 0 {
		s = s[:i]
	}
	return strings.TrimSuffix(s, ".")
}

// commandNames returns the names of the commands of the model.
func commandNames(model []compCommand) []string {
	var names []string
	for _, c := range model {
		if c.name != "" {
			names = append(names, c.name)
		}
	}
	return names
}

// compFlagNames returns "-name" for every flag.
func compFlagNames(flags []compFlag) []string {
	out := make([]string, len(flags))
	for i, f := range flags {
		out[i] = "-" + f.name
	}
	return out
}

// The scripts below share one structure: find the command among the words
// typed so far (skipping global options, and the value of -chdir, which
// __complete addresses is given too), then complete a flag value, a flag
// name or a positional argument of that command.

func writeBashCompletion(w io.Writer, model []compCommand) {
	var b strings.Builder
	b.WriteString(`# bash completion for kirofile. Generated by "kirofile completion bash";
# load it with: source <(kirofile completion bash)

# _kirofile_addresses prints the addresses of the project being completed,
# honouring -chdir; nothing when its configuration does not load.
_kirofile_addresses() {
    local dir=${_kirofile_chdir/#\~/$HOME}
    if [[ -n $dir ]]; then
        kirofile -chdir="$dir" __complete addresses 2>/dev/null
    else
        kirofile __complete addresses 2>/dev/null
    fi
}

# _kirofile_values KIND CURRENT sets COMPREPLY to the candidates of a kind.
_kirofile_values() {
    local IFS=$'\n'
    case $1 in
        file) compopt -o filenames 2>/dev/null; COMPREPLY=($(compgen -f -- "$2")) ;;
        dir) compopt -o filenames 2>/dev/null; COMPREPLY=($(compgen -d -- "$2")) ;;
        addr) COMPREPLY=($(compgen -W "$(_kirofile_addresses)" -- "$2")) ;;
        addr+file)
            compopt -o filenames 2>/dev/null
            COMPREPLY=($(compgen -W "$(_kirofile_addresses)" -- "$2") $(compgen -f -- "$2")) ;;
        choice:*)
            local choices=${1#choice:}
            COMPREPLY=($(compgen -W "${choices// /$'\n'}" -- "$2")) ;;
        *) COMPREPLY=() ;;
    esac
}

# _kirofile_flag_kind COMMAND FLAG prints what the flag's value is: bool,
# none (free text), file, dir, addr or choice:VALUES; nothing for an
# unknown flag.
_kirofile_flag_kind() {
    local flag=${2#-}
    case "$1 ${flag#-}" in
`)
	for _, c := range model {
		for _, f := range c.flags {
			fmt.Fprintf(&b, "        %s) echo %s ;;\n", bashQuote(c.name+" "+f.name), bashQuote(bashKind(f.isBool, f.kind, f.choices)))
		}
	}
	b.WriteString(`    esac
}

# _kirofile_args_kind COMMAND prints what the command's arguments are.
_kirofile_args_kind() {
    case $1 in
`)
	for _, c := range model {
		if c.name == "" {
			continue
		}
		kind := bashKind(false, c.args, c.choices)
		if c.args == compCommandName {
			kind = "choice:" + strings.Join(commandNames(model), " ")
		}
		fmt.Fprintf(&b, "        %s) echo %s ;;\n", bashQuote(c.name), bashQuote(kind))
	}
	b.WriteString(`    esac
}

# _kirofile_flags COMMAND prints the command's flags.
_kirofile_flags() {
    case $1 in
`)
	for _, c := range model {
		fmt.Fprintf(&b, "        %s) echo %s ;;\n", bashQuote(c.name), bashQuote(strings.Join(compFlagNames(c.flags), " ")))
	}
	fmt.Fprintf(&b, `    esac
}

_kirofile() {
    local cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD-1]}
    local cmd="" word i
    local _kirofile_chdir=""
    # bash splits "-flag=value" at "=" (COMP_WORDBREAKS), so "=" may be a
    # word of its own.
    for ((i = 1; i < COMP_CWORD; i++)); do
        word=${COMP_WORDS[i]}
        case $word in
            -chdir | --chdir)
                if [[ ${COMP_WORDS[i+1]} == "=" ]]; then ((i++)); fi
                if ((i + 1 < COMP_CWORD)); then _kirofile_chdir=${COMP_WORDS[i+1]}; fi
                ((i++)) ;;
            -chdir=* | --chdir=*) _kirofile_chdir=${word#*=} ;;
            -* | =) ;;
            *) cmd=$word; break ;;
        esac
    done
    # A flag's value: "-flag value", "-flag=value" split by bash, or
    # "-flag=value" kept whole when "=" is not a word break.
    local flag="" value=$cur prefix=""
    if [[ $cur == "=" && $prev == -* ]]; then
        flag=$prev value=""
    elif [[ $prev == "=" ]] && ((COMP_CWORD >= 2)) && [[ ${COMP_WORDS[COMP_CWORD-2]} == -* ]]; then
        flag=${COMP_WORDS[COMP_CWORD-2]}
    elif [[ $cur == -*=* ]]; then
        flag=${cur%%%%=*} value=${cur#*=} prefix=${cur%%%%=*}=
    elif [[ $prev == -* && $prev != *=* ]]; then
        local k
        k=$(_kirofile_flag_kind "$cmd" "$prev")
        if [[ -n $k && $k != bool ]]; then flag=$prev; fi
    fi
    if [[ -n $flag ]]; then
        _kirofile_values "$(_kirofile_flag_kind "$cmd" "$flag")" "$value"
        if [[ -n $prefix ]]; then
            COMPREPLY=("${COMPREPLY[@]/#/$prefix}")
        fi
        return 0
    fi

    if [[ $cur == -* ]]; then
        COMPREPLY=($(compgen -W "$(_kirofile_flags "$cmd")" -- "$cur"))
        return 0
    fi
    if [[ -z $cmd ]]; then
        COMPREPLY=($(compgen -W %s -- "$cur"))
        return 0
    fi
    _kirofile_values "$(_kirofile_args_kind "$cmd")" "$cur"
}

complete -F _kirofile kirofile
`, bashQuote(strings.Join(commandNames(model), " ")))
	_, _ = io.WriteString(w, b.String())
}

// bashKind is the kind word _kirofile_values understands.
func bashKind(isBool bool, k compKind, choices []string) string {
	if isBool {
		return "bool"
	}
	switch k {
	case compFile:
		return "file"
	case compDir:
		return "dir"
	case compAddr:
		return "addr"
	case compAddrFile:
		return "addr+file"
	case compChoice:
		return "choice:" + strings.Join(choices, " ")
	}
	return "none"
}

// bashQuote quotes s as one word for bash (and zsh).
func bashQuote(s string) string {
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

func writeZshCompletion(w io.Writer, model []compCommand) {
	var b strings.Builder
	b.WriteString(`#compdef kirofile
# zsh completion for kirofile. Generated by "kirofile completion zsh"; load
# it with "source <(kirofile completion zsh)" after compinit, or save it as
# _kirofile in a directory of $fpath.

# _kirofile_addresses offers the addresses of the project being completed,
# honouring -chdir; nothing when its configuration does not load.
_kirofile_addresses() {
  local -a addrs
  local dir=${_kirofile_chdir/#\~/$HOME}
  addrs=(${(f)"$(_call_program addresses kirofile ${dir:+-chdir=$dir} __complete addresses 2>/dev/null)"})
  _describe -t addresses 'address' addrs
}

_kirofile_addresses_or_files() {
  _alternative 'addresses:address:_kirofile_addresses' 'files:file:_files'
}

_kirofile_commands() {
  local -a cmds
  cmds=(
`)
	for _, c := range model {
		if c.name != "" {
			fmt.Fprintf(&b, "    %s\n", bashQuote(c.name+":"+c.synopsis))
		}
	}
	b.WriteString(`  )
  _describe -t commands 'kirofile command' cmds
}

_kirofile() {
  local curcontext=$curcontext state line ret=1
  local -A opt_args
  _arguments -C \
`)
	for _, f := range model[0].flags {
		fmt.Fprintf(&b, "    %s \\\n", zshFlagSpec(f))
	}
	b.WriteString(`    '1: :_kirofile_commands' \
    '*:: :->args' && ret=0
  if [[ $state != args ]]; then
    return ret
  fi
  # Kept for _kirofile_addresses: the inner _arguments resets opt_args.
  local _kirofile_chdir=${opt_args[-chdir]}
  curcontext=${curcontext%:*:*}:kirofile-$line[1]:
  case $line[1] in
`)
	for _, c := range model[1:] {
		fmt.Fprintf(&b, "    %s)\n      _arguments \\\n", bashQuote(c.name))
		for _, f := range c.flags {
			fmt.Fprintf(&b, "        %s \\\n", zshFlagSpec(f))
		}
		fmt.Fprintf(&b, "        %s && ret=0\n      ;;\n", zshArgSpec(c))
	}
	b.WriteString(`  esac
  return ret
}

# Autoloaded from fpath, this file is the body of _kirofile: it defines the
# real function, then runs it. Sourced, it defines and registers it.
if [[ $funcstack[1] == _kirofile ]]; then
  _kirofile "$@"
else
  compdef _kirofile kirofile
fi
`)
	_, _ = io.WriteString(w, b.String())
}

// zshEscape escapes the characters that are special inside an _arguments
// description or message.
func zshEscape(s string) string {
	return strings.NewReplacer(`\`, `\\`, `[`, `\[`, `]`, `\]`, `:`, `\:`).Replace(s)
}

// zshAction is the _arguments action for a value kind.
func zshAction(k compKind, choices []string) string {
	switch k {
	case compFile:
		return "_files"
	case compDir:
		return "_directories"
	case compAddr:
		return "_kirofile_addresses"
	case compAddrFile:
		return "_kirofile_addresses_or_files"
	case compChoice:
		return "(" + strings.Join(choices, " ") + ")"
	case compCommandName:
		return "_kirofile_commands"
	}
	return " "
}

// zshFlagSpec is one _arguments option spec. Go's flag package takes a
// value as "-flag=value" or "-flag value", which is what "-flag=" means to
// _arguments; flags with values may be repeated (-var, -target).
func zshFlagSpec(f compFlag) string {
	desc := "[" + zshEscape(f.usage) + "]"
	if f.isBool {
		return bashQuote("-" + f.name + desc)
	}
	return bashQuote("*-" + f.name + "=" + desc + ":" + zshEscape(f.name) + ":" + zshAction(f.kind, f.choices))
}

// zshArgSpec is the _arguments spec of a command's positional arguments.
func zshArgSpec(c compCommand) string {
	if c.args == compNone {
		return bashQuote("*: :_nothing")
	}
	return bashQuote("*:argument:" + zshAction(c.args, c.choices))
}

func writeFishCompletion(w io.Writer, model []compCommand) {
	var b strings.Builder
	b.WriteString(`# fish completion for kirofile. Generated by "kirofile completion fish";
# install it with:
#   kirofile completion fish > ~/.config/fish/completions/kirofile.fish

# __kirofile_command prints the command typed so far, skipping global
# options; nothing when there is none yet.
function __kirofile_command
    set -l tokens (commandline -opc)
    set -e tokens[1]
    set -l skip 0
    for t in $tokens
        if test $skip = 1
            set skip 0
            continue
        end
        switch $t
            case -chdir --chdir
                set skip 1
            case '-*'
            case '*'
                echo $t
                return 0
        end
    end
    return 1
end

function __kirofile_needs_command
    not __kirofile_command >/dev/null
end

function __kirofile_using_command
    set -l cmd (__kirofile_command)
    test "$cmd" = "$argv[1]"
end

# __kirofile_addresses prints the addresses of the project being completed,
# honouring -chdir; nothing when its configuration does not load.
function __kirofile_addresses
    set -l tokens (commandline -opc)
    set -l dir
    for i in (seq (count $tokens))
        switch $tokens[$i]
            case -chdir --chdir
                if test $i -lt (count $tokens)
                    set dir $tokens[(math $i + 1)]
                end
            case '-chdir=*' '--chdir=*'
                set dir (string replace -r '^--?chdir=' '' -- $tokens[$i])
        end
    end
    if test -n "$dir"
        kirofile -chdir=(string replace -r '^~' $HOME -- $dir) __complete addresses 2>/dev/null
    else
        kirofile __complete addresses 2>/dev/null
    end
end

# Arguments are not file names unless a command's say so.
complete -c kirofile -f
`)
	for _, c := range model {
		cond := "__kirofile_needs_command"
		if c.name != "" {
			cond = "__kirofile_using_command " + c.name
			fmt.Fprintf(&b, "\n# %s\n", c.name)
			fmt.Fprintf(&b, "complete -c kirofile -n __kirofile_needs_command -a %s -d %s\n", fishQuote(c.name), fishQuote(c.synopsis))
		} else {
			b.WriteString("\n# global options\n")
		}
		for _, f := range c.flags {
			fmt.Fprintf(&b, "complete -c kirofile -n %s -o %s%s -d %s\n", fishQuote(cond), f.name, fishValue(f.isBool, f.kind, f.choices, model), fishQuote(f.usage))
		}
		if c.name != "" && c.args != compNone {
			fmt.Fprintf(&b, "complete -c kirofile -n %s%s\n", fishQuote(cond), fishCandidates(c.args, c.choices, model))
		}
	}
	_, _ = io.WriteString(w, b.String())
}

// fishValue is the part of an option's complete line that says what
// follows it: nothing for a boolean; otherwise -r (a value is required),
// or -x (required, and not a file name), and the candidates.
func fishValue(isBool bool, k compKind, choices []string, model []compCommand) string {
	switch {
	case isBool:
		return ""
	case k == compFile || k == compAddrFile:
		return " -r" + fishCandidates(k, choices, model)
	}
	return " -x" + fishCandidates(k, choices, model)
}

// fishCandidates is the part of a complete line that lists the candidates
// of a value kind; -F turns file names back on where the script's
// "complete -c kirofile -f" turned them off.
func fishCandidates(k compKind, choices []string, model []compCommand) string {
	switch k {
	case compFile:
		return " -F"
	case compDir:
		return " -a '(__fish_complete_directories)'"
	case compAddr:
		return " -a '(__kirofile_addresses)'"
	case compAddrFile:
		return " -F -a '(__kirofile_addresses)'"
	case compChoice:
		return " -a " + fishQuote(strings.Join(choices, " "))
	case compCommandName:
		return " -a " + fishQuote(strings.Join(commandNames(model), " "))
	}
	return ""
}

// fishQuote quotes s as one word for fish, where a backslash escapes
// within single quotes.
func fishQuote(s string) string {
	return "'" + strings.NewReplacer(`\`, `\\`, `'`, `\'`).Replace(s) + "'"
}
