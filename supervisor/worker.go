package supervisor

import "time"

// workerLinger is how long a goroutine that served an on-demand child
// waits for another to serve before it ends.
const workerLinger = 10 * time.Millisecond

// Wake serves e, an attached child that has work (Waker): by default
// in a goroutine of its own that serves it from now on, under
// Options.OnDemand as wake does.
func (e *entry) Wake() {
	if e.onDemand {
		e.sup.wake(e)
	} else {
		go e.sup.run(e.sup.onDemand, e)
	}
}

// wake serves c, a child served on demand that has work, in a goroutine
// the supervisor owns: one that served another child and is waiting for
// more (its stack has grown already, so it serves without growing it
// again), or a new one.
func (s *Supervisor) wake(c *entry) {
	select {
	case s.work <- c:
	default:
		go s.worker(c)
	}
}

// worker serves c, then the children wake hands it, until none comes for
// workerLinger or the supervisor's goroutine has ended.
func (s *Supervisor) worker(c *entry) {
	s.run(s.onDemand, c)
	linger := time.NewTimer(workerLinger)
	defer linger.Stop()
	for {
		select {
		case c = <-s.work:
			s.run(s.onDemand, c)
			linger.Reset(workerLinger)
		case <-linger.C:
			return
		case <-s.stopped:
			return
		}
	}
}

// run serves one child in a goroutine owned by the supervisor — Serve, or
