// Package backpressure bounds the work a producer may have pending and
// tells it to slow down, with hysteresis, when too much is pending.
//
// Each Acquire adds one pending item and each Release takes one away.
// Backpressure turns on when pending reaches HighWaterMark and off again
// only when it has drained to LowWaterMark (if the two marks are equal, on
// wins at the mark). While it is off, Acquire admits at once. While it is
// on, Acquire waits in a FIFO queue for at most its wait (0: it does not
// wait and is rejected at once with ReasonActive); a wait that ends
// without admission is rejected with ReasonWaitTimeout, or returns
// ctx.Err() when the context ended. Pending items plus waiters never
// exceed MaxPending: beyond it a call is rejected with ReasonOverloaded.
//
// Waiters are admitted in arrival order, one permit at a time, as items
// drain: when backpressure turns off, the oldest waiter is admitted, then
// the next, each admission counted before the next is considered, and
// admission stops as soon as pending reaches HighWaterMark again. So with
// HighWaterMark 2 and LowWaterMark 1, every Release admits exactly one of
// the waiters. (The original woke every waiter at once and admitted all of
// them up to MaxPending, a thundering herd.)
//
// There is no hidden default wait (the original waited 5 s): Config.MaxWait
// is the wait of Acquire, 0 unless set, and AcquireWait takes it
// explicitly; UntilCanceled waits until the context ends.
//
// # Design
//
// The counters and the queue are a pure state machine (state.go) owned by
// one actor; the pending count also lives in a gate (gate.go), one atomic
// word that callers change themselves while backpressure is off and
// nobody waits. Acquire's fast path adds one item by compare-and-swap as
// long as the count stays below HighWaterMark (about 8 ns with Release, no
// allocation); Release's takes one away the same way. The caller that
// would reach the mark, and every caller while the gate is closed, asks
// the actor instead (about 0.6 µs): the actor closes the gate by setting a
// bit in the same word, decides on its own count (activation, the queue,
// rejection) and reopens the gate with the count once backpressure is off
// and the queue is empty. As the bit and the count share one word, a
// caller's compare-and-swap fails if the gate closed after the caller read
// it, so no item slips past a decision: pending never exceeds
// HighWaterMark. A Release that finds the gate closed adds to an atomic
// counter and nudges the actor with a non-blocking TryTell, so it never
// blocks; the actor folds released items in before every decision and
// after every batch, turns backpressure off at the low mark and admits the
// waiters. Events are published from the actor's goroutine, once per
// transition: backpressure_on and backpressure_off (Count: pending, Max:
// MaxPending, Limit: the water mark crossed, "high" or "low"),
// backpressure_rejected (Reason, Count: pending, Max: MaxPending).
//
// Permits are tokens: every admission is recorded in a ledger
// (actors/internal/waitq.Ledger), and a Release of a permit that is not
// held — released already, the zero Permit, a permit of another instance
// — takes no item away and is counted in Stats.Misused.
//
// A waiter whose context ends, or whose wait passes, tells the actor it
// leaves and waits for the answer; if it was admitted meanwhile, the item
// is released at once and the call is counted as cancelled or timed out,
// never as accepted as well.
//
// # Concurrency and lifetime
//
// A Manager is safe for concurrent use. Its one goroutine belongs to the
// engine's supervisor and ends when the engine shuts down; after that every
// call — also one waiting in the queue — returns messages.ErrStopped.
package backpressure
