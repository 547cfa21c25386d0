package supervisor

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"runtime"
	"runtime/debug"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/bulwark-go/bulwark/eventstream"
	"github.com/bulwark-go/bulwark/messages"
)

// Defaults and bounds of Options.
const (
	DefaultMaxRestarts   = 5
	DefaultRestartWindow = 10 * time.Second
	// LargestMaxRestarts is the largest restart budget Options accept.
	LargestMaxRestarts = 1 << 30
	// LargestRestartWindow is the longest window Options accept.
	LargestRestartWindow = 24 * time.Hour
	// NoRestart, as Options.MaxRestarts, means a child is never restarted:
	// its first failure marks it Failed.
	NoRestart = -1
)

// Options configures a Supervisor. Zero fields take the defaults.
type Options struct {
	// MaxRestarts is how many restarts a child may have within
	// RestartWindow before it is marked Failed: 0 means
	// DefaultMaxRestarts, a negative value (NoRestart) means never
	// restart, and at most LargestMaxRestarts.
	MaxRestarts int
	// RestartWindow is the span restarts are counted over: 0 means
	// DefaultRestartWindow; it must not be negative, and at most
	// LargestRestartWindow.
	RestartWindow time.Duration
	// Now reads the clock (default time.Now).
	Now func() time.Time
	// Events, if set, receives EventActorRestarted and EventActorFailed.
	Events *eventstream.Stream
	// OnFailure, if set, is called (in the supervisor's goroutine; it must
	// not block) with every error or panic a child's Serve ends with.
	OnFailure func(kind, name string, err error)
	// OnDemand, if true, serves every child that implements OnDemand
	// (and Graceful) only while it has work: an idle one holds no
	// goroutine. Without it such a child gets its goroutine at its first
	// message and keeps it.
	OnDemand bool
}

// Validate returns a *messages.ConfigError naming the first field out of
// its documented range, or nil.
func (o Options) Validate() error {
	switch {
	case o.MaxRestarts > LargestMaxRestarts:
		return messages.InvalidConfig("supervisor", "MaxRestarts", o.MaxRestarts, "must be at most supervisor.LargestMaxRestarts (1<<30)")
	case o.RestartWindow < 0 || o.RestartWindow > LargestRestartWindow:
		return messages.InvalidConfig("supervisor", "RestartWindow", o.RestartWindow, "must be in [0, 24h] (0 means the default)")
	}
	return nil
}

// Supervisor owns a set of children. It is safe for concurrent use. New
// starts its goroutine; Shutdown stops it and every child.
type Supervisor struct {
	opts    Options
	control chan message
	stopped chan struct{} // closed when the loop has exited
	ix      index         // children by kind and name (see index.go)
	closing atomic.Bool   // set when Shutdown begins: no new children

	// starting counts the Starts under way in their callers' goroutines,
	// registering the creators between the end of their Start and the
	// end of their child's registration; startsIdle receives a token
	// when starting reaches zero while closing.
	starting    atomic.Int64
	registering atomic.Int64
	startsIdle  chan struct{}
	// work hands a child served on demand that has work to a worker
	// waiting for one (see wake).
	work chan *entry
	// lent queues the children served by default that the callers of
	// their messages served and parked, for the claimer (see lend), which
	// runs while claiming is set.
	lent     chan *entry
	claiming atomic.Bool

	// onDemand is the context of the attached children (OnDemand and
	// Graceful); Shutdown cancels it.
	onDemand       context.Context
	cancelOnDemand context.CancelFunc

	// sweeps are the children moved after each garbage collection, and
	// whether a goroutine is moving them (see sweeper).
	sweeps sweeper

	shutdownOnce sync.Once
	shutdownDone chan struct{} // closed when the first Shutdown has finished
	shutdownErr  error         // written before shutdownDone is closed
}

