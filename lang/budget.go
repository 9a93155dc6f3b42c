package lang

import (
	"bytes"
	"math"
	"math/big"
	"sort"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"

	"github.com/kirofile/kirofile/internal/cost"
	"github.com/kirofile/kirofile/internal/tokens"
)

// Budget is a `budget` block: limits on what one apply may spend. At the
// top level it bounds the whole run (Tokens, Cost) and, unless a feature
// says otherwise, each feature (FeatureTokens, FeatureCost); inside a
// feature it bounds that feature. Zero means no limit.
type Budget struct {
	Tokens        int64
	Cost          cost.Money
	FeatureTokens int64
	FeatureCost   cost.Money
	// CostSet and FeatureCostSet tell a limit of 0 from none.
	CostSet, FeatureCostSet bool
	DeclRange               hcl.Range
}

var budgetSchema = &hcl.BodySchema{
	Attributes: []hcl.AttributeSchema{{Name: "tokens"}, {Name: "cost"}, {Name: "feature_tokens"}, {Name: "feature_cost"}},
}

var featureBudgetSchema = &hcl.BodySchema{
	Attributes: []hcl.AttributeSchema{{Name: "tokens"}, {Name: "cost"}},
}

// decodeBudgets decodes the top-level budget block (one at most).
func (l *loader) decodeBudgets(blocks []*hcl.Block) {
	for i, b := range blocks {
		if i > 0 {
			l.errorf(b.DefRange, "Duplicate budget block", "Only one budget block is allowed at the top level; the first is at %s.", rangeText(blocks[0].DefRange))
			continue
		}
		l.cfg.Budget = l.decodeBudget(b, budgetSchema)
	}
}

// decodeFeatureBudget decodes a feature's budget block.
func (l *loader) decodeFeatureBudget(fd *featureDecl, blocks []*hcl.Block) {
	for i, b := range blocks {
		if i > 0 {
			l.errorf(b.DefRange, "Duplicate budget block", "A feature takes one budget block; the first is at %s.", rangeText(blocks[0].DefRange))
			continue
		}
		fd.feature.Budget = l.decodeBudget(b, featureBudgetSchema)
	}
}

func (l *loader) decodeBudget(b *hcl.Block, schema *hcl.BodySchema) *Budget {
	content, diags := b.Body.Content(schema)
	l.diags = append(l.diags, diags...)
	out := &Budget{DeclRange: b.DefRange}
	sc := &scope{what: "a budget block", roots: baseRoots}
	for _, name := range []string{"tokens", "feature_tokens"} {
		attr, ok := content.Attributes[name]
		if !ok {
			continue
		}
		v, _ := l.evalAttr(attr, l.baseCtx, sc, cty.Number)
		if v == cty.NilVal || v.IsNull() || !v.IsWhollyKnown() {
			continue
		}
		v, _ = v.Unmark()
		bf := v.AsBigFloat()
		n, acc := bf.Int64()
		if !bf.IsInt() || acc != big.Exact || n < 1 || n > math.MaxInt64/4 {
			l.errorf(attr.Expr.Range(), "Invalid "+name, "%s must be a whole number of tokens of at least 1; got %s.", name, bf.Text('g', -1))
			continue
		}
		if name == "tokens" {
			out.Tokens = n
		} else {
			out.FeatureTokens = n
		}
	}
	for _, name := range []string{"cost", "feature_cost"} {
		attr, ok := content.Attributes[name]
		if !ok {
			continue
		}
		m, ok := l.amount(attr, sc)
		if !ok {
			continue
		}
		if name == "cost" {
			out.Cost, out.CostSet = m, true
		} else {
			out.FeatureCost, out.FeatureCostSet = m, true
		}
	}
	return out
}

