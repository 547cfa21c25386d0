// Package coalesce shares one execution among concurrent calls with the
// same key (request coalescing, x/sync/singleflight's idea), without
// singleflight's traps:
//
//   - The work runs in a goroutine of its own under a context detached
//     from every caller (it keeps the first caller's values, not its
//     cancellation) and bounded by Config.Timeout on the engine's clock.
//     So the first caller's cancellation fails no one else, and a caller
//     whose context ends gets ctx.Err() at once and leaves the work
//     running for the others.
//   - A panic in the function reaches every waiting caller as a
//     *messages.PanicError (singleflight re-panics in one and leaves the
//     process to die).
//   - At most Config.MaxKeys distinct keys are in flight (or kept, below);
//     a call for a new key beyond that is refused with ErrTooManyKeys (a
//     refusal: messages.IsRefusal).
//
// The result is shared among the callers, not copied: treat it as
// read-only. By default a call that comes after the work returned starts
// a new execution. With Config.ReuseFor (the coalescing window) a success
// is kept that long on the engine's clock and answers the calls for its
// key without an execution (counted in Stats.Reused); errors and panics
// are never kept, and a kept result holds one of the MaxKeys places until
// it expires.
//
// State. A Group spreads its keys over 64 shards (made by its first
// call: an idle Group holds none), each an immutable list
// of the executions in flight (and kept) behind one atomic pointer, with
// the places of MaxKeys it holds and the counters of its calls on its own
// cache lines (a shard keeps a few spare places when MaxKeys is large, so
// starting and ending an execution write no word shared by the whole
// Group; see places.go); a new execution
// replaces its shard's list by CompareAndSwap, so two callers racing to
// start one key agree on a single execution (see state.go). No lock
// guards the state and no goroutine owns it. The cost of a call is a
// hash, a walk of its shard's short list and, for a new key, one
// allocation (the execution, with its context and its list node when it
// is alone in its shard; one more when it fails or its result is kept)
// and one goroutine (none when the leader can
// never leave: a Group made without an engine and a context that is
// never done, such as context.Background(); the leader then runs the work
// itself). The execution's context makes its Done channel and deadline
// timer only when the function asks for them.
//
// Lifecycle: a nil function is an error wrapping messages.ErrInvalidConfig;
// a call whose context had already ended runs nothing and gets ctx.Err();
// after the engine's Shutdown every call, also one still waiting, returns
// messages.ErrStopped (the work itself ends by its Timeout).
//
// Group is safe for concurrent use and its zero value is not usable: make
// one with New. In a composition, For makes it an engine.Policy whose
// stages below run once per key in flight.
//
// Stats: Leaders (calls that started the work) + Followers (calls that
// joined it) + Reused + Rejected + Gone (a context that had ended) = calls;
// Cancelled counts callers who went before their result, Panics the
// executions that panicked.
package coalesce
