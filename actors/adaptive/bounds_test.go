package adaptive

import (
	"math"
	"testing"
	"time"
)

// The limit stays within [MinLimit, MaxLimit] however large Increase is:
// Increase math.MaxInt saturates at MaxLimit instead of wrapping negative
// (AIMD and Vegas alike), and failing windows never take it below
// MinLimit.
func TestLimitSaturates(t *testing.T) {
	for _, tc := range []struct {
		name string
		cfg  Config
	}{
		{"aimd", Config{InitialLimit: 5, MinLimit: 1, MaxLimit: 10, Increase: math.MaxInt, Window: 1}},
		{"aimd, largest limit", Config{InitialLimit: 5, MinLimit: 1, MaxLimit: LargestMaxLimit, Increase: math.MaxInt, Window: 1}},
		{"vegas", Config{Algorithm: Vegas, InitialLimit: 5, MinLimit: 1, MaxLimit: 10, Increase: math.MaxInt, Window: 1}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := mustConfig(t, tc.cfg)
			s := newState(cfg)
			for i := range 4 {
				if got := feed(&s, 1, 0, time.Millisecond); got != cfg.MaxLimit {
					t.Fatalf("window %d of successes: got limit %d, want %d (MaxLimit)", i, got, cfg.MaxLimit)
				}
			}
			for i := range 256 {
				if got := feed(&s, 0, 1, time.Millisecond); got < cfg.MinLimit || got > cfg.MaxLimit {
					t.Fatalf("window %d of failures: got limit %d, want %d..%d", i, got, cfg.MinLimit, cfg.MaxLimit)
				}
			}
			if s.limit != cfg.MinLimit {
				t.Fatalf("after 256 failing windows: got limit %d, want %d (MinLimit)", s.limit, cfg.MinLimit)
			}
		})
	}
}