// amount evaluates an amount of money: a number or a decimal string, at
// least 0, of at most six decimal places.
func (l *loader) amount(attr *hcl.Attribute, sc *scope) (cost.Money, bool) {
	v, _ := l.evalAttr(attr, l.baseCtx, sc, cty.DynamicPseudoType)
	if v == cty.NilVal || v.IsNull() || !v.IsWhollyKnown() {
		return 0, false
	}
	if rng := l.exponent(attr.Expr); rng != nil {
		l.errorf(*rng, "Invalid "+attr.Name, "%s must be written in decimal, such as 1000 or 2.50, without an exponent.", attr.Name)
		return 0, false
	}
	m, err := moneyOf(v)
	if err != nil {
		l.errorf(attr.Expr.Range(), "Invalid "+attr.Name, "%s must be an amount in decimal such as 2.50, at least 0, with at most six decimal places; %s.", attr.Name, err.Error())
		return 0, false
	}
	return m, true
}

// exponent returns where expr writes a number with an exponent (1e3), or
// nil: amounts are written in decimal, as the docs and every message
// write them. Only native syntax keeps a number's text; JSON's is read as
// its value.
func (l *loader) exponent(expr hcl.Expression) *hcl.Range {
	se, ok := expr.(hclsyntax.Expression)
	if !ok {
		return nil
	}
	var found *hcl.Range
	_ = hclsyntax.VisitAll(se, func(n hclsyntax.Node) hcl.Diagnostics {
		lit, ok := n.(*hclsyntax.LiteralValueExpr)
		if !ok || found != nil || lit.Val.Type() != cty.Number {
			return nil
		}
		rng := lit.SrcRange
		f := l.parser.Files()[rng.Filename]
		if f == nil || rng.Start.Byte < 0 || rng.End.Byte > len(f.Bytes) || rng.Start.Byte > rng.End.Byte {
			return nil
		}
		if bytes.ContainsAny(f.Bytes[rng.Start.Byte:rng.End.Byte], "eE") {
			found = &rng
		}
		return nil
	})
	return found
}

func moneyOf(v cty.Value) (cost.Money, error) {
	v, _ = v.UnmarkDeep()
	switch v.Type() {
	case cty.Number:
		return cost.FromFloat(v.AsBigFloat())
	case cty.String:
		return cost.ParseMoney(v.AsString())
	}
	return 0, cost.ErrAmount
}

// Price attributes of a provider block's price object.
var priceKeys = []string{"input", "cached_input", "output", "currency"}

// ProviderPrice reads a provider block's price, which load checked; nil
// when the block declares none.
func ProviderPrice(p *Provider) *cost.Price {
	v, ok := p.Config["price"]
	if !ok {
		return nil
	}
	price, err := priceOf(v)
	if err != nil {
		return nil
	}
	return price
}

// priceOf reads a price object: input and output required, cached_input
// defaulting to input, currency to USD.
func priceOf(v cty.Value) (*cost.Price, error) {
	if v == cty.NilVal || v.IsNull() || !v.IsWhollyKnown() {
		return nil, errPrice("it is not known")
	}
	v, _ = v.UnmarkDeep()
	if !v.Type().IsObjectType() && !v.Type().IsMapType() {
		return nil, errPrice("write it as an object: price = { input = 2.50, output = 10.00 }")
	}
	p := &cost.Price{Currency: cost.DefaultCurrency}
	seen := map[string]bool{}
	for it := v.ElementIterator(); it.Next(); {
		k, e := it.Element()
		key := k.AsString()
		seen[key] = true
		switch key {
		case "input", "cached_input", "output":
			m, err := moneyOf(e)
			if err != nil {
				return nil, errPrice(key + ": " + err.Error())
			}
			if m > cost.MaxPrice {
				return nil, errPrice(key + " is above " + cost.Money(cost.MaxPrice).String())
			}
			switch key {
			case "input":
				p.Input = m
			case "cached_input":
				p.CachedInput = m
			default:
				p.Output = m
			}
		case "currency":
			e, err := convertString(e)
			if err != nil || !validCurrency(e) {
				return nil, errPrice("currency must be a code of three capital letters, such as \"USD\" or \"EUR\"")
			}
			p.Currency = e
		default:
			return nil, errPrice("it has no " + key + "; it takes " + strings.Join(priceKeys, ", "))
		}
	}
	for _, req := range []string{"input", "output"} {
		if !seen[req] {
			return nil, errPrice("it needs " + req)
		}
	}
	if !seen["cached_input"] {
		p.CachedInput = p.Input
	}
	return p, nil
}

type priceError string

func (e priceError) Error() string { return string(e) }

