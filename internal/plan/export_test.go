package plan

import "github.com/kirofile/kirofile/lang"

// LegacyFingerprint exposes the earlier scheme's fingerprint to tests.
func LegacyFingerprint(pl *Planner, n lang.Node) (string, map[string]string) { return pl.legacy(n) }
