package retry_test

import (
	"context"
	"testing"
	"time"

	"github.com/bulwark-go/bulwark/actors/retry"
)

func TestJitter(t *testing.T) {
	base := retry.Config{Backoff: retry.Backoff{InitialDelay: time.Second}}
	with := func(k retry.JitterKind, j float64, max time.Duration) retry.Config {
		c := base
		c.JitterKind, c.Jitter, c.MaxDelay = k, j, max
		return c
	}
	tests := []struct {
		name string
		cfg  retry.Config
		prev time.Duration
		r    float64
		want time.Duration
	}{
		{"proportional low", with(retry.Proportional, 0.5, 0), 0, 0, ms(500)},
		{"proportional mid", with(retry.Proportional, 0.5, 0), 0, 0.5, time.Second},
		{"proportional high", with(retry.Proportional, 0.5, 0), 0, 0.75, ms(1250)},
		{"never above max", with(retry.Proportional, 1, time.Second), 0, 0.99, time.Second},
		{"full", with(retry.Full, 0, 0), 0, 0.25, ms(250)},
		{"equal", with(retry.Equal, 0, 0), 0, 0.5, ms(750)},
		{"decorrelated first", with(retry.Decorrelated, 0, 0), 0, 0.5, 2 * time.Second},
		{"decorrelated grows", with(retry.Decorrelated, 0, 0), 4 * time.Second, 0.5, ms(6500)},
		{"decorrelated capped", with(retry.Decorrelated, 0, 5*time.Second), 4 * time.Second, 0.9, 5 * time.Second},
		{"none", with(retry.NoJitter, 0, 0), 0, 0.9, time.Second},
	}
	for _, tt := range tests {
		if got := retry.Delay(tt.cfg, 1, tt.prev, tt.r); got != tt.want {
			t.Errorf("%s: got %v, want %v", tt.name, got, tt.want)
		}
	}
	// SPEC §13 item 31: jitter 0.5 on 1 s varies within [0.5 s, 1.5 s].
	c := with(retry.Proportional, 0.5, 0)
	seen := map[time.Duration]bool{}
	for i := 0; i < 200; i++ {
		d := retry.Delay(c, 1, 0, float64(i)/200)
		if d < ms(500) || d > ms(1500) {
			t.Fatalf("got %v, want within [0.5s, 1.5s]", d)
		}
		seen[d] = true
	}
	if len(seen) < 100 {
		t.Fatalf("got %d distinct delays, want variety", len(seen))
	}
}

func TestInjectedRand(t *testing.T) {
	h := newHarness(t)
	r := h.retry(t, retry.Config{Backoff: retry.Backoff{InitialDelay: ms(100)}, Jitter: 0.5, Rand: func() float64 { return 0 }})
	calls := 0
	delays := h.run(t, func() { _ = r.Execute(context.Background(), failing(&calls, errA, errA, errA)) })
	if want := []time.Duration{ms(50), ms(100)}; !equalDurations(delays, want) {
		t.Fatalf("got %v, want %v", delays, want)
	}
}
