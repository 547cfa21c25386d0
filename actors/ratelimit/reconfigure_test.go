package ratelimit_test

import (
	"context"
	"errors"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/bulwark-go/bulwark/actors/ratelimit"
	"github.com/bulwark-go/bulwark/engine"
	"github.com/bulwark-go/bulwark/eventstream"
	"github.com/bulwark-go/bulwark/messages"
	"github.com/bulwark-go/bulwark/supervisor"
)

func configEvents(t *testing.T, eng *engine.Engine) *eventstream.Subscription {
	t.Helper()
	sub, err := eng.Events().Subscribe(eventstream.Filter{Types: []eventstream.Type{eventstream.EventConfigChanged}}, 8)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(sub.Close)
	return sub
}

// A Reconfigure keeps every key's word, under both algorithms: a limited
// key stays limited with the same RetryAfter, and the config_changed
// event names what changed.
func TestReconfigureKeepsKeys(t *testing.T) {
	for _, alg := range algorithms {
		t.Run(alg.String(), func(t *testing.T) {
			cfg := ratelimit.Config{Algorithm: alg, Shards: 2}
			l, clock, eng := newLimiter(t, cfg)
			sub := configEvents(t, eng)
			ctx := context.Background()
			keys := []string{"a", "b", "c", "d"}
			for _, k := range keys {
				if n := allowed(t, l, k, "3/second", 5); n != 3 {
					t.Fatalf("%s: got %d, want the burst of 3", k, n)
				}
			}
			clock.Advance(100 * time.Millisecond)
			cfg.MaxKeys, cfg.SweepInterval = 100, time.Minute
			if err := l.Reconfigure(ctx, cfg); err != nil {
				t.Fatal(err)
			}
			// GCRA: the burst's first permit comes back at 1/3 s. The
			// window: in the next window the 3 weigh 2 at 1/3 s into it.
			retry := 233333334 * time.Nanosecond
			if alg == ratelimit.SlidingWindow {
				retry = 1233333334 * time.Nanosecond
			}
			for _, k := range keys {
				wantRejected(t, l.Allow(ctx, k, "3/second"), ratelimit.ReasonExceeded, retry)
			}
			st := stats(t, l)
			if st.ActiveKeys != 4 || st.MaxKeys != 100 || st.Accepted != 12 {
				t.Fatalf("got %+v, want 4 keys kept, MaxKeys 100, 12 accepted", st)
			}
			select {
			case ev := <-sub.C():
				if ev.Pattern != ratelimit.Kind || ev.Name != "test" ||
					ev.Fields.OldState != "MaxKeys=0 SweepInterval=10s" || ev.Fields.NewState != "MaxKeys=100 SweepInterval=1m0s" {
					t.Fatalf("got %v, want config_changed MaxKeys=0 SweepInterval=10s -> MaxKeys=100 SweepInterval=1m0s", ev)
				}
			case <-time.After(5 * time.Second):
				t.Fatal("no config_changed event")
			}
		})
	}
}

// A smaller MaxKeys forgets the idle keys at once and keeps the limited
// ones (forgetting one would reset its limit); a new key is refused until
// the shard is under its new share.
func TestReconfigureMaxKeysShrinks(t *testing.T) {
	cfg := ratelimit.Config{Shards: 1}
	l, clock, _ := newLimiter(t, cfg)
	ctx := context.Background()
	for _, k := range []string{"i1", "i2", "i3"} {
		if err := l.Allow(ctx, k, "1/second"); err != nil {
			t.Fatal(err)
		}
	}
	clock.Advance(2 * time.Second) // i1..i3 idle (not swept: the sweep is every 10 s)
	for _, k := range []string{"x", "y", "z"} {
		if err := l.Allow(ctx, k, "1/hour"); err != nil {
			t.Fatal(err)
		}
	}
	if st := stats(t, l); st.ActiveKeys != 6 {
		t.Fatalf("got %d keys, want 6", st.ActiveKeys)
	}
	cfg.MaxKeys = 2
	if err := l.Reconfigure(ctx, cfg); err != nil {
		t.Fatal(err)
	}
	if st := stats(t, l); st.ActiveKeys != 3 || st.MaxKeys != 2 {
		t.Fatalf("got %d keys (cap %d), want the 3 limited ones kept over the cap of 2", st.ActiveKeys, st.MaxKeys)
	}
	wantRejected(t, l.Allow(ctx, "x", "1/hour"), ratelimit.ReasonExceeded, time.Hour)
	wantRejected(t, l.Allow(ctx, "new", "1/hour"), ratelimit.ReasonKeyLimit, time.Hour)
	clock.Advance(time.Hour) // x, y, z go idle
	if err := l.Allow(ctx, "new", "1/hour"); err != nil {
		t.Fatalf("once the limited keys went idle: %v", err)
	}
	if err := l.Allow(ctx, "x", "1/hour"); err != nil {
		t.Fatalf("x again: %v", err)
	}
	wantRejected(t, l.Allow(ctx, "other", "1/hour"), ratelimit.ReasonKeyLimit, time.Hour)
	if st := stats(t, l); st.ActiveKeys != 2 {
		t.Fatalf("got %d keys, want 2 (the cap)", st.ActiveKeys)
	}
}

