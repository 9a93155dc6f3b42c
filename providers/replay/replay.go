// Package replay is the built-in provider that answers from a recorded
// cassette file, offline, and that records one by wrapping a real provider.
// Examples and CI run on cassettes, so they need no network and no key.
package replay

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"github.com/kirofile/kirofile/internal/fsutil"
	"os"
	"path/filepath"
	"sort"
	"sync"

	"github.com/kirofile/kirofile/providers"
)

// CassetteVersion is the format version written into cassettes.
const CassetteVersion = 1

// Modes.
const (
	ModeReplay = "replay"
	ModeRecord = "record"
)

// Config is the `provider "replay"` block, as JSON.
type Config struct {
	// Cassette is the file path; relative paths are taken from the working
	// directory, which kirofile sets to the project directory.
	Cassette string `json:"cassette"`
	// Mode is "replay" (default) or "record".
	Mode string `json:"mode,omitempty"`
	// Provider is the type of the provider wrapped in record mode, e.g.
	// "openai"; ProviderConfig is its configuration.
	Provider       string          `json:"provider,omitempty"`
	ProviderConfig json.RawMessage `json:"provider_config,omitempty"`
}

// Factory builds the wrapped provider for record mode.
type Factory func(typ string, config []byte) (providers.Provider, error)

// Cassette is the file format.
type Cassette struct {
	Version      int           `json:"version"`
	Interactions []Interaction `json:"interactions"`
}

// Interaction is one recorded request and its answer.
type Interaction struct {
	Fingerprint string             `json:"fingerprint"`
	Node        string             `json:"node,omitempty"`
	Request     providers.Request  `json:"request"`
	Response    providers.Response `json:"response"`
}

// Fingerprint identifies a request by everything that changes the answer:
// messages, model, temperature and max tokens; not the node address, so a
// renamed node with the same prompt still replays.
func Fingerprint(req providers.Request) string {
	// encoding/json writes struct fields in declaration order, so this is
	// canonical for a given Request.
	b, err := json.Marshal(req)
	if err != nil {
		// Only a NaN or infinite temperature gets here; any stable
		// encoding will do, as such a request never reaches a model.
		b = fmt.Appendf(nil, "%#v|%v", req.Messages, *req.Temperature)
	}
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// Provider replays or records.
type Provider struct {
	path    string
	mode    string
	wrapped providers.Provider

	mu   sync.Mutex
	byFP map[string]Interaction
}

var _ providers.Provider = (*Provider)(nil)

func configErr(attr, summary, detail string) error {
	var path []string
	if attr != "" {
		path = []string{attr}
	}
	return providers.Diagnostics{{Severity: providers.SeverityError, Summary: summary, Detail: detail, Attribute: path, Code: "config"}}.Err()
}

// NewFromJSON decodes the configuration and builds the provider; factory
// builds the wrapped provider in record mode and may be nil otherwise.
func NewFromJSON(raw []byte, factory Factory) (*Provider, error) {
	var cfg Config
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&cfg); err != nil {
		return nil, configErr("", "invalid replay provider configuration", err.Error())
	}
	return New(cfg, factory)
}

// New builds the provider. In replay mode the cassette must exist; in record
// mode it is created or extended.
func New(cfg Config, factory Factory) (*Provider, error) {
	if cfg.Cassette == "" {
		return nil, configErr("cassette", "cassette is required", "set cassette to the path of the recorded answers file")
	}
	p := &Provider{path: cfg.Cassette, mode: cfg.Mode, byFP: map[string]Interaction{}}
	if p.mode == "" {
		p.mode = ModeReplay
	}
	switch p.mode {
	case ModeReplay:
		if err := p.load(false); err != nil {
			return nil, err
		}
	case ModeRecord:
		if cfg.Provider == "" || cfg.Provider == "replay" {
			return nil, configErr("provider", "record mode needs a provider to wrap", `set provider to the provider type that answers, e.g. "openai", and provider_config to its settings`)
		}
		if factory == nil {
			return nil, configErr("provider", "record mode is not available here", "no provider factory")
		}
		w, err := factory(cfg.Provider, cfg.ProviderConfig)
		if err != nil {
			return nil, fmt.Errorf("replay: wrapped provider %q: %w", cfg.Provider, err)
		}
		p.wrapped = w
		if err := p.load(true); err != nil {
			return nil, err
		}
	default:
		return nil, configErr("mode", `mode must be "replay" or "record"`, fmt.Sprintf("got %q", cfg.Mode))
	}
	return p, nil
}

