package kernel

import (
	"context"
	"reflect"
	"runtime/debug"
	"sync"
	"sync/atomic"

	"github.com/bulwark-go/bulwark/messages"
	"github.com/bulwark-go/bulwark/supervisor"
)

// DefaultMailboxSize is the bound of the mailbox of an actor made with size
// zero.
const DefaultMailboxSize = 1024

// LargestMailboxSize is the largest bound a mailbox may have (65,536
// messages). A mailbox is allocated as it is used, not at its bound: see
// NewActor. A pattern whose Config sets a mailbox size validates it with
// CheckMailboxSize; NewActor caps a larger size at LargestMailboxSize.
const LargestMailboxSize = 1 << 16

// CheckMailboxSize returns a *messages.ConfigError naming pattern, field and
// size unless size is in [0, LargestMailboxSize] (0 means DefaultMailboxSize).
func CheckMailboxSize(pattern, field string, size int) error {
	if size < 0 || size > LargestMailboxSize {
		return messages.InvalidConfig(pattern, field, size, "must be in [0, kernel.LargestMailboxSize = 65536] (0 means the default)")
	}
	return nil
}

// Behavior is an actor's state and logic. Receive is called in the actor's
// goroutine, one message at a time; it owns every field of the behaviour.
// What it returns is the reply to an Ask (and is dropped for a Tell).
type Behavior[M, R any] interface {
	Receive(msg M) (R, error)
}

// BatchEnder is implemented by behaviours that want to act once per batch of
// messages (publish a snapshot, say) rather than once per message. EndBatch
// is called after each run of messages the loop drained without waiting.
type BatchEnder interface {
	EndBatch()
}

// Stopper is implemented by behaviours that hold resources outside the
// actor (timers, say): Stop is called in the actor's goroutine each time its
// loop ends — at shutdown, when it is cancelled, and before a restart
// replaces the behaviour after a panic.
type Stopper interface {
	Stop()
}

// Actor is a mailbox and the loop that serves it: one goroutine (owned by a
// supervisor) that takes messages of type M and answers Asks with R. Callers
// hold the *Actor; it outlives restarts of its goroutine, so a handle keeps
// working after a panic. Actor is safe for concurrent use.
//
// The loop drains its mailbox in batches: after each wake-up it handles
// every message already queued (as many as Len reported) before it waits
// again, and calls EndBatch if the behaviour has it.
type Actor[M, R any] struct {
	mb      mailbox[envelope[M, R]]
	newB    func() Behavior[M, R]
	replies *sync.Pool // of chan result[R], shared by every actor with this R

	closing  atomic.Bool  // no new messages accepted
	draining atomic.Bool  // set by Drain, which then wakes the loop
	asking   atomic.Int32 // Asks waiting for their reply (see Ask)
	attached atomic.Bool  // wake is set, and no Serve has started (see below)
	// done is nil until someone waits on Done, or the mailbox is full at
	// its bound, or the actor stops: then the ending whose channel
	// Terminate closes, and once it has, the ending that says why.
	done atomic.Pointer[ending]

	// Attached (see Attach): wake asks the supervisor for a goroutine
	// (written before attached is set, read after it is seen set);
	// sched says whether one serves the actor;
	// sent counts the messages queued and received (serving goroutine
	// only) those taken, so that a loop that finds them equal may end.
	// b, the behaviour (nil until the first run makes it), outlives the
	// goroutines that serve it on demand, or that it moves between (see
	// Move), until a panic or the end of the loop; only the goroutine
	// serving the actor touches it. moving says whether the goroutine serving it by
	// default has handled a message since it started, and whether Move
	// asked it to go on in a fresh one.
	wake     supervisor.Waker
	sched    atomic.Int32
	moving   atomic.Int32
	sent     atomic.Int64
	received int64
	b        Behavior[M, R]
}

var _ supervisor.OnDemand = (*Actor[int, int])(nil)
var _ supervisor.Mover = (*Actor[int, int])(nil)

// States of moving.
const (
	unused    int32 = iota // no message handled since Serve started
	used                   // some since the last Move: the stack may have grown
	quiet                  // none since the last Move
	moveAsked              // none across two Moves: move when idle
)

