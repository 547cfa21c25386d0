package ratelimit_test

import (
	"context"
	"errors"
	"maps"
	"testing"
	"time"

	"github.com/bulwark-go/bulwark/actors/ratelimit"
)

// TestStatsByReason: every refusal is counted once, under its reason, and
// a Wait whose context ends is counted as cancelled.
func TestStatsByReason(t *testing.T) {
	eng, clock := newEngine(t, time.Now()) // deadlines are wall-clock times
	l, err := ratelimit.New(eng, "stats", ratelimit.Config{MaxKeys: 1, Shards: 1})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if got := allowed(t, l, "a", "1/minute", 3); got != 1 {
		t.Fatalf("1/minute over 3 calls: got %d allowed, want 1", got)
	}
	if err := l.Allow(ctx, "b", "1/minute"); !errors.Is(err, ratelimit.ErrLimited) {
		t.Fatalf("a second key over MaxKeys 1: got %v", err)
	}
	short, cancelShort := context.WithTimeout(ctx, time.Minute/2)
	defer cancelShort()
	if err := l.Wait(short, "a", "1/minute"); !errors.Is(err, ratelimit.ErrLimited) {
		t.Fatalf("Wait past its deadline: got %v", err)
	}
	wctx, cancel := context.WithCancel(ctx)
	done := make(chan error, 1)
	armed := clock.Timers() // the sweep timer
	go func() { done <- l.Wait(wctx, "a", "1/minute") }()
	waitTimers(t, clock, armed+1)
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled Wait: got %v", err)
	}
	st := stats(t, l)
	want := map[string]uint64{ratelimit.ReasonExceeded: 2, ratelimit.ReasonKeyLimit: 1, ratelimit.ReasonDeadline: 1}
	if st.Accepted != 1 || st.Rejected != 4 || !maps.Equal(st.RejectedBy, want) || st.Cancelled != 1 {
		t.Fatalf("got accepted %d rejected %d by %v cancelled %d, want 1 4 %v 1", st.Accepted, st.Rejected, st.RejectedBy, st.Cancelled, want)
	}
}