func (p *Provider) load(missingOK bool) error {
	b, err := os.ReadFile(p.path)
	if errors.Is(err, os.ErrNotExist) && missingOK {
		return nil
	}
	if errors.Is(err, os.ErrNotExist) {
		return configErr("cassette", "no cassette", fmt.Sprintf(
			"%s does not exist; record one by running apply with mode = \"record\" against a real endpoint (see docs/plugins.md)", p.path))
	}
	if err != nil {
		return configErr("cassette", "cannot read the cassette", err.Error())
	}
	var c Cassette
	if err := json.Unmarshal(b, &c); err != nil {
		return configErr("cassette", "the cassette is not valid JSON", fmt.Sprintf("%s: %v", p.path, err))
	}
	if c.Version != CassetteVersion {
		return configErr("cassette", "unsupported cassette version", fmt.Sprintf("%s has version %d; this kirofile reads version %d", p.path, c.Version, CassetteVersion))
	}
	for _, in := range c.Interactions {
		p.byFP[in.Fingerprint] = in
	}
	return nil
}

// Generate implements providers.Provider.
func (p *Provider) Generate(ctx context.Context, req providers.Request, onEvent providers.EventFunc) (*providers.Response, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if onEvent == nil {
		onEvent = func(providers.Event) {}
	}
	fp := Fingerprint(req)
	if p.mode == ModeRecord {
		return p.record(ctx, req, fp, onEvent)
	}
	p.mu.Lock()
	in, ok := p.byFP[fp]
	p.mu.Unlock()
	if !ok {
		why := "the prompt or settings changed since it was recorded: record again with mode = \"record\""
		if len(p.byFP) == 0 {
			why = "the cassette holds no answer yet: record them with mode = \"record\""
		}
		return nil, fmt.Errorf("replay: %s: %w in cassette %s for this request (fingerprint %s); %s",
			nodeName(req), providers.ErrReplayMiss, p.path, fp[:16], why)
	}
	resp := in.Response
	if resp.FinishReason != providers.FinishStop {
		return nil, fmt.Errorf("replay: %s: %w: the recorded answer has finish reason %q", nodeName(req), providers.ErrTruncated, resp.FinishReason)
	}
	// Stream in chunks, as a real endpoint would, so consumers of events
	// are exercised offline too.
	const chunk = 4096
	for i := 0; i < len(resp.Text); i += chunk {
		onEvent(providers.Event{Kind: providers.EventTextDelta, Text: resp.Text[i:min(i+chunk, len(resp.Text))]})
	}
	onEvent(providers.Event{Kind: providers.EventUsage, Usage: resp.Usage})
	onEvent(providers.Event{Kind: providers.EventFinish, FinishReason: resp.FinishReason})
	return &resp, nil
}

func nodeName(req providers.Request) string {
	if req.NodeAddress == "" {
		return "(unnamed node)"
	}
	return req.NodeAddress
}

func (p *Provider) record(ctx context.Context, req providers.Request, fp string, onEvent providers.EventFunc) (*providers.Response, error) {
	resp, err := p.wrapped.Generate(ctx, req, onEvent)
	if err != nil {
		return nil, err
	}
	if resp.FinishReason != providers.FinishStop {
		// A wrapped provider should already refuse this; never record it.
		return nil, fmt.Errorf("replay: %s: %w: finish reason %q, not recorded", nodeName(req), providers.ErrTruncated, resp.FinishReason)
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.byFP[fp] = Interaction{Fingerprint: fp, Node: req.NodeAddress, Request: req, Response: *resp}
	if err := p.save(); err != nil {
		return nil, fmt.Errorf("replay: %s: %w", nodeName(req), err)
	}
	return resp, nil
}

// save writes the cassette atomically, sorted by fingerprint so that the
// file is deterministic and reviews well. p.mu is held.
func (p *Provider) save() error {
	c := Cassette{Version: CassetteVersion}
	for _, in := range p.byFP {
		c.Interactions = append(c.Interactions, in)
	}
	sort.Slice(c.Interactions, func(i, j int) bool { return c.Interactions[i].Fingerprint < c.Interactions[j].Fingerprint })
	b, err := json.MarshalIndent(c, "", "  ")
	if err != nil {
		return fmt.Errorf("encoding cassette: %w", err)
	}
	b = append(b, '\n')
	return writeAtomic(p.path, b)
}

// writeAtomic writes the cassette all or nothing. Cassettes are committed
// with the project, so they are readable by all, like source files.
func writeAtomic(path string, data []byte) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return fmt.Errorf("writing cassette: %w", err)
	}
	if err := fsutil.WriteFileAtomic(path, data, 0o644); err != nil {
		return fmt.Errorf("writing cassette: %w", err)
	}
	return nil
}