// Move asks the goroutine that serves the actor by default, if it has
// handled a message since it started but none since the previous Move, to
// hand the actor to a fresh one as soon as its mailbox is empty
// (supervisor.Mover): an actor moves only after a whole interval between
// two sweeps without work, so a busy one keeps its goroutine (and its
// grown stack, which it uses). Its Serve then returns
// supervisor.ErrMoved, keeping the behaviour, and the next Serve goes on
// with it. A stack that handling a message grew stays grown while its
// goroutine waits in the loop (the runtime halves a waiting goroutine's
// stack only if under a quarter of it, less 800 bytes, is in use, and
// the runtime's own frames of a channel wait take more than that of a
// 4 KB stack), while a fresh goroutine waits on the smallest one. It
// never blocks; an actor served on demand, or never served, ignores it.
func (a *Actor[M, R]) Move() {
	if !a.moving.CompareAndSwap(used, quiet) && a.moving.CompareAndSwap(quiet, moveAsked) {
		a.mb.poke()
	}
}

type envelope[M, R any] struct {
	msg   M
	reply chan result[R] // nil for Tell
}

type result[R any] struct {
	val R
	err error
}

// NewActor returns an actor whose mailbox is bounded by size messages
// (size 0 or less means DefaultMailboxSize; more than LargestMailboxSize means
// LargestMailboxSize: validate a configured size with CheckMailboxSize so that
// users get an error instead). The mailbox holds no buffer until the first
// message; then it holds InitialMailboxSize messages, doubles each time it
// fills up to size, and shrinks again once its actor finds it mostly
// empty. When it has grown to size and that is full, Tell and Ask wait for
// room. (While it grows, messages left in the smaller buffers it outgrew
// count too, so at most 2×size messages wait at once.)
//
// newBehavior is called each time the loop starts — at the first Serve and
// after every restart — so a restarted actor begins from a fresh state. The
// actor does nothing until a supervisor serves it.
func NewActor[M, R any](size int, newBehavior func() Behavior[M, R]) *Actor[M, R] {
	if size <= 0 {
		size = DefaultMailboxSize
	}
	a := &Actor[M, R]{
		newB:    newBehavior,
		replies: replyPool[R](),
	}
	a.mb.init(min(size, LargestMailboxSize))
	return a
}

// replyPools holds one *sync.Pool of reply channels per reply type, shared
// by every actor with that type.
var replyPools sync.Map // reflect.Type of result[R] → *sync.Pool

func replyPool[R any]() *sync.Pool {
	t := reflect.TypeFor[result[R]]()
	if p, ok := replyPools.Load(t); ok {
		return p.(*sync.Pool)
	}
	p, _ := replyPools.LoadOrStore(t, &sync.Pool{New: func() any { return make(chan result[R], 1) }})
	return p.(*sync.Pool)
}

var _ supervisor.Service = (*Actor[int, int])(nil)
var _ supervisor.Graceful = (*Actor[int, int])(nil)
var _ supervisor.Terminator = (*Actor[int, int])(nil)

// Ask sends m and waits for the reply. It returns ctx.Err() if ctx ends
// first (the actor will still handle m, and its reply is dropped),
// messages.ErrStopped (or the cause of a failure, which wraps it) once the
// actor has stopped, and a *messages.PanicError if handling m panicked.
// In steady state Ask does not allocate: reply channels are pooled, and
// it waits for the actor's stop on a signal every actor shares (see
// stopSignal), not on a channel of the actor's own.
func (a *Actor[M, R]) Ask(ctx context.Context, m M) (R, error) {
	var zero R
	if a.closing.Load() {
		return zero, a.stopErr()
	}
	reply := a.replies.Get().(chan result[R])
	switch a.put(envelope[M, R]{msg: m, reply: reply}, ctx.Done(), reply) {
	case putCancelled:
		a.replies.Put(reply)
		return zero, ctx.Err()
	case putStopped:
		a.replies.Put(reply)
		return zero, a.stopErr()
	}
	a.asking.Add(1)
	r, ok := a.awaitReply(reply, ctx.Done())
	a.asking.Add(-1)
	switch {
	case ok:
		a.replies.Put(reply)
		return r.val, r.err
	case ctx.Err() != nil:
		// The reply channel is abandoned, never reused: the actor's send
		// into its one free slot cannot block and nobody reads it.
		return zero, ctx.Err()
	}
	return zero, a.stopErr()
}

