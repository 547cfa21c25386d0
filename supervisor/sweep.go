package supervisor

import (
	"runtime"
	"sync/atomic"
)

// sweeper is what the sweep after each garbage collection needs: the
// children it visits and whether it is running.
//
// It visits only the children that may have a grown stack to leave: the
// attached Movers served by default that have a goroutine of their own
// (see serveOwn), each registered once, when that goroutine starts. A
// child never sent a message, or served on demand, costs a sweep nothing,
// so a sweep's cost follows the children that ever ran, not the size of
// the index.
//
// The registered children are a stack of chunks of slots. A child takes a
// slot of the top chunk with an atomic add, or pushes a new chunk with a
// CompareAndSwap when the top one is full; the sweep walks the chunks as
// they are, so registering never waits for a sweep nor a sweep for it. A
// slot taken but not yet written is skipped, until the next sweep.
type sweeper struct {
	top     atomic.Pointer[sweepChunk]
	running atomic.Bool // a goroutine is sweeping (see afterGC)
}

// sweepChunkSize is the number of slots of a chunk: a chunk fits the
// runtime's 2,048-byte size class.
const sweepChunkSize = 254

// sweepChunk is one chunk of registered children. Slots are taken in
// order; taken counts the slots asked for, and may exceed their number
// once the chunk is full.
type sweepChunk struct {
	next  *sweepChunk
	taken atomic.Int32
	slots [sweepChunkSize]atomic.Pointer[entry]
}

// add registers e, a child the sweep visits from now on. Any goroutine.
func (w *sweeper) add(e *entry) {
	for {
		top := w.top.Load()
		if top != nil {
			if i := top.taken.Add(1) - 1; i < sweepChunkSize {
				top.slots[i].Store(e)
				return
			}
		}
		c := &sweepChunk{next: top}
		c.taken.Store(1)
		c.slots[0].Store(e)
		if w.top.CompareAndSwap(top, c) {
			return
		}
	}
}

// serveOwn gives c, an attached child served by default, the goroutine
// that serves it from then on (at its first wake, or when a worker claims
// it: see Claimer), and registers c for the sweeps if it is a Mover. It
// is called once per child.
func (s *Supervisor) serveOwn(c *entry) {
	if _, ok := c.svc.(Mover); ok {
		s.sweeps.add(c)
	}
	go s.run(s.onDemand, c)
}

// gcMark is what armSweep watches: an object nothing refers to, which the
// next garbage collection frees (it holds a pointer, so that it is not
// batched with other small objects).
type gcMark struct{ _ *byte }

// armSweep has afterGC run once the next garbage collection is done,
// unless every attached child is served on demand (Options.OnDemand):
// then none is ever swept.
func (s *Supervisor) armSweep() {
	if s.opts.OnDemand {
		return
	}
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
	if s.sweeps.running.CompareAndSwap(false, true) {
		go s.sweep()
	}
	s.armSweep()
}

// sweep calls Move on every registered child that is running (see
// sweeper, Mover): a child that handled work since its goroutine started
// goes on in a fresh one once it is idle, on the smallest stack. It stops
// as soon as Shutdown has begun: a child being stopped is not asked to
// move.
func (s *Supervisor) sweep() {
	defer s.sweeps.running.Store(false)
	for c := s.sweeps.top.Load(); c != nil; c = c.next {
		for i := range min(int(c.taken.Load()), sweepChunkSize) {
			if s.closing.Load() {
				return
			}
			if e := c.slots[i].Load(); e != nil && Status(e.status.Load()) == Running {
				e.svc.(Mover).Move()
			}
		}
	}
}
