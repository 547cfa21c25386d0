package ratelimit

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/bulwark-go/bulwark/engine"
	"github.com/bulwark-go/bulwark/messages"
)

// boom is a message the shard does not know: its handler panics.
type boom struct{}

func (boom) isRequest() {}

// A panic in a shard restarts its loop on the same table: no key loses its
// limit, handles keep working, and the sweep timer is re-armed.
func TestRestartKeepsLimits(t *testing.T) {
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
	_, err = l.shards[0].Load().actor.Ask(ctx, boom{})
	var pe *messages.PanicError
	if !errors.As(err, &pe) {
		t.Fatalf("got %v, want a *PanicError", err)
	}
	if err := l.Allow(ctx, "k", "1/minute"); !errors.Is(err, ErrLimited) {
		t.Fatalf("after the restart: got %v, want ErrLimited (the limit kept)", err)
	}
	st, err := l.Stats(ctx)
	if err != nil || st.ActiveKeys != 1 || st.Accepted != 1 || st.Rejected != 1 {
		t.Fatalf("stats after the restart: %+v, %v", st, err)
	}
	wctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	if err := clock.WaitForTimers(wctx, 1); err != nil {
		t.Fatal(err)
	}
	if n := clock.Timers(); n != 1 {
		t.Fatalf("got %d timers armed, want 1 (the old sweep timer stopped)", n)
	}
}
