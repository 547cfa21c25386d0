package backpressure

import "context"

// Stats is a value copy of a manager's figures. Every Acquire is counted
// once: Accepted + Rejected + Cancelled is the number of Acquire calls
// that have returned (other than with ErrStopped).
type Stats struct {
	// Name is the manager's name.
	Name string
	// Pending is the number of items acquired and not yet released, out
	// of MaxPending; Waiting the number of queued callers.
	Pending, Waiting, MaxPending int
	// HighWaterMark and LowWaterMark are the configured marks.
	HighWaterMark, LowWaterMark int
	// Active reports whether backpressure is on.
	Active bool
	// Overloaded reports whether Pending + Waiting reached MaxPending.
	Overloaded bool
	// Utilization is Pending / MaxPending in percent.
	Utilization float64
	// Accepted counts admissions.
	Accepted uint64
	// Rejected counts rejections; RejectedBy counts them by reason.
	Rejected   uint64
	RejectedBy map[string]uint64
	// Cancelled counts callers whose context ended while they waited or
	// had ended before they asked.
	Cancelled uint64
	// Misused counts Releases of a permit that was not held (released
	// already, the zero Permit, a permit of another instance): each took
	// nothing away, and each is a bug in the caller.
	Misused uint64
}

// stats returns the state's figures (without Name).
func (s *state) stats() Stats {
	st := Stats{Pending: s.pending, Waiting: s.q.Len(), MaxPending: s.max, HighWaterMark: s.high, LowWaterMark: s.low,
		Active: s.active, Overloaded: s.pending+s.q.Len() >= s.max,
		Utilization: float64(s.pending) * 100 / float64(s.max),
		Accepted:    s.accepted, Cancelled: s.cancelled, RejectedBy: make(map[string]uint64, nReasons)}
	for i, r := range reasons {
		st.Rejected += s.rejected[i]
		st.RejectedBy[r] = s.rejected[i]
	}
	return st
}

// Stats returns the manager's figures, as the actor sees them after
// folding in every Release made before the call; it returns
// messages.ErrStopped once the actor has stopped.
func (m *Manager) Stats(ctx context.Context) (Stats, error) {
	r, err := m.actor.Ask(ctx, getStats{})
	if err != nil {
		return Stats{}, err
	}
	r.stats.Name = m.name
	r.stats.Cancelled += m.cancelledEarly.Load()
	r.stats.Misused = m.permits.Misused()
	return r.stats, nil
}
