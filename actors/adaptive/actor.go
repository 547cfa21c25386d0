package adaptive

import (
	"time"

	"github.com/bulwark-go/bulwark/eventstream"
)

// request is the one message type of the limiter's actor: a nudge to
// harvest the reports (stats false), or a request for a Stats copy, which
// harvests first, or (cfg set) Reconfigure's. It is a plain struct rather
// than an interface of message types so that sending it never allocates.
type request struct {
	stats bool
	cfg   *Config
}

// owner is the behaviour of the limiter's actor. The state it owns lives in
// the Limiter, so a restart after a panic keeps the limit.
type owner struct{ l *Limiter }

// Receive handles one request in the actor's goroutine.
func (o owner) Receive(m request) (Stats, error) {
	if m.cfg != nil {
		o.l.reconfigure(*m.cfg)
		return Stats{}, nil
	}
	if !m.stats {
		return Stats{}, nil // EndBatch harvests
	}
	o.l.harvest()
	return o.l.stats(), nil
}

// EndBatch harvests after each batch of messages: the reports a nudge
// asked for, and those added while the batch was handled.
func (o owner) EndBatch() { o.l.harvest() }

// harvest takes the reports from the stripes, counts them and feeds them
// to the state machine, publishing each limit change they cause and then
// storing the last one: callers never admit under a limit that a later
// window of the same harvest has already replaced.
func (l *Limiter) harvest() {
	n := l.counts()
	n.nudged.Store(false)      // reports added after this may nudge again
	e := ended(n.calls.Load()) // before the cells: see stripes
	l.ended += (e - l.endedSeen) & endedMask
	l.endedSeen = e
	b, ignored := l.reports.harvest()
	l.failures += uint64(b.failures)
	l.ignored += ignored
	// The calls ended that reported nothing else succeeded. A failure or
	// ignored outcome is counted before its call ends, so this is short,
	// never over, by the calls ending now with such a report.
	if d := int64(l.ended - l.failures - l.ignored - l.successes); d > 0 {
		b.successes = int(d)
		l.successes += uint64(d)
	}
	l.completed = l.successes + l.failures + l.ignored
	// Vegas's latencies are added before their calls end: those of calls
	// not counted yet wait for them.
	b.rttSum += l.carried.rttSum
	b.peak = max(b.peak, l.carried.peak)
	l.carried = batch{}
	if b.successes+b.failures == 0 {
		l.carried = b
	}
	changed, last := false, change{}
	for b.successes+b.failures > 0 {
		if c, ok := l.st.take(&b); ok {
			l.announce(c)
			changed, last = true, c
		}
	}
	if changed {
		// A higher limit admits more calls at once; a lower one refuses
		// calls until enough in flight have completed, so calls already
		// admitted are never interrupted.
		n.limit.Store(int64(last.new))
	}
}

// announce publishes a limit change.
func (l *Limiter) announce(c change) {
	l.eng.Publish(eventstream.Event{Type: eventstream.EventLimitChanged, Pattern: Kind, Name: l.name,
		Fields: eventstream.Fields{Count: int64(c.old), Max: int64(c.new), Reason: c.reason, Elapsed: l.st.recent}})
}

// stats copies the owner's figures.
func (l *Limiter) stats() Stats {
	n := l.counts()
	inflight := int(n.calls.Load() & countMask)
	return Stats{Name: l.name, Algorithm: l.st.cfg.Algorithm, Limit: l.st.limit, MinLimit: l.st.cfg.MinLimit,
		MaxLimit: l.st.cfg.MaxLimit, InFlight: inflight, Utilization: float64(inflight) * 100 / float64(l.st.limit),
		Completed: l.completed, Succeeded: l.successes, Failed: l.failures, Rejected: n.rejections.Load(),
		Misused:         n.misused.Load() + l.ledgerMisused(),
		WindowSucceeded: l.st.successes, WindowFailed: l.st.failures,
		BaselineRTT: time.Duration(l.st.baseline), RecentRTT: l.st.recent}
}
