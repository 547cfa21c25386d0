// Package bulkhead limits how many calls run at once, so that one slow
// dependency cannot take every goroutine, connection or buffer of a process.
//
// A Bulkhead holds Config.MaxInFlight slots. A call that finds a slot free
// takes it at once. A call that finds none waits, if Config.MaxWaiting
// allows (by default nobody waits), for at most Config.MaxWait (by default
// until its context ends); waiters get slots in arrival order. A call that
// finds MaxWaiting callers waiting is rejected with ReasonQueueFull; a call
// that waited MaxWait is rejected with ReasonWaitTimeout. Both are
// *messages.RejectedError values that unwrap to ErrFull
// (messages.ErrBulkheadFull).
//
// Permits are tokens: a Release of a permit that is not held — released
// already, the zero Permit, a permit of another instance — frees nothing
// and is counted in Stats.Misused.
//
// Fairness: while anybody waits, a new call does not take a freed slot
// ahead of the waiters; a call that arrives at the same moment as a waiter
// is queued may go first.
//
// Cancellation: a waiter whose context ends (or whose MaxWait passes)
// leaves the queue and holds no slot when Acquire returns its error; a
// slot granted to it at that moment is given back. If ctx is already done
// when a slot is free, Acquire may still succeed without looking at it (as
// golang.org/x/sync/semaphore).
//
// Counting: each Acquire is counted once in Stats, as accepted, rejected
// (by reason) or cancelled (its context ended while it waited, or before
// it would have waited); TryAcquire counts only its grants.
//
// # Events
//
//   - bulkhead_accepted, published by the admitted caller: Count is the
//     slots taken, Max is MaxInFlight.
//   - bulkhead_rejected, published by the rejected caller: as
//     bulkhead_accepted, plus Reason.
//
// # Concurrency and lifetime
//
// A Bulkhead is safe for concurrent use. A call that finds a slot free
// takes it with an atomic operation, without a message; the waiters are
// kept by one actor goroutine that belongs to the engine's supervisor and
// ends when the engine shuts down. After that every Acquire — also one
// waiting — returns messages.ErrStopped; Release never blocks.
package bulkhead