// awaitReply waits for the reply on reply, and reports false if cancel
// is closed or the actor has ended first. The caller counts itself in
// asking around it: Terminate publishes the actor's ending before it
// reads asking, and awaitReply reads the ending after it took the
// signal, so either it sees the ending or Terminate sees it waiting and
// closes the signal it took (or a later one closed it first: it looks
// again).
func (a *Actor[M, R]) awaitReply(reply chan result[R], cancel <-chan struct{}) (result[R], bool) {
	for {
		stop := stopSignal()
		if a.ended() {
			select {
			case r := <-reply:
				return r, true
			default:
				return result[R]{}, false
			}
		}
		select {
		case r := <-reply:
			return r, true
		case <-cancel:
			return result[R]{}, false
		case <-stop: // an actor with Asks waiting ended: this one?
		}
	}
}

// stopSignals holds the channel that the next Terminate of an actor with
// Asks waiting closes (see Terminate), or nil until one is needed: the
// Asks waiting on any actor of the process share it, so that an Ask makes
// no channel for its actor's stop. An Ask woken by another actor's stop
// finds its own running and waits again.
var stopSignals atomic.Pointer[chan struct{}]

// stopSignal returns the channel the next Terminate of an actor with
// Asks waiting closes.
func stopSignal() <-chan struct{} {
	for {
		if p := stopSignals.Load(); p != nil {
			return *p
		}
		c := make(chan struct{})
		if stopSignals.CompareAndSwap(nil, &c) {
			return c
		}
	}
}

// signalStop wakes every Ask waiting on stopSignal.
func signalStop() {
	if p := stopSignals.Swap(nil); p != nil {
		close(*p)
	}
}

// Tell sends m without waiting for it to be handled. It returns at once when
// the mailbox has room; when it is full, Tell waits for room (the message is
// never dropped) or for the actor to stop (messages.ErrStopped).
func (a *Actor[M, R]) Tell(m M) error {
	if a.closing.Load() {
		return a.stopErr()
	}
	if a.put(envelope[M, R]{msg: m}, nil, nil) != putDone {
		return a.stopErr()
	}
	return nil
}

// Outcomes of put.
const (
	putDone = iota
	putCancelled
	putStopped
)

// put queues env, waiting while the mailbox is full at its bound until
// cancel is closed or the actor stops. If it finds the actor parked, it
// serves it itself when here is env's reply (an Ask, see queued).
func (a *Actor[M, R]) put(env envelope[M, R], cancel <-chan struct{}, here chan result[R]) int {
	if ok, s := a.mb.trySend(env); !ok {
		if r := a.await(s, env, cancel); r != putDone {
			return r
		}
	}
	a.queued(here)
	return putDone
}

// await sends env into s, the full segment trySend returned, once it has
// room, unless cancel is closed or the actor stops first.
func (a *Actor[M, R]) await(s *segment[envelope[M, R]], env envelope[M, R], cancel <-chan struct{}) int {
	defer s.users.Add(-1)
	select {
	case s.ch <- env:
		return putDone
	case <-cancel:
		return putCancelled
	case <-a.stopped():
		return putStopped
	}
}

// TryTell sends m only if the mailbox has room, and reports whether it did.
func (a *Actor[M, R]) TryTell(m M) bool {
	if a.closing.Load() {
		return false
	}
	ok, s := a.mb.trySend(envelope[M, R]{msg: m})
	if !ok {
		s.users.Add(-1)
		return false
	}
	a.queued(nil)
	return true
}

// Len returns how many messages wait in the mailbox.
func (a *Actor[M, R]) Len() int { return a.mb.Len() }

// Done is closed when the actor has stopped for good.
func (a *Actor[M, R]) Done() <-chan struct{} { return a.stopped() }

// ending is what Actor.done holds: the channel closed when the actor
// stops and, in the one Terminate publishes (ended set), why it stopped.
// An ending is not written once published.
type ending struct {
	ch    chan struct{}
	cause error
	ended bool
}

// closedChan is the channel of every published ending that nobody waited
// on before; stoppedEnding is the ending of an actor stopped with
// messages.ErrStopped, shared by all of them.
var (
	closedChan = func() chan struct{} {
		c := make(chan struct{})
		close(c)
		return c
	}()
	stoppedEnding = &ending{ch: closedChan, cause: messages.ErrStopped, ended: true}
)

