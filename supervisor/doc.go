// Package supervisor starts, restarts and stops Bulwark's actors and finds
// them by name.
//
// A Supervisor is one goroutine driven by a control channel (the shape of
// thejerf/suture) that restarts and stops children. Children are found in a
// sharded index that any goroutine reads: look-ups (Lookup, Named, List,
// and GetOrCreate of a name that exists) send no message, never block, and
// Lookup allocates nothing. Creating a child sends no message either: the
// caller reserves the name in the index with a CompareAndSwap and runs the
// child's Start itself, so two callers racing to create the same name get
// the same instance and Start runs once. Each child is a Service whose
// Serve runs in a goroutine the supervisor owns. A child that implements
// OnDemand (and Graceful) gets its goroutine at its first message, not at
// its creation, and keeps it from then on; under Options.OnDemand it has
// one only while it has work, taken from those that served other children
// and wait for more a short while, or new. When
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
