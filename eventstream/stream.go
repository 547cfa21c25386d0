package eventstream

import (
	"sync"
	"sync/atomic"
	"time"

	"github.com/bulwark-go/bulwark/messages"
)

// DefaultBuffer is the buffer size On uses for its subscription.
const DefaultBuffer = 256

// MaxBuffer is the largest buffer a subscription may ask for (262,144
// events, 54 MiB allocated when it subscribes). Subscribe and
// OnFilter refuse a larger one with a *messages.ConfigError.
const MaxBuffer = 1 << 18

// lagNoticeEvery bounds how often one subscriber's drops are announced.
const lagNoticeEvery = time.Second

// Options configures a Stream. The zero value is ready to use.
type Options struct {
	// OnHandlerPanic, if set, is called (in the handler's goroutine) with
	// the value of a panic recovered from a callback registered with On.
	// The handler keeps receiving events afterwards.
	OnHandlerPanic func(sub *Subscription, recovered any)
}

// Stream fans events out to subscriptions. It is safe for concurrent use by
// any number of publishers and subscribers. New starts its goroutine; Close
// stops it, closes every subscription and waits for the handlers started by
// On to return.
type Stream struct {
	opts Options
	// subs is the immutable list of live subscriptions, written only by
	// the stream's goroutine; nil when there are none.
	subs    atomic.Pointer[[]*Subscription]
	control chan command
	stopped chan struct{} // closed when the goroutine has exited
	closing atomic.Bool
	once    sync.Once
	// handlers counts the goroutines started by On.
	handlers sync.WaitGroup
	nextID   atomic.Uint64
}

type command struct {
	add    *Subscription
	remove *Subscription
	ack    chan struct{}
}

// New starts a Stream.
func New(opts Options) *Stream {
	s := &Stream{
		opts:    opts,
		control: make(chan command),
		stopped: make(chan struct{}),
	}
	go s.loop()
	return s
}

// loop owns the subscription list.
func (s *Stream) loop() {
	defer close(s.stopped)
	var live []*Subscription
	for cmd := range s.control {
		switch {
		case cmd.add != nil:
			live = append(live[:len(live):len(live)], cmd.add)
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
	s.subs.Store(nil)
	for _, sub := range live {
		sub.shut()
	}
}

// send delivers a command to the loop and waits until it is applied. It
// reports false when the stream is closed.
func (s *Stream) send(cmd command) bool {
	if s.closing.Load() {
		return false
	}
	cmd.ack = make(chan struct{})
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
	for _, sub := range *p {
		if sub.deliver(&e) {
			continue
		}
		s.noticeLag(sub, &e)
	}
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
// channel with room for buffer events. buffer must be in [1, MaxBuffer];
// any other value is a *messages.ConfigError.
func (s *Stream) Subscribe(f Filter, buffer int) (*Subscription, error) {
	if err := CheckBuffer("eventstream", "buffer", buffer); err != nil {
		return nil, err
	}
	sub := &Subscription{
		stream: s,
		id:     s.nextID.Add(1),
		filter: f.clone(),
		ch:     make(chan Event, buffer),
	}
	if !s.send(command{add: sub}) {
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
// being called for later events.
func (s *Stream) OnFilter(f Filter, buffer int, fn func(Event)) (*Subscription, error) {
	if fn == nil {
		return nil, messages.InvalidConfig("eventstream", "fn", "nil", "must be a function")
	}
	sub, err := s.Subscribe(f, buffer)
	if err != nil {
		return nil, err
	}
	s.handlers.Add(1)
	go func() {
		defer s.handlers.Done()
		for e := range sub.ch {
			s.call(sub, fn, e)
		}
	}()
	return sub, nil
}

func (s *Stream) call(sub *Subscription, fn func(Event), e Event) {
	defer func() {
		if v := recover(); v != nil && s.opts.OnHandlerPanic != nil {
			s.opts.OnHandlerPanic(sub, v)
		}
	}()
	fn(e)
}

// Close stops the stream: every subscription is closed (its channel too)
// and Close waits for the handlers started by On to return. It is
// idempotent and safe to call from many goroutines; it must not be called
// from inside a handler.
func (s *Stream) Close() {
	s.once.Do(func() {
		s.closing.Store(true)
		close(s.control)
	})
	<-s.stopped
	s.handlers.Wait()
}

// CheckBuffer returns a *messages.ConfigError, naming pattern and field,
// unless buffer is in [1, MaxBuffer]. Components that take a subscription
// buffer in their own configuration (a log sink, say) validate it with it.
func CheckBuffer(pattern, field string, buffer int) error {
	if buffer < 1 || buffer > MaxBuffer {
		return messages.InvalidConfig(pattern, field, buffer, "must be in [1, eventstream.MaxBuffer = 262144]")
	}
	return nil
}
