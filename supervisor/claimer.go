package supervisor

import "time"

// lentBuffer is how many children served by default, served by their
// callers and parked, may wait for the claimer at once (see lend).
const lentBuffer = 1024

// lend hands c, a Claimer served by default that the caller of its
// message served and parked, to the supervisor's claimer, which gives it
// a goroutine of its own from claimDelay later, as a worker does the
// children it served (a child served again meanwhile is noted again;
// a claim that finds it not parked does nothing). It never waits: it
// queues c and starts the claimer if none runs; with the queue full it
// claims c itself.
func (s *Supervisor) lend(c *entry) {
	select {
	case s.lent <- c:
	default:
		if c.svc.(Claimer).Claim() {
			s.serveOwn(c)
		}
		return
	}
	if !s.claiming.Load() && s.claiming.CompareAndSwap(false, true) {
		go s.claimer()
	}
}

// claimer takes the children lend queues and claims them as a worker
// claims those it parked, until none comes and none waits for a whole
// linger, or the supervisor's goroutine has ended. Before it ends it
// clears claiming and looks at the queue once more: a lend that saw
// claiming still set started no claimer, and its child is there.
func (s *Supervisor) claimer() {
	w := lender{s: s}
	defer w.stop()
	linger := time.NewTimer(workerLinger)
	defer linger.Stop()
	noted := false
	for {
		select {
		case c := <-s.lent:
			w.note(c)
			noted = true
		case <-w.claimC:
			w.claimChunk()
		case <-linger.C:
			if !noted && len(w.parked) == 0 {
				s.claiming.Store(false)
				select {
				case c := <-s.lent:
					if !s.claiming.CompareAndSwap(false, true) {
						// another claimer started: it takes the rest
						w.note(c)
						return
					}
					w.note(c)
				default:
					return
				}
			}
			noted = false
			linger.Reset(workerLinger)
		case <-s.stopped:
			return
		}
	}
}
