package ratelimit_test

import (
	"context"
	"errors"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/bulwark-go/bulwark/actors/ratelimit"
	"github.com/bulwark-go/bulwark/messages"
)

// ★ 55: "2/second": 5 sequential checks → 2 allowed; "5/second": 20 → 5.
func TestSequentialBurst(t *testing.T) {
	for _, alg := range algorithms {
		t.Run(alg.String(), func(t *testing.T) {
			l, _, _ := newLimiter(t, ratelimit.Config{Algorithm: alg})
			if got := allowed(t, l, "u", "2/second", 5); got != 2 {
				t.Errorf("2/second over 5: got %d allowed, want 2", got)
			}
			if got := allowed(t, l, "v", "5/second", 20); got != 5 {
				t.Errorf("5/second over 20: got %d allowed, want 5", got)
			}
			st := stats(t, l)
			if st.Accepted != 7 || st.Rejected != 18 || st.ActiveKeys != 2 {
				t.Errorf("stats: got allowed %d rejected %d keys %d, want 7 18 2", st.Accepted, st.Rejected, st.ActiveKeys)
			}
		})
	}
}

// ★ 59: 20 concurrent checks at "10/second" → exactly 10.
func TestConcurrentExact(t *testing.T) {
	for _, alg := range algorithms {
		t.Run(alg.String(), func(t *testing.T) {
			l, _, _ := newLimiter(t, ratelimit.Config{Algorithm: alg})
			var ok atomic.Int64
			var wg sync.WaitGroup
			for range 20 {
				wg.Go(func() {
					if l.Allow(context.Background(), "k", "10/second") == nil {
						ok.Add(1)
					}
				})
			}
			wg.Wait()
			if got := ok.Load(); got != 10 {
				t.Fatalf("got %d allowed, want 10", got)
			}
		})
	}
}

// Refill: "4/second" allows 4, then one every 250 ms, with an exact RetryAfter.
func TestRefillTiming(t *testing.T) {
	l, clock, _ := newLimiter(t, ratelimit.Config{})
	ctx := context.Background()
	if got := allowed(t, l, "k", "4/second", 4); got != 4 {
		t.Fatalf("burst: got %d, want 4", got)
	}
	wantRejected(t, l.Allow(ctx, "k", "4/second"), ratelimit.ReasonExceeded, 250*time.Millisecond)
	clock.Advance(250*time.Millisecond - time.Nanosecond)
	wantRejected(t, l.Allow(ctx, "k", "4/second"), ratelimit.ReasonExceeded, time.Nanosecond)
	clock.Advance(time.Nanosecond)
	if err := l.Allow(ctx, "k", "4/second"); err != nil {
		t.Fatalf("at the next permit: got %v, want nil", err)
	}
	wantRejected(t, l.Allow(ctx, "k", "4/second"), ratelimit.ReasonExceeded, 250*time.Millisecond)
	res, err := l.Check(ctx, "k", "4/second")
	if err != nil || res.Allowed || res.RetryAfter != 250*time.Millisecond {
		t.Fatalf("Check: got %+v, %v; want refused, 250ms", res, err)
	}
}

// ★ 56: keys are independent; so are two rates on one key; the spellings
// of one rate are one limit.
func TestIsolation(t *testing.T) {
	l, _, _ := newLimiter(t, ratelimit.Config{})
	for i := range 10 {
		k := "user_" + strconv.Itoa(i)
		if got := allowed(t, l, k, "3/second", 5); got != 3 {
			t.Errorf("%s: got %d, want 3", k, got)
		}
	}
	if got := allowed(t, l, "user_0", "10/minute", 12); got != 10 {
		t.Errorf("second rate on one key: got %d, want 10", got)
	}
	if got := allowed(t, l, "x", "2/s", 1) + allowed(t, l, "x", "2/seconds", 1) + allowed(t, l, "x", "2/second", 1); got != 2 {
		t.Errorf("2/s, 2/seconds, 2/second on one key: got %d allowed, want 2", got)
	}
	ctx := context.Background()
	if err := l.AllowRate(ctx, "x", ratelimit.MustParseRate("2/second")); !errors.Is(err, ratelimit.ErrLimited) {
		t.Errorf("AllowRate with the same rate: got %v, want ErrLimited", err)
	}
}