// New validates opts and starts a Supervisor.
func New(opts Options) (*Supervisor, error) {
	if err := opts.Validate(); err != nil {
		return nil, err
	}
	if opts.MaxRestarts == 0 {
		opts.MaxRestarts = DefaultMaxRestarts
	}
	if opts.RestartWindow == 0 {
		opts.RestartWindow = DefaultRestartWindow
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	s := &Supervisor{
		opts:         opts,
		control:      make(chan message),
		stopped:      make(chan struct{}),
		startsIdle:   make(chan struct{}, 1),
		work:         make(chan *entry),
		lent:         make(chan *entry, lentBuffer),
		shutdownDone: make(chan struct{}),
	}
	s.onDemand, s.cancelOnDemand = context.WithCancel(context.Background())
	s.ix.init()
	go s.loop()
	s.armSweep()
	return s, nil
}

type key struct{ kind, name string }

// send delivers m to the loop; it fails with ErrStopped once the loop has
// exited.
func (s *Supervisor) send(ctx context.Context, m message) error {
	select {
	case s.control <- m:
		return nil
	case <-s.stopped:
		return messages.ErrStopped
	case <-ctx.Done():
		return ctx.Err()
	}
}

// GetOrCreate returns the handle of the child of spec's Kind and Name,
// creating and starting it with spec.Start if there is none. A child that
// exists with another Config is a *ConflictError. Two callers racing for a
// name get the same handle, and Start runs once: the first reserves the
// name in the index and runs Start in its own goroutine, the others wait
// for it (until their ctx ends) and get its handle, or its error. Neither
// finding nor creating a child sends a message to the supervisor's
// goroutine.
func (s *Supervisor) GetOrCreate(ctx context.Context, spec Spec) (any, error) {
	return s.GetOrCreateFunc(ctx, spec.Kind, spec.Name, spec.Config, spec.Start)
}

// GetOrCreateFunc is GetOrCreate with the Spec's fields as arguments. It
// only calls start, never keeps it, so a function literal a caller passes
// it need not be allocated.
func (s *Supervisor) GetOrCreateFunc(ctx context.Context, kind, name string, config any, start func() (handle any, svc Service, err error)) (any, error) {
	if kind == "" {
		return nil, messages.InvalidConfig("supervisor", "Spec.Kind", `""`, "must not be empty")
	}
	if strings.TrimSpace(name) == "" {
		return nil, messages.InvalidConfig(kind, "name", fmt.Sprintf("%q", name), "must not be empty")
	}
	if start == nil {
		return nil, messages.InvalidConfig("supervisor", "Spec.Start", "nil", "must be a function")
	}
	k := key{kind, name}
	h := hash(k)
	for {
		if s.closing.Load() {
			return nil, messages.ErrStopped
		}
		e, mine := s.ix.reserve(k, h, config)
		if mine {
			return s.create(e, start)
		}
		if !e.started() {
			if diff := differences(e.config, config); len(diff) > 0 {
				return nil, &ConflictError{Kind: k.kind, Name: k.name, Differences: diff}
			}
			if err := e.await(ctx); err != nil {
				return nil, err
			}
			if e.status.Load() == startFailed {
				return nil, e.handle.(error)
			}
			continue
		}
		if diff := differences(e.currentConfig(), config); len(diff) > 0 {
			return nil, &ConflictError{Kind: k.kind, Name: k.name, Differences: diff}
		}
		return e.handle, nil
	}
}

// create runs startFn for e, whose name the caller has reserved, and
// starts the child, or frees the name if it fails or Shutdown has begun.
// Shutdown waits for it (see awaitStarts).
func (s *Supervisor) create(e *entry, startFn func() (any, Service, error)) (any, error) {
	s.starting.Add(1)
	if s.closing.Load() {
		s.startReturned()
		return nil, s.abandon(e, messages.ErrStopped)
	}
	handle, svc, err := start(e.key, startFn)
	s.registering.Add(1)
	defer s.registering.Add(-1)
	s.startReturned()
	if err == nil && s.closing.Load() {
		if t, ok := svc.(Terminator); ok {
			t.Terminate(messages.ErrStopped)
		}
		err = messages.ErrStopped
	}
	if err != nil {
		return nil, s.abandon(e, err)
	}
	e.handle, e.svc = handle, svc
	od, ok := svc.(OnDemand)
	if _, graceful := svc.(Graceful); ok && graceful {
		// An attached child shares one context with the others:
		// Shutdown cancels it only once its ctx has ended, when it
		// cancels every child left (a Graceful child is drained before
		// that). Its first goroutine starts at its first wake.
		e.attached = true
		e.onDemand = s.opts.OnDemand
		e.setStatus(Running) // publishes e to the look-ups
		e.sup = s
		od.Attach(e)
	} else {
		s.launch(e) // publishes e to the look-ups
	}
	mark(&e.wait)
	return handle, nil
}

// abandon frees the name e reserved, tells the callers waiting for it
// that its Start failed with err, and returns err.
func (s *Supervisor) abandon(e *entry, err error) error {
	e.handle = err
	e.status.Store(startFailed)
	s.ix.remove(e)
	mark(&e.wait)
	return err
}

// startReturned counts a Start that has returned, and tells a Shutdown
// waiting for them when it was the last.
func (s *Supervisor) startReturned() {
	if s.starting.Add(-1) == 0 && s.closing.Load() {
		select {
		case s.startsIdle <- struct{}{}:
		default:
		}
	}
}

// awaitStarts waits until no Start is under way, or ctx has ended and
// eventstream.StopGrace more has passed, and reports whether it saw none
// under way; then it waits for the creators registering their child,
// which never block. Closing is set: a creator that counts itself in
// starting after awaitStarts saw none abandons without running Start
// (see create), and a Start that returns later frees its name and
// terminates its service itself.
func (s *Supervisor) awaitStarts(ctx context.Context) bool {
	done := ctx.Done()
	var grace <-chan time.Time
	idle := true
wait:
	for s.starting.Load() != 0 {
		select {
		case <-s.startsIdle:
		case <-done:
			done = nil
			timer := time.NewTimer(eventstream.StopGrace)
			defer timer.Stop()
			grace = timer.C
		case <-grace:
			idle = false
			break wait
		}
	}
	for s.registering.Load() != 0 {
		runtime.Gosched()
	}
	return idle
}

// Lookup returns the child of the given kind and name. It reads the index
// (no message to the supervisor's goroutine, no allocation) and never
// blocks; a child whose Start has not returned is not found yet, and after
// Shutdown nothing is.
func (s *Supervisor) Lookup(kind, name string) (Child, bool) {
	k := key{kind, name}
	e := s.ix.get(k, hash(k))
	if e == nil || !e.started() {
		return Child{}, false
	}
	return e.view(), true
}

// Named returns every child called name, of any kind, oldest first. Names
// are unique within a kind (a breaker and a bulkhead may share one, as the
// original's per-pattern registries allowed), so Lookup takes the kind too;
// Named is the look-up by name alone. It reads the index, as List does.
func (s *Supervisor) Named(name string) []Child {
	return views(s.collect(func(e *entry) bool { return e.key.name == name }))
}

// List returns every child, oldest first (nil after Shutdown). It reads
// the index and never blocks: its cost grows with the number of children,
// not with how busy the supervisor is.
func (s *Supervisor) List() []Child {
	return views(s.collect(func(*entry) bool { return true }))
}

// collect returns the started entries keep accepts, oldest first. When
// they are many and most creation numbers given out are theirs (Shutdown
// of a large registry), it places them by number instead of sorting.
func (s *Supervisor) collect(keep func(*entry) bool) []*entry {
	var found []*entry
	s.ix.table.Load().each(func(e *entry) {
		if e.started() && keep(e) {
			found = append(found, e)
		}
	})
	if last := s.ix.seq.Load(); len(found) >= placeAtLeast && uint64(len(found)) >= last/2 {
		return placeBySeq(found, last)
	}
	slices.SortFunc(found, func(a, b *entry) int { return cmp.Compare(a.seq, b.seq) })
	return found
}

// placeAtLeast is how many entries collect places by number rather than
// sorts.
const placeAtLeast = 1 << 12

// placeBySeq returns entries, whose creation numbers are distinct and at
// most last, in creation order: a pass that puts each at its number.
func placeBySeq(entries []*entry, last uint64) []*entry {
	at := make([]*entry, last+1)
	for _, e := range entries {
		at[e.seq] = e
	}
	out := entries[:0]
	for _, e := range at {
		if e != nil {
			out = append(out, e)
		}
	}
	return out
}

func views(entries []*entry) []Child {
	var out []Child
	for _, e := range entries {
		out = append(out, e.view())
	}
	return out
}

// Shutdown stops accepting new children and stops every child, newest
// first: it drains a Graceful child, waits for its Serve to return until ctx
// ends, and cancels it. Once ctx has ended, the children left are cancelled
// together and given eventstream.StopGrace between them to return; those that do not are terminated
// (Terminator) and named in the error Shutdown returns, which wraps
// ctx.Err(); their goroutines end when their Serve returns. Shutdown is
// idempotent and safe from many goroutines: the first call does the work,
// and every call returns its result, or gives up when its own ctx ends
// first.
func (s *Supervisor) Shutdown(ctx context.Context) error {
	first := false
	s.shutdownOnce.Do(func() { first = true })
	if first {
		s.shutdownErr = s.shutdown(ctx)
		close(s.shutdownDone)
		return s.shutdownErr
	}
	select {
	case <-s.shutdownDone:
		return s.shutdownErr
	case <-ctx.Done():
		return fmt.Errorf("supervisor: shutdown still under way in another call: %w", ctx.Err())
	}
}

func (s *Supervisor) shutdown(ctx context.Context) error {
	s.closing.Store(true)
	startsDone := s.awaitStarts(ctx)
	m := beginShutdownMsg{reply: make(chan struct{}, 1)}
	err := s.sendBy(ctx, m)
	switch {
	case errors.Is(err, messages.ErrStopped):
		return nil
	case err != nil:
		// The loop is held (an OnFailure that blocks): finish the
		// shutdown, with the ended ctx, once it answers, so nothing
		// outlives it for long.
		go func() {
			if s.send(context.Background(), m) == nil {
				<-m.reply
				_ = s.stopChildren(ctx, s.collect(all), true)
			}
		}()
		return fmt.Errorf("supervisor: its goroutine did not answer the shutdown: %w", err)
	}
	<-m.reply
	defer s.cancelOnDemand()
	return s.stopChildren(ctx, s.collect(all), startsDone)
}

// all keeps every entry (see collect).
func all(*entry) bool { return true }

// sendBy is send bounded by ctx, plus eventstream.StopGrace once ctx has
// ended, so that a loop that is merely busy still gets the message.
func (s *Supervisor) sendBy(ctx context.Context, m message) error {
	err := s.send(ctx, m)
	if ctx.Err() == nil || err == nil || errors.Is(err, messages.ErrStopped) {
		return err
	}
	grace, cancel := context.WithTimeout(context.Background(), eventstream.StopGrace)
	defer cancel()
	if err := s.send(grace, m); err == nil || errors.Is(err, messages.ErrStopped) {
		return err
	}
	return ctx.Err()
}

// waitStopped waits for the loop to end until ctx ends, plus
// eventstream.StopGrace, and reports whether it did.
func (s *Supervisor) waitStopped(ctx context.Context) bool {
	select {
	case <-s.stopped:
		return true
	case <-ctx.Done():
	}
	grace := time.NewTimer(eventstream.StopGrace)
	defer grace.Stop()
	select {
	case <-s.stopped:
		return true
	case <-grace.C:
		return false
	}
}

// stopChildren stops children newest first (see Shutdown), then ends the
// loop.
func (s *Supervisor) stopChildren(ctx context.Context, children []*entry, startsDone bool) error {
	var late []*entry // cancelled once ctx had ended
	var idle []*entry // stopped while idle, without a goroutine
	for i := len(children) - 1; i >= 0; i-- {
		c := children[i]
		if od, ok := c.svc.(OnDemand); ok && c.attached && od.StopIfIdle() {
			idle = append(idle, c)
			continue
		}
		if ctx.Err() == nil {
			if g, ok := c.svc.(Graceful); ok {
				g.Drain()
				select {
				case <-signal(&c.exited):
					continue
				case <-ctx.Done():
				}
			}
		}
		s.cancel(c)
		if ctx.Err() == nil {
			select {
			case <-signal(&c.exited):
				continue
			case <-ctx.Done():
			}
		}
		late = append(late, c)
	}
	var stuck []string
	if len(late) > 0 {
		grace := time.NewTimer(eventstream.StopGrace) // shared by every late child
		expired := false
		for _, c := range late {
			if !expired {
				select {
				case <-signal(&c.exited):
					continue
				case <-grace.C:
					expired = true
				}
			}
			select {
			case <-signal(&c.exited):
				continue
			default:
			}
			stuck = append(stuck, c.key.kind+"/"+c.key.name)
			if t, ok := c.svc.(Terminator); ok {
				t.Terminate(messages.ErrStopped)
			}
		}
		grace.Stop()
	}
	if len(idle) > 0 {
		select {
		case s.control <- idleStoppedMsg{idle}:
		case <-s.stopped:
		}
	}
	select {
	case s.control <- endMsg{}:
	case <-s.stopped:
	}
	if !s.waitStopped(ctx) {
		stuck = append(stuck, "the supervisor's goroutine")
	}
	if !startsDone {
		stuck = append(stuck, "a child whose Start had not returned")
	}
	if len(stuck) > 0 {
		return fmt.Errorf("supervisor: children did not stop before the deadline: %s: %w", strings.Join(stuck, ", "), ctx.Err())
	}
	return nil
}

// run serves one child in a goroutine owned by the supervisor — Serve, or
// ServeOnDemand for a child served on demand — and reports how it ended:
// a panic as a *messages.PanicError (see ended). It holds no defer frame of
// its own beside ended's, and reportExit is apart from it, so that the
// frames under an idle child's Serve stay small: an idle goroutine's stack
// is most of what an idle child costs.
func (s *Supervisor) run(ctx context.Context, c *entry) {
	defer s.ended(c)
	var err error
	if c.onDemand {
		err = c.svc.(OnDemand).ServeOnDemand(ctx)
	} else {
		err = c.svc.Serve(ctx)
	}
	if err == ErrMoved {
		go s.run(ctx, c)
		return
	}
	if err != ErrIdle {
		s.reportExit(c, err)
	}
}

// ended reports a panic in c's Serve as its exit, with the panic's value
// and stack. It is run's deferred call.
func (s *Supervisor) ended(c *entry) {
	if v := recover(); v != nil {
		s.reportExit(c, &messages.PanicError{Value: v, Stack: debug.Stack()})
	}
}

// reportExit tells the loop that c's Serve returned err.
//
//go:noinline
func (s *Supervisor) reportExit(c *entry, err error) {
	select {
	case s.control <- exitMsg{child: c, err: err}:
	case <-s.stopped:
	}
}

func (s *Supervisor) loop() {
	defer close(s.stopped)
	defer s.ix.clear()
	closing := false
	for {
		switch m := (<-s.control).(type) {
		case endMsg:
			return
		case exitMsg:
			s.exited(m.child, m.err, closing)
		case idleStoppedMsg:
			for _, c := range m.children {
				s.finish(c, Stopped, messages.ErrStopped)
			}
		case beginShutdownMsg:
			closing = true
			m.reply <- struct{}{}
		}
	}
}

// start calls the Start of the child k, returning a panic in it as an
// error.
func start(k key, startFn func() (any, Service, error)) (handle any, svc Service, err error) {
	defer func() {
		if v := recover(); v != nil {
			err = fmt.Errorf("supervisor: starting %s %q: %w", k.kind, k.name, &messages.PanicError{Value: v, Stack: debug.Stack()})
		}
	}()
	handle, svc, err = startFn()
	if err == nil && svc == nil {
		err = fmt.Errorf("supervisor: starting %s %q: Start returned no Service", k.kind, k.name)
	}
	return handle, svc, err
}

// launch starts a goroutine serving c, and marks c Running.
func (s *Supervisor) launch(c *entry) {
	ctx := s.onDemand
	if !c.attached {
		var cancel context.CancelFunc
		ctx, cancel = context.WithCancel(context.Background())
		c.extra().cancel = cancel
	}
	c.setStatus(Running)
	go s.run(ctx, c)
}

// exited decides what happens to a child whose Serve returned.
func (s *Supervisor) exited(c *entry, err error, closing bool) {
	c.cancelServe()
	if err != nil && s.opts.OnFailure != nil {
		s.opts.OnFailure(c.key.kind, c.key.name, err)
	}
	switch {
	case closing || err == nil:
		s.finish(c, Stopped, messages.ErrStopped)
	case !s.mayRestart(c):
		cause := fmt.Errorf("%w: %s %q failed after %d restarts: %v", messages.ErrStopped, c.key.kind, c.key.name, c.restarts.Load(), err)
		s.finish(c, Failed, cause)
		s.publish(eventstream.EventActorFailed, c, err)
	default:
		c.restarts.Add(1)
		s.launch(c)
		s.publish(eventstream.EventActorRestarted, c, err)
	}
}

// mayRestart records a restart if the budget allows one.
func (s *Supervisor) mayRestart(c *entry) bool {
	if s.opts.MaxRestarts < 0 {
		return false
	}
	now := s.opts.Now()
	x := c.extra()
	kept := x.restartT[:0]
	for _, t := range x.restartT {
		if now.Sub(t) < s.opts.RestartWindow {
			kept = append(kept, t)
		}
	}
	if len(kept) >= s.opts.MaxRestarts {
		x.restartT = kept
		return false
	}
	x.restartT = append(kept, now)
	return true
}

func (s *Supervisor) finish(c *entry, status Status, cause error) {
	if Status(c.status.Load()) != Running {
		return // finished already (a Failed child that Shutdown stops again)
	}
	c.cancelServe()
	c.setStatus(status)
	if t, ok := c.svc.(Terminator); ok {
		t.Terminate(cause)
	}
	mark(&c.exited)
}

// cancel ends the context of c's Serve: for an attached child, under the
// shared context, that of every such child (see create).
func (s *Supervisor) cancel(c *entry) {
	if !c.cancelServe() {
		s.cancelOnDemand()
	}
}

func (s *Supervisor) publish(t eventstream.Type, c *entry, err error) {
	if s.opts.Events == nil {
		return
	}
	var pe *messages.PanicError
	text := err.Error()
	if errors.As(err, &pe) {
		text = fmt.Sprintf("panic: %v", pe.Value)
	}
	s.opts.Events.Publish(eventstream.Event{
		Type:    t,
		Pattern: c.key.kind,
		Name:    c.key.name,
		Time:    s.opts.Now(),
		Fields:  eventstream.Fields{Count: c.restarts.Load(), Max: int64(s.opts.MaxRestarts), Err: text},
	})
}

// setStatus records c's status.
func (c *entry) setStatus(st Status) { c.status.Store(uint32(st)) }
