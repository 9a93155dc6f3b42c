package lang

import (
	"github.com/hashicorp/hcl/v2"
)

// VarArg is one -var or -var-file flag. Order matters: later flags win.
type VarArg struct {
	// File is the path of a .kirovars file (-var-file), or "".
	File string
	// Raw is "NAME=VALUE" (-var) when File is "".
	Raw string
}

// LoadOptions control how a configuration is loaded.
type LoadOptions struct {
	// Vars are the -var and -var-file flags in command-line order.
	Vars []VarArg
	// RequireVariables makes a variable without a value an error, as plan
	// and apply need. Without it (validate, graph) such a variable is unknown.
	RequireVariables bool
	// LookupEnv reads the environment for KIRO_VAR_name and env(); nil
	// means os.LookupEnv.
	LookupEnv func(string) (string, bool)
	// Version is the running kirofile version, checked against
	// required_version. Empty skips the check.
	Version string
}

// Load reads every Kirofile of dir, evaluates and checks it. The returned
// Config is never nil: even when diagnostics hold errors, its Files map holds
// whatever was parsed, so that diagnostics can be printed with snippets.
func Load(dir string, opts LoadOptions) (*Config, hcl.Diagnostics) {
	l := newLoader(dir, opts)
	return l.load()
}
