package host

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
	"time"

	"github.com/zclconf/go-cty/cty"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/kirofile/kirofile/lang"
	"github.com/kirofile/kirofile/plugins/sdk"
	"github.com/kirofile/kirofile/providers"
)

// Defaults of the bounds kirofile puts on every plugin call; a Kirofile
// changes them per block (docs/language.md).
const (
	// DefaultCallTimeout bounds one generation, retries included, unless
	// the provider block's call_timeout says otherwise.
	DefaultCallTimeout = 15 * time.Minute
	// DefaultMaxReplyBytes bounds a reply unless the provider block's
	// max_reply_bytes says otherwise: 2 MiB, beyond any model's output.
	DefaultMaxReplyBytes = 2 << 20
	// DefaultActionTimeout bounds a hook action unless its block's timeout
	// says otherwise.
	DefaultActionTimeout = 10 * time.Minute
)

// actionGrace is how long an action may run past its timeout before
// kirofile gives up on it: the action enforces the timeout itself first
// (exec kills its command and says so). Tests shorten it.
var actionGrace = 5 * time.Second

// Limits bound the calls to one provider block.
type Limits struct {
	CallTimeout   time.Duration
	MaxReplyBytes int
}

// LimitsOf reads a provider block's call_timeout and max_reply_bytes,
// which lang checked, or the defaults.
func LimitsOf(p *lang.Provider) Limits {
	lim := Limits{CallTimeout: DefaultCallTimeout, MaxReplyBytes: DefaultMaxReplyBytes}
	if v, ok := known(p.Config["call_timeout"]); ok && v.Type() == cty.String {
		if d, err := time.ParseDuration(v.AsString()); err == nil && d > 0 {
			lim.CallTimeout = d
		}
	}
	if v, ok := known(p.Config["max_reply_bytes"]); ok && v.Type() == cty.Number {
		if n, acc := v.AsBigFloat().Int64(); acc == big.Exact && n > 0 && n <= 1<<40 {
			lim.MaxReplyBytes = int(n)
		}
	}
	return lim
}

func known(v cty.Value) (cty.Value, bool) {
	if v == cty.NilVal || !v.IsWhollyKnown() || v.IsNull() {
		return v, false
	}
	v, _ = v.UnmarkDeep()
	return v, true
}

// limitedProvider applies a provider block's Limits to every generation,
// whatever the plugin does: a call that takes longer than the call
// timeout is cancelled, and one whose reply streams past the size limit
// is cancelled as soon as it does.
type limitedProvider struct {
	p    providers.Provider
	lim  Limits
	addr string // the provider block, for messages
}

// errTooLarge cancels a generation whose reply outgrew its limit.
var errTooLarge = errors.New("reply too large")

func (l *limitedProvider) Generate(ctx context.Context, req providers.Request, on providers.EventFunc) (*providers.Response, error) {
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	timed, stop := context.WithTimeout(ctx, l.lim.CallTimeout)
	defer stop()
	size := 0
	resp, err := l.p.Generate(timed, req, func(e providers.Event) {
		if e.Kind == providers.EventTextDelta {
			size += len(e.Text)
			if size > l.lim.MaxReplyBytes {
				cancel(errTooLarge)
				return
			}
		}
		if on != nil && size <= l.lim.MaxReplyBytes {
			on(e)
		}
	})
	switch {
	case context.Cause(ctx) == errTooLarge || err == nil && len(resp.Text) > l.lim.MaxReplyBytes:
		return nil, fmt.Errorf("the reply is larger than max_reply_bytes (%d bytes); it was not read further and nothing was recorded. If replies this long are expected, raise max_reply_bytes in %s",
			l.lim.MaxReplyBytes, l.addr)
	case err != nil && ctx.Err() == nil && timedOut(timed, err):
		// A slow endpoint is a fact about this machine and this moment:
		// the lock must not hold it (providers.Local).
		return nil, providers.Unavailable(fmt.Errorf("no complete reply within call_timeout (%s), retries included; nothing was recorded. Raise call_timeout in %s if the model needs longer: %w",
			l.lim.CallTimeout, l.addr, err))
	}
	return resp, err
}

// actionTimeout is the timeout an action block sets (its "timeout"
// attribute, which lang checked), or DefaultActionTimeout.
func actionTimeout(config []byte) time.Duration {
	var cfg struct {
		Timeout any `json:"timeout"`
	}
	if json.Unmarshal(config, &cfg) == nil {
		if s, ok := cfg.Timeout.(string); ok {
			if d, err := time.ParseDuration(s); err == nil && d > 0 {
				return d
			}
		}
	}
	return DefaultActionTimeout
}

// limitedAction bounds every run of a hook action by its block's timeout,
// plus a grace period for the action to report its own timeout: a
// third-party action that ignores it still ends.
type limitedAction struct {
	a sdk.HookAction
}

func (l *limitedAction) Run(ctx context.Context, req sdk.ActionRequest) (*sdk.ActionResult, error) {
	timeout := actionTimeout(req.Config)
	timed, cancel := context.WithTimeout(ctx, timeout+actionGrace)
	defer cancel()
	res, err := l.a.Run(timed, req)
	if err != nil && ctx.Err() == nil && timedOut(timed, err) {
		return nil, fmt.Errorf("the action did not finish within its timeout (%s) and was abandoned; set timeout in the action block to allow longer: %w", timeout, err)
	}
	return res, err
}

// timedOut reports whether a call failed because its deadline passed: the
// context says so, or the plugin's end of the connection, which may see
// the deadline pass first.
func timedOut(ctx context.Context, err error) bool {
	return errors.Is(ctx.Err(), context.DeadlineExceeded) || status.Code(err) == codes.DeadlineExceeded
}
