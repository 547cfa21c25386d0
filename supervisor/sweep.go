package supervisor

import "runtime"

// gcMark is what armSweep watches: an object nothing refers to, which the
// next garbage collection frees (it holds a pointer, so that it is not
// batched with other small objects).
type gcMark struct{ _ *byte }

// armSweep has afterGC run once the next garbage collection is done.
func (s *Supervisor) armSweep() {
	runtime.AddCleanup(new(gcMark), (*Supervisor).afterGC, s)
}

// afterGC runs after each garbage collection until the supervisor's
// goroutine has ended: it starts sweep, unless one is still running, and
// watches for the next collection.
func (s *Supervisor) afterGC() {
	select {
	case <-s.stopped:
		return
	default:
	}
	if s.sweeping.CompareAndSwap(false, true) {
		go s.sweep()
	}
	s.armSweep()
}

// sweep calls Move on every started child served by default that is a
// Mover (see Mover): a child that handled work since its goroutine started
// goes on in a fresh one once it is idle, on the smallest stack.
func (s *Supervisor) sweep() {
	defer s.sweeping.Store(false)
	s.ix.table.Load().each(func(e *entry) {
		if e.started() && e.attached && !e.onDemand { // started: its fields are written
			if m, ok := e.svc.(Mover); ok {
				m.Move()
			}
		}
	})
}
