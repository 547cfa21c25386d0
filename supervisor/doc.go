// Package supervisor starts, restarts and stops Bulwark's actors and finds
// them by name.
//
// A Supervisor is one goroutine driven by a control channel (the shape of
// thejerf/suture): creating a child is one message to it, so two callers
// racing to create the same name get the same instance. Look-ups (Lookup,
// Named, List, and GetOrCreate of a name that exists) read a sharded index
// that only that goroutine writes: they send no message, never block, and
// Lookup allocates nothing. Each child is a Service whose Serve runs in a
// goroutine the supervisor owns; under Options.OnDemand a child that
// implements OnDemand has a goroutine only while it has work. When
// Serve panics or returns an error the child is restarted (one-for-one)
// unless it has used its restart budget — MaxRestarts restarts within
// RestartWindow — in which case it is stopped for good, marked Failed and an
// EventActorFailed is published. A restart publishes EventActorRestarted.
//
// Shutdown is ordered: the supervisor stops accepting new children, then,
// newest first, asks each child to finish its queued work (Graceful), waits
// for it up to the context's deadline, cancels it and terminates it
// (Terminator), so that every pending and later call on it fails with
// messages.ErrStopped.
package supervisor
