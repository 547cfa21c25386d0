package supervisor

import "context"

// InlineServer is implemented by OnDemand services that the caller whose
// message finds them parked may serve on its own goroutine instead of
// waking a worker (see Inliner): ServeInline serves them as
// ServeOnDemand would, for a bounded while — up to the caller's message,
// which mine tells apart (what the caller gave ServeHere) — and then
// parks them (returning ErrIdle) or, if more work came in, hands them to
// a worker with Wake and returns ErrIdle too. Any other error is the
// child's exit, as ServeOnDemand's.
type InlineServer interface {
	ServeInline(ctx context.Context, mine any) error
}

// Inliner is implemented by the Waker the supervisor gives Attach.
// ServeHere serves the child on the calling goroutine with its
// ServeInline, passing mine on — the caller must have taken the child
// from its parked state, as for Wake — and reports true, if the child is
// an InlineServer served on demand, or served by default and a Claimer
// (then the supervisor's claimer claims it once it has parked, see
// lend); otherwise it does nothing and reports false, and the caller
// calls Wake. A panic or an exit is reported as a worker reports it: the
// caller's goroutine goes on either way.
//
// Serving on the caller's goroutine is what keeps the first call after
// idleness cheap: the caller waits for no other goroutine to be
// scheduled, which on a loaded machine is most of what a wake-up costs.
type Inliner interface {
	ServeHere(mine any) bool
}

var _ Inliner = (*entry)(nil)

// ServeHere serves e on the calling goroutine if it is an InlineServer
// served on demand or a Claimer (Inliner).
func (e *entry) ServeHere(mine any) bool {
	is, ok := e.svc.(InlineServer)
	if !ok {
		return false
	}
	if !e.onDemand {
		if _, lent := e.svc.(Claimer); !lent {
			return false
		}
	}
	if e.sup.runInline(e, is, mine) && !e.onDemand {
		e.sup.lend(e)
	}
	return true
}

// runInline serves c with is on the calling goroutine and reports how it
// ended, as run does; it reports whether c is idle (not ended).
func (s *Supervisor) runInline(c *entry, is InlineServer, mine any) (idle bool) {
	defer s.ended(c)
	err := is.ServeInline(s.onDemand, mine)
	if err != ErrIdle {
		s.reportExit(c, err)
		return false
	}
	return true
}
