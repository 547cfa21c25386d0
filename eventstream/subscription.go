package eventstream

import (
	"runtime"
	"strconv"
	"sync"
	"sync/atomic"
)

// Subscription is one subscriber's view of a Stream: a buffered channel of
// the events that match its filter and a count of those it missed. It is
// safe for concurrent use.
type Subscription struct {
	stream *Stream
	id     uint64
	filter Filter
	ch     chan Event

	// senders counts publishers between their check of closed and the end
	// of their send; the channel is closed only when it is zero.
	senders atomic.Int32
	closed  atomic.Bool
	dropped atomic.Uint64
	lastLag atomic.Int64 // unix nanos of the last lag notice
	once    sync.Once
}

// C returns the channel events arrive on. It is closed by Close (or by the
// stream's Close); events still buffered can be read first.
func (sub *Subscription) C() <-chan Event { return sub.ch }

// Dropped returns how many matching events this subscriber missed because
// its buffer was full.
func (sub *Subscription) Dropped() uint64 { return sub.dropped.Load() }

// Name identifies the subscription in EventSubscriberLagged events.
func (sub *Subscription) Name() string { return "subscription-" + strconv.FormatUint(sub.id, 10) }

// Close stops delivery and closes the channel. It is idempotent, and safe to
// call from a handler registered with On (the handler then returns after the
// events already buffered).
func (sub *Subscription) Close() {
	sub.shut()
	sub.stream.send(command{remove: sub})
}

// shut stops publishers from sending and closes the channel once none is
// mid-send.
func (sub *Subscription) shut() {
	sub.once.Do(func() {
		sub.closed.Store(true)
		for sub.senders.Load() != 0 {
			runtime.Gosched()
		}
		close(sub.ch)
	})
}

// deliver offers e to the subscription. It reports false only when e matched
// and was dropped because the buffer was full.
func (sub *Subscription) deliver(e *Event) bool {
	// Publishers that see closed never touch senders, so a closer waits only
	// for the sends already under way, however busy the stream is.
	if sub.closed.Load() || !sub.filter.Match(e) {
		return true
	}
	sub.senders.Add(1)
	if sub.closed.Load() {
		sub.senders.Add(-1)
		return true
	}
	sent := true
	select {
	case sub.ch <- *e:
	default:
		sub.dropped.Add(1)
		sent = false
	}
	sub.senders.Add(-1)
	return sent
}
