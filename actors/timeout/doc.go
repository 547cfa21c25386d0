// Package timeout bounds how long a call may take: a Timeout gives each
// call its own limit, a Deadline gives many calls one absolute end (the
// original's DeadlineManager).
//
// Both work through context: the function receives a context derived from
// the caller's that ends at the limit (its Deadline reports it, so HTTP
// clients and database drivers pass it on). When our limit fires the
// caller gets a *messages.TimeoutError, which wraps messages.ErrTimeout and
// context.DeadlineExceeded. In every other case the function's own result
// and error come back unchanged — also a context.DeadlineExceeded that the
// function made itself (an inner, shorter timeout), and the caller's own
// context errors (the original conflated all three).
//
// Goroutines. By default the function runs in a goroutine of its own and
// the caller waits for the first of its return and the limit: a function
// that ignores its context is abandoned at the limit — the caller returns
// at once and the goroutine finishes on its own later; its result is
// dropped (a panic in an abandoned function is dropped too; a panic while
// the caller still waits is re-raised in the caller). timeout_exceeded then
// says Reason "abandoned". With Cooperative set, the function runs in the
// caller's goroutine (no goroutine, fewer allocations): the caller waits
// until the function returns, which a context-aware function does at once,
// and the call still fails with *messages.TimeoutError if the limit fired
// (Reason "cancelled").
//
// A caller who gave up, and Shutdown. A caller whose context ends before
// the call returns gets zero and an error matching ctx.Err() (the
// function's own error, if any, kept alongside: engine.CallerGone) —
// also when the function returned a value after the context ended, as
// the own-goroutine mode cannot wait for it anyway; a call whose context
// had already ended runs nothing. This is the rule of
// every Bulwark policy (engine.Policy). After the engine's Shutdown a
// Timeout or Deadline made with it runs nothing and returns
// messages.ErrStopped. The context a cooperative call received keeps its
// parent's values after the call returned, as context.WithTimeout's does.
//
// A Deadline in a composition tells a retry above it where it ends
// (engine.Deadliner), so the retry starts no attempt past it.
//
// Any result type works, however large: results travel by pointer.
//
// In a composition (engine.Compose) the stages below a Timeout run in the
// function's goroutine too: a bulkhead slot taken below an abandoning
// Timeout stays held until the abandoned function really returns, which is
// what the slot is for.
//
// Timeout and Deadline keep no state but their Stats, are safe for
// concurrent use, and have no goroutine of their own. Time comes from the engine's clock: tests drive
// limits with engine.FakeClock.
//
// Events (only built when someone subscribes): timeout_exceeded (Elapsed,
// Delay = the limit, Reason "cancelled", "abandoned" or "expired") and
// timeout_success (Elapsed, Delay = the limit) for calls that returned nil
// in time.
//
// Stats are the original's timeout metrics — calls, successful and timed
// out ones, total and average time, timeout rate — plus Failed, the calls
// that ended with the function's own error or the caller's (the original
// counted neither). Each call that returns is counted once, in striped
// counters (actors/internal/tally); measuring its time costs one more
// clock read. ResetStats is the original's reset_metrics.
package timeout
