package engine

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"

	"go.uber.org/zap"

	"github.com/bulwark-go/bulwark/eventstream"
	"github.com/bulwark-go/bulwark/messages"
	"github.com/bulwark-go/bulwark/supervisor"
)

// ErrStopped is returned by every call on an engine, or on an actor, that
// has been shut down. It is messages.ErrStopped.
var ErrStopped = messages.ErrStopped

// Engine is the root of a Bulwark deployment: a supervisor that owns every
// pattern actor, the event stream, the clock and the logger. It is safe for
// concurrent use. New starts it; Shutdown stops it.
type Engine struct {
	cfg     config
	events  *eventstream.Stream
	sup     *supervisor.Supervisor
	stopped atomic.Bool
	done    chan struct{} // closed when Shutdown begins
	once    sync.Once
}

// New starts an Engine.
func New(opts ...Option) (*Engine, error) {
	cfg := config{logger: zap.NewNop(), clock: RealClock{}}
	for _, o := range opts {
		if o == nil {
			return nil, messages.InvalidConfig("engine", "option", "nil", "must not be nil")
		}
		o.apply(&cfg)
	}
	if cfg.maxRestarts != 0 && cfg.restartWindow <= 0 && cfg.maxRestarts > 0 {
		return nil, messages.InvalidConfig("engine", "restart window", cfg.restartWindow, "must be positive")
	}
	e := &Engine{cfg: cfg, done: make(chan struct{})}
	e.events = eventstream.New(eventstream.Options{
		OnHandlerPanic: func(sub *eventstream.Subscription, v any) {
			e.reportError("eventstream", sub.Name(), &messages.PanicError{Value: v})
		},
	})
	e.sup = supervisor.New(supervisor.Options{
		MaxRestarts:   cfg.maxRestarts,
		RestartWindow: cfg.restartWindow,
		Now:           cfg.clock.Now,
		Events:        e.events,
		OnFailure:     e.reportError,
	})
	return e, nil
}

func (e *Engine) reportError(kind, name string, err error) {
	e.cfg.logger.Error("bulwark: actor error", zap.String("kind", kind), zap.String("name", name), zap.Error(err))
	if e.cfg.onError != nil {
		e.cfg.onError(kind, name, err)
	}
}

// Stopped reports whether Shutdown has begun. Handles that run in the
// caller's goroutine (retry, timeout, fallback) check it and return
// ErrStopped once it is true. It is one atomic load; a nil Engine is never
// stopped.
func (e *Engine) Stopped() bool { return e != nil && e.stopped.Load() }

// Done returns a channel closed when Shutdown begins.
func (e *Engine) Done() <-chan struct{} { return e.done }

// Clock returns the engine's clock.
func (e *Engine) Clock() Clock { return e.cfg.clock }

// Logger returns the engine's logger (silent unless WithLogger was given).
func (e *Engine) Logger() *zap.Logger { return e.cfg.logger }

// Events returns the engine's event stream.
func (e *Engine) Events() *eventstream.Stream { return e.events }

// Supervisor returns the engine's root supervisor.
func (e *Engine) Supervisor() *supervisor.Supervisor { return e.sup }

// Publish sends ev to the event stream, stamping it with the engine's clock
// if ev.Time is zero. With no subscribers it returns at once, before reading
// the clock.
func (e *Engine) Publish(ev eventstream.Event) {
	if !e.events.HasSubscribers() {
		return
	}
	if ev.Time.IsZero() {
		ev.Time = e.cfg.clock.Now()
	}
	e.events.Publish(ev)
}

// Shutdown stops every actor, newest first, letting each finish the messages
// already in its mailbox until ctx ends; then it closes the event stream.
// Pending and later calls return ErrStopped. Shutdown is idempotent and safe
// from many goroutines.
func (e *Engine) Shutdown(ctx context.Context) error {
	e.once.Do(func() {
		e.stopped.Store(true)
		close(e.done)
	})
	err := e.sup.Shutdown(ctx)
	e.events.Close()
	return err
}

// Spawn gets or creates, under the engine's supervisor, the actor of the
// given kind and name. When none exists, start builds the handle users call
// (which holds the actor) and the actor to serve; when one exists with the
// same config its handle is returned; a different config is a
// *supervisor.ConflictError. H is the handle type; asking for a name that
// holds another kind of handle is an error.
func Spawn[H any](ctx context.Context, e *Engine, kind, name string, cfg any, start func() (H, supervisor.Service, error)) (H, error) {
	var zero H
	got, err := e.sup.GetOrCreate(ctx, supervisor.Spec{
		Kind:   kind,
		Name:   name,
		Config: cfg,
		Start: func() (any, supervisor.Service, error) {
			return start()
		},
	})
	if err != nil {
		return zero, err
	}
	h, ok := got.(H)
	if !ok {
		return zero, fmt.Errorf("engine: %s %q holds a %T, not a %T", kind, name, got, zero)
	}
	return h, nil
}
