// Package engine is Bulwark's kernel and the Engine a user starts.
//
// The kernel is mechanism, not policy: Actor is a mailbox and the loop that
// serves it (Ask with pooled reply channels, Tell, batch draining, panic
// capture); Snapshot lets an actor publish a read-only view of its state for
// lock-free fast paths; Clock, with RealClock and FakeClock, is the only
// source of time, so tests decide time instead of sleeping.
//
// An Engine owns one root supervisor, one event stream, a clock and a
// logger. Every pattern instance hangs off an Engine, so two engines in one
// process never interfere. Shutdown stops everything, and afterwards no
// goroutine of the engine remains.
package engine
