package adaptive

import (
	"math"
	"time"

	"github.com/bulwark-go/bulwark/messages"
)

// state is the pure limit machine: it takes completions and returns the
// new limit. It reads no clock; latencies come in measured.
type state struct {
	cfg   *Config // never written through: reconfigure stores another
	limit int

	// The current window.
	successes, failures int
	rttSum              time.Duration
	rttCount            int
	peak                int  // highest in-flight seen
	decided             bool // an early decrease already judged it

	// Vegas: the baseline mean latency in nanoseconds (0: none yet) and
	// the last window's mean.
	baseline float64
	recent   time.Duration
}

// change is the outcome of a completed window.
type change struct {
	old, new int
	reason   string
}

func newState(cfg Config) state { return stateFor(&cfg) }

// stateFor is newState for a config the machine may keep without a copy.
func stateFor(cfg *Config) state { return state{cfg: cfg, limit: cfg.InitialLimit} }

// batch is a run of completions reported together: how many succeeded
// and failed, the sum of their latencies and the highest in-flight any of
// them saw (this call included).
type batch struct {
	successes, failures int
	rttSum              time.Duration
	peak                int
}

// record adds one completion with latency rtt, seen while inflight calls
// (this one included) were running. It returns the limit change when the
// completion decided a window and the limit moved (ok true).
func (s *state) record(o messages.Outcome, rtt time.Duration, inflight int) (c change, ok bool) {
	b := batch{rttSum: rtt, peak: inflight}
	switch o {
	case messages.Success:
		b.successes = 1
	case messages.Failure:
		b.failures = 1
	default:
		return change{}, false
	}
	return s.take(&b)
}

// take adds the completions of b that fit in the current window, removes
// them from b, and returns the limit change when they decided the window
// and the limit moved (ok true); call it until b is empty. Within a window
// the decision depends on the counts alone, so a batch is as good as its
// completions one by one. One that runs past the window's end is split in
// proportion: the window takes its share of b's failures (rounded) and of
// its latency; b's peak counts for both.
func (s *state) take(b *batch) (c change, ok bool) {
	n := b.successes + b.failures
	if n == 0 {
		return change{}, false
	}
	w := s.cfg.Window
	k := min(n, w-s.successes-s.failures)
	f, rtt := b.failures, b.rttSum
	if k < n {
		share := float64(k) / float64(n)
		f = min(b.failures, k, max(k-b.successes, int(math.Round(float64(b.failures)*share))))
		rtt = time.Duration(float64(b.rttSum) * share)
	}
	b.successes -= k - f
	b.failures -= f
	b.rttSum -= rtt
	s.successes += k - f
	s.failures += f
	s.rttSum += rtt
	s.rttCount += k
	s.peak = max(s.peak, b.peak)
	if s.successes+s.failures < w {
		// Decide early, once, when the rest of the window cannot save it:
		// even if every remaining call succeeds, the failure rate is at or
		// above DecreaseAtFailureRate.
		if s.decided || f == 0 || float64(s.failures)/float64(w) < s.cfg.DecreaseAtFailureRate {
			return change{}, false
		}
		s.decided = true
		return s.apply(s.failures, w)
	}
	if !s.decided {
		c, ok = s.apply(s.failures, w)
	}
	s.successes, s.failures, s.rttSum, s.rttCount, s.peak, s.decided = 0, 0, 0, 0, 0, false
	return c, ok
}

// apply moves the limit for a window of w calls, failures of which failed
// (or will fail at the least).
func (s *state) apply(failures, w int) (change, bool) {
	old := s.limit
	reason := ""
	rate := float64(w-failures) / float64(w) // the success rate
	switch {
	case float64(failures)/float64(w) >= s.cfg.DecreaseAtFailureRate:
		s.limit = max(s.cfg.MinLimit, int(float64(s.limit)*s.cfg.DecreaseFactor))
		reason = ReasonFailureRate
	case s.cfg.Algorithm == Vegas:
		reason = s.vegas(rate >= s.cfg.IncreaseAtSuccessRate)
	case rate >= s.cfg.IncreaseAtSuccessRate:
		s.limit = s.raised()
		reason = ReasonSuccessRate
	}
	if s.limit == old {
		return change{}, false
	}
	return change{old: old, new: s.limit, reason: reason}, true
}

// vegas moves the limit by the window's latency against the baseline.
func (s *state) vegas(healthy bool) string {
	if s.rttCount == 0 {
		return ""
	}
	recent := float64(s.rttSum) / float64(s.rttCount)
	s.recent = time.Duration(recent)
	if s.baseline == 0 || recent <= 0 {
		s.baseline = max(recent, 1)
		return s.increase(healthy)
	}
	ratio := s.baseline / recent // < 1 when slower than usual
	s.baseline += (recent - s.baseline) / float64(s.cfg.BaselineWindows)
	lim := float64(s.limit)
	queue := math.Ceil(lim * (1 - ratio))
	logLim := math.Log10(lim)
	// Netflix's thresholds, scaled down for small limits (where a queue of
	// 6 could never be seen): beta at most half the limit, alpha at most
	// half of beta.
	beta := min(max(6, math.Ceil(6*logLim)), max(1, math.Floor(lim/2)))
	alpha := min(max(3, math.Ceil(3*logLim)), math.Floor(beta/2))
	switch {
	case queue >= beta:
		next := min(s.limit-1, int(lim*max(0.5, ratio)))
		s.limit = max(s.cfg.MinLimit, next)
		return ReasonLatency
	case queue <= alpha:
		return s.increase(healthy)
	}
	return ""
}

// increase raises the limit after a healthy window in which at least half
// of it was used.
func (s *state) increase(healthy bool) string {
	if !healthy || 2*s.peak < s.limit {
		return ""
	}
	s.limit = s.raised()
	return ReasonSuccessRate
}

// raised returns the limit raised by Increase, at most MaxLimit; it
// saturates rather than overflows, whatever Increase is.
func (s *state) raised() int {
	if s.cfg.Increase >= s.cfg.MaxLimit-s.limit {
		return s.cfg.MaxLimit
	}
	return s.limit + s.cfg.Increase
}