// ★ 58 corrected: a malformed rate is an error quoting it, never a pass.
func TestMalformedRates(t *testing.T) {
	l, _, _ := newLimiter(t, ratelimit.Config{})
	ctx := context.Background()
	for _, in := range []string{"invalid", "10/week", "0/second", "-1/second", "10 / minute", "5/2minute", "/second", "10/", "+5/second", "1.5/second", "99999999999999999999/second", "2000000000/second"} {
		err := l.Allow(ctx, "k", in)
		var re *ratelimit.RateError
		if !errors.As(err, &re) || re.Input != in || !errors.Is(err, messages.ErrInvalidConfig) {
			t.Errorf("Allow(%q): got %v, want a *RateError quoting it", in, err)
			continue
		}
		if want := strconv.Quote(in); !contains(err.Error(), want) {
			t.Errorf("Allow(%q): error %q does not quote the input", in, err)
		}
		if err := l.Wait(ctx, "k", in); !errors.As(err, &re) {
			t.Errorf("Wait(%q): got %v, want a *RateError", in, err)
		}
	}
	if err := l.AllowRate(ctx, "k", ratelimit.Rate{Count: 0, Period: time.Second}); !errors.Is(err, messages.ErrInvalidConfig) {
		t.Errorf("AllowRate zero count: got %v", err)
	}
	if st := stats(t, l); st.Accepted+st.Rejected != 0 || st.ActiveKeys != 0 {
		t.Errorf("malformed rates were counted: %+v", st)
	}
	sw, _, _ := newLimiter(t, ratelimit.Config{Algorithm: ratelimit.SlidingWindow})
	if err := sw.Allow(ctx, "k", "2000000/second"); !errors.Is(err, messages.ErrInvalidConfig) {
		t.Errorf("sliding window over its count: got %v", err)
	}
}

func contains(s, sub string) bool {
	for i := 0; i+len(sub) <= len(s); i++ {
		if s[i:i+len(sub)] == sub {
			return true
		}
	}
	return false
}

