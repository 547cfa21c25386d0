package retry

import (
	"errors"
	"math"
	"math/rand/v2"
	"time"

	"github.com/bulwark-go/bulwark/messages"
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

// step is what the loop does after an attempt that did not succeed.
type step uint8

const (
	// stepRetry: wait decision.delay, then run another attempt.
	stepRetry step = iota
	// stepReturn: the error is not retried; the caller gets it unchanged.
	stepReturn
	// stepExhausted: the caller gets an *ExhaustedError with
	// decision.reason.
	stepExhausted
)

// decision is next's answer.
type decision struct {
	step   step
	reason string        // why the loop is exhausted (a Reason… constant)
	delay  time.Duration // the wait before the next attempt
	max    int           // MaxAttempts of the schedule in force
}

// maxInline is how many schedules (default + per-error) keep their
// counters inside a state, without allocating.
const maxInline = 8

// schedule is one schedule's progress in a call: how many failed
// attempts it has counted, and its previous wait.
type schedule struct {
	count int
	prev  time.Duration
}

// state is one call's progress through its schedules, when the call
// started, and the end no wait may reach. It is a plain value owned by
// one call (on its stack: it holds no pointer to itself); it reads no
// clock and starts nothing.
type state struct {
	cfg    *Config
	start  time.Time // the first attempt's start (set when MaxDuration > 0)
	end    time.Time // the deadline no wait may reach, when hasEnd
	hasEnd bool
	inline [maxInline]schedule // schedule 0 is the default, i+1 is PerError[i]
	more   []schedule          // instead of inline, when there are more schedules
}

// init readies s for a call of cfg that starts at start and must not wait
// up to or past end (when hasEnd).
func (s *state) init(cfg *Config, start, end time.Time, hasEnd bool) {
	s.cfg, s.start, s.end, s.hasEnd = cfg, start, end, hasEnd
	if n := len(cfg.PerError) + 1; n > maxInline {
		s.more = make([]schedule, n)
	}
}

// schedule returns schedule i's progress.
func (s *state) schedule(i int) *schedule {
	if s.more != nil {
		return &s.more[i]
	}
	return &s.inline[i]
}

// next decides what follows the attempt-th attempt (1-based), which
// failed with err at now — or, when err is nil, returned a result that
// RetryIfResult rejected. In order:
//
//   - AbortOn(err), or an err that matches no PerError schedule and that
//     RetryOn refuses: stepReturn;
//   - the schedule in force (the first PerError whose Match takes err,
//     else the default; a rejected result always takes the default) has
//     run its MaxAttempts: stepExhausted, ReasonAttempts;
//   - otherwise the wait is the schedule's backoff for its count, jittered
//     with cfg.Rand, raised to a refusal's RetryAfter (never above
//     MaxDelay); if the wait would end more than MaxDuration after start:
//     stepExhausted, ReasonMaxDuration; at or past end: ReasonDeadline;
//   - else stepRetry with that wait.
func (s *state) next(attempt int, err error, now time.Time) decision {
	cfg := s.cfg
	si := 0 // 0 = default schedule, i+1 = PerError[i]
	if err != nil {
		if cfg.AbortOn != nil && cfg.AbortOn(err) {
			return decision{step: stepReturn}
		}
		si = -1
		for i := range cfg.PerError {
			if cfg.PerError[i].Match(err) {
				si = i + 1
				break
			}
		}
		if si < 0 {
			if !cfg.RetryOn(err) {
				return decision{step: stepReturn}
			}
			si = 0
		}
	}
	b := &cfg.Backoff
	if si > 0 {
		b = &cfg.PerError[si-1].Backoff
	}
	sc := s.schedule(si)
	sc.count++
	if sc.count >= b.MaxAttempts {
		return decision{step: stepExhausted, reason: ReasonAttempts, max: b.MaxAttempts}
	}
	delay := jitter(cfg.JitterKind, cfg.Jitter, b.base(sc.count), sc.prev, b.InitialDelay, b.MaxDelay, cfg.Rand())
	if err != nil {
		delay = honourRetryAfter(err, delay, b.MaxDelay)
	}
	sc.prev = delay
	if cfg.MaxDuration > 0 && now.Sub(s.start)+delay > cfg.MaxDuration {
		return decision{step: stepExhausted, reason: ReasonMaxDuration, delay: delay, max: b.MaxAttempts}
	}
	if s.hasEnd && !now.Add(delay).Before(s.end) {
		return decision{step: stepExhausted, reason: ReasonDeadline, delay: delay, max: b.MaxAttempts}
	}
	return decision{step: stepRetry, delay: delay, max: b.MaxAttempts}
}

// honourRetryAfter waits at least as long as a rejection asked (a
// *messages.RejectedError's RetryAfter, when RetryOn lets such errors be
// retried), never more than max.
func honourRetryAfter(err error, delay, max time.Duration) time.Duration {
	var rej *messages.RejectedError
	if errors.As(err, &rej) && rej.RetryAfter > delay {
		return min(rej.RetryAfter, max)
	}
	return delay
}
