package loadshed

import (
	"context"

	"github.com/bulwark-go/bulwark/actors/internal/admit"
)

// Stats is a value copy of a shedder's figures. Every AcquirePriority is
// counted once: Accepted + Rejected + Cancelled is the number of calls that
// have returned (other than with ErrStopped or a context done before the
// call).
type Stats struct {
	// Name is the shedder's name.
	Name string
	// InFlight is the number of calls admitted and not yet released, out
	// of MaxInFlight (which it exceeds only after a Reconfigure lowered
	// it, until holders leave); PeakInFlight is the most ever admitted at
	// once (after a lower MaxInFlight, it may count slots made for a
	// higher one, never more than the largest MaxInFlight it had).
	InFlight, PeakInFlight, MaxInFlight int
	// Waiting is the number of waiting callers, out of MaxWaiting.
	Waiting, MaxWaiting int
	// Level is the load level: the higher of utilisation's and Signal's.
	Level LoadLevel
	// SignalLevel is the Signal's level (LevelNormal without one).
	SignalLevel LoadLevel
	// Utilization is InFlight / MaxInFlight in percent.
	Utilization float64
	// Accepted counts calls admitted, Rejected every call shed;
	// RejectedBy counts them by reason.
	Accepted, Rejected uint64
	RejectedBy         map[string]uint64
	// Cancelled counts callers whose context ended while they waited.
	// Misused counts Releases of a permit that was not held (released
	// already, the zero Permit, a permit of another instance): each freed
	// nothing, and each is a bug in the caller.
	Cancelled, Misused uint64
}

// Stats returns the shedder's figures; it asks the actor for the number of
// waiters, and returns messages.ErrStopped once the actor has stopped.
func (s *Shedder) Stats(ctx context.Context) (Stats, error) {
	f, _, err := s.h.Stats(ctx, (*hooks)(s))
	if err != nil {
		return Stats{}, err
	}
	st := Stats{Name: f.Name, InFlight: f.InFlight, PeakInFlight: f.PeakInFlight, MaxInFlight: f.MaxInFlight, Waiting: f.Waiting, MaxWaiting: f.MaxWaiting,
		Accepted: f.Accepted, Rejected: f.Rejected, RejectedBy: f.RejectedBy, Cancelled: f.Cancelled, Misused: f.Misused}
	st.Level, st.SignalLevel = s.levelAt(st.InFlight), s.signalLevel()
	st.Utilization = float64(st.InFlight) * 100 / float64(st.MaxInFlight)
	return st, nil
}

// Sizes reads MaxInFlight, MaxWaiting and InFlight for Stats, in the
// actor's goroutine (admit.Sizer).
func (h *hooks) Sizes() admit.Sizes {
	c := h.h.Config()
	return admit.Sizes{MaxInFlight: c.MaxInFlight, MaxWaiting: c.MaxWaiting, InFlight: (*Shedder)(h).inflight()}
}
