package sdk

import (
	"strings"
	"testing"

	"google.golang.org/protobuf/proto"

	"github.com/kirofile/kirofile/plugins/pluginv1"
)

// The codec encodes as gRPC's protobuf codec does, below and above the
// size from which buffers come from the pool, and refuses what is not a
// message.
func TestCodecRoundTrip(t *testing.T) {
	for _, size := range []int{0, 10, 1 << 10, 100 << 10, 1<<20 + 1, 5 << 20} {
		in := &pluginv1.Generate_Request{InstanceId: "p1", NodeAddress: "feature.f.codegen.c",
			Messages: []*pluginv1.Message{{Role: "system", Content: strings.Repeat("x", size)}, {Role: "user", Content: "go"}}}
		data, err := codec{}.Marshal(in)
		if err != nil {
			t.Fatal(err)
		}
		want, _ := proto.Marshal(in)
		if got := data.Materialize(); string(got) != string(want) {
			t.Fatalf("size %d: encoded %d bytes, want %d", size, len(got), len(want))
		}
		out := &pluginv1.Generate_Request{}
		if err := (codec{}).Unmarshal(data, out); err != nil {
			t.Fatal(err)
		}
		data.Free()
		if !proto.Equal(in, out) {
			t.Fatalf("size %d: decoded a different message", size)
		}
	}
	if _, err := (codec{}).Marshal("not a message"); err == nil {
		t.Error("a string was encoded")
	}
	if err := (codec{}).Unmarshal(nil, new(int)); err == nil {
		t.Error("decoded into an int")
	}
}
