package stress

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/bulwark-go/bulwark/actors/circuitbreaker"
	"github.com/bulwark-go/bulwark/engine"
	"github.com/bulwark-go/bulwark/engine/enginetest"
	"github.com/bulwark-go/bulwark/messages"
)

// releaseTwiceBreaker returns a breaker on the real clock, and how many
// goroutines make how many calls each.
func releaseTwiceBreaker(t *testing.T, name string, cfg circuitbreaker.Config) (b *circuitbreaker.Breaker, n, per int) {
	t.Helper()
	b, err := circuitbreaker.New(enginetest.Start(t), name, cfg)
	if err != nil {
		t.Fatal(err)
	}
	if testing.Short() {
		return b, 16, 100
	}
	return b, 48, 400
}

// TestBreakerReleaseTwiceCounts races, on the real clock, dozens of
// goroutines that release CLOSED permits once, twice with the same or
// another outcome, or again after later permits took their slot, some
// holding many permits at once (so that the slots run out and the actor
// holds the rest). Every call is counted once, by its first Release:
// successes and failures counted equal those reported first, and every
// other Release is counted as misuse.
func TestBreakerReleaseTwiceCounts(t *testing.T) {
	ctx := context.Background()
	b, n, per := releaseTwiceBreaker(t, "twice", circuitbreaker.Config{FailureThreshold: circuitbreaker.LargestFailureThreshold})
	var ok, failed, misused atomic.Uint64
	outcome := func(i int) messages.Outcome {
		if i%3 == 0 {
			return messages.Failure
		}
		return messages.Success
	}
	first := func(p engine.Permit, o messages.Outcome) {
		b.Release(p, o)
		if o == messages.Failure {
			failed.Add(1)
		} else {
			ok.Add(1)
		}
	}
	again := func(p engine.Permit, o messages.Outcome) {
		b.Release(p, o)
		misused.Add(1)
	}
	var wg sync.WaitGroup
	for g := 0; g < n; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var held []engine.Permit
			for i := 0; i < per; i++ {
				p, err := b.Acquire(ctx)
				if err != nil {
					t.Errorf("acquire: %v", err)
					return
				}
				switch (g + i) % 5 {
				case 0: // once
					first(p, outcome(i))
				case 1: // twice, the same outcome
					first(p, outcome(i))
					again(p, outcome(i))
				case 2: // twice, the other outcome
					first(p, outcome(i))
					again(p, outcome(i+1))
				case 3: // again after a later permit may have taken its slot
					first(p, outcome(i))
					q, err := b.Acquire(ctx)
					if err != nil {
						t.Errorf("acquire: %v", err)
						return
					}
					again(p, messages.Failure)
					first(q, messages.Success)
				case 4: // held with others, released later
					held = append(held, p)
				}
				if len(held) == 20 || i == per-1 {
					for j, h := range held {
						first(h, outcome(j))
					}
					for _, h := range held {
						again(h, messages.Failure)
					}
					held = held[:0]
				}
			}
		}()
	}
	wg.Wait()
	s, err := b.Stats(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if s.State != circuitbreaker.Closed || s.Succeeded != ok.Load() || s.Failed != failed.Load() || s.Misused != misused.Load() ||
		s.Total != ok.Load()+failed.Load() {
		t.Fatalf("got %v, %d ok, %d failed, %d misused, %d total; want closed, %d, %d, %d, %d",
			s.State, s.Succeeded, s.Failed, s.Misused, s.Total, ok.Load(), failed.Load(), misused.Load(), ok.Load()+failed.Load())
	}
}

// TestBreakerReleaseTwiceNeverOpens races, on the real clock, one
// goroutine whose failures are each followed by a success of its own
// against dozens whose calls succeed: every permit is then released again
// as a failure, at once or after later permits took its slot. No run of
// two failures is ever real, so a breaker that opens at two consecutive
// failures stays closed at its first generation.
func TestBreakerReleaseTwiceNeverOpens(t *testing.T) {
	ctx := context.Background()
	b, n, per := releaseTwiceBreaker(t, "never", circuitbreaker.Config{FailureThreshold: 2})
	acquire := func() (engine.Permit, bool) {
		p, err := b.Acquire(ctx)
		if err != nil {
			if errors.Is(err, circuitbreaker.ErrOpen) {
				t.Errorf("the circuit opened: %v", err)
			} else {
				t.Errorf("acquire: %v", err)
			}
			return p, false
		}
		return p, true
	}
	var wg sync.WaitGroup
	wg.Add(1)
	go func() { // the only real failures, each followed by a success
		defer wg.Done()
		for i := 0; i < per; i++ {
			p, ok := acquire()
			if !ok {
				return
			}
			b.Release(p, messages.Failure)
			b.Release(p, messages.Failure)
			q, ok := acquire()
			if !ok {
				return
			}
			b.Release(q, messages.Success)
			b.Release(p, messages.Failure)
		}
	}()
	for g := 0; g < n; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var prev engine.Permit
			for i := 0; i < per; i++ {
				p, ok := acquire()
				if !ok {
					return
				}
				b.Release(p, messages.Success)
				b.Release(p, messages.Failure)
				if i > 0 {
					b.Release(prev, messages.Failure) // its slot may be p's now
				}
				prev = p
			}
		}()
	}
	wg.Wait()
	s, err := b.Stats(ctx)
	if err != nil {
		t.Fatal(err)
	}
	calls := uint64(n*per + 2*per)
	if s.State != circuitbreaker.Closed || s.Generation != 1 || s.Failed != uint64(per) || s.Total != calls ||
		s.Misused != uint64(n*(2*per-1)+2*per) {
		t.Fatalf("got %v at generation %d, %d failed, %d total, %d misused; want closed at 1, %d, %d, %d",
			s.State, s.Generation, s.Failed, s.Total, s.Misused, per, calls, n*(2*per-1)+2*per)
	}
}
