// Package cost prices tokens exactly. Amounts are whole numbers of
// micro-units (millionths) of a currency, never floating point: prices are
// written in decimal with at most six places per million tokens, a
// request's cost is computed from its token counts in 128-bit integers and
// rounded up once, to the micro-unit, and every total is a sum of those
// whole amounts, so that totals never drift and always equal the sum of
// the parts shown.
package cost

import (
	"errors"
	"fmt"
	"math"
	"math/big"
	"math/bits"
	"strings"
)

// Money is an amount in micro-units (10⁻⁶) of a currency.
type Money int64

// MicrosPerUnit is how many micro-units make a unit of currency.
const MicrosPerUnit = 1_000_000

// perMillion: prices are per million tokens.
const perMillion = 1_000_000

// MaxPrice bounds a price, per million tokens: far above any model's, and
// low enough that no count of tokens a lock can hold overflows a Money.
const MaxPrice = 1_000_000 * MicrosPerUnit

// String writes m in decimal, with at least two places and at most six,
// trailing zeros trimmed: "0.00", "2.50", "0.012346".
func (m Money) String() string {
	neg := m < 0
	u := uint64(m)
	if neg {
		u = uint64(-m)
	}
	s := fmt.Sprintf("%d.%06d", u/MicrosPerUnit, u%MicrosPerUnit)
	s = strings.TrimRight(s, "0")
	if dot := strings.IndexByte(s, '.'); len(s)-dot-1 < 2 {
		s += strings.Repeat("0", 2-(len(s)-dot-1))
	}
	if neg {
		s = "-" + s
	}
	return s
}

// ErrAmount is the error of an amount that is not a decimal of at most six
// places in range: every error of ParseMoney, FromRat and FromFloat is
// one (errors.Is), its text saying what is wrong with the amount.
var ErrAmount = errors.New("not an amount")

// amountError says what is wrong with an amount, quoting it.
type amountError string

func (e amountError) Error() string { return string(e) }

func (e amountError) Is(target error) bool { return target == ErrAmount }

func errAmount(format string, args ...any) error { return amountError(fmt.Sprintf(format, args...)) }

// ParseMoney reads a decimal amount such as "2.5" or "0.000150": digits,
// at most six of them after the point, at least 0. An exponent (1e3) or a
// fraction (1/3) is refused: amounts are written as people read them.
// Errors quote s as written.
func ParseMoney(s string) (Money, error) {
	t := strings.TrimSpace(s)
	if strings.ContainsAny(t, "eE") && strings.Trim(t, "+-.0123456789eE") == "" {
		return 0, errAmount("%q: write it in decimal, without an exponent", s)
	}
	if !decimal(t) {
		return 0, errAmount("%q is not a decimal number", s)
	}
	if strings.HasPrefix(t, "-") && strings.Trim(t, "-0.") != "" {
		return 0, errAmount("%q is negative", s)
	}
	if dot := strings.IndexByte(t, '.'); dot >= 0 && len(strings.TrimRight(t[dot+1:], "0")) > 6 {
		return 0, errAmount("%q has more than six decimal places", s)
	}
	r, _ := new(big.Rat).SetString(t)
	m, err := FromRat(r)
	if err != nil {
		return 0, errAmount("%q is too large", s)
	}
	return m, nil
}

// decimal reports whether s is a decimal number: an optional sign, digits
// and at most one point, with a digit on one side of it at least.
func decimal(s string) bool {
	s = strings.TrimPrefix(strings.TrimPrefix(s, "-"), "+")
	digits, points := 0, 0
	for _, r := range s {
		switch {
		case r >= '0' && r <= '9':
			digits++
		case r == '.':
			points++
		default:
			return false
		}
	}
	return digits > 0 && points <= 1
}

// FromRat converts an exact number to Money: it must be at least 0 and
// have at most six decimal places.
func FromRat(r *big.Rat) (Money, error) {
	if r.Sign() < 0 {
		return 0, errAmount("%s is negative", trimZeros(r.FloatString(6)))
	}
	micros := new(big.Rat).Mul(r, big.NewRat(MicrosPerUnit, 1))
	if !micros.IsInt() {
		return 0, errAmount("%s has more than six decimal places", trimZeros(r.FloatString(12)))
	}
	n := micros.Num()
	if !n.IsInt64() || n.Int64() > math.MaxInt64/4 {
		return 0, errAmount("%s is too large", r.FloatString(0))
	}
	return Money(n.Int64()), nil
}

// trimZeros drops the zeros a fixed number of places leaves: "-1.000000"
// is "-1".
func trimZeros(s string) string {
	if strings.IndexByte(s, '.') < 0 {
		return s
	}
	return strings.TrimSuffix(strings.TrimRight(s, "0"), ".")
}

// FromFloat converts a number HCL parsed (a big.Float of 512 bits, as
// cty keeps numbers) to Money: the decimal it was written as is recovered
// exactly when it had at most six places.
func FromFloat(f *big.Float) (Money, error) {
	// A decimal of at most six places, read in binary with 512 bits, is
	// within far less than 10⁻⁹ of itself: its first nine places give it
	// back exactly.
	r, ok := new(big.Rat).SetString(f.Text('f', 9))
	if !ok {
		return 0, errAmount("%s is not a finite number", f.Text('g', -1))
	}
	return FromRat(r)
}

// Usage is what a request used: its prompt tokens (Cached of them read
// from the provider's prompt cache, at the cached price) and completion
// tokens.
type Usage struct {
	Prompt, Cached, Completion int64
}

// Add adds u2 to u.
func (u *Usage) Add(u2 Usage) {
	u.Prompt += u2.Prompt
	u.Cached += u2.Cached
	u.Completion += u2.Completion
}

// Total is every token of u.
func (u Usage) Total() int64 { return u.Prompt + u.Completion }

// Price is a provider's price list: micro-units per million tokens.
type Price struct {
	Input       Money
	CachedInput Money
	Output      Money
	// Currency names the unit, "USD" unless the price says otherwise.
	Currency string
}

// DefaultCurrency is the currency of a price that names none.
const DefaultCurrency = "USD"

// Cost is what a request with usage u costs: its uncached prompt tokens at
// the input price, its cached ones at the cached-input price, its
// completion tokens at the output price, rounded up to the micro-unit.
func (p Price) Cost(u Usage) Money {
	cached := min(max(u.Cached, 0), max(u.Prompt, 0))
	var hi, lo uint64
	add := func(tokens int64, price Money) {
		if tokens <= 0 || price <= 0 {
			return
		}
		h, l := bits.Mul64(uint64(tokens), uint64(price))
		var c uint64
		lo, c = bits.Add64(lo, l, 0)
		hi += h + c
	}
	add(u.Prompt-cached, p.Input)
	add(cached, p.CachedInput)
	add(u.Completion, p.Output)
	if hi >= perMillion {
		return math.MaxInt64 // beyond any budget; cannot happen within MaxPrice
	}
	q, r := bits.Div64(hi, lo, perMillion)
	if r > 0 {
		q++
	}
	if q > math.MaxInt64 {
		return math.MaxInt64
	}
	return Money(q)
}

// Sum adds amounts, saturating rather than overflowing.
func Sum(a, b Money) Money {
	if b > 0 && a > math.MaxInt64-b {
		return math.MaxInt64
	}
	return a + b
}
