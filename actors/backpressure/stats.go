package backpressure

import "context"

// Stats is a value copy of a gate's figures. Every Acquire is counted
// once: Accepted + Rejected + Cancelled is the number of Acquire calls
// that have returned (other than with ErrStopped).
type Stats struct {
	// Name is the gate's name.
	Name string
	// InFlight is the number of items acquired and not yet released, out
	// of MaxInFlight; PeakInFlight is the most ever held at once.
	InFlight, PeakInFlight, MaxInFlight int
	// Waiting is the number of waiting callers, out of MaxWaiting.
	Waiting, MaxWaiting int
	// HighWaterMark and LowWaterMark are the configured marks.
	HighWaterMark, LowWaterMark int
	// Active reports whether backpressure is on.
	Active bool
	// Overloaded reports whether InFlight + Waiting reached MaxInFlight.
	Overloaded bool
	// Utilization is InFlight / MaxInFlight in percent.
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

// Stats returns the gate's figures, as the actor sees them after folding
// in every Release made before the call; it returns messages.ErrStopped
// once the actor has stopped.
func (g *Gate) Stats(ctx context.Context) (Stats, error) {
	st := Stats{Name: g.h.Name()}
	err := g.h.Inspect(ctx, func(waiting int) {
		c := g.h.Config()
		st.MaxInFlight, st.MaxWaiting, st.HighWaterMark, st.LowWaterMark = c.MaxInFlight, c.MaxWaiting, c.HighWaterMark, c.LowWaterMark
		st.InFlight, st.Waiting, st.Active = g.pending(), waiting, g.st.active
	})
	if err != nil {
		return Stats{}, err
	}
	st.Overloaded = st.InFlight+st.Waiting >= st.MaxInFlight
	st.Utilization = float64(st.InFlight) * 100 / float64(st.MaxInFlight)
	st.PeakInFlight, st.Accepted, st.Rejected, st.RejectedBy, st.Cancelled, st.Misused = g.h.Tally()
	return st, nil
}
