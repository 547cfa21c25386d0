package supervisor

import (
	"context"
	"errors"
)

// Service is anything the supervisor can run. Serve blocks until ctx ends
// (return nil) or the service fails (return an error or panic); a service
// should not start goroutines of its own.
type Service interface {
	Serve(ctx context.Context) error
}

// Graceful is implemented by services that can finish their queued work
// before stopping. Drain must not block: it tells the service to stop taking
// new work and to return from Serve once the work already queued is done.
type Graceful interface {
	Drain()
}

// Terminator is implemented by services that must know when they will never
// be served again (after shutdown, or when they failed past their restart
// budget), so that they can fail pending and later calls with cause.
type Terminator interface {
	Terminate(cause error)
}

// Spec describes a child to get or create.
type Spec struct {
	// Kind is the child's kind, e.g. "circuitbreaker". Kind and Name
	// together identify a child.
	Kind string
	// Name is the instance name; it must not be empty.
	Name string
	// Config is the child's configuration. Asking for an existing child
	// with a Config that differs is an error that lists the differences.
	// Function-valued fields compare by their code pointer.
	Config any
	// Start builds the child only when no child of this Kind and Name
	// exists. It returns the handle that GetOrCreate hands to callers and
	// the Service to run. It runs in the goroutine of the caller that
	// reserved the name, which waits for it whatever its ctx; it holds
	// neither the supervisor nor other names: callers asking for the same
	// name wait for it (until their ctx ends) and get its handle or its
	// error, and Shutdown waits for it until its ctx ends. A Start that
	// fails or panics frees the name. Work proportional to a config value
	// belongs in Serve, not here.
	Start func() (handle any, svc Service, err error)
}

// ErrIdle, returned by the Serve of an OnDemand service, says that it has
// no work left and will call its wake function when it has: the
// supervisor lets its goroutine end, and counts neither a failure nor a
// stop.
var ErrIdle = errors.New("supervisor: service idle")

// ErrMoved, returned by the Serve of a Mover, says that it wants to go on
// in a fresh goroutine: the supervisor serves it again at once, with the
// same context, in a new goroutine, and counts neither a failure nor a
// stop.
var ErrMoved = errors.New("supervisor: service moved")

// Mover is implemented by services whose idle goroutine costs less once
// replaced by a fresh one: a goroutine's stack grows as its work needs and
// the runtime shrinks it again only while the goroutine waits in shallow
// frames, which a wait on several channels is not. After each garbage
// collection the supervisor calls Move on its running children served by
// default (not under Options.OnDemand) that implement it and are attached
// (see OnDemand); Move must not block, and the child's Serve may then
// return ErrMoved once it is idle. A child should move only when it had
// no work between two Moves (kernel.Actor does so), so that a busy
// registry does not start a goroutine per child per collection.
type Mover interface {
	Move()
}

// OnDemand is implemented by services that need a goroutine only once they
// have work; the supervisor treats them so only if they are Graceful too
// (it then calls them attached). It calls Attach once, after Start,
// instead of serving the service: from then on the service is idle, with
// no goroutine, until it calls wake.Wake (from Attach itself if it has
// work already). Wake has a goroutine owned by the supervisor serve it with
// the child's context, a context shared by the attached children that
// Shutdown cancels only once its own ctx has ended (it drains them
// before).
//
// By default Wake starts the service's Serve, which runs from then on as
// any child's: the service calls Wake once, at its first message, and a
// child never sent one holds no goroutine (a Claimer is served on demand
// until the supervisor claims it, and calls Wake as on demand until
// then). Under Options.OnDemand Wake
// calls ServeOnDemand (never Serve), which may return ErrIdle when it has
// no work left, and the service calls Wake again (from any goroutine, at
// most once after each ErrIdle) when it needs to be served again. In both
// modes restart on panic, the restart budget and shutdown work as for
// any child, and an idle child is neither failed nor stopped. A caller
// that would only wait for the service's answer may serve it itself
// instead of calling Wake (see Inliner).
// ServeOnDemand is apart from Serve so that each keeps its own frame
// small: an idle goroutine's stack is most of what an idle child costs,
// and a served-on-demand goroutine starts small at every wake-up.
//
// StopIfIdle is how Shutdown stops an idle service without a goroutine:
// it reports whether the service had no goroutine and no queued work and
// is now stopped for good (it will not call Wake again); when it reports
// false the supervisor drains it as any Graceful child.
type OnDemand interface {
	Attach(wake Waker)
	StopIfIdle() bool
	ServeOnDemand(ctx context.Context) error
}

// Waker is what Attach gives an OnDemand service: Wake asks the
// supervisor to serve it (see OnDemand). The supervisor's record of the
// child is the Waker, so attaching one allocates nothing.
type Waker interface {
	Wake()
}
