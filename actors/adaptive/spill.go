package adaptive

import (
	"sync/atomic"
	"time"

	"github.com/bulwark-go/bulwark/messages"
)

// spill holds the reports that found the actor's mailbox full, so that
// Release never waits: callers add to these counters and the owner folds
// them into its window after its next batch (and before a Stats copy).
// Their latencies are folded as one mean.
type spill struct {
	successes, failures, ignored atomic.Uint64
	rttSum                       atomic.Int64 // of successes and failures
	peak                         atomic.Int32
}

// add records one report that could not be sent.
func (s *spill) add(r request) {
	switch r.o {
	case messages.Success:
		s.successes.Add(1)
	case messages.Failure:
		s.failures.Add(1)
	default:
		s.ignored.Add(1)
		return
	}
	s.rttSum.Add(int64(r.rtt))
	for p := s.peak.Load(); r.inflight > p && !s.peak.CompareAndSwap(p, r.inflight); p = s.peak.Load() {
	}
}

// fold replays the spilled reports into the owner's window (successes
// first) and applies any limit change.
func (l *Limiter) fold() {
	succ, fail, ign := l.spilled.successes.Swap(0), l.spilled.failures.Swap(0), l.spilled.ignored.Swap(0)
	if succ+fail+ign == 0 {
		return
	}
	sum, peak := l.spilled.rttSum.Swap(0), l.spilled.peak.Swap(0)
	var mean int64
	if succ+fail > 0 {
		mean = sum / int64(succ+fail)
	}
	l.completed += ign
	r := request{o: messages.Success, inflight: peak, rtt: time.Duration(mean)}
	for range succ {
		l.report(r)
	}
	r.o = messages.Failure
	for range fail {
		l.report(r)
	}
}
