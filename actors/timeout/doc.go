// Package timeout bounds how long a call may take: a Timeout gives each
// call its own limit, a Deadline gives many calls one absolute end (a
// request's budget spread over the calls it makes).
//
// Use. Make a *Timeout with New (or a *Deadline with NewDeadline) and run
// calls with Execute, Do (DoDeadline), or For[T] (ForDeadline[T]) as an
// engine.Policy[T] in a composition:
//
//	to, err := timeout.New(eng, "db", timeout.Config{Timeout: 2 * time.Second})
//	rows, err := timeout.Do(ctx, to, query)
//
// Timeout and Deadline keep nothing but their counts: they are safe for
// concurrent use and have no goroutine of their own. A zero Config takes
// the default limit of 30 s (at most LargestTimeout); a DeadlineConfig
// needs At. Time comes from the engine's clock (the real clock with a nil
// engine), so tests drive limits with engine.FakeClock.
//
// Contexts. The function receives a context derived from the caller's
// that ends at the limit; its Deadline reports the limit, so HTTP clients
// and database drivers pass it on. The context keeps its parent's values,
// also after the call has returned.
//
// Errors. When our limit fires the caller gets a *messages.TimeoutError
// (Pattern Kind or DeadlineKind, the limit, the time waited and a Reason),
// which wraps messages.ErrTimeout and context.DeadlineExceeded. In every
// other case the function's own result and error come back unchanged —
// also a context.DeadlineExceeded the function made itself (an inner,
// shorter timeout). A caller whose context ends first gets zero and an
// error matching ctx.Err(), the function's own error kept alongside
// (engine.CallerGone), whatever the function returned; a call whose
// context had already ended runs nothing. A Deadline that has passed runs
// nothing and returns a TimeoutError with ReasonExpired. After the
// engine's Shutdown a Timeout or Deadline runs nothing and returns
// messages.ErrStopped. A nil function, or a Config outside its bounds, is
// an error wrapping messages.ErrInvalidConfig.
//
// Goroutines. By default the function runs in a goroutine of its own and
// the caller waits for the first of its return and the limit. A function
// that ignores its context is abandoned at the limit (ReasonAbandoned):
// the caller returns at once, and the goroutine ends when the function
// returns; its result is dropped, and so is a panic it raises after the
// caller left (a panic while the caller still waits is raised again in the
// caller). With Cooperative set, the function runs in the caller's
// goroutine and the caller waits until it returns, which a context-aware
// function does at the limit; the call still fails with a TimeoutError
// (ReasonCancelled). In a composition the stages below a Timeout run in
// the function's goroutine too: a bulkhead slot taken below an abandoning
// Timeout stays held until the abandoned function returns.
//
// Dropped results. A result the caller does not get — returned after the
// limit or after the caller left, or abandoned — goes to
// Policy.OnDiscard's function, or in a composition to the composition's
// (engine.Composition.OnDiscard); an abandoned one is handed over from its
// goroutine when the function returns. Use it to release what a result
// holds, such as an *http.Response's body. Results of any type and size
// travel by pointer.
//
// A Deadline in a composition tells a retry above it where it ends
// (engine.Deadliner), so the retry starts no attempt past it.
//
// Events (built only when someone subscribes): timeout_exceeded (Elapsed,
// Delay = the limit, Reason ReasonCancelled, ReasonAbandoned or
// ReasonExpired) and timeout_success (Elapsed, Delay = the limit) for
// calls that returned nil in time.
//
// Stats counts each call that returns once (Calls = Succeeded + Failed; a
// timed-out call is a failure, and TimedOut counts those among Failed)
// with its time on the engine's clock; it never blocks.
// ResetStats sets the counts back to zero.
package timeout
