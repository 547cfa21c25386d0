package ratelimit_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/bulwark-go/bulwark/actors/ratelimit"
	"github.com/bulwark-go/bulwark/eventstream"
	"github.com/bulwark-go/bulwark/messages"
)

func TestShutdownStops(t *testing.T) {
	eng, clock := newEngine(t, epoch)
	l, err := ratelimit.New(eng, "s", ratelimit.Config{Shards: 2})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if err := l.Allow(ctx, "old", "1/second"); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	armed := clock.Timers() // the sweep timer of old's shard
	go func() { done <- l.Wait(ctx, "old", "1/second") }()
	waitTimers(t, clock, armed+1)
	if err := eng.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
	for name, err := range map[string]error{
		"Allow old": l.Allow(ctx, "old", "1/second"),
		"Allow new": l.Allow(ctx, "new", "1/second"),
		"Wait":      l.Wait(ctx, "new2", "1/second"),
	} {
		if !errors.Is(err, messages.ErrStopped) {
			t.Errorf("%s after Shutdown: got %v, want ErrStopped", name, err)
		}
	}
	if _, err := l.Stats(ctx); !errors.Is(err, messages.ErrStopped) {
		t.Errorf("Stats after Shutdown: got %v", err)
	}
	if err := <-done; !errors.Is(err, messages.ErrStopped) {
		t.Errorf("Wait pending at Shutdown: got %v, want ErrStopped", err)
	}
}

func TestEvents(t *testing.T) {
	l, _, eng := newLimiter(t, ratelimit.Config{})
	sub, err := eng.Events().Subscribe(eventstream.Filter{Patterns: []string{ratelimit.Kind}}, 16)
	if err != nil {
		t.Fatal(err)
	}
	defer sub.Close()
	allowed(t, l, "alice", "1/minute", 2)
	l.AllowRate(context.Background(), "bob", ratelimit.MustParseRate("1/m"))
	want := []eventstream.Event{
		{Type: eventstream.EventRateLimitPassed, Fields: eventstream.Fields{Key: "alice", Limit: "1/minute"}},
		{Type: eventstream.EventRateLimitExceeded, Fields: eventstream.Fields{Key: "alice", Limit: "1/minute"}},
		{Type: eventstream.EventRateLimitPassed, Fields: eventstream.Fields{Key: "bob", Limit: "1/minute"}},
	}
	for i, w := range want {
		select {
		case ev := <-sub.C():
			if ev.Type != w.Type || ev.Fields.Key != w.Fields.Key || ev.Fields.Limit != w.Fields.Limit || ev.Name != "test" || ev.Pattern != ratelimit.Kind {
				t.Fatalf("event %d: got %v %q %+v, want %v %+v", i, ev.Type, ev.Name, ev.Fields, w.Type, w.Fields)
			}
		case <-time.After(5 * time.Second):
			t.Fatalf("event %d: none", i)
		}
	}
}

func TestConfig(t *testing.T) {
	eng, _ := newEngine(t, epoch)
	for _, cfg := range []ratelimit.Config{
		{Algorithm: 7}, {Shards: -1}, {Shards: 1000}, {MaxKeys: -1}, {SweepInterval: -time.Second},
	} {
		if _, err := ratelimit.New(eng, "bad", cfg); !errors.Is(err, messages.ErrInvalidConfig) {
			t.Errorf("New(%+v): got %v, want ErrInvalidConfig", cfg, err)
		}
	}
	if _, err := ratelimit.New(nil, "x", ratelimit.Config{}); !errors.Is(err, messages.ErrInvalidConfig) {
		t.Errorf("nil engine: got %v", err)
	}
	a, err := ratelimit.New(eng, "same", ratelimit.Config{Shards: 4})
	if err != nil {
		t.Fatal(err)
	}
	b, err := ratelimit.New(eng, "same", ratelimit.Config{Shards: 4})
	if err != nil || a != b {
		t.Fatalf("same name and config: got %p, %v; want %p", b, err, a)
	}
	if _, err := ratelimit.New(eng, "same", ratelimit.Config{Shards: 2}); err == nil {
		t.Fatal("a different config under the same name was accepted")
	}
	if st := stats(t, a); st.Shards != 4 || st.Name != "same" {
		t.Fatalf("stats: %+v", st)
	}
}

// Two goroutines racing to create one name get one limiter.
func TestNewRace(t *testing.T) {
	eng, _ := newEngine(t, epoch)
	var got [8]*ratelimit.Limiter
	var wg sync.WaitGroup
	for i := range got {
		wg.Go(func() {
			l, err := ratelimit.New(eng, "race", ratelimit.Config{Shards: 8})
			if err != nil {
				t.Error(err)
			}
			got[i] = l
		})
	}
	wg.Wait()
	for i := range got {
		if got[i] != got[0] {
			t.Fatalf("limiter %d differs", i)
		}
	}
	if n := allowed(t, got[3], "k", "3/second", 5); n != 3 {
		t.Fatalf("got %d, want 3", n)
	}
}
