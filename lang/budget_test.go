package lang

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kirofile/kirofile/internal/cost"
	"github.com/kirofile/kirofile/internal/tokens"
)

func loadText(t *testing.T, text string) (*Config, string) {
	t.Helper()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "Kirofile"), []byte(text+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	cfg, diags := Load(dir, LoadOptions{})
	if diags.HasErrors() {
		return cfg, diags.Error()
	}
	return cfg, ""
}

func TestBudgetsAndPrices(t *testing.T) {
	cfg, errs := loadText(t, `
budget {
  tokens         = 2000000
  cost           = 5
  feature_tokens = 400000
  feature_cost   = "1.25"
}
provider "openai" "strong" {
  model     = "gpt-4o"
  price     = { input = 2.50, cached_input = 1.25, output = 10.00 }
}
provider "openai" "cheap" {
  model     = "my-local-model"
  tokenizer = "cl100k_base"
  price     = { input = "0.15", output = 0.60 }
  max_tokens = 4096
}
feature "a" {
  description = "x"
  provider    = provider.openai.strong
  budget {
    tokens = 100000
    cost   = 0.5
  }
  spec "requirements" {}
}`)
	if errs != "" {
		t.Fatal(errs)
	}
	b := cfg.Budget
	if b.Tokens != 2_000_000 || b.Cost != 5*cost.MicrosPerUnit || !b.CostSet || b.FeatureTokens != 400_000 || b.FeatureCost != 1_250_000 {
		t.Errorf("budget %+v", b)
	}
	fb := cfg.Features["a"].Budget
	if fb == nil || fb.Tokens != 100_000 || fb.Cost != 500_000 {
		t.Errorf("feature budget %+v", fb)
	}
	strong := ProviderPrice(cfg.Providers["openai.strong"])
	if strong == nil || *strong != (cost.Price{Input: 2_500_000, CachedInput: 1_250_000, Output: 10_000_000, Currency: "USD"}) {
		t.Errorf("strong price %+v", strong)
	}
	cheap := ProviderPrice(cfg.Providers["openai.cheap"])
	if cheap == nil || cheap.CachedInput != cheap.Input || cheap.Output != 600_000 {
		t.Errorf("cheap price %+v", cheap)
	}
	if enc, how := ProviderTokenizer(cfg.Providers["openai.strong"]); enc != tokens.O200kBase || how != "model" {
		t.Errorf("strong tokenizer %s %s", enc, how)
	}
	if enc, how := ProviderTokenizer(cfg.Providers["openai.cheap"]); enc != tokens.Cl100kBase || how != "declared" {
		t.Errorf("cheap tokenizer %s %s", enc, how)
	}
	if ProviderMaxTokens(cfg.Providers["openai.cheap"]) != 4096 || ProviderMaxTokens(cfg.Providers["openai.strong"]) != 0 {
		t.Error("max_tokens")
	}
	if cfg.Currency() != "USD" {
		t.Errorf("currency %q", cfg.Currency())
	}
}

func TestBudgetErrors(t *testing.T) {
	for _, tc := range []struct{ text, want string }{
		{`budget {
  tokens = 0
}`, "Kirofile:2,12-13: Invalid tokens"},
		{`budget {
  cost = 0.0000001
}`, "more than six decimal places"},
		{`budget {
  cost = -1
}`, "Kirofile:2,10-12: Invalid cost; cost must be an amount in decimal such as 2.50, at least 0, with at most six decimal places; -1 is negative."},
		{`budget {
  cost = 1e3
}`, "Kirofile:2,10-13: Invalid cost; cost must be written in decimal, such as 1000 or 2.50, without an exponent."},
		{`budget {
  feature_cost = 2.5E-1
}`, "Kirofile:2,18-24: Invalid feature_cost"},
		{`budget {
  cost = "1e3"
}`, `"1e3": write it in decimal, without an exponent`},
		{`provider "openai" "m" {
  model = "x"
  price = { input = "1e3", output = 2 }
}`, `Kirofile:3,11-40: Invalid price; price is per million tokens, in decimal: price = { input = 2.50, cached_input = 1.25, output = 10.00 }; input: "1e3": write it in decimal, without an exponent.`},
		{`provider "openai" "m" {
  model = "x"
  price = { input = 1, output = 1e1 }
}`, "Kirofile:3,33-36: Invalid price; price is per million tokens, in decimal, such as 2.50 or 1000, without an exponent."},
		{`budget {
  bogus = 1
}`, "Unsupported argument"},
		{`budget {}
budget {}`, "Duplicate budget block"},
		{`feature "a" {
  budget {
    feature_cost = 1
  }
}`, "Unsupported argument"},
		{`provider "openai" "m" {
  model = "x"
  price = { input = 1 }
}`, "it needs output"},
		{`provider "openai" "m" {
  model = "x"
  price = { input = 1, output = 2, extra = 3 }
}`, "it has no extra"},
		{`provider "openai" "m" {
  model = "x"
  price = 3
}`, "write it as an object"},
		{`provider "openai" "m" {
  model = "x"
  tokenizer = "p50k_base"
}`, "Invalid tokenizer"},
		{`provider "openai" "a" {
  model = "x"
  price = { input = 1, output = 2, currency = "EUR" }
}
provider "openai" "b" {
  model = "x"
  price = { input = 1, output = 2 }
}`, "Mixed currencies"},
	} {
		_, errs := loadText(t, tc.text)
		if !strings.Contains(errs, tc.want) {
			t.Errorf("%s\n=> %q, want %q", tc.text, errs, tc.want)
		}
	}
}
