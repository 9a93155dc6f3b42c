// Command leaky is a third-party provider plugin for the security scripts:
// it fails every generation with an error that quotes its key, from its
// api_key attribute or from $LEAKY_API_KEY, as careless plugins do.
package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"

	"github.com/kirofile/kirofile/plugins/sdk"
	"github.com/kirofile/kirofile/providers"
)

type leaky struct{ key string }

func (l *leaky) Generate(context.Context, providers.Request, providers.EventFunc) (*providers.Response, error) {
	return nil, fmt.Errorf("leaky: the endpoint refused the key %q (from LEAKY_API_KEY=%s)", l.key, os.Getenv("LEAKY_API_KEY"))
}

func main() {
	sdk.ServeProvider(func(config []byte) (providers.Provider, error) {
		var cfg struct {
			APIKey string `json:"api_key"`
		}
		_ = json.Unmarshal(config, &cfg)
		return &leaky{key: cfg.APIKey}, nil
	})
}
