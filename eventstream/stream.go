package eventstream

import (
	"context"
	"fmt"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/bulwark-go/bulwark/messages"
)

// DefaultBuffer is the buffer size On uses for its subscription.
const DefaultBuffer = 256

// LargestBuffer is the largest buffer a subscription may ask for (262,144
// events, 54 MiB allocated when it subscribes). Subscribe and
// OnFilter refuse a larger one with a *messages.ConfigError.
const LargestBuffer = 1 << 18

// lagNoticeEvery bounds how often one subscriber's drops are announced.
const lagNoticeEvery = time.Second

// Options configures a Stream. The zero value is ready to use.
type Options struct {
	// OnHandlerPanic, if set, is called (in the handler's goroutine) with
	// the value of a panic recovered from a callback registered with On.
	// The handler keeps receiving events afterwards. A panic in
	// OnHandlerPanic itself is recovered and dropped.
	OnHandlerPanic func(sub *Subscription, recovered any)
}

// Stream fans events out to subscriptions. It is safe for concurrent use by
// any number of publishers and subscribers. New starts its goroutine;
// Shutdown (or Close) stops it, closes every subscription and waits for the
// handlers started by On to return.
type Stream struct {
	opts Options
	// subs is the immutable list of live subscriptions, written only by
	// the stream's goroutine; nil when there are none.
	subs    atomic.Pointer[[]*Subscription]
	control chan command  // never closed
	quit    chan struct{} // closed by Shutdown; nobody sends on it
	stopped chan struct{} // closed when the goroutine has exited
	once    sync.Once
	// handlers lists every handler started by On that may still run;
	// written by the loop, read by Shutdown after stopped is closed.
	handlers []*handler
	nextID   atomic.Uint64
	callers  atomic.Bool // Publish records Event.PC
}

// handler is one goroutine started by OnFilter.
type handler struct {
	sub  *Subscription
	goid atomic.Uint64 // its goroutine's id, once it has started
	done chan struct{} // closed when it returns
	// left is closed when the handler itself calls Shutdown: no Shutdown
	// waits for it any more (it may be waiting for them).
	left      chan struct{}
	leaveOnce sync.Once
}

func newHandler() *handler {
	return &handler{done: make(chan struct{}), left: make(chan struct{})}
}

func (h *handler) leave() { h.leaveOnce.Do(func() { close(h.left) }) }

type command struct {
	add     *Subscription
	handler *handler // with add: the subscription's handler, if any
	remove  *Subscription
	ack     chan struct{}
}

// New starts a Stream.
func New(opts Options) *Stream {
	s := &Stream{
		opts:    opts,
		control: make(chan command),
		quit:    make(chan struct{}),
		stopped: make(chan struct{}),
	}
	go s.loop()
	return s
}

// loop owns the subscription list and the handler list.
func (s *Stream) loop() {
	defer close(s.stopped)
	var live []*Subscription
	for {
		var cmd command
		select {
		case cmd = <-s.control:
		case <-s.quit:
			s.subs.Store(nil)
			for _, sub := range live {
				sub.shut()
			}
			return
		}
		switch {
		case cmd.add != nil:
			live = append(live[:len(live):len(live)], cmd.add)
			if cmd.handler != nil {
				s.handlers = append(running(s.handlers), cmd.handler)
			}
		case cmd.remove != nil:
			next := make([]*Subscription, 0, len(live))
			for _, sub := range live {
				if sub != cmd.remove {
					next = append(next, sub)
				}
			}
			live = next
		}
		if len(live) == 0 {
			s.subs.Store(nil)
		} else {
			snapshot := live
			s.subs.Store(&snapshot)
		}
		close(cmd.ack)
	}
}

// running keeps the handlers of hs that have not returned, in place.
func running(hs []*handler) []*handler {
	kept := hs[:0]
	for _, h := range hs {
		select {
		case <-h.done:
		default:
			kept = append(kept, h)
		}
	}
	clear(hs[len(kept):])
	return kept
}

// send delivers a command to the loop and waits until it is applied. It
// reports false when the stream is stopping or stopped.
func (s *Stream) send(cmd command) bool {
	cmd.ack = make(chan struct{})
	select {
	case <-s.quit:
		return false
	default:
	}
	select {
	case s.control <- cmd:
		<-cmd.ack
		return true
	case <-s.stopped:
		return false
	}
}

