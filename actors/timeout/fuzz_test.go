package timeout_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/bulwark-go/bulwark/actors/timeout"
	"github.com/bulwark-go/bulwark/messages"
)

// FuzzConfig: a random Config is a *messages.ConfigError (Validate and New
// agree) or a Timeout whose calls see the limit it says and end as it
// says: a function that takes less than the limit succeeds, one that
// takes the limit or more fails with *TimeoutError.
func FuzzConfig(f *testing.F) {
	f.Add(int64(0), false, int64(0))
	f.Add(int64(time.Second), true, int64(time.Second))
	f.Add(int64(time.Second), false, int64(time.Second-1))
	f.Add(int64(-1), true, int64(5))
	f.Add(int64(timeout.LargestTimeout), true, int64(1))
	f.Add(int64(timeout.LargestTimeout+1), false, int64(1))
	f.Add(int64(1), false, int64(1<<62))
	eng, clock := newEngine(f)
	f.Fuzz(func(t *testing.T, limit int64, coop bool, work int64) {
		cfg := timeout.Config{Timeout: time.Duration(limit), Cooperative: coop}
		to, err := timeout.New(eng, "fuzz", cfg)
		if verr := cfg.Validate(); (err == nil) != (verr == nil) {
			t.Fatalf("New %v, Validate %v: they disagree", err, verr)
		}
		var ce *messages.ConfigError
		if err != nil {
			if !errors.As(err, &ce) || !errors.Is(err, messages.ErrInvalidConfig) {
				t.Fatalf("got %v, want a ConfigError", err)
			}
			return
		}
		want := to.Config().Timeout
		if want <= 0 || want > timeout.LargestTimeout {
			t.Fatalf("accepted a limit of %v", want)
		}
		took := time.Duration(work)
		if took < 0 {
			took = -took
		}
		took %= 2 * want // around the limit, both sides
		var seen time.Duration
		start := clock.Now()
		v, err := timeout.Do(context.Background(), to, func(ctx context.Context) (int, error) {
			dl, ok := ctx.Deadline()
			if !ok {
				return 0, errors.New("no deadline")
			}
			seen = dl.Sub(start)
			clock.Advance(took)
			return 1, nil
		})
		var te *messages.TimeoutError
		switch {
		case took < want && (v != 1 || err != nil):
			t.Fatalf("limit %v, took %v: got %v, %v; want 1, nil", want, took, v, err)
		case took >= want && (v != 0 || !errors.As(err, &te)):
			t.Fatalf("limit %v, took %v: got %v, %v; want a TimeoutError", want, took, v, err)
		}
		if !coop && took >= want {
			return // seen is written by the abandoned function's goroutine
		}
		if seen != want {
			t.Fatalf("function saw a limit of %v, want %v", seen, want)
		}
	})
}
