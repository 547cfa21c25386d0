// Package backpressure bounds the work a producer may have pending and
// tells it to slow down, with hysteresis, when too much is pending.
//
// Each Acquire adds one pending item and each Release takes one away.
// Backpressure turns on when pending reaches HighWaterMark and off again
// only when it has drained to LowWaterMark (if the two marks are equal, on
// wins at the mark). While it is off, Acquire admits at once. While it is
// on, a call waits, if Config.MaxWaiting allows (by default nobody waits:
// it is rejected at once with ReasonActive), for at most Config.MaxWait
// (by default until its context ends); a wait that passes is rejected with
// ReasonWaitTimeout, and one whose context ends returns ctx.Err(). Pending
// items plus waiters never exceed MaxInFlight: beyond it a call is
// rejected with ReasonOverloaded. Every rejection is a
// *messages.RejectedError that unwraps to ErrBackpressure
// (messages.ErrBackpressure).
//
// Waiters are admitted in arrival order, one at a time, as items drain:
// when backpressure turns off, the oldest waiter is admitted, then the
// next, each admission counted before the next is considered, and
// admission stops as soon as pending reaches HighWaterMark again. So with
// HighWaterMark 2 and LowWaterMark 1, every Release admits exactly one
// waiter.
//
// AcquireWait waits for a time of its own instead of MaxWait; AcquireNow
// never waits.
//
// Permits are tokens: a Release of a permit that is not held — released
// already, the zero Permit, a permit of another instance — takes no item
// away and is counted in Stats.Misused.
//
// # Events
//
// backpressure_on and backpressure_off, published by the actor once per
// transition (Count: pending, Max: MaxInFlight, Limit: the water mark
// crossed, "high" or "low"); backpressure_rejected, published by the
// rejected caller (Reason, Count: pending, Max: MaxInFlight).
//
// # Concurrency and lifetime
//
// A Gate is safe for concurrent use. While backpressure is off and nobody
// waits, a call adds its item, and every Release takes one, with a
// compare-and-swap of the head of its core's stack of free permits in the
// gate's ledger (HighWaterMark-1 of them, free or held), a word that also
// holds whether the actor has closed that path, so no call slips past a
// decision of the actor: pending never exceeds HighWaterMark.
// Every other call goes through the actor, one goroutine owned by the
// engine's supervisor that decides on its own count, keeps the waiters and ends
// when the engine shuts down; after that every call — also one waiting —
// returns messages.ErrStopped. Release never blocks. A waiter whose
// context ends, or whose wait passes, leaves the queue; an admission that
// raced its leaving is released at once and the call is counted as
// cancelled or timed out, never as accepted as well.
package backpressure