// Publish hands e to every subscription whose filter matches it. It never
// blocks: a subscriber whose buffer is full misses the event, and the miss is
// counted on its Subscription. Publish is safe to call after Close (the event
// goes nowhere).
func (s *Stream) Publish(e Event) {
	p := s.subs.Load()
	if p == nil {
		return
	}
	if e.PC == 0 && s.callers.Load() {
		e.PC = callerPC()
	}
	for _, sub := range *p {
		if sub.deliver(&e) {
			continue
		}
		s.noticeLag(sub, &e)
	}
}

// RecordCallers makes Publish record in each event the program counter of
// its publisher (Event.PC), from now until the stream closes. It costs a
// stack walk of one frame per published event; a logger that shows
// callers turns it on.
func (s *Stream) RecordCallers() { s.callers.Store(true) }

// RecordsCallers reports whether RecordCallers was called.
func (s *Stream) RecordsCallers() bool { return s.callers.Load() }

// callerPC returns the program counter of the caller of the function that
// calls it, or 0.
func callerPC() uintptr {
	var pc [1]uintptr
	if runtime.Callers(3, pc[:]) < 1 {
		return 0
	}
	return pc[0]
}

// HasSubscribers reports whether any subscription is live, so that a
// publisher can skip building an event nobody will read.
func (s *Stream) HasSubscribers() bool { return s.subs.Load() != nil }

// Wants reports whether a live subscription's filter takes events of type t
// published by the instance name of pattern, so that a publisher can skip
// the work an event costs (or take a faster path) when nobody would read
// it. With no subscription it is one atomic load, as HasSubscribers; else
// it reads each subscription's filter.
func (s *Stream) Wants(t Type, pattern, name string) bool {
	p := s.subs.Load()
	if p == nil {
		return false
	}
	for _, sub := range *p {
		f := &sub.filter
		if matchAny(f.Types, t) && matchAny(f.Patterns, pattern) && matchAny(f.Names, name) {
			return true
		}
	}
	return false
}

// noticeLag publishes EventSubscriberLagged for sub when its last notice is a
// second old or more, measured on the dropped event's own time.
func (s *Stream) noticeLag(sub *Subscription, dropped *Event) {
	if dropped.Type == EventSubscriberLagged {
		return // never announce a lag notice's own drop
	}
	now := dropped.Time
	if now.IsZero() {
		now = time.Now()
	}
	last := sub.lastLag.Load()
	if last != 0 && now.UnixNano()-last < int64(lagNoticeEvery) {
		return
	}
	if !sub.lastLag.CompareAndSwap(last, now.UnixNano()) {
		return
	}
	s.Publish(Event{
		Type:    EventSubscriberLagged,
		Pattern: "eventstream",
		Name:    sub.Name(),
		Time:    now,
		Fields:  Fields{Count: int64(sub.dropped.Load())},
	})
}

// Subscribe returns a subscription that receives the events matching f on a
// channel with room for buffer events. buffer must be in [1, LargestBuffer];
// any other value is a *messages.ConfigError. After Shutdown it returns
// messages.ErrStopped.
func (s *Stream) Subscribe(f Filter, buffer int) (*Subscription, error) {
	return s.subscribe(f, buffer, nil)
}

func (s *Stream) subscribe(f Filter, buffer int, h *handler) (*Subscription, error) {
	if err := CheckBuffer("eventstream", "buffer", buffer); err != nil {
		return nil, err
	}
	sub := &Subscription{
		stream: s,
		id:     s.nextID.Add(1),
		filter: f.clone(),
		ch:     make(chan Event, buffer),
	}
	if h != nil {
		h.sub = sub
	}
	if !s.send(command{add: sub, handler: h}) {
		return nil, messages.ErrStopped
	}
	return sub, nil
}

// On calls fn with every event of type t, in a goroutine of its own (never
// the publisher's). It is shorthand for OnFilter(Filter{Types: []Type{t}},
// DefaultBuffer, fn). Close the returned subscription to stop.
func (s *Stream) On(t Type, fn func(Event)) (*Subscription, error) {
	return s.OnFilter(Filter{Types: []Type{t}}, DefaultBuffer, fn)
}

