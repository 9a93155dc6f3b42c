package replay

import (
	"context"
	"encoding/json"
	"errors"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kirofile/kirofile/providers"
)

type fakeProvider struct {
	resp  providers.Response
	err   error
	calls int
}

func (f *fakeProvider) Generate(ctx context.Context, req providers.Request, on providers.EventFunc) (*providers.Response, error) {
	f.calls++
	if f.err != nil {
		return nil, f.err
	}
	r := f.resp
	on(providers.Event{Kind: providers.EventTextDelta, Text: r.Text})
	return &r, nil
}

func request(task string) providers.Request {
	return providers.Request{NodeAddress: "feature.f.spec.requirements", Messages: []providers.Message{{Role: providers.RoleUser, Content: task}}}
}

func TestRecordThenReplay(t *testing.T) {
	path := filepath.Join(t.TempDir(), "sub", "cassette.json")
	wrapped := &fakeProvider{resp: providers.Response{Text: strings.Repeat("x", 10000), FinishReason: "stop", Usage: providers.Usage{TotalTokens: 3}}}
	factory := func(typ string, cfg []byte) (providers.Provider, error) {
		if typ != "openai" || string(cfg) != `{"model":"m"}` {
			t.Errorf("factory(%q, %s)", typ, cfg)
		}
		return wrapped, nil
	}
	cfg, _ := json.Marshal(Config{Cassette: path, Mode: ModeRecord, Provider: "openai", ProviderConfig: json.RawMessage(`{"model":"m"}`)})
	rec, err := NewFromJSON(cfg, factory)
	if err != nil {
		t.Fatal(err)
	}
	for _, task := range []string{"b", "a"} {
		if _, err := rec.Generate(context.Background(), request(task), nil); err != nil {
			t.Fatal(err)
		}
	}
	first, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}

	rp, err := New(Config{Cassette: path}, nil)
	if err != nil {
		t.Fatal(err)
	}
	var streamed strings.Builder
	resp, err := rp.Generate(context.Background(), request("a"), func(e providers.Event) { streamed.WriteString(e.Text) })
	if err != nil {
		t.Fatal(err)
	}
	if resp.Text != wrapped.resp.Text || streamed.String() != resp.Text || resp.Usage.TotalTokens != 3 {
		t.Fatalf("replayed %d bytes, streamed %d", len(resp.Text), streamed.Len())
	}
	if wrapped.calls != 2 {
		t.Errorf("wrapped calls = %d", wrapped.calls)
	}
	if _, err := rp.Generate(context.Background(), request("c"), nil); !errors.Is(err, providers.ErrReplayMiss) || !strings.Contains(err.Error(), "changed since it was recorded") {
		t.Errorf("a miss in a cassette with answers: %v", err)
	}

	// Recording the same requests again yields the same bytes.
	rec2, err := NewFromJSON(cfg, factory)
	if err != nil {
		t.Fatal(err)
	}
	for _, task := range []string{"a", "b"} {
		if _, err := rec2.Generate(context.Background(), request(task), nil); err != nil {
			t.Fatal(err)
		}
	}
	second, _ := os.ReadFile(path)
	if string(first) != string(second) {
		t.Error("cassette is not deterministic")
	}
}

func TestMissNamesNode(t *testing.T) {
	path := filepath.Join(t.TempDir(), "c.json")
	if err := os.WriteFile(path, []byte(`{"version":1,"interactions":[]}`), 0o644); err != nil {
		t.Fatal(err)
	}
	p, err := New(Config{Cassette: path}, nil)
	if err != nil {
		t.Fatal(err)
	}
	_, err = p.Generate(context.Background(), request("z"), nil)
	if !errors.Is(err, providers.ErrReplayMiss) || !strings.Contains(err.Error(), "feature.f.spec.requirements") || !strings.Contains(err.Error(), path) {
		t.Fatalf("err = %v", err)
	}
	if !strings.Contains(err.Error(), "the cassette holds no answer yet") {
		t.Errorf("an empty cassette's miss says something changed: %v", err)
	}
}

func TestRecordNeverStoresFailures(t *testing.T) {
	path := filepath.Join(t.TempDir(), "c.json")
	for _, w := range []*fakeProvider{
		{err: providers.ErrTruncated},
		{resp: providers.Response{Text: "half", FinishReason: "length"}},
	} {
		p, err := New(Config{Cassette: path, Mode: ModeRecord, Provider: "x"}, func(string, []byte) (providers.Provider, error) { return w, nil })
		if err != nil {
			t.Fatal(err)
		}
		if _, err := p.Generate(context.Background(), request("a"), nil); !errors.Is(err, providers.ErrTruncated) {
			t.Fatalf("err = %v", err)
		}
	}
	if _, err := os.Stat(path); !os.IsNotExist(err) {
		t.Fatalf("cassette written: %v", err)
	}
}

func TestConfigErrors(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.json")
	os.WriteFile(bad, []byte("{"), 0o644)
	v2 := filepath.Join(dir, "v2.json")
	os.WriteFile(v2, []byte(`{"version":2}`), 0o644)
	tests := []struct{ name, json, want string }{
		{"no cassette", `{}`, "cassette is required"},
		{"missing file", `{"cassette":"` + filepath.Join(dir, "none.json") + `"}`, "does not exist; record one"},
		{"bad json", `{"cassette":"` + bad + `"}`, "not valid JSON"},
		{"version", `{"cassette":"` + v2 + `"}`, "unsupported cassette version"},
		{"bad mode", `{"cassette":"x","mode":"rewind"}`, "mode must be"},
		{"record without provider", `{"cassette":"x","mode":"record"}`, "needs a provider"},
		{"unknown attribute", `{"casette":"x"}`, "unknown field"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := NewFromJSON([]byte(tt.json), nil)
			if err == nil || !strings.Contains(err.Error(), tt.want) || !errors.Is(err, providers.ErrConfig) {
				t.Fatalf("err = %v, want %q", err, tt.want)
			}
		})
	}
}

func TestFingerprint(t *testing.T) {
	a := request("a")
	b := request("a")
	b.NodeAddress = "feature.other.spec.x"
	if Fingerprint(a) != Fingerprint(b) {
		t.Error("node address changes the fingerprint")
	}
	zero, one := 0.0, 1.0
	c, d := request("a"), request("a")
	c.Temperature, d.Temperature = &zero, &one
	if Fingerprint(a) == Fingerprint(c) || Fingerprint(c) == Fingerprint(d) {
		t.Error("temperature does not change the fingerprint")
	}
	nan := math.NaN()
	c.Temperature = &nan
	_ = Fingerprint(c) // must not panic
}
