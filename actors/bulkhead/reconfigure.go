package bulkhead

import (
	"context"
)

// Reconfigure applies cfg to the running bulkhead. cfg takes the defaults
// and bounds of New (a *messages.ConfigError names the field out of
// them); every field can change while it runs. The bulkhead's actor
// applies it between two messages and keeps its state: the slots taken,
// the waiters, the counts.
//
//   - A higher MaxInFlight admits waiters at once, oldest first, up to the
//     new limit. A lower one lets the calls holding a slot finish and
//     admits nobody until fewer than the new MaxInFlight hold one.
//   - A shorter MaxWaiting turns the waiters beyond it away, the youngest
//     first, with a *messages.RejectedError of ReasonReconfigured (errors.Is
//     ErrFull); the others keep their places.
//   - MaxWait applies to calls that start waiting after Reconfigure
//     returns; calls waiting already keep the wait they started with.
//
// When it returns nil, every Acquire that starts afterwards sees the new
// config, the registry holds it (New with it returns this bulkhead, New
// with the old one is a *supervisor.ConflictError) and a config_changed
// event names the fields that changed. A config equal to the current one
// (after defaults) changes nothing and publishes nothing. After Shutdown it
// returns messages.ErrStopped. If ctx had ended before the call it returns
// ctx.Err() and applies nothing; if ctx ends while the call waits it
// returns ctx.Err(), and the change may have been applied or not.
//
// An Acquire that was under way while Reconfigure lowered MaxInFlight may
// still take a slot a holder gave back, under the old limit: while a change
// is under way, in flight is bounded by the larger of the two limits, and
// by the new one once the calls from before it have left. A restart of the
// actor after a panic keeps the config in force (it lives in the handle,
// and the actor's behaviour reads it there).
func (b *Bulkhead) Reconfigure(ctx context.Context, cfg Config) error {
	full, err := cfg.withDefaults()
	if err != nil {
		return err
	}
	return b.h.Reconfigure(ctx, full, full.MaxWaiting, func() { b.limit.Set(full.MaxInFlight) })
}
