package kernel

import (
	"context"

	"github.com/bulwark-go/bulwark/supervisor"
)

// Scheduling states of an actor served on demand.
const (
	scheduled int32 = iota // a goroutine serves the actor, or is about to
	parked                 // none does: the next message asks for one
	retired                // stopped while parked: nothing wakes it again
)

// Attach parks the actor (supervisor.OnDemand): it has no goroutine, and
// its first message — or Drain — calls wake (Attach calls it at once if
// messages are queued already), which the supervisor answers with a
// goroutine. By default that goroutine runs ServeOnDemand until the
// actor parks, and then the supervisor claims it (Claim, off the path of
// the caller of the first message) and runs Serve in a goroutine the
// actor keeps from then on (or a fresh one that goes on with the same
// behaviour, see Move): Serve drops wake, and senders stop counting their
// messages. Messages before the claim wake it as on demand.
// Under engine.WithOnDemandActors it runs ServeOnDemand, whose
// loop ends, with supervisor.ErrIdle, whenever the mailbox is empty; the
// next message calls wake again. The behaviour is made by the first run
// and keeps its state across the runs of ServeOnDemand (a restart after
// a panic still starts a fresh one), so an actor never sent a message
// holds none. The supervisor calls Attach once, after the actor's Start
// returned, instead of a first Serve; until then only Start's goroutine
// may have sent to it.
func (a *Actor[M, R]) Attach(wake supervisor.Waker) {
	a.sent.Store(int64(a.mb.Len()))
	a.sched.Store(parked)
	a.wake = wake
	a.attached.Store(true)
	if a.mb.Len() > 0 || a.draining.Load() {
		a.unpark()
	}
}

// StopIfIdle stops an actor served on demand that is parked with nothing
// queued, for good, and reports whether it did (supervisor.OnDemand). It
// stops accepting messages first; if a message came in before the actor
// was retired, it wakes the actor to handle it and reports false.
func (a *Actor[M, R]) StopIfIdle() bool {
	if !a.attached.Load() {
		return false
	}
	a.closing.Store(true)
	if !a.sched.CompareAndSwap(parked, retired) {
		return false
	}
	// The CAS read what the last run stored when it parked, after its
	// last write of received.
	if a.sent.Load() > a.received {
		a.sched.Store(scheduled)
		a.wake.Wake()
		return false
	}
	return true
}

// queued notes a message put in the mailbox and, on demand, wakes a
// parked actor; when here is not nil (the message is an Ask's, whose
// caller would only wait, and here its reply), the caller serves the
// actor itself if the supervisor lets it (supervisor.Inliner), with
// ServeInline.
func (a *Actor[M, R]) queued(here chan result[R]) {
	if !a.attached.Load() {
		return
	}
	a.sent.Add(1)
	if !a.takeParked() {
		return
	}
	if here != nil {
		if in, ok := a.wake.(supervisor.Inliner); ok && in.ServeHere(here) {
			return
		}
	}
	a.wake.Wake()
}

// unpark calls wake if the actor is parked, once per park. The caller
// has seen attached set.
func (a *Actor[M, R]) unpark() {
	if a.takeParked() {
		a.wake.Wake()
	}
}

// takeParked takes the actor from parked to scheduled and reports
// whether it did: once per park, the caller then has it served.
func (a *Actor[M, R]) takeParked() bool {
	return a.sched.Load() == parked && a.sched.CompareAndSwap(parked, scheduled)
}

// ServeOnDemand is Serve for an actor that runs on demand (Attach; the
// supervisor calls it, see supervisor.OnDemand): it handles messages until
// the mailbox is empty, then parks and returns supervisor.ErrIdle, keeping
// its behaviour for the next run; or, once Drain was called, handles what
// is queued and returns nil.
func (a *Actor[M, R]) ServeOnDemand(ctx context.Context) (err error) {
	if a.b == nil {
		a.makeBehavior()
	}
	defer func() {
		if err == supervisor.ErrIdle { // parked: another goroutine may own the behaviour already
			return
		}
		a.stop()
	}()
	var current chan result[R]
	defer a.recoverPanic(&err, &current)
	for {
		if a.draining.Load() {
			a.drain(ctx, &current)
			return nil
		}
		if ctx.Err() != nil {
			return nil
		}
		if env, ok := a.mb.tryRecv(); ok {
			a.batchFrom(env, &current)
			continue
		}
		// Park, unless a message or Drain came in meanwhile: a sender
		// counts its message after queueing it and before it looks at
		// sched, and this loop stores parked before it looks at sent, so
		// one of the two sees the other. sent below taken means senders
		// between their send and their count: each will find the actor
		// parked and wake it, so it may park. Nothing but atomics is
		// touched once parked.
		taken := a.received
		a.sched.Store(parked)
		if a.sent.Load() <= taken && !a.draining.Load() {
			return supervisor.ErrIdle
		}
		if !a.sched.CompareAndSwap(parked, scheduled) {
			return supervisor.ErrIdle // a sender woke another goroutine, or Claim took it
		}
	}
}

var _ supervisor.InlineServer = (*Actor[int, int])(nil)

// ServeInline is ServeOnDemand on the goroutine of an Ask whose message
// found the actor parked (supervisor.InlineServer): it handles the
// messages queued up to that Ask's (mine, its reply channel) as one batch
// and parks the actor as ServeOnDemand does; if more came in, or Drain
// was called, or ctx has ended, it leaves the actor scheduled and wakes
// it for a worker to go on (so that a caller never waits for messages
// queued after its own, nor drains). It returns supervisor.ErrIdle, or
// the panic of a Receive.
func (a *Actor[M, R]) ServeInline(ctx context.Context, mine any) (err error) {
	if a.b == nil {
		a.makeBehavior()
	}
	defer func() {
		if err != supervisor.ErrIdle {
			a.stop()
		}
	}()
	var current chan result[R]
	defer a.recoverPanic(&err, &current)
	if !a.draining.Load() && ctx.Err() == nil {
		a.handleUpTo(mine.(chan result[R]), &current)
		// Park as ServeOnDemand does (see there).
		taken := a.received
		a.sched.Store(parked)
		if a.sent.Load() <= taken && !a.draining.Load() {
			return supervisor.ErrIdle
		}
		if !a.sched.CompareAndSwap(parked, scheduled) {
			return supervisor.ErrIdle // a sender woke a worker
		}
	}
	a.wake.Wake()
	return supervisor.ErrIdle
}

// handleUpTo handles queued messages, as one batch, until it has handled
// the one whose reply is mine.
func (a *Actor[M, R]) handleUpTo(mine chan result[R], current *chan result[R]) {
	n := 0
	for {
		env, ok := a.mb.tryRecv()
		if !ok {
			break
		}
		a.handle(env, current)
		n++
		if env.reply == mine {
			break
		}
	}
	if n > 0 {
		a.mb.noteQueued(n)
		a.endBatch()
	}
}

var _ supervisor.Claimer = (*Actor[int, int])(nil)

// Claim takes an actor served by default that ServeOnDemand parked for a
// goroutine of its own (supervisor.Claimer): it reports whether the
// actor was parked; if so no sender wakes it again, and the Serve the
// supervisor then starts goes on with the behaviour ServeOnDemand kept.
func (a *Actor[M, R]) Claim() bool { return a.sched.CompareAndSwap(parked, scheduled) }
