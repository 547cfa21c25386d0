package ratelimit_test

import (
	"context"
	"errors"
	"math/rand/v2"
	"runtime"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/bulwark-go/bulwark/actors/ratelimit"
	"github.com/bulwark-go/bulwark/messages"
)

// A cancelled Wait that others queued behind gives nothing back, so the
// waiters after it are not double-booked (1/second: A allowed at 0, B and C
// wait; B cancels; D waits and must come after C, not beside it).
func TestWaitCancelNotLastNoDoubleBooking(t *testing.T) {
	l, clock, _ := newLimiter(t, ratelimit.Config{Shards: 1})
	bg := context.Background()
	if err := l.Allow(bg, "k", "1/second"); err != nil {
		t.Fatal(err)
	}
	ctxB, cancelB := context.WithCancel(bg)
	defer cancelB()
	b := make(chan error, 1)
	go func() { b <- l.Wait(ctxB, "k", "1/second") }()
	waitTimers(t, clock, 2) // the sweep timer and B's
	c := make(chan error, 1)
	go func() { c <- l.Wait(bg, "k", "1/second") }()
	waitTimers(t, clock, 3)
	cancelB()
	if err := <-b; !errors.Is(err, context.Canceled) {
		t.Fatalf("B: got %v, want context.Canceled", err)
	}
	d := make(chan error, 1)
	go func() { d <- l.Wait(bg, "k", "1/second") }()
	waitTimers(t, clock, 3) // C's and D's
	clock.Advance(2 * time.Second)
	if err := <-c; err != nil {
		t.Fatalf("C: %v", err)
	}
	// D's timer must still be armed beside the sweep's.
	if n := clock.Timers(); n != 2 {
		t.Fatalf("at +2s: got %d timers armed, want 2 (the sweep's and D's): D was double-booked beside C", n)
	}
	clock.Advance(time.Second)
	if err := <-d; err != nil {
		t.Fatalf("D: %v", err)
	}
}

// MaxKeys is a cap on the whole limiter, whatever the number of shards.
func TestMaxKeysIsACap(t *testing.T) {
	for _, tc := range []struct{ maxKeys, shards int }{{1, 256}, {3, 4}, {10, 16}, {300, 256}} {
		l, _, _ := newLimiter(t, ratelimit.Config{MaxKeys: tc.maxKeys, Shards: tc.shards})
		got := 0
		for i := range 4 * tc.maxKeys {
			res, err := l.Check(context.Background(), "key"+strconv.Itoa(i), "1/minute")
			if err != nil {
				t.Fatal(err)
			}
			if res.Allowed {
				got++
			}
		}
		st := stats(t, l)
		if got > tc.maxKeys || st.ActiveKeys > tc.maxKeys || st.MaxKeys != tc.maxKeys {
			t.Errorf("MaxKeys %d, Shards %d: got %d keys admitted, %d held, Stats.MaxKeys %d; want at most %d, at most %d, %d",
				tc.maxKeys, tc.shards, got, st.ActiveKeys, st.MaxKeys, tc.maxKeys, tc.maxKeys, tc.maxKeys)
		}
		if got == 0 {
			t.Errorf("MaxKeys %d, Shards %d: no key admitted", tc.maxKeys, tc.shards)
		}
	}
}

// A nil function is an error that names it, not a panic.
func TestNilFunction(t *testing.T) {
	l, _, _ := newLimiter(t, ratelimit.Config{})
	ctx := context.Background()
	for name, call := range map[string]func() error{
		"Execute": func() error { return l.Execute(ctx, "k", "1/second", nil) },
		"Do": func() error {
			_, err := ratelimit.Do[int](ctx, l, "k", "1/second", nil)
			return err
		},
	} {
		var err error
		func() {
			defer func() {
				if p := recover(); p != nil {
					err = errors.New("panicked")
				}
			}()
			err = call()
		}()
		var ce *messages.ConfigError
		if !errors.Is(err, messages.ErrInvalidConfig) || !errors.As(err, &ce) {
			t.Errorf("%s(nil): got %v, want a *ConfigError wrapping ErrInvalidConfig", name, err)
		}
	}
	// Nothing was consumed by the refused calls.
	if n := allowed(t, l, "k", "1/second", 2); n != 1 {
		t.Errorf("after the nil calls: got %d allowed, want 1", n)
	}
}

