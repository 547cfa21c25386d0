package bulkhead_test

import (
	"context"
	"errors"
	"runtime"
	"testing"
	"time"

	"github.com/bulwark-go/bulwark/actors/bulkhead"
	"github.com/bulwark-go/bulwark/actors/internal/waitq/waitqtest"
	"github.com/bulwark-go/bulwark/engine"
	"github.com/bulwark-go/bulwark/engine/enginetest"
	"github.com/bulwark-go/bulwark/messages"
)

var epoch = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

func newEngine(t testing.TB) (*engine.Engine, *engine.FakeClock) {
	t.Helper()
	return enginetest.StartFake(t, epoch)
}

func newBulkhead(t testing.TB, cfg bulkhead.Config) (*bulkhead.Bulkhead, *engine.FakeClock, *engine.Engine) {
	t.Helper()
	eng, clock := newEngine(t)
	b, err := bulkhead.New(eng, "test", cfg)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return b, clock, eng
}

func stats(t testing.TB, b *bulkhead.Bulkhead) bulkhead.Stats {
	t.Helper()
	st, err := b.Stats(context.Background())
	if err != nil {
		t.Fatalf("Stats: %v", err)
	}
	return st
}

// waitQueued yields until n callers wait in b's queue.
func waitQueued(t testing.TB, b *bulkhead.Bulkhead, n int) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for stats(t, b).Waiting != n {
		if time.Now().After(deadline) {
			t.Fatalf("waiting: got %d, want %d", stats(t, b).Waiting, n)
		}
		runtime.Gosched()
	}
}

// held keeps the permits the helpers were granted, for releaseN.
var held waitqtest.Holdings

func acquireN(t testing.TB, b *bulkhead.Bulkhead, n int) {
	t.Helper()
	for i := range n {
		p, err := b.Acquire(context.Background())
		if err != nil {
			t.Fatalf("Acquire #%d: %v", i+1, err)
		}
		held.Put(b, p)
	}
}

// tryAcquire is TryAcquire, keeping the permit for releaseN.
func tryAcquire(b *bulkhead.Bulkhead) bool {
	p, ok := b.TryAcquire()
	if ok {
		held.Put(b, p)
	}
	return ok
}

// releaseN releases n of the permits the helpers were granted, oldest
// first (the zero Permit, a misuse, when none is left).
func releaseN(b *bulkhead.Bulkhead, n int) {
	for range n {
		p, _ := held.Take(b)
		b.Release(p, messages.Success)
	}
}

func wantRejected(t testing.TB, err error, reason string) {
	t.Helper()
	var rej *messages.RejectedError
	if !errors.As(err, &rej) || !errors.Is(err, bulkhead.ErrFull) {
		t.Fatalf("got %v, want a *RejectedError wrapping ErrFull", err)
	}
	if rej.Pattern != bulkhead.Kind || rej.Name != "test" || rej.Reason != reason {
		t.Fatalf("got pattern %q name %q reason %q, want %q %q %q", rej.Pattern, rej.Name, rej.Reason, bulkhead.Kind, "test", reason)
	}
}

// counts checks the counters of st.
func counts(t testing.TB, st bulkhead.Stats, accepted, queueFull, waitTimeout, cancelled uint64) {
	t.Helper()
	got := [4]uint64{st.Accepted, st.RejectedBy[bulkhead.ReasonQueueFull], st.RejectedBy[bulkhead.ReasonWaitTimeout], st.Cancelled}
	want := [4]uint64{accepted, queueFull, waitTimeout, cancelled}
	if got != want || st.Rejected != queueFull+waitTimeout {
		t.Fatalf("accepted, queue_full, wait_timeout, cancelled: got %v (rejected %d), want %v", got, st.Rejected, want)
	}
}

// result is what an Acquire in another goroutine returned.
type result struct {
	i   int
	err error
}

// acquireAsync starts Acquire(ctx) in a goroutine and returns where its
// result arrives.
func acquireAsync(ctx context.Context, b *bulkhead.Bulkhead, i int) <-chan result {
	ch := make(chan result, 1)
	go func() {
		p, err := b.Acquire(ctx)
		if err == nil {
			held.Put(b, p)
		}
		ch <- result{i, err}
	}()
	return ch
}