func TestParseRateForms(t *testing.T) {
	for in, want := range map[string]ratelimit.Rate{
		"1/second": {1, time.Second}, "7/seconds": {7, time.Second}, "3/s": {3, time.Second},
		"100/minute": {100, time.Minute}, "2/minutes": {2, time.Minute}, "9/m": {9, time.Minute},
		"5/hour": {5, time.Hour}, "5/hours": {5, time.Hour}, "5/h": {5, time.Hour},
		"1/day": {1, 24 * time.Hour}, "4/days": {4, 24 * time.Hour}, "4/d": {4, 24 * time.Hour},
		"1000000000/second": {1e9, time.Second},
	} {
		got, err := ratelimit.ParseRate(in)
		if err != nil || got != want {
			t.Errorf("ParseRate(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	if s := ratelimit.MustParseRate("10/m").String(); s != "10/minute" {
		t.Errorf("String: got %q, want 10/minute", s)
	}
}

// ★ 57 corrected: the sweep forgets idle keys only; a limited key keeps
// its limit however many sweeps pass.
func TestSweepKeepsLimitedKeys(t *testing.T) {
	for _, alg := range algorithms {
		t.Run(alg.String(), func(t *testing.T) {
			l, clock, _ := newLimiter(t, ratelimit.Config{Algorithm: alg, SweepInterval: time.Second})
			if got := allowed(t, l, "slow", "1/minute", 2); got != 1 {
				t.Fatalf("got %d, want 1", got)
			}
			allowed(t, l, "fast", "1/second", 1)
			for range 30 {
				clock.Advance(time.Second) // a sweep each second
			}
			st := stats(t, l) // after the sweeps: they were queued first
			if st.ActiveKeys != 1 {
				t.Fatalf("after 30 s: got %d keys, want 1 (the limited one)", st.ActiveKeys)
			}
			if got := allowed(t, l, "slow", "1/minute", 1); got != 0 {
				t.Fatalf("a sweep reset a limited key")
			}
			for range 120 {
				clock.Advance(time.Second)
			}
			if st := stats(t, l); st.ActiveKeys != 0 {
				t.Fatalf("after the window: got %d keys, want 0", st.ActiveKeys)
			}
			if got := allowed(t, l, "slow", "1/minute", 2); got != 1 {
				t.Fatalf("after eviction: got %d, want 1", got)
			}
		})
	}
}

// A sweep over more keys than one chunk goes on in steps, and new keys are
// served between them; Stats waits for a sweep under way.
func TestChunkedSweep(t *testing.T) {
	l, clock, _ := newLimiter(t, ratelimit.Config{Shards: 1, SweepInterval: time.Second})
	ctx := context.Background()
	const n = 20_000
	for i := range n {
		if err := l.Allow(ctx, "k"+strconv.Itoa(i), "1/second"); err != nil {
			t.Fatal(err)
		}
	}
	clock.Advance(time.Second) // a sweep: every key still in its grace period
	if st := stats(t, l); st.ActiveKeys != n {
		t.Fatalf("got %d keys, want %d", st.ActiveKeys, n)
	}
	if err := l.Allow(ctx, "k0", "1/second"); err != nil { // k0 stays
		t.Fatal(err)
	}
	clock.Advance(time.Second) // the others go
	if err := l.Allow(ctx, "fresh", "1/second"); err != nil {
		t.Fatal(err)
	}
	if st := stats(t, l); st.ActiveKeys != 2 || st.Accepted != n+2 {
		t.Fatalf("got %d keys, %d allowed; want 2, %d", st.ActiveKeys, st.Accepted, n+2)
	}
}

// ★ 59 corrected: a key cap never evicts a limited key; a new key waits for
// an idle one, with an exact RetryAfter.
func TestMaxKeys(t *testing.T) {
	l, clock, _ := newLimiter(t, ratelimit.Config{Shards: 1, MaxKeys: 10})
	ctx := context.Background()
	n := 0
	for i := range 50 {
		if l.Allow(ctx, "user_"+strconv.Itoa(i), "1/minute") == nil {
			n++
		}
	}
	if st := stats(t, l); n != 10 || st.ActiveKeys != 10 || st.MaxKeys != 10 {
		t.Fatalf("got %d allowed, %d keys (max %d); want 10, 10, 10", n, st.ActiveKeys, st.MaxKeys)
	}
	clock.Advance(20 * time.Second)
	wantRejected(t, l.Allow(ctx, "late", "1/minute"), ratelimit.ReasonKeyLimit, 40*time.Second)
	for i := range 10 {
		if got := allowed(t, l, "user_"+strconv.Itoa(i), "1/minute", 1); got != 0 {
			t.Fatalf("user_%d was reset", i)
		}
	}
	clock.Advance(40 * time.Second)
	if err := l.Allow(ctx, "late", "1/minute"); err != nil {
		t.Fatalf("once the keys are idle: got %v, want nil", err)
	}
}

// ★ 59: 10,000 goroutines over 100 keys at a frozen instant: exactly the
// limit per key.
func TestManyGoroutinesManyKeys(t *testing.T) {
	for _, alg := range algorithms {
		t.Run(alg.String(), func(t *testing.T) {
			l, _, _ := newLimiter(t, ratelimit.Config{Algorithm: alg, Shards: 4})
			var per [100]atomic.Int64
			var wg sync.WaitGroup
			for g := range 10000 {
				wg.Go(func() {
					k := g % 100
					err := l.Allow(context.Background(), "key-"+strconv.Itoa(k), "7/second")
					if err == nil {
						per[k].Add(1)
					} else if !errors.Is(err, ratelimit.ErrLimited) {
						t.Errorf("Allow: %v", err)
					}
				})
			}
			wg.Wait()
			for k := range per {
				if got := per[k].Load(); got != 7 {
					t.Fatalf("key %d: got %d allowed, want 7", k, got)
				}
			}
			if st := stats(t, l); st.Accepted != 700 || st.Rejected != 9300 || st.ActiveKeys != 100 {
				t.Fatalf("stats: %+v", st)
			}
		})
	}
}
