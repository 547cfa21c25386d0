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
// one actor. Acquire is one Ask to the actor (about 0.6 µs, no allocation
// when it does not wait): the hysteresis couples every admission to every
// release, so unlike the bulkhead there is no lock-free fast path yet.
// Release adds to an atomic counter and nudges the actor with a
// non-blocking TryTell, so it never blocks; the actor folds released items
// in before every decision and after every batch. Events are published from
// the actor's goroutine: backpressure_on and backpressure_off (Count:
// pending, Max: MaxPending, Limit: the water mark crossed, "high" or
// "low"), backpressure_rejected (Reason, Count: pending, Max: MaxPending).
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
