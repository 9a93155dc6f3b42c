// Command kirofile-action-wordcount is an example third-party hook action:
// it counts the words of the files a node wrote and fails when one has more
// than max_words (default 1000).
package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/kirofile/kirofile/plugins/sdk"
)

func run(ctx context.Context, req sdk.ActionRequest) (*sdk.ActionResult, error) {
	cfg := struct {
		MaxWords int `json:"max_words"`
	}{MaxWords: 1000}
	if len(req.Config) > 0 {
		if err := json.Unmarshal(req.Config, &cfg); err != nil {
			return nil, fmt.Errorf("wordcount: bad configuration: %w", err)
		}
	}
	res := &sdk.ActionResult{Passed: true}
	var out strings.Builder
	for _, f := range req.FilesWritten {
		b, err := os.ReadFile(filepath.Join(req.ProjectDir, f))
		if err != nil {
			return nil, fmt.Errorf("wordcount: %w", err)
		}
		n := len(strings.Fields(string(b)))
		fmt.Fprintf(&out, "%s: %d words\n", f, n)
		if n > cfg.MaxWords {
			res.Passed = false
			fmt.Fprintf(&out, "%s has more than %d words\n", f, cfg.MaxWords)
		}
	}
	res.Output = []byte(out.String())
	return res, nil
}

func main() { sdk.ServeAction(sdk.ActionFunc(run)) }
