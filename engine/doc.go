// Package engine is the Engine a user starts and the Clock it reads.
//
// A user starts an Engine and hands it to the patterns' constructors;
// the kernel a pattern is built on (actors, mailboxes, Spawn) is package
// engine/kernel, which a user never imports. Here are the Engine, its
// options, Clock (with RealClock and FakeClock, the only source of time, so
// tests decide time instead of sleeping), and Compose and Chain, which put
// patterns around a call.
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
// Sizes are bounded: a mailbox holds at most kernel.LargestMailboxSize
// messages, a subscription buffer at most eventstream.LargestBuffer events,
// and a restart budget at most supervisor.LargestMaxRestarts restarts
// within supervisor.LargestRestartWindow.
package engine
