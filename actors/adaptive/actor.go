package adaptive

import (
	"time"

	"github.com/bulwark-go/bulwark/eventstream"
	"github.com/bulwark-go/bulwark/messages"
)

// request is the one message type of the limiter's actor: a report of how
// a permitted call ended (its permit is back in the pool already), or, with
// stats set, a request for a Stats copy. It is a plain struct rather than
// an interface of message types because boxing a report into an interface
// would allocate on every Release.
type request struct {
	stats    bool
	o        messages.Outcome
	inflight int32 // seen by the caller before it gave its permit back
	rtt      time.Duration
}

// owner is the behaviour of the limiter's actor. The state it owns lives in
// the Limiter, so a restart after a panic keeps the limit.
type owner struct{ l *Limiter }

// Receive handles one request in the actor's goroutine.
func (o owner) Receive(m request) (Stats, error) {
	l := o.l
	if !m.stats {
		l.report(m)
		return Stats{}, nil
	}
	l.fold()
	l.withdraw()
	return l.stats(), nil
}

// EndBatch folds in spilled reports and withdraws permits owed after a
// decrease, as they come back.
func (o owner) EndBatch() {
	o.l.fold()
	o.l.withdraw()
}

// report counts one completion and applies a limit change it causes.
func (l *Limiter) report(m request) {
	l.completed++
	switch m.o {
	case messages.Success:
		l.successes++
	case messages.Failure:
		l.failures++
	}
	if c, ok := l.st.record(m.o, m.rtt, int(m.inflight)); ok {
		l.setLimit(c)
	}
}

// setLimit applies a new limit: new permits go into the pool at once;
// surplus ones are withdrawn as calls release them.
func (l *Limiter) setLimit(c change) {
	l.limit.Store(int64(c.new))
	for ; l.issued < c.new; l.issued++ {
		l.pool <- struct{}{} // cap(pool) is MaxLimit: never blocks
	}
	l.withdraw()
	l.eng.Publish(eventstream.Event{Type: eventstream.EventLimitChanged, Pattern: Kind, Name: l.name,
		Fields: eventstream.Fields{Count: int64(c.old), Max: int64(c.new), Reason: c.reason, Elapsed: l.st.recent}})
}

// withdraw takes surplus free permits out of the pool.
func (l *Limiter) withdraw() {
	for target := int(l.limit.Load()); l.issued > target; l.issued-- {
		select {
		case <-l.pool:
		default:
			return
		}
	}
}

// stats copies the owner's figures.
func (l *Limiter) stats() Stats {
	inflight := l.issued - len(l.pool)
	return Stats{Name: l.name, Algorithm: l.cfg.Algorithm, Limit: l.st.limit, MinLimit: l.cfg.MinLimit,
		MaxLimit: l.cfg.MaxLimit, InFlight: inflight, Utilization: float64(inflight) * 100 / float64(l.st.limit),
		Completed: l.completed, Successes: l.successes, Failures: l.failures, Rejected: l.rejections.Load(),
		WindowSuccesses: l.st.successes, WindowFailures: l.st.failures,
		BaselineRTT: time.Duration(l.st.baseline), RecentRTT: l.st.recent}
}