// OnFilter calls fn with every event matching f, in a goroutine of its own.
// Events fn cannot keep up with are dropped and counted as for Subscribe. A
// panic in fn is recovered (and passed to Options.OnHandlerPanic); fn keeps
// being called for later events. Once the subscription is closed, fn is
// called for the events already buffered and then its goroutine ends.
func (s *Stream) OnFilter(f Filter, buffer int, fn func(Event)) (*Subscription, error) {
	if fn == nil {
		return nil, messages.InvalidConfig("eventstream", "fn", "nil", "must be a function")
	}
	h := newHandler()
	sub, err := s.subscribe(f, buffer, h)
	if err != nil {
		return nil, err
	}
	go func() {
		defer close(h.done)
		h.goid.Store(goid())
		for e := range sub.ch {
			s.call(sub, fn, e)
		}
	}()
	return sub, nil
}

func (s *Stream) call(sub *Subscription, fn func(Event), e Event) {
	defer func() {
		if v := recover(); v != nil && s.opts.OnHandlerPanic != nil {
			s.reportPanic(sub, v)
		}
	}()
	fn(e)
}

// reportPanic passes v to OnHandlerPanic; a panic there is dropped, so that
// a broken hook (a logger that panics too) never takes the process down.
func (s *Stream) reportPanic(sub *Subscription, v any) {
	defer func() { _ = recover() }()
	s.opts.OnHandlerPanic(sub, v)
}

// Shutdown stops the stream: every subscription is closed (its channel
// too; events already buffered can still be read), later Subscribe and On
// calls return messages.ErrStopped, and Shutdown waits until ctx ends for
// the handlers started by On to return. A handler that calls Shutdown (or
// Close) is not waited for, by that call or any other (it may be waiting
// for them). If ctx ends first, Shutdown
// returns an error that names the handlers still running and wraps
// ctx.Err(); they end on their own once their calls return. Shutdown is
// idempotent and safe to call from many goroutines.
func (s *Stream) Shutdown(ctx context.Context) error {
	s.once.Do(func() { close(s.quit) })
	<-s.stopped // the loop never blocks, so this wait is short
	self := goid()
	for _, h := range s.handlers {
		if self != 0 && h.goid.Load() == self {
			h.leave() // the caller is this handler: nobody waits for it
		}
	}
	var stuck []string
	var grace *time.Timer // armed once ctx has ended, shared by the handlers left
	expired := false
	for _, h := range s.handlers {
		select {
		case <-h.done:
			continue
		case <-h.left:
			continue
		case <-ctx.Done():
		}
		if grace == nil {
			grace = time.NewTimer(StopGrace)
			defer grace.Stop()
		}
		if !expired {
			select {
			case <-h.done:
				continue
			case <-h.left:
				continue
			case <-grace.C:
				expired = true
			}
		}
		select {
		case <-h.done:
		case <-h.left:
		default:
			stuck = append(stuck, h.sub.Name())
		}
	}
	if len(stuck) > 0 {
		return fmt.Errorf("eventstream: handlers still running at shutdown: %s: %w", strings.Join(stuck, ", "), ctx.Err())
	}
	return nil
}

// StopGrace is how long, once Shutdown's ctx has ended, the handlers and
// goroutines still finishing have between them to return before Shutdown
// reports them as still running. The supervisor and the engine use the
// same grace.
const StopGrace = 5 * time.Millisecond

// Close is Shutdown with no deadline: it waits for every handler but the
// caller's own.
func (s *Stream) Close() { _ = s.Shutdown(context.Background()) }

// CheckBuffer returns a *messages.ConfigError, naming pattern and field,
// unless buffer is in [1, LargestBuffer]. Components that take a subscription
// buffer in their own configuration (a log sink, say) validate it with it.
func CheckBuffer(pattern, field string, buffer int) error {
	if buffer < 1 || buffer > LargestBuffer {
		return messages.InvalidConfig(pattern, field, buffer, "must be in [1, eventstream.LargestBuffer = 262144]")
	}
	return nil
}