func errPrice(s string) error { return priceError(s) }

func convertString(v cty.Value) (string, error) {
	if v.Type() != cty.String || v.IsNull() {
		return "", errPrice("not a string")
	}
	return v.AsString(), nil
}

func validCurrency(s string) bool {
	if len(s) != 3 {
		return false
	}
	for _, r := range s {
		if r < 'A' || r > 'Z' {
			return false
		}
	}
	return true
}

// checkCostAttr checks the provider attributes of cost: price and
// tokenizer.
func (l *loader) checkCostAttr(attr *hcl.Attribute, v cty.Value) {
	rng := attr.Expr.Range()
	switch attr.Name {
	case "price":
		if r := l.exponent(attr.Expr); r != nil {
			l.errorf(*r, "Invalid price", "price is per million tokens, in decimal, such as 2.50 or 1000, without an exponent.")
			return
		}
		if _, err := priceOf(v); err != nil {
			l.errorf(rng, "Invalid price", "price is per million tokens, in decimal: price = { input = 2.50, cached_input = 1.25, output = 10.00 }; %s.", err)
		}
	case "tokenizer":
		v, _ = v.Unmark()
		if v.Type() != cty.String || !tokens.Valid(tokens.Encoding(v.AsString())) {
			l.errorf(rng, "Invalid tokenizer", "tokenizer must be %q or %q.", tokens.O200kBase, tokens.Cl100kBase)
		}
	}
}

// checkCurrencies requires one currency of every priced provider: totals
// and budgets add amounts, and kirofile converts none.
func (l *loader) checkCurrencies() {
	var keys []string
	for k := range l.cfg.Providers {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	first, firstKey := "", ""
	for _, k := range keys {
		p := ProviderPrice(l.cfg.Providers[k])
		if p == nil {
			continue
		}
		if first == "" {
			first, firstKey = p.Currency, k
			continue
		}
		if p.Currency != first {
			l.errorf(l.cfg.Providers[k].DeclRange, "Mixed currencies",
				"provider.%s is priced in %s and provider.%s in %s; kirofile adds costs and converts no currency, so every price must be in one.", k, p.Currency, firstKey, first)
		}
	}
}

// Currency is the currency of the configuration's prices ("" when no
// provider has one).
func (c *Config) Currency() string {
	var keys []string
	for k := range c.Providers {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if p := ProviderPrice(c.Providers[k]); p != nil {
			return p.Currency
		}
	}
	return ""
}

// ProviderTokenizer returns the encoding a provider block's prompts are
// counted in, and how it was chosen: named by its tokenizer attribute,
// known from its model, or the fallback.
func ProviderTokenizer(p *Provider) (tokens.Encoding, string) {
	if p == nil {
		return tokens.Fallback, "fallback"
	}
	if v, ok := p.Config["tokenizer"]; ok && v.IsWhollyKnown() && !v.IsNull() {
		if v, _ := v.Unmark(); v.Type() == cty.String && tokens.Valid(tokens.Encoding(v.AsString())) {
			return tokens.Encoding(v.AsString()), "declared"
		}
	}
	if enc, known := tokens.ForModel(ProviderModel(p)); known {
		return enc, "model"
	}
	return tokens.Fallback, "fallback"
}

// ProviderModel is a provider block's model, "" when it sets none (or it
// is not known).
func ProviderModel(p *Provider) string {
	if p == nil {
		return ""
	}
	if v, ok := p.Config["model"]; ok && v.IsWhollyKnown() && !v.IsNull() {
		if v, _ := v.UnmarkDeep(); v.Type() == cty.String {
			return v.AsString()
		}
	}
	return ""
}

// ProviderMaxTokens is a provider block's max_tokens, 0 when unset.
func ProviderMaxTokens(p *Provider) int64 {
	if p == nil {
		return 0
	}
	if v, ok := p.Config["max_tokens"]; ok && v.IsWhollyKnown() && !v.IsNull() {
		if v, _ := v.UnmarkDeep(); v.Type() == cty.Number {
			if n, acc := v.AsBigFloat().Int64(); acc == big.Exact && n > 0 {
				return n
			}
		}
	}
	return 0
}
