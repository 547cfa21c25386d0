package admit

import (
	"context"
	"sync"
	"sync/atomic"

	"github.com/bulwark-go/bulwark/actors/internal/reconf"
	"github.com/bulwark-go/bulwark/actors/internal/spawn"
	"github.com/bulwark-go/bulwark/actors/internal/waitq"
	"github.com/bulwark-go/bulwark/engine"
	"github.com/bulwark-go/bulwark/engine/kernel"
	"github.com/bulwark-go/bulwark/messages"
)

// Handle is what the admission patterns' handles share: the engine and
// name, the config in force (C, the pattern's defaulted Config), the
// Queue, the Counts and the Ledger of permits. The pattern keeps its fast
// path, its Policy and its events. New sets it up; it is not copied
// afterwards. It is safe for concurrent use.
type Handle[C comparable] struct {
	Queue // the waiters, owned by the actor
	// Counts are the pattern's rejections and cancellations.
	Counts Counts

	eng     *engine.Engine
	name    string
	permits *waitq.Ledger
	cfg     atomic.Pointer[C] // the config in force; the actor stores it
}

// Setup is what an admission pattern's start function hands New for its
// Handle.
type Setup struct {
	// Permits are the permits of the pattern's fast path and Policy.
	Permits *waitq.Ledger
	// Policy and Queue set up its Queue.
	Policy Policy
	Queue  Config
}

// New is spawn.New for an admission pattern: it returns the instance of
// kind called name on eng, creating it if need be with start, which makes
// the pattern's handle from the defaulted config and returns it with the
// Handle inside it to set up and how.
func New[H any, C comparable](eng *engine.Engine, kind, name string, cfg C, withDefaults func(C) (C, error),
	start func(full C) (H, *Handle[C], Setup)) (H, error) {
	full, x, found, err := spawn.Find[H](eng, kind, name, cfg, withDefaults)
	if found || err != nil {
		return x, err
	}
	return create(eng, kind, name, full, start)
}

// create is New's slow path, apart so that finding an existing instance
// builds no closure.
func create[H any, C comparable](eng *engine.Engine, kind, name string, full C, start func(full C) (H, *Handle[C], Setup)) (H, error) {
	return spawn.Create(eng, kind, name, full, func(eng *engine.Engine, name string, full *C) (H, kernel.Service, error) {
		x, h, s := start(*full)
		h.eng, h.name, h.permits = eng, name, s.Permits
		h.cfg.Store(full)
		h.Counts.Words = s.Queue.Words
		return x, h.Queue.Init(eng.Clock(), s.Policy, s.Queue), nil
	})
}

// Engine returns the engine the instance runs on.
func (h *Handle[C]) Engine() *engine.Engine { return h.eng }

// Name returns the instance's name.
func (h *Handle[C]) Name() string { return h.name }

// Config returns the config in force.
func (h *Handle[C]) Config() *C { return h.cfg.Load() }

// Reconfigure makes full (defaulted and checked) the config in force,
// between two messages of the actor: it swaps it in, calls apply (if not
// nil) for what follows from it in the pattern, bounds the queue by
// maxWaiting (see Change), and records it (reconf.Record). It returns the
// actor's stop error, or ctx.Err() as Queue.Reconfigure does.
func (h *Handle[C]) Reconfigure(ctx context.Context, full C, maxWaiting int, apply func()) error {
	if err := h.Err(); err != nil {
		return err
	}
	var prev C
	return h.Queue.Reconfigure(ctx, Change{MaxWaiting: maxWaiting,
		Apply: func() {
			prev = *h.cfg.Swap(&full)
			if apply != nil {
				apply()
			}
		},
		Applied: func() { reconf.Record(h.eng, h.Counts.Words.Kind, h.name, prev, full) }})
}

// Figures are the figures every admission pattern's Stats has, with the
// same names and order (see there for their meaning).
type Figures struct {
	Name                                                     string
	InFlight, PeakInFlight, MaxInFlight, Waiting, MaxWaiting int
	Accepted, Rejected                                       uint64
	RejectedBy                                               map[string]uint64
	Cancelled, Misused                                       uint64
}

// Sizer is what an admission pattern gives Stats: Sizes is called in the
// Queue's actor's goroutine, where it may read what the actor owns.
type Sizer interface {
	Sizes() Sizes
}

// Sizes are the figures a Sizer reads in the actor's goroutine: under the
// config in force (Config, the pattern's *Config, which its Stats may
// read more of), MaxInFlight, MaxWaiting and the permits held (InFlight,
// exact there), and Active, the pattern's own on/off state if it has one.
type Sizes struct {
	MaxInFlight, MaxWaiting, InFlight int
	Active                            bool
	Config                            any
}

// sizesAsk is Stats' request to the actor: the actor fills in sizes and
// waiting. Stats takes one from sizesAsks and gives it back once it has
// read it (not when its Ask failed: the actor may still write it).
type sizesAsk struct {
	s       Sizer
	sizes   Sizes
	waiting int
}

func (*sizesAsk) isRequest() {}

var sizesAsks = sync.Pool{New: func() any { return new(sizesAsk) }}

// Stats returns the instance's Figures, with the Sizes s read in the
// actor's goroutine (see Sizer); the waiters are counted there too, the
// counts follow, read after the actor answered. It returns
// messages.ErrStopped once the actor has stopped, or ctx.Err(). Stats
// allocates only RejectedBy.
func (h *Handle[C]) Stats(ctx context.Context, s Sizer) (Figures, Sizes, error) {
	x := sizesAsks.Get().(*sizesAsk)
	x.s = s
	if _, err := h.actor.Ask(ctx, x); err != nil {
		return Figures{}, Sizes{}, err
	}
	sz := x.sizes
	f := Figures{Name: h.name, Waiting: x.waiting, MaxInFlight: sz.MaxInFlight, MaxWaiting: sz.MaxWaiting, InFlight: sz.InFlight}
	*x = sizesAsk{}
	sizesAsks.Put(x)
	f.PeakInFlight = h.permits.Made()
	f.Accepted = h.permits.Granted() - h.Unclaimed() // grants to a waiter that had left admitted nobody
	f.Rejected, f.RejectedBy = h.Counts.Rejected()
	f.Cancelled, f.Misused = h.Counts.Cancelled(), h.permits.Misused()
	return f, sz, nil
}

// Execute is the Execute of an admission pattern whose Release does not
// use the outcome: it acquires g, calls fn and releases g (with
// messages.Ignored), also when fn panics (the panic goes on), and returns
// the Acquire's error or fn's. A nil fn is errNil (the pattern's error
// wrapping messages.ErrInvalidConfig) and acquires nothing.
func Execute(ctx context.Context, g engine.Guard, errNil error, fn func(context.Context) error) error {
	if fn == nil {
		return errNil
	}
	p, err := g.Acquire(ctx)
	if err != nil {
		return err
	}
	defer g.Release(p, messages.Ignored)
	return fn(ctx)
}

// Do is an admission pattern's Do: it runs fn under a permit of g, which
// it releases also when fn panics (engine.Do), and returns fn's result; a
// nil fn is errNil (the pattern's error wrapping messages.ErrInvalidConfig)
// and acquires nothing.
func Do[T any](ctx context.Context, g engine.Guard, errNil error, fn func(context.Context) (T, error)) (T, error) {
	if fn == nil {
		var zero T
		return zero, errNil
	}
	return engine.Do(ctx, g, nil, fn)
}
