package plan

import (
	"maps"

	"github.com/kirofile/kirofile/lang"
)

// LegacyFingerprint exposes the earlier scheme's fingerprint to tests.
func LegacyFingerprint(pl *Planner, n lang.Node) (string, map[string]string) { return pl.legacy(n) }

// AheadChecked compares every fingerprint Build computed ahead of planning
// (fingerprintsAhead) with the one fingerprint computes for the node now,
// after Build: how many were computed ahead, and the nodes whose two
// differ in anything.
func AheadChecked(pl *Planner) (n int, differ []string) {
	for node, pre := range pl.ahead {
		fp, inputs, known, unknown := pl.fingerprint(node)
		if fp != pre.fp || known != pre.known || unknown != pre.unknown || !maps.Equal(inputs, pre.inputs) {
			differ = append(differ, node.Address().String())
		}
	}
	for addr, o := range pl.aheadOuts {
		if s, ok := pl.Node(addr).(*lang.Spec); !ok || pl.specOutput(s) != o {
			differ = append(differ, addr+" (its output)")
		}
	}
	return len(pl.ahead), differ
}
