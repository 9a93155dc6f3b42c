package main

import (
	"errors"
	"flag"
	"fmt"
	"strings"
	"time"

	"github.com/hashicorp/hcl/v2"

	"github.com/kirofile/kirofile/lang"
)

// varFlag is a -var or a -var-file flag. Both append to one list so that
// their relative order on the command line, which decides which value
// wins, is kept.
type varFlag struct {
	list *[]lang.VarArg
	file bool
}

func (f varFlag) String() string { return "" }

func (f varFlag) Set(s string) error {
	if f.file {
		if s == "" {
			return errors.New("want a file name")
		}
		*f.list = append(*f.list, lang.VarArg{File: s})
		return nil
	}
	name, _, ok := strings.Cut(s, "=")
	if !ok || strings.TrimSpace(name) == "" {
		return errors.New("want NAME=VALUE")
	}
	*f.list = append(*f.list, lang.VarArg{Raw: s})
	return nil
}

// loadFlags are the flags of every command that loads the configuration.
type loadFlags struct {
	vars []lang.VarArg
}

func (l *loadFlags) flags(fs *flag.FlagSet) {
	fs.Var(varFlag{list: &l.vars}, "var", "Set a variable, as `NAME=VALUE`. Repeatable; later values win.")
	fs.Var(varFlag{list: &l.vars, file: true}, "var-file", "Read variables from a .kirovars `FILE`. Repeatable, in order with -var.")
}

// load loads the configuration of the working directory. Variables without
// a value stay unknown, as validate and graph need no values.
func (l *loadFlags) load(m *meta) (*lang.Config, hcl.Diagnostics) {
	cfg, diags := lang.Load(m.dir, lang.LoadOptions{Vars: l.vars, Version: version()})
	if cfg == nil {
		// Load promises a Config; stay safe should that ever change.
		cfg = &lang.Config{Dir: m.dir}
	}
	return cfg, diags
}

// lockFlags are the flags of the commands that take the project's run
// lock: apply, approve, revoke, init.
type lockFlags struct {
	// lockTimeout is how long to wait for another command's run lock.
	lockTimeout time.Duration
}

func (l *lockFlags) flags(fs *flag.FlagSet) {
	fs.DurationVar(&l.lockTimeout, "lock-timeout", 0, "Wait up to `DURATION` (like 30s or 5m) for another kirofile command to release the project, instead of failing at once.")
}

// choiceFlag is a string flag limited to a few values, so that a bad value
// is a usage error reported by the flag package like any other.
type choiceFlag struct {
	value   *string
	choices []string
}

func (f choiceFlag) String() string {
	if f.value == nil {
		return ""
	}
	return *f.value
}

func (f choiceFlag) Set(s string) error {
	for _, c := range f.choices {
		if s == c {
			*f.value = s
			return nil
		}
	}
	return fmt.Errorf("want %s", strings.Join(f.choices, " or "))
}
