package lang

import (
	"encoding/json"
	"errors"

	"github.com/zclconf/go-cty/cty"
	ctyjson "github.com/zclconf/go-cty/cty/json"
)

// errUnknown is returned for a value that is not known yet.
var errUnknown = errors.New("value is not known")

// ValueJSON renders a value as plain JSON, marks (sensitive) removed: for
// the configuration a plugin receives, which is the one place a sensitive
// value may travel.
func ValueJSON(v cty.Value) (json.RawMessage, error) {
	v, _ = v.UnmarkDeep()
	if !v.IsWhollyKnown() {
		return nil, errUnknown
	}
	return ctyjson.Marshal(v, v.Type())
}
