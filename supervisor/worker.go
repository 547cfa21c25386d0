package supervisor

import (
	"context"
	"runtime"
	"time"
)

// workerLinger is how long a goroutine that served an on-demand child
// waits for another to serve before it ends (between one and two
// lingers: see worker).
const workerLinger = 10 * time.Millisecond

// FirstServer is implemented by OnDemand services that can serve the work
// of their first wake, by default, in a goroutine they do not keep:
// ServeFirst handles what is queued and returns ErrMoved, keeping its
// state, and the supervisor then serves it with Serve in a goroutine of
// its own, started once that work is done (so the caller of the first
// message waits neither for a goroutine to start nor for its stack to
// grow). Any other error, or nil, ends the run as Serve's would.
type FirstServer interface {
	ServeFirst(ctx context.Context) error
}

// Wake serves e, an attached child that has work (Waker): under
// Options.OnDemand as wake does; by default in a goroutine of its own that
// serves it from now on, after a goroutine wake hands it to has served
// its first work if it is a FirstServer.
func (e *entry) Wake() {
	if !e.onDemand {
		e.sup.sweepable(e)
	}
	if _, first := e.svc.(FirstServer); e.onDemand || first {
		e.sup.wake(e)
	} else {
		go e.sup.run(e.sup.onDemand, e)
	}
}

// wake serves c, an attached child that has work, in a goroutine the
// supervisor owns: one that served another child and is waiting for more
// (its stack has grown already, so it serves without growing it again),
// or a new one.
func (s *Supervisor) wake(c *entry) {
	select {
	case s.work <- c:
	default:
		go s.worker(c)
	}
}

// worker serves c, then the children wake hands it, until none comes
// for a whole linger or the supervisor's goroutine has ended. Its timer
// is not reset at each child: when it fires after children were served,
// it is set again.
func (s *Supervisor) worker(c *entry) {
	s.serveWoken(c)
	linger := time.NewTimer(workerLinger)
	defer linger.Stop()
	served := false
	for {
		select {
		case c = <-s.work:
			s.serveWoken(c)
			served = true
		case <-linger.C:
			if !served {
				return
			}
			served = false
			linger.Reset(workerLinger)
		case <-s.stopped:
			return
		}
	}
}

// serveWoken serves c, a child wake handed to a worker: on demand with
// run; by default its first work with ServeFirst, then Serve in a
// goroutine of its own.
func (s *Supervisor) serveWoken(c *entry) {
	if c.onDemand {
		s.run(s.onDemand, c)
	} else {
		s.runFirst(c)
	}
}

// runFirst serves c's first work (FirstServer) and, when ServeFirst
// returns ErrMoved, starts the goroutine that serves c from then on;
// otherwise it reports the exit as run does.
func (s *Supervisor) runFirst(c *entry) {
	defer s.ended(c)
	if err := c.svc.(FirstServer).ServeFirst(s.onDemand); err != ErrMoved {
		s.reportExit(c, err)
		return
	}
	go s.runMoved(c)
}

// runMoved is run for a child whose first work a worker has served: it
// lets the goroutines ready before it run first (the caller that work
// replied to waits behind the goroutine just started on its processor,
// not beside it), then serves c.
func (s *Supervisor) runMoved(c *entry) {
	runtime.Gosched()
	s.run(s.onDemand, c)
}
