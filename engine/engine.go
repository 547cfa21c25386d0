package engine

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"sync"
	"sync/atomic"
	"time"

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

	// reports carries the errors the engine catches to its reporter
	// goroutine, which writes them to the logger and the error handler,
	// so that a slow or broken sink never holds the supervisor or a
	// handler. It is never closed.
	reports       chan report
	reporterQuit  chan struct{} // closed by Shutdown
	reporterDone  chan struct{} // closed when the reporter has returned
	lostReports   atomic.Uint64
	sinkPanics    atomic.Uint64
	reporterGoing sync.Once
}

type report struct {
	kind, name string
	err        error
}

// reportQueue is how many caught errors may wait for the logger before
// more are dropped (and counted in LostReports).
const reportQueue = 256

// New starts an Engine. An option out of its documented range is a
// *messages.ConfigError.
func New(opts ...Option) (*Engine, error) {
	cfg := config{logger: zap.NewNop(), clock: RealClock{}}
	for _, o := range opts {
		if o == nil {
			return nil, messages.InvalidConfig("engine", "option", "nil", "must not be nil")
		}
		o.apply(&cfg)
	}
	supOpts, err := cfg.supervisorOptions()
	if err != nil {
		return nil, err
	}
	e := &Engine{
		cfg:          cfg,
		done:         make(chan struct{}),
		reports:      make(chan report, reportQueue),
		reporterQuit: make(chan struct{}),
		reporterDone: make(chan struct{}),
	}
	e.events = eventstream.New(eventstream.Options{
		OnHandlerPanic: func(sub *eventstream.Subscription, v any) {
			e.reportError("eventstream", sub.Name(), &messages.PanicError{Value: v})
		},
	})
	supOpts.Now = cfg.clock.Now
	supOpts.Events = e.events
	supOpts.OnFailure = e.reportError
	if e.sup, err = supervisor.New(supOpts); err != nil {
		e.events.Close()
		return nil, err
	}
	go e.reporter()
	return e, nil
}

// reportError hands an error the engine caught to the reporter goroutine.
// It never blocks: when the queue is full the report is dropped and
// counted.
func (e *Engine) reportError(kind, name string, err error) {
	select {
	case e.reports <- report{kind, name, err}:
	default:
		e.lostReports.Add(1)
	}
}

// reporter writes reports to the logger and the error handler until
// Shutdown, then writes those still queued and returns.
func (e *Engine) reporter() {
	defer close(e.reporterDone)
	for {
		select {
		case r := <-e.reports:
			e.deliver(r)
		case <-e.reporterQuit:
			for {
				select {
				case r := <-e.reports:
					e.deliver(r)
				default:
					return
				}
			}
		}
	}
}

// deliver writes r to each sink; a sink that panics is counted and skipped.
func (e *Engine) deliver(r report) {
	e.guard(func() {
		e.cfg.logger.Error("bulwark: actor error", zap.String("kind", r.kind), zap.String("name", r.name), zap.Error(r.err))
	})
	if e.cfg.onError != nil {
		e.guard(func() { e.cfg.onError(r.kind, r.name, r.err) })
	}
}

func (e *Engine) guard(sink func()) {
	defer func() {
		if recover() != nil {
			e.sinkPanics.Add(1)
		}
	}()
	sink()
}

// LostReports returns how many caught errors were not written to the
// logger and the error handler because they were behind: more than 256
// waiting.
func (e *Engine) LostReports() uint64 { return e.lostReports.Load() }

// SinkPanics returns how many times the logger or the error handler
// panicked while reporting an error (each panic is recovered).
func (e *Engine) SinkPanics() uint64 { return e.sinkPanics.Load() }

// Stopped reports whether Shutdown has begun. Handles that run in the
// caller's goroutine (retry, timeout, fallback) check it and return
// ErrStopped once it is true. It is one atomic load; a nil Engine is never
// stopped.
func (e *Engine) Stopped() bool { return e != nil && e.stopped.Load() }

// Done returns a channel closed when Shutdown begins (nil, never closed,
// for a nil Engine).
func (e *Engine) Done() <-chan struct{} {
	if e == nil {
		return nil
	}
	return e.done
}

// Clock returns the engine's clock.
func (e *Engine) Clock() Clock { return e.cfg.clock }

// Logger returns the engine's logger (silent unless WithLogger was given).
func (e *Engine) Logger() *zap.Logger { return e.cfg.logger }

// Events returns the engine's event stream.
func (e *Engine) Events() *eventstream.Stream { return e.events }

// Supervisor returns the engine's root supervisor.
func (e *Engine) Supervisor() *supervisor.Supervisor { return e.sup }

// Publish sends ev to the event stream, stamping it with the engine's clock
// if ev.Time is zero, and with its caller's program counter if ev.PC is
// zero and the stream records callers. With no subscribers it returns at once, before reading
// the clock.
func (e *Engine) Publish(ev eventstream.Event) {
	if !e.events.HasSubscribers() {
		return
	}
	if ev.Time.IsZero() {
		ev.Time = e.cfg.clock.Now()
	}
	if ev.PC == 0 && e.events.RecordsCallers() {
		var pc [1]uintptr
		if runtime.Callers(2, pc[:]) == 1 {
			ev.PC = pc[0]
		}
	}
	e.events.Publish(ev)
}

// Shutdown stops every actor, newest first, letting each finish the messages
// already in its mailbox; then it closes the event stream, waits for the
// handlers registered with On, and for the engine's own error reporting to
// the logger. Pending and later calls return ErrStopped.
//
// Shutdown returns by ctx's deadline (within a few milliseconds). If
// something did not stop by then — an actor, a handler, the logger — the
// error names each one and wraps ctx.Err(); those goroutines end on their
// own when the calls they are stuck in return. Called from a handler (an On
// callback), Shutdown does not wait for that handler. It is idempotent and
// safe from many goroutines. It must not be called from the error handler
// installed with WithErrorHandler, which it would wait for until ctx ends.
func (e *Engine) Shutdown(ctx context.Context) error {
	e.once.Do(func() {
		e.stopped.Store(true)
		close(e.done)
	})
	supErr := e.sup.Shutdown(ctx)
	streamErr := e.events.Shutdown(ctx)
	e.reporterGoing.Do(func() { close(e.reporterQuit) })
	var reportErr error
	select {
	case <-e.reporterDone:
	case <-ctx.Done():
		select {
		case <-e.reporterDone:
		case <-time.After(eventstream.StopGrace):
			reportErr = fmt.Errorf("engine: the logger or error handler is still writing a report: %w", ctx.Err())
		}
	}
	return errors.Join(supErr, streamErr, reportErr)
}
