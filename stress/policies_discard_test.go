package stress

import (
	"context"
	"errors"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/bulwark-go/bulwark/actors/fallback"
	"github.com/bulwark-go/bulwark/actors/retry"
	"github.com/bulwark-go/bulwark/actors/timeout"
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

// The same through a whole composition on the real clock — fallback,
// retry and a timeout that abandons slow calls — with one OnDiscard on
// the composition: every result made, by the backend or a fallback,
// reaches exactly one owner, also those handed over by abandoned calls
// after their caller returned.
func TestCompositionOnDiscardOwnsEveryResult(t *testing.T) {
	workers, rounds := 48, 30
	if testing.Short() {
		workers, rounds = 16, 10
	}
	r, err := retry.New(nil, "discard", retry.Config{Backoff: retry.Backoff{MaxAttempts: 3, InitialDelay: 10 * time.Microsecond}, JitterKind: retry.Full})
	if err != nil {
		t.Fatal(err)
	}
	to, err := timeout.New(nil, "discard", timeout.Config{Timeout: 300 * time.Microsecond})
	if err != nil {
		t.Fatal(err)
	}
	var created, toCaller, discarded, twice atomic.Int64
	errBackend := errors.New("backend")
	make1 := func(fail bool) (*resource, error) {
		created.Add(1)
		if fail {
			return new(resource), errBackend
		}
		return new(resource), nil
	}
	fb, err := fallback.New(nil, "discard", fallback.Config[*resource]{Chain: []fallback.Func[*resource]{
		func(context.Context, error) (*resource, error) { return make1(rand.IntN(2) == 0) },
		func(context.Context, error) (*resource, error) { return make1(rand.IntN(4) == 0) },
	}})
	if err != nil {
		t.Fatal(err)
	}
	comp := engine.Compose(engine.Policies[*resource]{
		Fallback: fb,
		Retry:    retry.For[*resource](r).RetryIfResult(func(*resource) bool { return rand.IntN(3) == 0 }),
		Timeout:  timeout.For[*resource](to),
		OnDiscard: func(res *resource, _ error) {
			if res == nil {
				return
			}
			if !res.take(2) {
				twice.Add(1)
			}
			discarded.Add(1)
		},
	})
	backend := func(context.Context) (*resource, error) {
		if rand.IntN(4) == 0 { // slow, and deaf to its context: abandoned
			time.Sleep(time.Duration(300+rand.IntN(300)) * time.Microsecond)
		}
		return make1(rand.IntN(3) == 0)
	}
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rng := rand.New(rand.NewPCG(uint64(w), 23))
			for range rounds {
				ctx, cancel := context.WithCancel(context.Background())
				if rng.IntN(3) == 0 {
					time.AfterFunc(time.Duration(rng.IntN(400))*time.Microsecond, cancel)
				}
				if res, _ := comp.Get(ctx, backend); res != nil {
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
	// Abandoned calls hand their results over when they return: at most
	// 600µs after the last caller left. Wait for the books to balance.
	deadline := time.Now().Add(10 * time.Second)
	for created.Load() != toCaller.Load()+discarded.Load() && time.Now().Before(deadline) {
		time.Sleep(time.Millisecond)
	}
	if twice.Load() != 0 || created.Load() != toCaller.Load()+discarded.Load() {
		t.Fatalf("%d results made, %d to callers, %d discarded, %d twice; want made = callers + discarded, none twice",
			created.Load(), toCaller.Load(), discarded.Load(), twice.Load())
	}
	st, _ := to.Stats(context.Background())
	if discarded.Load() == 0 || toCaller.Load() == 0 || st.TimedOut == 0 {
		t.Fatalf("%d to callers, %d discarded, %d timed out: the load did not exercise all three", toCaller.Load(), discarded.Load(), st.TimedOut)
	}
	t.Logf("%d results: %d to callers, %d discarded; %d calls timed out", created.Load(), toCaller.Load(), discarded.Load(), st.TimedOut)
}