// After Shutdown every entry point returns ErrStopped, on both algorithms,
// through a KeyGuard whose key was cached before, too.
func TestEveryCallStoppedAfterShutdown(t *testing.T) {
	for _, alg := range algorithms {
		t.Run(alg.String(), func(t *testing.T) {
			eng, _ := newEngine(t, epoch)
			l, err := ratelimit.New(eng, "s", ratelimit.Config{Algorithm: alg, Shards: 2})
			if err != nil {
				t.Fatal(err)
			}
			ctx := context.Background()
			g, err := l.Guard("hot", ratelimit.MustParseRate("100/second"))
			if err != nil {
				t.Fatal(err)
			}
			if err := g.Allow(ctx); err != nil {
				t.Fatal(err)
			}
			if err := eng.Shutdown(ctx); err != nil {
				t.Fatal(err)
			}
			r := ratelimit.MustParseRate("100/second")
			ran := false
			fn := func(context.Context) error { ran = true; return nil }
			calls := map[string]func() error{
				"Allow":     func() error { return l.Allow(ctx, "hot", "100/second") },
				"AllowRate": func() error { return l.AllowRate(ctx, "new", r) },
				"Check": func() error {
					_, err := l.Check(ctx, "hot", "100/second")
					return err
				},
				"CheckRate": func() error {
					_, err := l.CheckRate(ctx, "new", r)
					return err
				},
				"Wait":     func() error { return l.Wait(ctx, "hot", "100/second") },
				"WaitRate": func() error { return l.WaitRate(ctx, "new", r) },
				"Execute":  func() error { return l.Execute(ctx, "hot", "100/second", fn) },
				"Do": func() error {
					_, err := ratelimit.Do(ctx, l, "hot", "100/second", func(context.Context) (int, error) { ran = true; return 1, nil })
					return err
				},
				"Guard.Allow": func() error { return g.Allow(ctx) },
				"Guard.Check": func() error {
					_, err := g.Check(ctx)
					return err
				},
				"Guard.Wait": func() error { return g.Wait(ctx) },
				"Guard.Acquire": func() error {
					_, err := g.Acquire(ctx)
					return err
				},
				"Stats": func() error {
					_, err := l.Stats(ctx)
					return err
				},
			}
			for name, call := range calls {
				if err := call(); !errors.Is(err, messages.ErrStopped) {
					t.Errorf("%s after Shutdown: got %v, want ErrStopped", name, err)
				}
			}
			if ran {
				t.Error("a function ran after Shutdown")
			}
		})
	}
}

// TestWaitCancelPropertyFakeClock: random Wait, cancel and advance steps
// through the public API on the fake clock never grant more than
// burst + rate*t in any interval. A grant is recorded at the fake time when
// it is seen: a Wait that passes at once at that instant, a sleeping Wait
// at the end of the Advance that fired its timer, so a grant's true time
// lies at most one step before the one recorded, and the bound allows that
// step.
func TestWaitCancelPropertyFakeClock(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	for round := range 30 {
		l, clock, _ := newLimiter(t, ratelimit.Config{Shards: 1, SweepInterval: time.Hour})
		r := ratelimit.Rate{Count: 1 + rng.Int64N(2), Period: time.Second}
		// Another key arms the shard's sweep timer (which never fires
		// within the round), so that every step sees it armed.
		if err := l.AllowRate(context.Background(), "other", r); err != nil {
			t.Fatal(err)
		}
		base := clock.Now()
		type result struct {
			id  int
			err error
		}
		results := make(chan result, 64)
		cancels := map[int]context.CancelFunc{}
		var grants []time.Duration
		maxStep := time.Duration(0)
		next := func(what string) result {
			t.Helper()
			select {
			case res := <-results:
				return res
			case <-time.After(5 * time.Second):
				t.Fatalf("round %d: no result after %s", round, what)
			}
			return result{}
		}
		settle := func(res result) {
			delete(cancels, res.id)
			switch {
			case res.err == nil:
				grants = append(grants, clock.Since(base))
			case !errors.Is(res.err, context.Canceled):
				t.Fatalf("round %d: Wait %d: %v", round, res.id, res.err)
			}
		}
		for id := range 150 {
			switch rng.IntN(5) {
			case 0, 1: // a new Wait: it passes at once or arms its timer
				ctx, cancel := context.WithCancel(context.Background())
				cancels[id] = cancel
				go func() { results <- result{id, l.WaitRate(ctx, "k", r)} }()
				for armed := false; !armed; {
					select {
					case res := <-results:
						settle(res)
						armed = true
					default:
						armed = clock.Timers() == 1+len(cancels) // the sweep's and every sleeper's
						runtime.Gosched()
					}
				}
			case 2, 3: // a sleeping Wait gives up
				for i, cancel := range cancels {
					cancel()
					if res := next("a cancel"); res.id != i || !errors.Is(res.err, context.Canceled) {
						t.Fatalf("round %d: cancelled Wait %d: got Wait %d, %v", round, i, res.id, res.err)
					}
					settle(result{id: i, err: context.Canceled})
					break
				}
			case 4: // time passes; the sleepers whose timers fired pass
				d := time.Duration(rng.Int64N(int64(r.Period / time.Duration(r.Count) * 9 / 10)))
				maxStep = max(maxStep, d)
				clock.Advance(d)
				for fired := len(cancels) - (clock.Timers() - 1); fired > 0; fired-- {
					settle(next("an advance"))
				}
			}
		}
		for _, cancel := range cancels {
			cancel()
		}
		for range len(cancels) {
			next("the end")
		}
		slices.Sort(grants)
		for i := range grants {
			for j := i; j < len(grants); j++ {
				span := grants[j] - grants[i] + maxStep
				if bound := r.Count + int64(span)*r.Count/int64(r.Period); int64(j-i+1) > bound {
					t.Fatalf("round %d, %v: %d grants within [%v, %v], want at most %d", round, r, j-i+1, grants[i], grants[j], bound)
				}
			}
		}
	}
}
