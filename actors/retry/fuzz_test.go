package retry_test

import (
	"context"
	"errors"
	"math"
	"testing"
	"time"

	"github.com/bulwark-go/bulwark/actors/retry"
	"github.com/bulwark-go/bulwark/messages"
)

// FuzzConfig: a random Config is a *messages.ConfigError (Validate and New
// agree) or a Retry whose delays stay within [0, MaxDelay] — the pure
// Delay for every attempt and the waits of a short run on a fake clock —
// and whose run makes at most MaxAttempts calls, exactly as many as the
// function needs when they fit.
func FuzzConfig(f *testing.F) {
	f.Add(0, int64(0), int64(0), 0.0, int64(0), uint8(0), uint8(0), 0.0, int64(0), uint8(2), 0.5)
	f.Add(5, int64(time.Millisecond), int64(time.Second), 3.0, int64(0), uint8(0), uint8(4), 0.0, int64(0), uint8(9), 0.99)
	f.Add(4, int64(10), int64(5), 2.0, int64(0), uint8(1), uint8(0), 1.0, int64(0), uint8(3), 0.0)
	f.Add(10_000, int64(24*time.Hour), int64(24*time.Hour), 1000.0, int64(24*time.Hour), uint8(0), uint8(3), 0.5, int64(time.Hour), uint8(20), 0.3)
	f.Add(-1, int64(-1), int64(-1), math.NaN(), int64(-1), uint8(7), uint8(9), math.Inf(1), int64(-1), uint8(1), 0.1)
	f.Add(2, int64(1), int64(1<<62), math.Inf(1), int64(1<<62), uint8(2), uint8(1), 2.0, int64(1<<62), uint8(1), 0.1)
	h := newHarness(f)
	f.Fuzz(func(t *testing.T, attempts int, initial, maxDelay int64, mult float64, step int64, strategy, jitterKind uint8,
		jitter float64, maxDuration int64, fails uint8, draw float64) {
		cfg := retry.Config{
			Backoff: retry.Backoff{MaxAttempts: attempts, InitialDelay: time.Duration(initial), MaxDelay: time.Duration(maxDelay),
				Multiplier: mult, Step: time.Duration(step), Strategy: retry.Strategy(strategy)},
			JitterKind: retry.JitterKind(jitterKind), Jitter: jitter, MaxDuration: time.Duration(maxDuration),
		}
		r, err := retry.New(h.eng, "fuzz", cfg)
		if verr := cfg.Validate(); (err == nil) != (verr == nil) {
			t.Fatalf("New %v, Validate %v: they disagree", err, verr)
		}
		if err != nil {
			var ce *messages.ConfigError
			if !errors.As(err, &ce) || !errors.Is(err, messages.ErrInvalidConfig) {
				t.Fatalf("got %v, want a ConfigError", err)
			}
			return
		}
		got := r.Config()
		max := got.MaxDelay
		if max < 0 || max > retry.LargestMaxDelay || got.MaxAttempts < 1 || got.MaxAttempts > retry.LargestMaxAttempts {
			t.Fatalf("accepted %+v", got.Backoff)
		}
		if !(draw >= 0 && draw < 1) {
			draw = 0.5
		}
		prev := time.Duration(0)
		for n := 1; n <= min(got.MaxAttempts, 64); n++ {
			d := retry.Delay(cfg, n, prev, draw)
			if d < 0 || d > max {
				t.Fatalf("Delay(n=%d) = %v, want within [0, %v]", n, d, max)
			}
			prev = d
		}

		// A short run: the function fails `fails` times (at most 20).
		need := int(fails%21) + 1
		calls := 0
		var runErr error
		run := got
		run.OnRetry = func(a retry.Attempt) { h.delays <- a.Delay }
		rr, err := retry.New(h.eng, "fuzz", run)
		if err != nil {
			t.Fatalf("the defaulted config %+v is refused: %v", got, err)
		}
		errFail := errors.New("fail")
		waits := h.run(t, func() {
			runErr = rr.Execute(context.Background(), func(context.Context) error {
				calls++
				if calls < need {
					return errFail
				}
				return nil
			})
		})
		for _, d := range waits {
			if d < 0 || d > max {
				t.Fatalf("waited %v, want within [0, %v]", d, max)
			}
		}
		switch {
		case calls > got.MaxAttempts:
			t.Fatalf("%d calls, want at most MaxAttempts %d", calls, got.MaxAttempts)
		case runErr == nil && calls != need:
			t.Fatalf("success after %d calls, want %d", calls, need)
		case runErr != nil && !errors.Is(runErr, retry.ErrExhausted):
			t.Fatalf("got %v, want success or exhaustion", runErr)
		case runErr != nil && got.MaxDuration == 0 && (need <= got.MaxAttempts || calls != got.MaxAttempts):
			t.Fatalf("got %v after %d calls (need %d, max %d)", runErr, calls, need, got.MaxAttempts)
		}
	})
}
