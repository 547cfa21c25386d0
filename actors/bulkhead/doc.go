// Package bulkhead limits how many calls run at once, so that one slow
// dependency cannot take every goroutine, connection or buffer of a process.
//
// A Bulkhead holds MaxConcurrent slots. A call that finds a slot free takes
// it at once; a call that finds none waits in a FIFO queue of at most
// MaxWaiting callers (no queue by default), for at most MaxWait (or until
// its context ends when MaxWait is zero). A call that finds the queue full
// is rejected with Reason "queue_full"; a call that waited MaxWait is
// rejected with Reason "wait_timeout". Both are *messages.RejectedError
// values that unwrap to ErrFull (messages.ErrBulkheadFull).
//
// # Design
//
// The free slots are a pool: an atomic count, 0..MaxConcurrent, set when
// the bulkhead starts. Acquire's fast path takes one with a compare-and-swap
// (the counter of grants shares its cache line); Release's gives one back
// the same way. (A buffered channel used as the pool, tried first, cost
// twice as much on one core: 40 ns against 20.) Only a caller that finds
// the pool empty talks to the actor, which owns the queue of waiters: it
// queues the caller and, after every batch of messages, takes free slots
// out of the pool and hands them to the head of the queue, one waiter a
// slot, over the waiter's own channel.
//
// Permits are tokens: every grant is recorded in a ledger
// (actors/internal/waitq.Ledger) under a token that names this bulkhead,
// a slot and that slot's grant sequence, one compare-and-swap to record and
// one to take back. A Release of a permit that is not held — released
// already, the zero Permit, a permit of another instance — frees nothing
// and is counted in Stats.Misused.
//
// Fairness: while anybody waits in the queue, the fast path is closed (the
// actor publishes the queue's length in an atomic that Acquire reads
// first), so a token freed by Release goes to the oldest waiter, never to a
// caller that arrived after that waiter was queued. Waiters are served
// strictly in arrival order. A caller that read "nobody waits" just before
// a waiter was queued may still take a free token: the two arrived at the
// same time and either order is fair.
//
// Cancellation: a waiter whose context ends (or whose MaxWait passes)
// tells the actor it leaves and waits for the answer. As the actor handles
// messages in order, either the waiter was still queued (it is removed and
// holds nothing) or a token was handed to it before its message arrived;
// that token is given back at once (as golang.org/x/sync/semaphore does, by
// messages). A waiter never holds a slot after Acquire returned an error.
//
// Counting: each Acquire is counted once, as accepted, rejected (by
// reason) or cancelled (its context ended while it waited, or before it
// would have waited), never twice.
//
// # Concurrency and lifetime
//
// A Bulkhead is safe for concurrent use. Its one goroutine belongs to the
// engine's supervisor and ends when the engine shuts down; after that every
// Acquire — also one waiting in the queue — returns messages.ErrStopped.
// Release never blocks. If ctx is already done when a slot is free,
// Acquire may still succeed without looking at it (as x/sync/semaphore).
package bulkhead
