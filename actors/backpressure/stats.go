package backpressure

import (
	"context"

	"github.com/bulwark-go/bulwark/actors/internal/admit"
)

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
	// Accepted counts admissions, Rejected rejections; RejectedBy counts
	// them by reason.
	Accepted, Rejected uint64
	RejectedBy         map[string]uint64
	// Cancelled counts callers whose context ended while they waited or
	// had ended before they asked. Misused counts Releases of a permit
	// that was not held (released already, the zero Permit, a permit of
	// another instance): each took nothing away, and each is a bug in the
	// caller.
	Cancelled, Misused uint64
}

// Stats returns the gate's figures, as the actor sees them after folding
// in every Release made before the call; it returns messages.ErrStopped
// once the actor has stopped.
func (g *Gate) Stats(ctx context.Context) (Stats, error) {
	f, sz, err := g.h.Stats(ctx, owner{g})
	if err != nil {
		return Stats{}, err
	}
	c := sz.Config.(*Config)
	st := Stats{HighWaterMark: c.HighWaterMark, LowWaterMark: c.LowWaterMark, Active: sz.Active}
	st.Name, st.InFlight, st.PeakInFlight, st.MaxInFlight, st.Waiting, st.MaxWaiting = f.Name, f.InFlight, f.PeakInFlight, f.MaxInFlight, f.Waiting, f.MaxWaiting
	st.Accepted, st.Rejected, st.RejectedBy, st.Cancelled, st.Misused = f.Accepted, f.Rejected, f.RejectedBy, f.Cancelled, f.Misused
	st.Overloaded = st.InFlight+st.Waiting >= st.MaxInFlight
	st.Utilization = float64(st.InFlight) * 100 / float64(st.MaxInFlight)
	return st, nil
}

// Sizes reads, under the config in force, MaxInFlight, MaxWaiting, the
// items pending and whether backpressure is on, for Stats, in the actor's
// goroutine (admit.Sizer).
func (o owner) Sizes() admit.Sizes {
	c := o.g.h.Config()
	return admit.Sizes{MaxInFlight: c.MaxInFlight, MaxWaiting: c.MaxWaiting, InFlight: o.g.pending(), Active: o.g.st.active, Config: c}
}
