package bulkhead

import (
	"github.com/bulwark-go/bulwark/engine"
	"github.com/bulwark-go/bulwark/eventstream"
)

// admitted returns the permit of token, whose slot the caller took, and
// publishes bulkhead_accepted.
func (b *Bulkhead) admitted(token uint64) engine.Permit {
	if b.h.Engine().Events().HasSubscribers() {
		b.publish(eventstream.EventBulkheadAccepted, "")
	}
	return engine.Permit{Token: token}
}

// reject counts a rejection, publishes bulkhead_rejected and returns the
// error.
func (b *Bulkhead) reject(reason string) error {
	b.h.Counts.Reject(reason)
	if b.h.Engine().Events().HasSubscribers() {
		b.publish(eventstream.EventBulkheadRejected, reason)
	}
	return b.rejectedError(reason)
}

// publish publishes an event of typ: Reason (of a rejection), Count (slots
// taken) and Max (MaxInFlight).
func (b *Bulkhead) publish(typ eventstream.Type, reason string) {
	b.h.Engine().Publish(eventstream.Event{Type: typ, Pattern: Kind, Name: b.h.Name(),
		Fields: eventstream.Fields{Reason: reason, Count: int64(b.limit.Held()), Max: int64(b.h.Config().MaxInFlight)}})
}
