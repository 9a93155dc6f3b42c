package cost

import (
	"errors"
	"math/big"
	"strings"
	"testing"

	"github.com/zclconf/go-cty/cty"
)

func TestParseMoney(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want Money
		err  string // "" when it parses
	}{
		{"0", 0, ""},
		{"2.5", 2_500_000, ""},
		{" 0.15 ", 150_000, ""},
		{".5", 500_000, ""},
		{"3.", 3_000_000, ""},
		{"0.000001", 1, ""},
		{"0.1000000", 100_000, ""},
		{"10", 10_000_000, ""},
		{"-0", 0, ""},
		{"0.0000001", 0, `"0.0000001" has more than six decimal places`},
		{"-1", 0, `"-1" is negative`},
		{"-0.50", 0, `"-0.50" is negative`},
		{"abc", 0, `"abc" is not a decimal number`},
		{"", 0, `"" is not a decimal number`},
		{"1.2.3", 0, `"1.2.3" is not a decimal number`},
		{"1/3", 0, `"1/3" is not a decimal number`},
		{"0x10", 0, `"0x10" is not a decimal number`},
		{"1e3", 0, `"1e3": write it in decimal, without an exponent`},
		{"2.5E-1", 0, `"2.5E-1": write it in decimal, without an exponent`},
		{"99999999999999999999", 0, `"99999999999999999999" is too large`},
	} {
		got, err := ParseMoney(tc.in)
		switch {
		case tc.err == "" && (err != nil || got != tc.want):
			t.Errorf("ParseMoney(%q) = %d, %v; want %d", tc.in, got, err, tc.want)
		case tc.err != "" && (err == nil || !strings.Contains(err.Error(), tc.err) || !errors.Is(err, ErrAmount)):
			t.Errorf("ParseMoney(%q) = %d, %v; want an error with %q", tc.in, got, err, tc.err)
		}
	}
}

// Numbers come from HCL as cty numbers, binary floats of 512 bits: the
// decimal written is recovered exactly.
func TestFromFloat(t *testing.T) {
	for _, tc := range []struct {
		lit  string
		want Money
		ok   bool
	}{
		{"0.15", 150_000, true},
		{"2.50", 2_500_000, true},
		{"0.075", 75_000, true},
		{"0.01875", 18_750, true},
		{"1234.567891", 1_234_567_891, true},
		{"0.1234567", 0, false},
		{"-1", 0, false},
	} {
		v, err := cty.ParseNumberVal(tc.lit)
		if err != nil {
			t.Fatal(err)
		}
		got, err := FromFloat(v.AsBigFloat())
		if (err == nil) != tc.ok || got != tc.want {
			t.Errorf("FromFloat(%s) = %d, %v; want %d, ok %v", tc.lit, got, err, tc.want, tc.ok)
		}
	}
}

func TestMoneyString(t *testing.T) {
	for m, want := range map[Money]string{0: "0.00", 1: "0.000001", 2_500_000: "2.50", 12_346: "0.012346", 10_000_000: "10.00", 1_230_000: "1.23", -1_500_000: "-1.50"} {
		if got := m.String(); got != want {
			t.Errorf("%d: %q, want %q", int64(m), got, want)
		}
	}
}

func TestCost(t *testing.T) {
	gpt4o := Price{Input: 2_500_000, CachedInput: 1_250_000, Output: 10_000_000} // 2.50 / 1.25 / 10.00 per million
	for _, tc := range []struct {
		u    Usage
		want Money
	}{
		{Usage{}, 0},
		// 1,000,000 prompt tokens at 2.50.
		{Usage{Prompt: 1_000_000}, 2_500_000},
		// 1,200 prompt (200 cached), 800 completion:
		// (1000*2.5 + 200*1.25 + 800*10) / 1e6 = 0.01075.
		{Usage{Prompt: 1200, Cached: 200, Completion: 800}, 10_750},
		// One prompt token costs 2.5 micro-units: rounded up to 3.
		{Usage{Prompt: 1}, 3},
		// Cached beyond the prompt counts as the prompt.
		{Usage{Prompt: 10, Cached: 50}, 13},
	} {
		if got := gpt4o.Cost(tc.u); got != tc.want {
			t.Errorf("Cost(%+v) = %d, want %d", tc.u, got, tc.want)
		}
	}
	// No drift: a thousand requests add up to a thousand times one.
	var total Money
	one := gpt4o.Cost(Usage{Prompt: 1234, Cached: 567, Completion: 89})
	for range 1000 {
		total = Sum(total, one)
	}
	if total != 1000*one {
		t.Errorf("total %d, want %d", total, 1000*one)
	}
	// The largest price on the largest counts does not overflow.
	huge := Price{Input: MaxPrice, Output: MaxPrice}
	if got := huge.Cost(Usage{Prompt: 1 << 31, Completion: 1 << 31}); got <= 0 {
		t.Errorf("overflow: %d", got)
	}
	if r, _ := new(big.Rat).SetString("1.5"); r == nil {
		t.Fatal("big")
	}
}
