package engine

import (
	"context"
	"runtime/debug"
	"sync"
	"sync/atomic"

	"github.com/bulwark-go/bulwark/messages"
	"github.com/bulwark-go/bulwark/supervisor"
)

// DefaultMailboxSize is the mailbox capacity of an actor whose options leave
// it zero.
const DefaultMailboxSize = 1024

// MaxMailboxSize is the largest mailbox an actor may have (65,536 messages;
// a mailbox is allocated whole when the actor is made). A pattern whose
// Config sets a mailbox size validates it with CheckMailboxSize; NewActor
// caps a larger size at MaxMailboxSize.
const MaxMailboxSize = 1 << 16

// CheckMailboxSize returns a *messages.ConfigError naming pattern, field and
// size unless size is in [0, MaxMailboxSize] (0 means DefaultMailboxSize).
func CheckMailboxSize(pattern, field string, size int) error {
	if size < 0 || size > MaxMailboxSize {
		return messages.InvalidConfig(pattern, field, size, "must be in [0, engine.MaxMailboxSize = 65536] (0 means the default)")
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
// every message already queued (for n := len(inbox); n > 0; n--) before it
// waits again, and calls EndBatch if the behaviour has it.
type Actor[M, R any] struct {
	inbox   chan envelope[M, R]
	newB    func() Behavior[M, R]
	replies sync.Pool // of chan result[R]

	closing  atomic.Bool   // no new messages accepted
	drainReq chan struct{} // closed by Drain
	drainOne sync.Once
	done     chan struct{} // closed by Terminate
	termOne  sync.Once
	cause    error // why the actor stopped; written before done is closed
}

type envelope[M, R any] struct {
	msg   M
	reply chan result[R] // nil for Tell
}

type result[R any] struct {
	val R
	err error
}

// NewActor returns an actor whose mailbox holds size messages (size 0 or
// less means DefaultMailboxSize; more than MaxMailboxSize means
// MaxMailboxSize: validate a configured size with CheckMailboxSize so that
// users get an error instead). newBehavior is called each time the loop starts — at
// the first Serve and after every restart — so a restarted actor begins from
// a fresh state. The actor does nothing until a supervisor serves it.
func NewActor[M, R any](size int, newBehavior func() Behavior[M, R]) *Actor[M, R] {
	if size <= 0 {
		size = DefaultMailboxSize
	}
	size = min(size, MaxMailboxSize)
	a := &Actor[M, R]{
		inbox:    make(chan envelope[M, R], size),
		newB:     newBehavior,
		drainReq: make(chan struct{}),
		done:     make(chan struct{}),
	}
	a.replies.New = func() any { return make(chan result[R], 1) }
	return a
}

var _ supervisor.Service = (*Actor[int, int])(nil)
var _ supervisor.Graceful = (*Actor[int, int])(nil)
var _ supervisor.Terminator = (*Actor[int, int])(nil)

// Ask sends m and waits for the reply. It returns ctx.Err() if ctx ends
// first (the actor will still handle m, and its reply is dropped),
// messages.ErrStopped (or the cause of a failure, which wraps it) once the
// actor has stopped, and a *messages.PanicError if handling m panicked.
// In steady state Ask does not allocate: reply channels are pooled.
func (a *Actor[M, R]) Ask(ctx context.Context, m M) (R, error) {
	var zero R
	if a.closing.Load() {
		return zero, a.stopErr()
	}
	reply := a.replies.Get().(chan result[R])
	select {
	case a.inbox <- envelope[M, R]{msg: m, reply: reply}:
	case <-ctx.Done():
		a.replies.Put(reply)
		return zero, ctx.Err()
	case <-a.done:
		a.replies.Put(reply)
		return zero, a.stopErr()
	}
	select {
	case r := <-reply:
		a.replies.Put(reply)
		return r.val, r.err
	case <-ctx.Done():
		// The reply channel is abandoned, never reused: the actor's send
		// into its one free slot cannot block and nobody reads it.
		return zero, ctx.Err()
	case <-a.done:
		select {
		case r := <-reply:
			a.replies.Put(reply)
			return r.val, r.err
		default:
			return zero, a.stopErr()
		}
	}
}

// Tell sends m without waiting for it to be handled. It returns at once when
// the mailbox has room; when it is full, Tell waits for room (the message is
// never dropped) or for the actor to stop (messages.ErrStopped).
func (a *Actor[M, R]) Tell(m M) error {
	if a.closing.Load() {
		return a.stopErr()
	}
	select {
	case a.inbox <- envelope[M, R]{msg: m}:
		return nil
	default:
	}
	select {
	case a.inbox <- envelope[M, R]{msg: m}:
		return nil
	case <-a.done:
		return a.stopErr()
	}
}

// TryTell sends m only if the mailbox has room, and reports whether it did.
func (a *Actor[M, R]) TryTell(m M) bool {
	if a.closing.Load() {
		return false
	}
	select {
	case a.inbox <- envelope[M, R]{msg: m}:
		return true
	default:
		return false
	}
}

// Len returns how many messages wait in the mailbox.
func (a *Actor[M, R]) Len() int { return len(a.inbox) }

// Done is closed when the actor has stopped for good.
func (a *Actor[M, R]) Done() <-chan struct{} { return a.done }

// Err returns nil while the actor runs, and why it stopped afterwards (an
// error that wraps messages.ErrStopped).
func (a *Actor[M, R]) Err() error {
	if !a.closing.Load() { // one atomic load on the hot path: Terminate sets closing first
		return nil
	}
	select {
	case <-a.done:
		return a.cause
	default:
		return messages.ErrStopped
	}
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
// error so the supervisor can restart the loop.
func (a *Actor[M, R]) Serve(ctx context.Context) (err error) {
	b := a.newB()
	batch, _ := b.(BatchEnder)
	if s, ok := b.(Stopper); ok {
		defer s.Stop()
	}
	var current chan result[R] // reply of the message being handled
	defer func() {
		if v := recover(); v != nil {
			pe := &messages.PanicError{Value: v, Stack: debug.Stack()}
			if current != nil {
				current <- result[R]{err: pe}
			}
			err = pe
		}
	}()
	handle := func(env envelope[M, R]) {
		current = env.reply
		val, herr := b.Receive(env.msg)
		if env.reply != nil {
			env.reply <- result[R]{val: val, err: herr}
		}
		current = nil
	}
	for {
		select {
		case env := <-a.inbox:
			handle(env)
			for n := len(a.inbox); n > 0; n-- {
				handle(<-a.inbox)
			}
			if batch != nil {
				batch.EndBatch()
			}
		case <-a.drainReq:
			for n := len(a.inbox); n > 0; n-- {
				if ctx.Err() != nil {
					return nil
				}
				handle(<-a.inbox)
			}
			if batch != nil {
				batch.EndBatch()
			}
			return nil
		case <-ctx.Done():
			return nil
		}
	}
}

// Drain stops the actor from accepting messages; the loop handles what is
// already queued and then returns. It does not block.
func (a *Actor[M, R]) Drain() {
	a.drainOne.Do(func() {
		a.closing.Store(true)
		close(a.drainReq)
	})
}

// Terminate marks the actor stopped for good: pending and later calls return
// cause (messages.ErrStopped when cause is nil). It is idempotent.
func (a *Actor[M, R]) Terminate(cause error) {
	a.termOne.Do(func() {
		if cause == nil {
			cause = messages.ErrStopped
		}
		a.closing.Store(true)
		a.cause = cause
		close(a.done)
	})
}
