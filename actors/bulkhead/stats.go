package bulkhead

import "context"

// Stats is a value copy of a bulkhead's figures. Every Acquire is counted
// once: Accepted + Rejected + Cancelled is the number of Acquire calls
// that have returned (other than with ErrStopped).
type Stats struct {
	// Name is the bulkhead's name.
	Name string
	// Active is the number of slots taken, out of MaxConcurrent;
	// PeakActive is the most ever taken at once.
	Active, PeakActive, MaxConcurrent int
	// Waiting is the number of queued callers, out of MaxWaiting.
	Waiting, MaxWaiting int
	// Accepted counts slots granted.
	Accepted uint64
	// Rejected counts rejections; RejectedBy counts them by reason
	// (ReasonQueueFull, ReasonWaitTimeout).
	Rejected   uint64
	RejectedBy map[string]uint64
	// Cancelled counts callers whose context ended while they waited, or
	// had ended before a full bulkhead would have queued them.
	Cancelled uint64
	// Misused counts Releases of a permit that was not held (released
	// already, the zero Permit, a permit of another instance): each freed
	// nothing, and each is a bug in the caller.
	Misused uint64
}

// Stats returns the bulkhead's figures; it asks the actor for the queue's
// length, and returns messages.ErrStopped once the actor has stopped.
func (b *Bulkhead) Stats(ctx context.Context) (Stats, error) {
	r, err := b.actor.Ask(ctx, getStats{})
	if err != nil {
		return Stats{}, err
	}
	st := Stats{Name: b.name, Active: b.active(), PeakActive: b.permits.Made(), MaxConcurrent: b.cfg.MaxConcurrent,
		Waiting: r.n, MaxWaiting: b.cfg.MaxWaiting, Accepted: b.permits.Granted() - b.unclaimed.Load(), Cancelled: b.cancelled.Load(), Misused: b.permits.Misused(),
		RejectedBy: make(map[string]uint64, nReasons)}
	for i, reason := range reasons {
		n := b.rejected[i].Load()
		st.Rejected += n
		st.RejectedBy[reason] = n
	}
	return st, nil
}
