// Package fallback answers a failed call with a substitute: a static
// value, a function of the error, or a chain of them tried in order.
//
// A Fallback[T] is stateless and runs in the caller's goroutine. When the
// primary call fails with an error that On accepts (every error by
// default), the fallbacks run in order with the caller's context and the
// primary's error; the first success is returned. When every fallback
// fails, the caller gets a *FailedError that wraps the primary's error and
// the last fallback's (errors.Is finds both). Errors that On rejects come
// back unchanged and no fallback runs.
//
// After Shutdown. A Fallback made with an engine that has begun Shutdown
// runs nothing — neither the primary nor a fallback — and returns
// messages.ErrStopped: a process that is stopping should say so, not
// serve substitutes that hide it. A primary that fails with ErrStopped (a
// stopped handle below, in a composition or a Fallback of no engine) is
// not answered either by default: ErrStopped comes back unchanged. To
// serve a value anyway, set Config.On to a predicate that takes
// ErrStopped.
//
// A caller who gave up. Once the caller's context has ended, neither the
// primary nor a fallback starts, and none answers: the caller gets zero and an error matching
// ctx.Err() that keeps the primary's error alongside (engine.CallerGone),
// also when the primary succeeded after the context ended. This is the
// rule of every Bulwark policy (see engine.Policy).
//
// Event (only built when someone subscribes): fallback_triggered, with Err
// = the primary's error, Attempt = the 1-based index of the fallback that
// answered (0 when all failed) and Reason "recovered" or "all_failed".
//
// Stats are the original's fallback metrics — calls, primary successes,
// calls a fallback answered, calls every fallback failed, their rates —
// plus Passed, the errors Config.On did not take. Each call is counted
// once when it returns, in striped counters (actors/internal/tally: about
// 12 ns a call, no allocation). ResetStats is the original's reset_metrics.
package fallback
