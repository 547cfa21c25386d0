package loadshed_test

import (
	"context"
	"errors"
	"runtime"
	"sync/atomic"
	"testing"
	"time"

	"github.com/bulwark-go/bulwark/actors/internal/waitq/waitqtest"
	"github.com/bulwark-go/bulwark/actors/loadshed"
	"github.com/bulwark-go/bulwark/engine"
	"github.com/bulwark-go/bulwark/engine/enginetest"
	"github.com/bulwark-go/bulwark/messages"
)

var epoch = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

func newEngine(t testing.TB) *engine.Engine {
	t.Helper()
	eng, _ := enginetest.StartFake(t, epoch)
	return eng
}

func newShedder(t testing.TB, cfg loadshed.Config) (*loadshed.Shedder, *engine.Engine) {
	t.Helper()
	eng := newEngine(t)
	s, err := loadshed.New(eng, "test", cfg)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return s, eng
}

func stats(t testing.TB, s *loadshed.Shedder) loadshed.Stats {
	t.Helper()
	st, err := s.Stats(context.Background())
	if err != nil {
		t.Fatalf("Stats: %v", err)
	}
	return st
}

// waitQueued yields until n callers wait in s's queue.
func waitQueued(t testing.TB, s *loadshed.Shedder, n int) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for stats(t, s).Waiting != n {
		if time.Now().After(deadline) {
			t.Fatalf("queued: got %d, want %d", stats(t, s).Waiting, n)
		}
		runtime.Gosched()
	}
}

// held keeps the permits the helpers were granted, for releaseN.
var held waitqtest.Holdings

// acquire is s.Acquire, keeping a granted permit for releaseN.
func acquire(s *loadshed.Shedder, ctx context.Context) (engine.Permit, error) {
	return acquirePriority(s, ctx, messages.Normal)
}

// acquirePriority is s.AcquirePriority, keeping a granted permit for
// releaseN.
func acquirePriority(s *loadshed.Shedder, ctx context.Context, pr messages.Priority) (engine.Permit, error) {
	p, err := s.AcquirePriority(ctx, pr)
	if err == nil {
		held.Put(s, p)
	}
	return p, err
}

// acquireN acquires n Normal slots and fails the test if any is refused.
func acquireN(t testing.TB, s *loadshed.Shedder, n int) {
	t.Helper()
	for i := range n {
		if _, err := acquire(s, context.Background()); err != nil {
			t.Fatalf("Acquire #%d: %v", i+1, err)
		}
	}
}

// releaseN releases n of the permits the helpers were granted, oldest
// first (the zero Permit, a misuse, when none is left).
func releaseN(s *loadshed.Shedder, n int) {
	for range n {
		p, _ := held.Take(s)
		s.Release(p, messages.Success)
	}
}

func wantShed(t testing.TB, err error, reason string) {
	t.Helper()
	var rej *messages.RejectedError
	if !errors.As(err, &rej) || !errors.Is(err, loadshed.ErrShed) {
		t.Fatalf("got %v, want a *RejectedError wrapping ErrShed", err)
	}
	if rej.Pattern != loadshed.Kind || rej.Name != "test" || rej.Reason != reason {
		t.Fatalf("got pattern %q name %q reason %q, want %q %q %q", rej.Pattern, rej.Name, rej.Reason, loadshed.Kind, "test", reason)
	}
}

// fakeSignal is a Signal whose level the test sets.
type fakeSignal struct{ lvl atomic.Uint32 }

func (f *fakeSignal) Level() loadshed.LoadLevel { return loadshed.LoadLevel(f.lvl.Load()) }
func (f *fakeSignal) set(l loadshed.LoadLevel)  { f.lvl.Store(uint32(l)) }