// A new SweepInterval re-arms the sweep timer from the Reconfigure on.
func TestReconfigureSweepInterval(t *testing.T) {
	cfg := ratelimit.Config{Shards: 1, SweepInterval: time.Hour}
	l, clock, _ := newLimiter(t, cfg)
	if err := l.AllowRate(context.Background(), "k", ratelimit.Rate{Count: 1, Period: time.Millisecond}); err != nil {
		t.Fatal(err)
	}
	cfg.SweepInterval = time.Second
	if err := l.Reconfigure(context.Background(), cfg); err != nil {
		t.Fatal(err)
	}
	waitTimers(t, clock, 1)
	// Advance fires the timer, which posts the sweep before Stats asks:
	// the key, idle after 1 ms and kept a period's grace (1 ms), is gone.
	clock.Advance(time.Second)
	if n := stats(t, l).ActiveKeys; n != 0 {
		t.Fatalf("got %d keys 1 s after the interval became 1 s, want 0 (swept)", n)
	}
}

// A Wait whose permit was reserved before a Reconfigure returns at its
// booked time, and its permit stays taken.
func TestReconfigureKeepsReservations(t *testing.T) {
	cfg := ratelimit.Config{Shards: 1}
	l, clock, _ := newLimiter(t, cfg)
	ctx := context.Background()
	if err := l.Allow(ctx, "k", "1/second"); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- l.Wait(ctx, "k", "1/second") }()
	waitTimers(t, clock, 2) // the sweep's and the Wait's
	cfg.MaxKeys = 1
	if err := l.Reconfigure(ctx, cfg); err != nil {
		t.Fatal(err)
	}
	clock.Advance(time.Second)
	if err := <-done; err != nil {
		t.Fatalf("Wait: %v", err)
	}
	wantRejected(t, l.Allow(ctx, "k", "1/second"), ratelimit.ReasonExceeded, time.Second)
}

// An identical config (also one that defaults to it) records nothing,
// publishes nothing and resets nothing.
func TestReconfigureIdentical(t *testing.T) {
	l, _, eng := newLimiter(t, ratelimit.Config{Shards: 2})
	sub := configEvents(t, eng)
	ctx := context.Background()
	if n := allowed(t, l, "k", "2/minute", 3); n != 2 {
		t.Fatalf("got %d, want 2", n)
	}
	for _, cfg := range []ratelimit.Config{{Shards: 2}, {Shards: 2, SweepInterval: ratelimit.DefaultSweepInterval}} {
		if err := l.Reconfigure(ctx, cfg); err != nil {
			t.Fatal(err)
		}
	}
	if n := allowed(t, l, "k", "2/minute", 1); n != 0 {
		t.Fatal("an identical Reconfigure reset the key")
	}
	select {
	case ev := <-sub.C():
		t.Fatalf("got %v, want no event", ev)
	default:
	}
}

