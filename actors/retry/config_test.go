package retry_test

import (
	"context"
	"errors"
	"fmt"
	"math"
	"testing"
	"time"

	"github.com/bulwark-go/bulwark/actors/retry"
	"github.com/bulwark-go/bulwark/messages"
)

func TestDefaultRetryOn(t *testing.T) {
	rejected := func(e error) error { return &messages.RejectedError{Err: e, Pattern: "x"} }
	tests := []struct {
		err  error
		want bool
	}{
		{nil, false},
		{errA, true},
		{fmt.Errorf("wrapped: %w", errA), true},
		{context.Canceled, false},
		{context.DeadlineExceeded, false},
		{rejected(messages.ErrCircuitOpen), false},
		{rejected(messages.ErrBulkheadFull), false},
		{rejected(messages.ErrShed), false},
		{rejected(messages.ErrBackpressure), false},
		{rejected(messages.ErrLimitExceeded), false},
		{rejected(messages.ErrRateLimited), false},
		{messages.ErrStopped, false},
		{errors.Join(messages.ErrTimeout, context.DeadlineExceeded), true},
	}
	for _, tt := range tests {
		if got := retry.DefaultRetryOn(tt.err); got != tt.want {
			t.Errorf("DefaultRetryOn(%v) = %v, want %v", tt.err, got, tt.want)
		}
	}
}

func TestAbortOn(t *testing.T) {
	h := newHarness(t)
	r := h.retry(t, retry.Config{AbortOn: func(err error) bool { return err == errB }})
	calls := 0
	var err error
	h.run(t, func() { err = r.Execute(context.Background(), failing(&calls, errB)) })
	if err != errB || calls != 1 {
		t.Fatalf("got %v after %d calls, want errB after 1", err, calls)
	}
}

func TestPerErrorStrategies(t *testing.T) {
	isA := func(err error) bool { return errors.Is(err, errA) }
	isB := func(err error) bool { return errors.Is(err, errB) }
	cfg := noJitter(retry.Backoff{InitialDelay: ms(10)})
	cfg.PerError = []retry.ErrorStrategy{
		{Match: isA, Backoff: retry.Backoff{MaxAttempts: 5, InitialDelay: ms(1), Strategy: retry.Constant}},
		{Match: isB, Backoff: retry.Backoff{MaxAttempts: 2, InitialDelay: ms(2), Strategy: retry.Constant}},
	}
	tests := []struct {
		name      string
		errs      []error
		wantCalls int
		wantLast  error
		wantDelay []time.Duration
	}{
		{"A gets 5", []error{errA, errA, errA, errA, errA, errA}, 5, errA, []time.Duration{ms(1), ms(1), ms(1), ms(1)}},
		{"B gets 2", []error{errB, errB, errB}, 2, errB, []time.Duration{ms(2)}},
		// Own counters: A, B, A, A, A → the second B would exhaust B, but
		// A's failures do not count against B.
		{"mixed", []error{errA, errB, errA, errA, errA, errB}, 6, errB, []time.Duration{ms(1), ms(2), ms(1), ms(1), ms(1)}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t)
			r := h.retry(t, cfg)
			calls := 0
			var err error
			delays := h.run(t, func() { err = r.Execute(context.Background(), failing(&calls, tt.errs...)) })
			if calls != tt.wantCalls || !errors.Is(err, tt.wantLast) || !equalDurations(delays, tt.wantDelay) {
				t.Fatalf("got %d calls, err %v, delays %v; want %d, %v, %v", calls, err, delays, tt.wantCalls, tt.wantLast, tt.wantDelay)
			}
		})
	}
	if cfg.PerError[0].Backoff.MaxDelay != 0 {
		t.Fatal("New modified the caller's PerError slice")
	}
}

