package inventory_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/bulwark-go/bulwark/actors/bulkhead"
	"github.com/bulwark-go/bulwark/actors/circuitbreaker"
	"github.com/bulwark-go/bulwark/actors/ratelimit"
	"github.com/bulwark-go/bulwark/actors/timeout"
	"github.com/bulwark-go/bulwark/adapters/dashboard/inventory"
	"github.com/bulwark-go/bulwark/engine/enginetest"
	"github.com/bulwark-go/bulwark/messages"
	"github.com/bulwark-go/bulwark/supervisor"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// funcs is a handle that is not comparable (it holds a func).
type funcs struct {
	stats func() bulkhead.Stats
}

func (f funcs) Stats() bulkhead.Stats { return f.stats() }

func TestListReadsSupervisedAndAddedInstances(t *testing.T) {
	eng := enginetest.Start(t)
	if _, err := circuitbreaker.New(eng, "cb", circuitbreaker.Config{}); err != nil {
		t.Fatal(err)
	}
	if _, err := ratelimit.New(eng, "rl", ratelimit.Config{Shards: 4}); err != nil {
		t.Fatal(err)
	}
	to, err := timeout.New(eng, "to", timeout.Config{})
	if err != nil {
		t.Fatal(err)
	}
	dl, err := timeout.NewDeadline(eng, "dl", timeout.DeadlineConfig{At: time.Now().Add(time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	var set inventory.Set
	nc := funcs{stats: func() bulkhead.Stats { return bulkhead.Stats{Name: "fn"} }}
	for _, h := range []any{to, dl, to, nc, nc} {
		if err := set.Add(h); err != nil {
			t.Fatalf("Add(%T): %v", h, err)
		}
	}
	list, truncated := inventory.List(context.Background(), eng, &set, 0)
	want := []struct{ kind, name string }{
		{circuitbreaker.Kind, "cb"}, {ratelimit.Kind, "rl"}, {timeout.Kind, "to"},
		{timeout.DeadlineKind, "dl"}, {bulkhead.Kind, ""}, {bulkhead.Kind, ""},
	}
	if truncated || len(list) != len(want) {
		t.Fatalf("List: got %d instances (truncated %v), want %d: %+v", len(list), truncated, len(want), list)
	}
	for i, w := range want {
		in := list[i]
		if in.Kind != w.kind || in.Name != w.name || in.Status != supervisor.Running || in.Err != nil || in.Stats == nil {
			t.Errorf("instance %d: got %s/%s %v err %v stats %T, want %s/%s running with stats", i, in.Kind, in.Name, in.Status, in.Err, in.Stats, w.kind, w.name)
		}
	}
	if s, ok := list[1].Stats.(ratelimit.Stats); !ok || s.Shards != 4 {
		t.Errorf("ratelimit stats: got %+v, want 4 shards", list[1].Stats)
	}

	short, truncated := inventory.List(context.Background(), eng, &set, 2)
	if len(short) != 2 || !truncated {
		t.Errorf("List with limit 2: got %d (truncated %v), want 2 (truncated true)", len(short), truncated)
	}
	// An instance that does not answer before ctx ends gets ctx's error
	// (a stuck handle, since a breaker may well answer first), and the
	// others are still read.
	if err := set.Add(stuck{}); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	var sawStuck bool
	for _, in := range instances(inventory.List(ctx, eng, &set, 0)) {
		if in.Name != "stuck" {
			continue
		}
		sawStuck = true
		if !errors.Is(in.Err, context.Canceled) || in.Stats != nil {
			t.Errorf("a stuck instance with an ended context: got stats %v err %v, want nil and context.Canceled", in.Stats, in.Err)
		}
	}
	if !sawStuck {
		t.Error("List left the stuck instance out")
	}
}

// stuck is a handle whose Stats never answers before its context ends.
type stuck struct{}

func (stuck) Name() string { return "stuck" }

func (stuck) Stats(ctx context.Context) (bulkhead.Stats, error) {
	<-ctx.Done()
	return bulkhead.Stats{}, ctx.Err()
}

func instances(l []inventory.Instance, _ bool) []inventory.Instance { return l }

func TestAddRefusesWhatHasNoStats(t *testing.T) {
	var set inventory.Set
	for _, h := range []any{nil, 42, "x", struct{}{}, &set} {
		if err := set.Add(h); !errors.Is(err, messages.ErrInvalidConfig) {
			t.Errorf("Add(%T): got %v, want ErrInvalidConfig", h, err)
		}
	}
}

func TestListAfterShutdown(t *testing.T) {
	eng := enginetest.Start(t)
	if _, err := bulkhead.New(eng, "b", bulkhead.Config{}); err != nil {
		t.Fatal(err)
	}
	if err := eng.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
	if list, _ := inventory.List(context.Background(), eng, nil, 0); len(list) != 0 {
		t.Errorf("List after Shutdown: got %d instances, want none", len(list))
	}
}
