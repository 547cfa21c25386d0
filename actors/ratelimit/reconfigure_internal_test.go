package ratelimit

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/bulwark-go/bulwark/engine"
	"github.com/bulwark-go/bulwark/eventstream"
	"github.com/bulwark-go/bulwark/messages"
)

// A shard restarted after a panic keeps the config Reconfigure gave it:
// its share of MaxKeys, its sweep interval (the timer the new loop arms)
// and the config the next Reconfigure compares against.
func TestRestartKeepsReconfigured(t *testing.T) {
	clock := engine.NewFakeClock(time.Unix(0, 0))
	eng, err := engine.New(engine.WithClock(clock))
	if err != nil {
		t.Fatal(err)
	}
	defer eng.Shutdown(context.Background())
	l, err := New(eng, "r", Config{Shards: 1})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if err := l.Allow(ctx, "k", "1/minute"); err != nil {
		t.Fatal(err)
	}
	if err := l.AllowRate(ctx, "m", Rate{Count: 1, Period: time.Millisecond}); err != nil {
		t.Fatal(err)
	}
	next := Config{Shards: 1, MaxKeys: 2, SweepInterval: time.Second}
	if err := l.Reconfigure(ctx, next); err != nil {
		t.Fatal(err)
	}
	sub, err := eng.Events().Subscribe(eventstream.Filter{Types: []eventstream.Type{eventstream.EventConfigChanged}}, 4)
	if err != nil {
		t.Fatal(err)
	}
	defer sub.Close()
	var pe *messages.PanicError
	if _, err := l.shards[0].Load().actor.Ask(ctx, boom{}); !errors.As(err, &pe) {
		t.Fatalf("got %v, want a *PanicError", err)
	}
	res, err := l.Check(ctx, "x", "1/minute")
	if err != nil || res.Reason != ReasonKeyLimit || res.RetryAfter != time.Millisecond {
		t.Fatalf("a third key after the restart: got %+v, %v; want ReasonKeyLimit in 1ms (MaxKeys 2 kept)", res, err)
	}
	wctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	if err := clock.WaitForTimers(wctx, 1); err != nil {
		t.Fatal(err)
	}
	// The new loop's timer fires after 1 s, not the 10 s of the config
	// New had: "m" (idle at 1 ms, 1 ms of grace) is swept.
	clock.Advance(time.Second)
	if st, err := l.Stats(ctx); err != nil || st.ActiveKeys != 1 || st.MaxKeys != 2 {
		t.Fatalf("1 s after the restart: got %+v, %v; want 1 key left of a cap of 2", st, err)
	}
	if err := l.Reconfigure(ctx, next); err != nil {
		t.Fatal(err)
	}
	select {
	case ev := <-sub.C():
		t.Fatalf("the config applied before the restart published %v again", ev)
	default:
	}
}