// Bad input, and a field that cannot change while running, is a
// *messages.ConfigError naming the field; ended contexts and a stopped
// engine are reported.
func TestReconfigureErrors(t *testing.T) {
	l, _, eng := newLimiter(t, ratelimit.Config{Shards: 4})
	ctx := context.Background()
	for field, cfg := range map[string]ratelimit.Config{
		"Shards":        {Shards: 2},
		"MaxKeys":       {MaxKeys: 3}, // Shards 0 and MaxKeys 3: 2 shards
		"Algorithm":     {Shards: 4, Algorithm: 9},
		"SweepInterval": {Shards: 4, SweepInterval: time.Microsecond},
	} {
		var ce *messages.ConfigError
		if err := l.Reconfigure(ctx, cfg); !errors.As(err, &ce) || ce.Field != field || ce.Pattern != ratelimit.Kind {
			t.Errorf("%+v: got %v, want a *ConfigError naming %s", cfg, err, field)
		}
	}
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	if err := l.Reconfigure(cctx, ratelimit.Config{Shards: 4, MaxKeys: 8}); !errors.Is(err, context.Canceled) {
		t.Fatalf("ended ctx: got %v, want context.Canceled", err)
	}
	if st := stats(t, l); st.MaxKeys != 0 {
		t.Fatalf("a refused config was applied: %+v", st)
	}
	if err := eng.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
	if err := l.Reconfigure(ctx, ratelimit.Config{Shards: 4, MaxKeys: 8}); !errors.Is(err, messages.ErrStopped) {
		t.Fatalf("after Shutdown: got %v, want ErrStopped", err)
	}
}

// After Reconfigure, New with the new config returns the same limiter and
// New with the old one is a *supervisor.ConflictError (shards included).
func TestReconfigureRegistry(t *testing.T) {
	old := ratelimit.Config{Shards: 4}
	l, _, eng := newLimiter(t, old)
	next := ratelimit.Config{Shards: 4, MaxKeys: 1000}
	if err := l.Reconfigure(context.Background(), next); err != nil {
		t.Fatal(err)
	}
	if got, err := ratelimit.New(eng, "test", next); err != nil || got != l {
		t.Fatalf("New with the new config: got %p, %v; want %p", got, err, l)
	}
	var ce *supervisor.ConflictError
	if _, err := ratelimit.New(eng, "test", old); !errors.As(err, &ce) {
		t.Fatalf("New with the old config: got %v, want a *supervisor.ConflictError", err)
	}
}

// A new Algorithm starts every key afresh, KeyGuards' included; a rate the
// sliding window cannot hold is a *RateError from then on, also through a
// KeyGuard bound under GCRA; a Wait booked before the change returns at its
// time.
func TestReconfigureAlgorithm(t *testing.T) {
	cfg := ratelimit.Config{Shards: 2}
	l, clock, eng := newLimiter(t, cfg)
	sub := configEvents(t, eng)
	ctx := context.Background()
	big := ratelimit.Rate{Count: 2_000_000, Period: time.Second}
	g, err := l.Guard("g", ratelimit.MustParseRate("2/second"))
	if err != nil {
		t.Fatal(err)
	}
	gb, err := l.Guard("b", big)
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"a", "b", "c"} {
		if n := allowed(t, l, k, "2/second", 3); n != 2 {
			t.Fatalf("%s: got %d, want 2", k, n)
		}
	}
	if err := g.Allow(ctx); err != nil {
		t.Fatal(err)
	}
	if err := g.Allow(ctx); err != nil {
		t.Fatal(err)
	}
	if err := gb.Allow(ctx); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	armed := clock.Timers()                              // the sweeps of the shards holding keys
	go func() { done <- l.Wait(ctx, "a", "2/second") }() // booked at 0.5 s
	waitTimers(t, clock, armed+1)                        // and the Wait's
	cfg.Algorithm = ratelimit.SlidingWindow
	if err := l.Reconfigure(ctx, cfg); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"a", "b", "c"} {
		if n := allowed(t, l, k, "2/second", 3); n != 2 {
			t.Fatalf("%s after the change: got %d, want a fresh 2", k, n)
		}
	}
	n := 0
	for range 3 {
		if g.Allow(ctx) == nil {
			n++
		}
	}
	if n != 2 {
		t.Fatalf("the KeyGuard after the change: got %d, want a fresh 2", n)
	}
	var re *ratelimit.RateError
	if err := gb.Allow(ctx); !errors.As(err, &re) {
		t.Fatalf("a KeyGuard of a rate the window cannot hold: got %v, want a *RateError", err)
	}
	if err := l.AllowRate(ctx, "d", big); !errors.As(err, &re) {
		t.Fatalf("a rate the window cannot hold: got %v, want a *RateError", err)
	}
	clock.Advance(500 * time.Millisecond)
	if err := <-done; err != nil {
		t.Fatalf("the Wait booked before the change: %v", err)
	}
	st := stats(t, l)
	if st.Algorithm != ratelimit.SlidingWindow || st.ActiveKeys != 4 {
		t.Fatalf("got %+v, want the sliding window and 4 keys (a, b, c, g made afresh)", st)
	}
	if ev := <-sub.C(); ev.Fields.OldState != "Algorithm=gcra" || ev.Fields.NewState != "Algorithm=sliding_window" {
		t.Fatalf("got %v, want Algorithm=gcra -> Algorithm=sliding_window", ev)
	}
	cfg.Algorithm = ratelimit.GCRA
	if err := l.Reconfigure(ctx, cfg); err != nil {
		t.Fatal(err)
	}
	if n := allowed(t, l, "a", "2/second", 3); n != 2 {
		t.Fatalf("back under GCRA: got %d, want a fresh 2", n)
	}
	if err := gb.Allow(ctx); err != nil {
		t.Fatalf("back under GCRA, the big rate: %v", err)
	}
}

