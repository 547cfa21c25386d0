package bulkhead

import (
	"context"

	"github.com/bulwark-go/bulwark/actors/internal/admit"
)

// Stats is a value copy of a bulkhead's figures. Every Acquire is counted
// once: Accepted + Rejected + Cancelled is the number of Acquire calls
// that have returned (other than with ErrStopped).
type Stats struct {
	// Name is the bulkhead's name.
	Name string
	// InFlight is the number of slots taken, out of MaxInFlight (which
	// it exceeds only after a Reconfigure lowered it, until holders
	// leave); PeakInFlight is the most ever taken at once (after a lower
	// MaxInFlight, it may count slots made for a higher one, never more
	// than the largest MaxInFlight the bulkhead had).
	InFlight, PeakInFlight, MaxInFlight int
	// Waiting is the number of waiting callers, out of MaxWaiting.
	Waiting, MaxWaiting int
	// Accepted counts slots granted, Rejected rejections; RejectedBy
	// counts them by reason (ReasonQueueFull, ReasonWaitTimeout,
	// ReasonReconfigured).
	Accepted, Rejected uint64
	RejectedBy         map[string]uint64
	// Cancelled counts callers whose context ended while they waited, or
	// had ended before a full bulkhead would have queued them. Misused
	// counts Releases of a permit that was not held (released already, the
	// zero Permit, a permit of another instance): each freed nothing, and
	// each is a bug in the caller.
	Cancelled, Misused uint64
}

// Stats returns the bulkhead's figures; it asks the actor for the number
// of waiters, and returns messages.ErrStopped once the actor has stopped.
func (b *Bulkhead) Stats(ctx context.Context) (Stats, error) {
	f, _, err := b.h.Stats(ctx, (*hooks)(b))
	return Stats(f), err
}

// Sizes reads MaxInFlight, MaxWaiting and InFlight for Stats, in the
// actor's goroutine (admit.Sizer).
func (h *hooks) Sizes() admit.Sizes {
	c := h.h.Config()
	return admit.Sizes{MaxInFlight: c.MaxInFlight, MaxWaiting: c.MaxWaiting, InFlight: h.limit.Held()}
}