// stopped returns the channel Terminate closes, making it at the first
// call (Done, or a send that waits for room): an actor nobody waited on
// that way holds none.
func (a *Actor[M, R]) stopped() <-chan struct{} {
	if d := a.done.Load(); d != nil {
		return d.ch
	}
	d := &ending{ch: make(chan struct{})}
	if !a.done.CompareAndSwap(nil, d) {
		return a.done.Load().ch // another waiter's, or Terminate's
	}
	return d.ch
}

// ended reports whether Terminate has published why the actor stopped.
func (a *Actor[M, R]) ended() bool {
	d := a.done.Load()
	return d != nil && d.ended
}

// Err returns nil while the actor runs, and why it stopped afterwards (an
// error that wraps messages.ErrStopped).
func (a *Actor[M, R]) Err() error {
	if !a.closing.Load() { // one atomic load on the hot path: Terminate sets closing first
		return nil
	}
	if d := a.done.Load(); d != nil && d.ended {
		return d.cause
	}
	return messages.ErrStopped
}

func (a *Actor[M, R]) stopErr() error {
	if err := a.Err(); err != nil {
		return err
	}
	return messages.ErrStopped
}

// Serve runs the actor's loop until ctx ends or Drain is called and the
// mailbox is empty. A panic in Receive is recovered: the caller whose
// message caused it gets a *messages.PanicError, and Serve returns that
// error so the supervisor can restart the loop. The supervisor calls it
// once it has claimed the actor after its first batches (see Attach and
// Claim), or at Shutdown for an actor never sent a message that it cannot
// stop idle, and again after each restart.
//
// Serve recovers panics per batch (see safeBatch), not around its wait;
// it makes the behaviour at once (or takes the one the goroutine that
// served it before kept, when that one moved: see Move) but, while the
// mailbox has never held a message, waits for the first in awaitFirst,
// whose frame is the smallest, and enters its loop only then:
// an idle actor's goroutine parks in frames small enough for the smallest
// stack. (The select allocates as it parks, a stack that grows stays
// grown, and a shallow stack is most of what an idle actor costs.)
func (a *Actor[M, R]) Serve(ctx context.Context) error {
	a.attached.Store(false) // started at its first message: senders need not count theirs
	a.moving.Store(unused)
	if a.b == nil {
		a.makeBehavior()
	}
	var err error
	if !a.mb.fresh() || a.awaitFirst(ctx.Done()) {
		err = a.loop(ctx)
	}
	if err == supervisor.ErrMoved {
		return err // the behaviour stays, for the next Serve, which the supervisor starts after this one returns
	}
	a.stop()
	return err
}

// awaitFirst waits until the first message is on its way or Drain is
// called, and reports whether Serve should go on to its loop: false once
// done is closed first. The mailbox must be fresh: the sender of the first
// message publishes its first segment before it sends, then leaves a token in
// wake (awaitFirst leaves one there for the loop); later ones would not.
//
//go:noinline
func (a *Actor[M, R]) awaitFirst(done <-chan struct{}) bool {
	wake := a.mb.wakeup()
	for !a.hasWork() {
		select {
		case <-wake:
		case <-done:
			return false
		}
	}
	a.mb.poke()
	return true
}

// hasWork reports whether the mailbox is no longer fresh (a sender set
// its first segment, and its message is in it or on its way: the loop's
// wait on that segment will see it) or Drain was called.
//
//go:noinline
func (a *Actor[M, R]) hasWork() bool { return !a.mb.fresh() || a.draining.Load() }

// loop is Serve's loop, from its first message on.
//
//go:noinline
func (a *Actor[M, R]) loop(ctx context.Context) error {
	done, wake := ctx.Done(), a.mb.wakeup()
	for {
		select {
		case env := <-a.mb.ready():
			err := a.safeBatch(env)
			// Work, also the messages the batch took off the mailbox after
			// a Move: no move until a sweep interval without any.
			if a.moving.Load() != used {
				a.moving.Store(used)
			}
			if err != nil {
				return err
			}
		case <-wake: // a segment was linked, or Drain or Move was called
			if a.draining.Load() {
				return a.safeDrain(ctx)
			}
			if a.moving.Load() == moveAsked && a.mb.Len() == 0 {
				return supervisor.ErrMoved
			}
		case <-done:
			return nil
		}
	}
}