// Property, on the fake clock: random decisions on a few keys and rates,
// time passing, and random Reconfigures of one of two twin limiters.
// Without an Algorithm change a Reconfigure keeps every key's state, so
// the twins give the same verdict and RetryAfter to every call. With the
// algorithm flipping too, each change starts every key afresh, so for each
// key and every interval [a, b] the grants number at most
// Count*(1+s) + floor((b-a)*Count/Period), s the changes within [a, b].
func TestReconfigureProperty(t *testing.T) {
	rates := []string{"3/second", "5/minute"}
	keys := []string{"a", "b", "c", "d", "e"}
	for _, flipAlg := range []bool{false, true} {
		for seed := range uint64(20) {
			rng := rand.New(rand.NewPCG(seed, 7))
			base := ratelimit.Config{Shards: 2}
			twin, clock, eng := newLimiter(t, base)
			l, err := ratelimit.New(eng, "other", base)
			if err != nil {
				t.Fatal(err)
			}
			ctx := context.Background()
			var changes []time.Duration
			grants := map[string][]time.Duration{}
			var now time.Duration
			for step := range 400 {
				switch op := rng.IntN(10); {
				case op < 6:
					k, r := keys[rng.IntN(len(keys))], rates[rng.IntN(len(rates))]
					got, err := l.Check(ctx, k, r)
					if err != nil {
						t.Fatal(err)
					}
					if got.Allowed {
						grants[k+" "+r] = append(grants[k+" "+r], now)
					}
					if flipAlg {
						continue
					}
					want, err := twin.Check(ctx, k, r)
					if err != nil || got != want {
						t.Fatalf("seed %d step %d: %s %s: got %+v, the twin never reconfigured %+v (%v)", seed, step, k, r, got, want, err)
					}
				case op < 9:
					d := time.Duration(rng.IntN(1500)) * time.Millisecond
					clock.Advance(d)
					now += d
				default:
					cfg := base
					cfg.MaxKeys = []int{0, 64, 1000}[rng.IntN(3)]
					cfg.SweepInterval = []time.Duration{0, time.Millisecond, time.Hour}[rng.IntN(3)]
					if flipAlg && rng.IntN(2) == 0 {
						cfg.Algorithm = ratelimit.SlidingWindow
					}
					prev := stats(t, l).Algorithm
					if err := l.Reconfigure(ctx, cfg); err != nil {
						t.Fatal(err)
					}
					if cfg.Algorithm != prev {
						changes = append(changes, now)
					}
				}
			}
			for kr, g := range grants {
				r := ratelimit.MustParseRate(kr[2:])
				for i := range g {
					for j := i; j < len(g); j++ {
						s := 0
						for _, c := range changes {
							if c >= g[i] && c <= g[j] {
								s++
							}
						}
						bound := int(r.Count)*(1+s) + int(int64(g[j]-g[i])*r.Count/int64(r.Period))
						if j-i+1 > bound {
							t.Fatalf("seed %d, %s: %d grants in [%v, %v] across %d changes, want at most %d", seed, kr, j-i+1, g[i], g[j], s, bound)
						}
					}
				}
			}
		}
	}
}
