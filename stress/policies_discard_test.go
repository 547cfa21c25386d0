package stress

import (
	"context"
	"errors"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/bulwark-go/bulwark/actors/retry"
	"github.com/bulwark-go/bulwark/engine"
	"github.com/bulwark-go/bulwark/messages"
)

// resource stands for what a result may hold (a response body): it must
// reach exactly one owner, the caller or OnDiscard.
type resource struct {
	owner atomic.Int32 // 0 none yet, 1 the caller, 2 OnDiscard
}

// take gives r to owner; it reports false when r already had one.
func (r *resource) take(owner int32) bool { return r.owner.CompareAndSwap(0, owner) }

// semGuard is a minimal engine.Guard: at most cap(slots) calls hold a
// permit; a full guard refuses at once.
type semGuard struct {
	slots             chan struct{}
	held, peak        atomic.Int64
	granted, released atomic.Int64
}

func (g *semGuard) Acquire(ctx context.Context) (engine.Permit, error) {
	select {
	case g.slots <- struct{}{}:
	default:
		return engine.Permit{}, messages.ErrBulkheadFull
	}
	g.granted.Add(1)
	n := g.held.Add(1)
	for p := g.peak.Load(); n > p && !g.peak.CompareAndSwap(p, n); p = g.peak.Load() {
	}
	return engine.Permit{}, nil
}

func (g *semGuard) Release(engine.Permit, messages.Outcome) {
	g.held.Add(-1)
	g.released.Add(1)
	<-g.slots
}

// Under load on the real clock, with callers cancelled from outside at
// random moments, every result a retried attempt produces reaches exactly
// one owner: the caller (returned, or carried by an *ExhaustedError) or
// OnDiscard — none twice, none lost; and every permit the attempts took
// through engine.Do is released once.
func TestRetryOnDiscardOwnsEveryResult(t *testing.T) {
	workers, rounds := 48, 40
	if testing.Short() {
		workers, rounds = 16, 10
	}
	r, err := retry.New(nil, "discard", retry.Config{Backoff: retry.Backoff{MaxAttempts: 4, InitialDelay: 20 * time.Microsecond}, JitterKind: retry.Full})
	if err != nil {
		t.Fatal(err)
	}
	g := &semGuard{slots: make(chan struct{}, 8)}
	var created, toCaller, discarded, twice atomic.Int64
	errBackend := errors.New("backend")
	p := retry.For[*resource](r).
		RetryIfResult(func(res *resource) bool { return res != nil && res.owner.Load() == 0 && rand.IntN(2) == 0 }).
		OnDiscard(func(res *resource, _ error) {
			if res == nil {
				return
			}
			if !res.take(2) {
				twice.Add(1)
			}
			discarded.Add(1)
		})
	attempt := func(ctx context.Context) (*resource, error) {
		return engine.Do(ctx, g, nil, func(context.Context) (*resource, error) {
			res := new(resource)
			created.Add(1)
			if rand.IntN(3) == 0 {
				return res, errBackend // a failed attempt may hold something too
			}
			return res, nil
		})
	}
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rng := rand.New(rand.NewPCG(uint64(w), 17))
			for range rounds {
				ctx, cancel := context.WithCancel(context.Background())
				if rng.IntN(3) == 0 {
					time.AfterFunc(time.Duration(rng.IntN(100))*time.Microsecond, cancel)
				}
				res, err := p.Do(ctx, attempt)
				var ee *retry.ExhaustedError
				if errors.As(err, &ee) && ee.Result != nil && ee.Result.(*resource) != res {
					t.Errorf("ExhaustedError.Result differs from the value returned")
				}
				if res != nil {
					if !res.take(1) {
						twice.Add(1)
					}
					toCaller.Add(1)
				}
				cancel()
			}
		}()
	}
	wg.Wait()
	if twice.Load() != 0 || created.Load() != toCaller.Load()+discarded.Load() {
		t.Fatalf("%d results made, %d to callers, %d discarded, %d twice; want made = callers + discarded, none twice",
			created.Load(), toCaller.Load(), discarded.Load(), twice.Load())
	}
	if discarded.Load() == 0 || toCaller.Load() == 0 {
		t.Fatalf("%d to callers, %d discarded: the load did not exercise both", toCaller.Load(), discarded.Load())
	}
	if g.granted.Load() != g.released.Load() || g.held.Load() != 0 || g.peak.Load() > 8 {
		t.Fatalf("guard: %d granted, %d released, %d held, peak %d of 8", g.granted.Load(), g.released.Load(), g.held.Load(), g.peak.Load())
	}
	t.Logf("%d results: %d to callers, %d discarded; guard peak %d", created.Load(), toCaller.Load(), discarded.Load(), g.peak.Load())
}
