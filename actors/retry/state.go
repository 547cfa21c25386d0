package retry

import (
	"math"
	"math/rand/v2"
	"time"
)

func randFloat() float64 { return rand.Float64() }

// base returns the un-jittered delay after the n-th failed attempt of b
// (n ≥ 1), capped at MaxDelay.
func (b *Backoff) base(n int) time.Duration {
	var d float64
	switch b.Strategy {
	case Linear:
		d = float64(b.InitialDelay) + float64(b.Step)*float64(n-1)
	case Constant:
		d = float64(b.InitialDelay)
	default:
		d = float64(b.InitialDelay) * math.Pow(b.Multiplier, float64(n-1))
	}
	if d >= float64(b.MaxDelay) || math.IsInf(d, 0) || math.IsNaN(d) {
		return b.MaxDelay
	}
	return time.Duration(d)
}

// jitter randomises d (already capped) with kind and r in [0, 1), then caps
// the result at max: a delay never exceeds max. prev is the previous delay
// of this schedule (Decorrelated), initial its InitialDelay.
func jitter(kind JitterKind, frac float64, d, prev, initial, max time.Duration, r float64) time.Duration {
	var out float64
	switch kind {
	case NoJitter:
		out = float64(d)
	case Full:
		out = r * float64(d)
	case Equal:
		out = float64(d)/2 + r*float64(d)/2
	case Decorrelated:
		if prev < initial {
			prev = initial
		}
		hi := 3 * float64(prev)
		out = float64(initial) + r*(hi-float64(initial))
	default: // Proportional
		out = float64(d) + (2*r-1)*frac*float64(d)
	}
	if out < 0 {
		out = 0
	}
	if out >= float64(max) {
		return max
	}
	return time.Duration(out)
}

// Delay returns the wait after the n-th failed attempt (n ≥ 1) under cfg's
// default schedule, with r in [0, 1) as the random draw and prev the
// previous delay (used by Decorrelated jitter only). It is the pure
// function the retry loop uses; cfg takes its defaults first.
func Delay(cfg Config, n int, prev time.Duration, r float64) time.Duration {
	cfg = cfg.withDefaults()
	b := cfg.Backoff
	return jitter(cfg.JitterKind, cfg.Jitter, b.base(n), prev, b.InitialDelay, b.MaxDelay, r)
}