func TestPresets(t *testing.T) {
	tests := []struct {
		name     string
		cfg      retry.Config
		attempts int
		initial  time.Duration
		strategy retry.Strategy
	}{
		{"default", retry.DefaultConfig(), 3, time.Second, retry.Exponential},
		{"aggressive", retry.AggressiveConfig(), 5, ms(100), retry.Exponential},
		{"conservative", retry.ConservativeConfig(), 3, 2 * time.Second, retry.Linear},
		{"network", retry.NetworkConfig(), 4, ms(500), retry.Exponential},
	}
	for _, tt := range tests {
		r, err := retry.New(nil, tt.name, tt.cfg)
		if err != nil {
			t.Fatalf("%s: %v", tt.name, err)
		}
		c := r.Config()
		if c.MaxAttempts != tt.attempts || c.InitialDelay != tt.initial || c.Strategy != tt.strategy {
			t.Errorf("%s: got %d/%v/%v, want %d/%v/%v", tt.name, c.MaxAttempts, c.InitialDelay, c.Strategy, tt.attempts, tt.initial, tt.strategy)
		}
	}
	n := retry.NetworkConfig()
	if n.Multiplier != 2.5 || n.MaxDelay != 15*time.Second {
		t.Errorf("network: got ×%v max %v, want ×2.5 max 15s", n.Multiplier, n.MaxDelay)
	}
	for _, err := range []error{&netErr{}, fmt.Errorf("dial: %w", &netErr{}), messages.ErrTimeout} {
		if !retry.IsNetworkError(err) {
			t.Errorf("IsNetworkError(%v) = false, want true", err)
		}
	}
	for _, err := range []error{errA, context.Canceled, context.DeadlineExceeded} {
		if retry.IsNetworkError(err) {
			t.Errorf("IsNetworkError(%v) = true, want false", err)
		}
	}
}

type netErr struct{}

func (*netErr) Error() string   { return "connection refused" }
func (*netErr) Timeout() bool   { return false }
func (*netErr) Temporary() bool { return false }

func TestValidation(t *testing.T) {
	tests := []struct {
		field string
		cfg   retry.Config
	}{
		{"MaxAttempts", retry.Config{Backoff: retry.Backoff{MaxAttempts: -1}}},
		{"InitialDelay", retry.Config{Backoff: retry.Backoff{InitialDelay: -1}}},
		{"MaxDelay", retry.Config{Backoff: retry.Backoff{InitialDelay: 2 * time.Second, MaxDelay: time.Second}}},
		{"Multiplier", retry.Config{Backoff: retry.Backoff{Multiplier: 0.5}}},
		{"Strategy", retry.Config{Backoff: retry.Backoff{Strategy: 9}}},
		{"Jitter", retry.Config{Jitter: 1.5}},
		{"Jitter", retry.Config{Jitter: -0.1}},
		{"JitterKind", retry.Config{JitterKind: 99}},
		{"MaxDuration", retry.Config{MaxDuration: -1}},
		{"PerError.Match", retry.Config{PerError: []retry.ErrorStrategy{{}}}},
		{"PerError.Backoff.MaxAttempts", retry.Config{PerError: []retry.ErrorStrategy{{Match: func(error) bool { return true }, Backoff: retry.Backoff{MaxAttempts: -2}}}}},
		{"MaxAttempts", retry.Config{Backoff: retry.Backoff{MaxAttempts: retry.LargestMaxAttempts + 1}}},
		{"InitialDelay", retry.Config{Backoff: retry.Backoff{InitialDelay: retry.LargestMaxDelay + 1}}},
		{"MaxDelay", retry.Config{Backoff: retry.Backoff{MaxDelay: retry.LargestMaxDelay + 1}}},
		{"Step", retry.Config{Backoff: retry.Backoff{Step: retry.LargestMaxDelay + 1}}},
		{"Multiplier", retry.Config{Backoff: retry.Backoff{Multiplier: math.Inf(1)}}},
		{"Multiplier", retry.Config{Backoff: retry.Backoff{Multiplier: math.NaN()}}},
		{"Jitter", retry.Config{Jitter: math.NaN()}},
		{"MaxDuration", retry.Config{MaxDuration: retry.LargestMaxDuration + 1}},
		{"PerError", retry.Config{PerError: make([]retry.ErrorStrategy, retry.LongestPerError+1)}},
	}
	for _, tt := range tests {
		_, err := retry.New(nil, "bad", tt.cfg)
		var ce *messages.ConfigError
		if !errors.As(err, &ce) || ce.Field != tt.field || !errors.Is(err, messages.ErrInvalidConfig) {
			t.Errorf("got %v, want a config error naming %s", err, tt.field)
		}
		if verr := tt.cfg.Validate(); verr == nil || verr.Error() != err.Error() {
			t.Errorf("Validate: got %v, want New's %v", verr, err)
		}
	}
	limits := retry.Backoff{MaxAttempts: retry.LargestMaxAttempts, InitialDelay: retry.LargestMaxDelay, MaxDelay: retry.LargestMaxDelay,
		Multiplier: retry.LargestMultiplier, Step: retry.LargestMaxDelay}
	if err := limits.Validate(); err != nil {
		t.Errorf("the limits themselves: got %v, want nil", err)
	}
}
