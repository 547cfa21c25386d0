// Package engine is Bulwark's kernel and the Engine a user starts.
//
// The kernel is mechanism, not policy: Actor is a mailbox and the loop that
// serves it (Ask with pooled reply channels, Tell, batch draining, panic
// capture). A mailbox holds no buffer until used, grows as it fills up to
// its bound and shrinks after a burst, so an idle actor costs its goroutine
// and little more; under WithOnDemandActors an idle actor has no goroutine
// either, and its next message starts one. Snapshot lets an actor publish
// a read-only view of its state for lock-free fast paths; Clock, with
// RealClock and FakeClock, is the only source of time, so tests decide time
// instead of sleeping.
//
// An Engine owns one root supervisor, one event stream, a clock and a
// logger. Every pattern instance hangs off an Engine, so two engines in one
// process never interfere. Shutdown stops everything, and afterwards no
// goroutine of the engine remains.
//
// Shutdown(ctx) returns by ctx's deadline, also when called from an event
// handler (which it does not wait for). What did not stop by then — an
// actor stuck in Receive, a handler, a logger or error handler that blocks —
// is named in its error, which wraps ctx.Err(); each such goroutine ends
// when the call it is stuck in returns. A sink never takes the engine down:
// errors reach the logger and the error handler through one reporter
// goroutine, never from the supervisor's or a handler's, and a panic there
// is recovered and counted (SinkPanics).
//
// Sizes are bounded: a mailbox holds at most LargestMailboxSize messages
// (CheckMailboxSize validates a configured one), a subscription buffer at
// most eventstream.LargestBuffer events, and a restart budget at most
// supervisor.LargestMaxRestarts restarts within supervisor.LargestRestartWindow.
package engine
