// Package planfile reads and writes the plans that "kirofile plan -out"
// saves, bound to the configuration and lock they were made from so that a
// stale one is refused.
package planfile

import (
	"encoding/json"
	"fmt"
	"maps"
	"os"
	"slices"
	"sort"
	"strings"

	"github.com/hashicorp/hcl/v2/hclwrite"
	"github.com/zclconf/go-cty/cty"

	"github.com/kirofile/kirofile/internal/fsutil"
	"github.com/kirofile/kirofile/internal/lockfile"
	"github.com/kirofile/kirofile/internal/plan"
	"github.com/kirofile/kirofile/lang"
)

// FormatVersion versions the saved plan file. 3: reasons carry codes; a
// plan may be -refresh-only and list nodes to accept, forget, or whose
// hooks run.
const FormatVersion = 3

// SavedPlan is a plan written by `plan -out`. It binds the configuration
// and the lock it was made from, so that applying it later can refuse a
// plan that no longer describes the project.
type SavedPlan struct {
	FormatVersion   int    `json:"format_version"`
	KirofileVersion string `json:"kirofile_version"`
	// ConfigHash covers every configuration file, by name and content.
	ConfigHash string `json:"config_hash"`
	// LockHash is the hash of Kirofile.lock.hcl as it was ("" if absent).
	LockHash string `json:"lock_hash"`
	// Variables holds the non-sensitive variable values the plan used, in
	// -var form; sensitive values are never saved and must be given again.
	Variables map[string]string `json:"variables,omitempty"`
	Plan      *plan.Plan        `json:"plan"`
}

// New wraps a plan with what binds it to the project.
func New(cfg *lang.Config, lockBytes []byte, p *plan.Plan, version string) *SavedPlan {
	sp := &SavedPlan{
		FormatVersion:   FormatVersion,
		KirofileVersion: version,
		ConfigHash:      ConfigHash(cfg),
		Plan:            p,
		Variables:       map[string]string{},
	}
	if lockBytes != nil {
		sp.LockHash = lockfile.HashBytes(lockBytes)
	}
	for name, v := range cfg.Variables {
		if v.Sensitive || !v.Value.IsWhollyKnown() || v.Value.IsNull() {
			continue
		}
		sp.Variables[name] = varFlagValue(v.Value)
	}
	return sp
}

// varFlagValue renders a value the way -var takes it: primitives as their
// text, other values as HCL expressions.
func varFlagValue(v cty.Value) string {
	v, _ = v.UnmarkDeep()
	switch v.Type() {
	case cty.String:
		return v.AsString()
	case cty.Number:
		return v.AsBigFloat().Text('f', -1)
	case cty.Bool:
		if v.True() {
			return "true"
		}
		return "false"
	}
	return string(hclwrite.TokensForValue(v).Bytes())
}

// VarArgs returns the saved variable values as -var flags.
func (sp *SavedPlan) VarArgs() []lang.VarArg {
	var out []lang.VarArg
	for _, name := range slices.Sorted(maps.Keys(sp.Variables)) {
		out = append(out, lang.VarArg{Raw: name + "=" + sp.Variables[name]})
	}
	return out
}

// ConfigHash hashes every configuration file of a loaded config, as it was
// read when the config was loaded.
func ConfigHash(cfg *lang.Config) string {
	var b strings.Builder
	for _, name := range slices.Sorted(maps.Keys(cfg.Files)) {
		if ok, _ := lang.IsConfigFile(name); !ok {
			continue // a -var-file: its values are saved with the plan
		}
		fmt.Fprintf(&b, "%s\x00%s\x00", name, lockfile.HashBytes(cfg.Files[name].Bytes))
	}
	return lockfile.HashBytes([]byte(b.String()))
}

// Write writes a saved plan atomically.
func Write(path string, sp *SavedPlan) error {
	data, err := json.MarshalIndent(sp, "", "  ")
	if err != nil {
		return fmt.Errorf("encoding the plan: %w", err)
	}
	return fsutil.WriteFileAtomic(path, append(data, '\n'), 0o644)
}

// Read reads a saved plan.
func Read(path string) (*SavedPlan, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("reading plan file: %w", err)
	}
	var sp SavedPlan
	if err := json.Unmarshal(data, &sp); err != nil || sp.Plan == nil {
		return nil, fmt.Errorf("%s is not a kirofile plan file", path)
	}
	if sp.FormatVersion != FormatVersion {
		return nil, fmt.Errorf("%s is a plan of format %d; this kirofile reads format %d: make the plan again", path, sp.FormatVersion, FormatVersion)
	}
	return &sp, nil
}

// Stale explains why a saved plan no longer describes the project, given
// the saved plan made now from the same flags; nil means it still does.
func (sp *SavedPlan) Stale(now *SavedPlan) []string {
	var why []string
	if sp.ConfigHash != now.ConfigHash {
		why = append(why, "the configuration changed since the plan was made")
	}
	if sp.LockHash != now.LockHash {
		why = append(why, "Kirofile.lock.hcl changed since the plan was made")
	}
	old := map[string]*plan.Change{}
	for _, c := range sp.Plan.Changes {
		old[c.Address] = c
	}
	var diffs []string
	for _, c := range now.Plan.Changes {
		o, ok := old[c.Address]
		delete(old, c.Address)
		switch {
		case !ok:
			diffs = append(diffs, c.Address+" is new")
		case o.State != c.State:
			diffs = append(diffs, fmt.Sprintf("%s was planned as %s and is now %s", c.Address, o.State, c.State))
		case o.Fingerprint != c.Fingerprint || o.Document != c.Document:
			diffs = append(diffs, c.Address+"'s inputs or document changed")
		case !maps.Equal(o.Outputs, c.Outputs):
			diffs = append(diffs, c.Address+"'s files changed")
		}
	}
	for addr := range old {
		diffs = append(diffs, addr+" is gone")
	}
	sort.Strings(diffs)
	return append(why, diffs...)
}
