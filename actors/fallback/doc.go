// Package fallback answers a failed call with a substitute: a static
// value, a function of the error, or a chain of them tried in order.
//
// Use. Make a *Fallback[T] with New and run calls with Do, or put it in a
// composition (it is an engine.Policy[T]; engine.Compose makes it the
// outermost stage, so it sees the error left after every retry):
//
//	f, err := fallback.New(eng, "profile", fallback.Config[Profile]{Chain: []fallback.Func[Profile]{fromCache, fallback.Value(guest)}})
//	p, err := f.Do(ctx, loadProfile)
//
// A Fallback is stateless but for its counts and runs in the caller's
// goroutine: it starts no goroutine and is safe for concurrent use. A
// Config needs at least one fallback and at most LongestChain; On nil
// means every error but messages.ErrStopped.
//
// Answers. When the primary call fails with an error that On accepts, the
// fallbacks run in order, each with the caller's context and the
// primary's error; the first success is returned. When every fallback
// fails the caller gets a *FailedError, which wraps the primary's error
// and the last fallback's (errors.Is finds both). An error On rejects
// comes back unchanged and no fallback runs.
//
// Shutdown. After the engine's Shutdown a Fallback runs nothing — neither
// the primary nor a fallback — and returns messages.ErrStopped: a process
// that is stopping says so rather than serving substitutes that hide it.
// A primary that fails with ErrStopped (a stopped handle below it) is not
// answered by default either; set On to a predicate that takes ErrStopped
// to serve a value anyway.
//
// A caller who gave up. Once the caller's context has ended, neither the
// primary nor a fallback starts, and none answers: the caller gets zero
// and an error matching ctx.Err(), the primary's error kept alongside
// (engine.CallerGone), also when the primary succeeded after the context
// ended. A nil function is an error wrapping messages.ErrInvalidConfig.
//
// Dropped results. The failed primary's result when a fallback runs, each
// failed fallback's, and the result of a caller who left go to
// Config.OnDiscard, or in a composition to the composition's
// (engine.Composition.OnDiscard), so that what they hold is released.
//
// Event (built only when someone subscribes): fallback_triggered, with
// Err = the primary's error, Attempt = the 1-based index of the fallback
// that answered (0 when all failed) and Reason ReasonRecovered or
// ReasonAllFailed.
//
// Stats counts each call once, when it returns (Calls = Succeeded +
// FellBack + Failed + Passed); it never blocks. ResetStats sets the counts
// back to zero.
package fallback
