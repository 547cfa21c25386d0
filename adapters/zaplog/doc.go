// Package zaplog writes a Bulwark engine's events to a zap logger.
//
// Bulwark is silent by default: the engine logs nothing unless it is given
// a logger, and no pattern ever imports zap. Attach subscribes to an event
// stream and writes every event it receives as one structured log entry, in
// a goroutine of the stream's (never the publisher's), so a slow log sink
// can never slow a call: when it cannot keep up, events are dropped and
// counted on the returned subscription.
//
// A sink never takes the engine down: a core that panics is recovered (and
// the panic reported to the engine's logger, whose own panic is recovered
// and counted by Engine.SinkPanics), and a core that blocks holds
// Engine.Shutdown only until its context ends, the error then naming the
// sink's subscription.
package zaplog
