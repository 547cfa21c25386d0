package supervisor

import (
	"runtime"
	"time"
)

// workerLinger is how long a goroutine that served an attached child
// waits for another to serve before it ends (between one and two
// lingers: see worker).
const workerLinger = 10 * time.Millisecond

// claimDelay is how long a worker leaves a child served by default that
// it served and parked (see Claimer) before giving it a goroutine of its
// own. It claims at most claimChunk at a time, each time its timer
// fires, claimPause after the previous chunk while more wait, and at
// every child it serves while more than claimBacklog wait: a burst of
// goroutines starting at once would queue ahead of the callers their
// processor readies meanwhile.
const (
	claimDelay   = time.Millisecond
	claimPause   = 20 * time.Microsecond
	claimChunk   = 16
	claimBacklog = 256
)

// Claimer is implemented by OnDemand services that, served by default,
// may be served on demand until a worker gives them a goroutine of their
// own: a worker serves such a child's first work with ServeOnDemand (so
// the caller of its first message waits neither for a goroutine to start
// nor for its stack to grow) and, once it has parked, calls Claim off
// the caller's path. Claim reports whether the child was parked; if so it
// is parked no more, calls Wake no more, and its Serve goes on from where
// ServeOnDemand left it. Messages it gets before Claim wake it as on
// demand.
type Claimer interface {
	Claim() bool
}

// Wake serves e, an attached child that has work (Waker): under
// Options.OnDemand as wake does; by default in a goroutine of its own
// that serves it from now on, which a worker that wake hands it to
// starts once it has served it if it is a Claimer.
func (e *entry) Wake() {
	if _, lent := e.svc.(Claimer); e.onDemand || lent {
		e.sup.wake(e)
	} else {
		e.sup.serveOwn(e)
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

// worker serves c, then the children wake hands it, until none comes for
// a whole linger or the supervisor's goroutine has ended. Its linger
// timer is not reset at each child: when it fires after children were
// served, it is set again. The children served by default that it
// parked it claims (see Claimer) from claimDelay after the first of
// them, a chunk at a time.
func (s *Supervisor) worker(c *entry) {
	w := lender{s: s}
	defer w.stop()
	w.serve(c)
	linger := time.NewTimer(workerLinger)
	defer linger.Stop()
	served := false
	for {
		select {
		case c = <-s.work:
			w.serve(c)
			served = true
		case <-w.claimC:
			w.claimChunk()
		case <-linger.C:
			if !served && len(w.parked) == 0 {
				return
			}
			served = false
			linger.Reset(workerLinger)
		case <-s.stopped:
			return
		}
	}
}

// lender is a worker's record of the children served by default that it
// parked and has not claimed yet.
type lender struct {
	s      *Supervisor
	parked []*entry
	claim  *time.Timer // nil until first needed
	claimC <-chan time.Time
}

// serve serves c: on demand with run; by default with ServeOnDemand,
// noting c for a claim once it has parked.
func (w *lender) serve(c *entry) {
	if c.onDemand {
		w.s.run(w.s.onDemand, c)
		return
	}
	if w.s.runLent(c) {
		w.note(c)
	}
}

// note records c, a child served by default and parked, for a claim.
func (w *lender) note(c *entry) {
	w.parked = append(w.parked, c)
	switch {
	case len(w.parked) > claimBacklog:
		w.claimChunk()
	case len(w.parked) > 1:
	case w.claim == nil:
		w.claim = time.NewTimer(claimDelay)
		w.claimC = w.claim.C
	default:
		w.claim.Reset(claimDelay)
	}
}

// claimChunk gives up to claimChunk parked children it can claim
// goroutines of their own, each reaching its wait before the next
// starts, and sets the timer for the next chunk if more wait.
func (w *lender) claimChunk() {
	w.claimLast(claimChunk, true)
	if len(w.parked) > 0 {
		w.claim.Reset(claimPause)
	}
}

// claimAll claims every parked child it can, at once.
func (w *lender) claimAll() { w.claimLast(len(w.parked), false) }

// claimLast claims the last n parked children it can, giving each claimed
// one its own goroutine (yielding after each start if pause), and drops
// them from parked.
func (w *lender) claimLast(n int, pause bool) {
	from := max(0, len(w.parked)-n)
	for _, c := range w.parked[from:] {
		if c.svc.(Claimer).Claim() {
			w.s.serveOwn(c)
			if pause {
				runtime.Gosched()
			}
		}
	}
	clear(w.parked[from:])
	w.parked = w.parked[:from]
}

// stop claims what is still parked unless the supervisor's goroutine
// has ended (its children have all stopped), and releases the timer.
func (w *lender) stop() {
	select {
	case <-w.s.stopped:
	default:
		w.claimAll()
	}
	if w.claim != nil {
		w.claim.Stop()
	}
}

// runLent serves c, a child served by default, in a worker with
// ServeOnDemand, and reports whether it parked; otherwise it reports its
// exit as run does.
func (s *Supervisor) runLent(c *entry) (parked bool) {
	defer s.ended(c)
	err := c.svc.(OnDemand).ServeOnDemand(s.onDemand)
	if err == ErrIdle {
		return true
	}
	s.reportExit(c, err)
	return false
}