// safeBatch is batchFrom, returning a panic in Receive as a
// *messages.PanicError (see recoverPanic).
func (a *Actor[M, R]) safeBatch(env envelope[M, R]) (err error) {
	var current chan result[R]
	defer a.recoverPanic(&err, &current)
	a.batchFrom(env, &current)
	return nil
}

// safeDrain is drain, returning a panic in Receive as safeBatch does.
func (a *Actor[M, R]) safeDrain(ctx context.Context) (err error) {
	var current chan result[R]
	defer a.recoverPanic(&err, &current)
	a.drain(ctx, &current)
	return nil
}

// stop ends the run's behaviour: it calls its Stop, if it has one, and
// drops it, so that the next run makes a fresh one.
//
//go:noinline
func (a *Actor[M, R]) stop() {
	b := a.b
	a.b = nil
	if s, ok := b.(Stopper); ok {
		s.Stop()
	}
}

// makeBehavior makes a run's behaviour. It is not inlined: Serve's frame
// stays small.
//
//go:noinline
func (a *Actor[M, R]) makeBehavior() { a.b = a.newB() }

// recoverPanic turns a panic in Receive into a *messages.PanicError, sent
// to the caller whose message caused it (*current, the reply of the
// message being handled) and stored in *err.
func (a *Actor[M, R]) recoverPanic(err *error, current *chan result[R]) {
	if v := recover(); v != nil {
		pe := &messages.PanicError{Value: v, Stack: debug.Stack()}
		if *current != nil {
			*current <- result[R]{err: pe}
		}
		*err = pe
	}
}

// handle handles env, noting its reply in *current while Receive runs.
func (a *Actor[M, R]) handle(env envelope[M, R], current *chan result[R]) {
	a.received++
	*current = env.reply
	val, herr := a.b.Receive(env.msg)
	if env.reply != nil {
		env.reply <- result[R]{val: val, err: herr}
	}
	*current = nil
}

// batchFrom handles env and then every message queued behind it when it
// was taken, and ends the batch.
func (a *Actor[M, R]) batchFrom(env envelope[M, R], current *chan result[R]) {
	a.handle(env, current)
	n := a.mb.Len()
	a.mb.noteQueued(n + 1)
	a.handleQueued(n, nil, current)
	a.endBatch()
}

// drain handles what is queued, until ctx ends, and ends the batch.
func (a *Actor[M, R]) drain(ctx context.Context, current *chan result[R]) {
	a.handleQueued(a.mb.Len(), ctx, current)
	a.endBatch()
}

// endBatch calls the behaviour's EndBatch, if it has one.
func (a *Actor[M, R]) endBatch() {
	if be, ok := a.b.(BatchEnder); ok {
		be.EndBatch()
	}
}

// handleQueued handles up to n queued messages, stopping early if ctx
// (when not nil) ends.
func (a *Actor[M, R]) handleQueued(n int, ctx context.Context, current *chan result[R]) {
	for ; n > 0; n-- {
		if ctx != nil && ctx.Err() != nil {
			return
		}
		env, ok := a.mb.tryRecv()
		if !ok {
			return
		}
		a.handle(env, current)
	}
}

// Drain stops the actor from accepting messages; the loop handles what is
// already queued and then returns. It does not block.
func (a *Actor[M, R]) Drain() {
	a.closing.Store(true)
	a.draining.Store(true)
	a.mb.poke()
	if a.attached.Load() {
		a.unpark()
	}
}

// Terminate marks the actor stopped for good: pending and later calls return
// cause (messages.ErrStopped when cause is nil). It is idempotent: the
// first cause stays.
func (a *Actor[M, R]) Terminate(cause error) {
	if a.ended() {
		return
	}
	if cause == nil {
		cause = messages.ErrStopped
	}
	a.closing.Store(true)
	e := stoppedEnding
	if cause != messages.ErrStopped {
		e = &ending{ch: closedChan, cause: cause, ended: true}
	}
	for {
		d := a.done.Load()
		if d != nil && d.ended {
			return // another Terminate's
		}
		if a.done.CompareAndSwap(d, e) {
			if d != nil {
				close(d.ch)
			}
			break
		}
	}
	if a.asking.Load() > 0 {
		signalStop()
	}
}
