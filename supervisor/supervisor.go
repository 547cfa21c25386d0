package supervisor

import (
	"cmp"
	"context"
	"errors"
	"fmt"
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
	// OnDemand, if true, serves every child that implements OnDemand only
	// while it has work: an idle one holds no goroutine.
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
	ix      index         // started children by kind and name (see index.go)
	closing atomic.Bool   // set when Shutdown begins: no new children

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
		shutdownDone: make(chan struct{}),
	}
	s.ix.init()
	go s.loop()
	return s, nil
}

// child is the supervisor goroutine's record of one child.
type child struct {
	key      key
	spec     Spec
	handle   any
	svc      Service
	cancel   context.CancelFunc
	status   Status
	restarts []time.Time // restart times within the window
	total    int
	exited   chan struct{} // closed when the child reaches Failed or Stopped
	entry    *entry        // the child in the index, once started
	// ctx, for a child served on demand, is the context of every Serve
	// until the child is finished (cancel ends it); nil otherwise.
	ctx context.Context
	// waiters, while the child's Start runs, are the replies of the
	// callers waiting for it; nil once it has returned.
	waiters []chan getOrCreateReply
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
// name get the same handle, and Start runs once. For a child that exists
// GetOrCreate reads the index, as Lookup does, without a message to the
// supervisor's goroutine; creating one takes a round trip to it.
func (s *Supervisor) GetOrCreate(ctx context.Context, spec Spec) (any, error) {
	if spec.Kind == "" {
		return nil, messages.InvalidConfig("supervisor", "Spec.Kind", `""`, "must not be empty")
	}
	if strings.TrimSpace(spec.Name) == "" {
		return nil, messages.InvalidConfig(spec.Kind, "name", fmt.Sprintf("%q", spec.Name), "must not be empty")
	}
	if spec.Start == nil {
		return nil, messages.InvalidConfig("supervisor", "Spec.Start", "nil", "must be a function")
	}
	if e := s.ix.get(key{spec.Kind, spec.Name}); e != nil && !s.closing.Load() {
		if diff := differences(e.currentConfig(), spec.Config); len(diff) > 0 {
			return nil, &ConflictError{Kind: spec.Kind, Name: spec.Name, Differences: diff}
		}
		return e.handle, nil
	}
	m := getOrCreateMsg{spec: spec, reply: make(chan getOrCreateReply, 1)}
	if err := s.send(ctx, m); err != nil {
		return nil, err
	}
	select {
	case r := <-m.reply:
		return r.handle, r.err
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// Lookup returns the child of the given kind and name. It reads the index
// (no message to the supervisor's goroutine, no allocation) and never
// blocks; a child whose Start has not returned is not found yet, and after
// Shutdown nothing is.
func (s *Supervisor) Lookup(kind, name string) (Child, bool) {
	e := s.ix.get(key{kind, name})
	if e == nil {
		return Child{}, false
	}
	return e.view(), true
}

// Named returns every child called name, of any kind, oldest first. Names
// are unique within a kind (a breaker and a bulkhead may share one, as the
// original's per-pattern registries allowed), so Lookup takes the kind too;
// Named is the look-up by name alone. It reads the index, as List does.
func (s *Supervisor) Named(name string) []Child {
	return s.collect(func(e *entry) bool { return e.key.name == name })
}

// List returns every child, oldest first (nil after Shutdown). It reads
// the index and never blocks: its cost grows with the number of children,
// not with how busy the supervisor is.
func (s *Supervisor) List() []Child {
	return s.collect(func(*entry) bool { return true })
}

// collect returns the views of the entries keep accepts, oldest first.
func (s *Supervisor) collect(keep func(*entry) bool) []Child {
	var found []*entry
	s.ix.table.Load().each(func(e *entry) {
		if keep(e) {
			found = append(found, e)
		}
	})
	slices.SortFunc(found, func(a, b *entry) int { return cmp.Compare(a.seq, b.seq) })
	var out []Child
	for _, e := range found {
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
	m := beginShutdownMsg{reply: make(chan []*child, 1)}
	err := s.sendBy(ctx, m)
	switch {
	case errors.Is(err, messages.ErrStopped):
		return nil
	case err != nil:
		// The loop is held (a Start that blocks): finish the shutdown, with
		// the ended ctx, once it answers, so nothing outlives it for long.
		go func() {
			if s.send(context.Background(), m) == nil {
				_ = s.stopChildren(ctx, <-m.reply)
			}
		}()
		return fmt.Errorf("supervisor: its goroutine did not answer the shutdown: %w", err)
	}
	return s.stopChildren(ctx, <-m.reply)
}

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
func (s *Supervisor) stopChildren(ctx context.Context, children []*child) error {
	var late []*child // cancelled once ctx had ended
	var idle []*child // stopped while idle, without a goroutine
	for i := len(children) - 1; i >= 0; i-- {
		c := children[i]
		if od, ok := c.svc.(OnDemand); ok && c.ctx != nil && od.StopIfIdle() {
			idle = append(idle, c)
			continue
		}
		if ctx.Err() == nil {
			if g, ok := c.svc.(Graceful); ok {
				g.Drain()
				select {
				case <-c.exited:
					continue
				case <-ctx.Done():
				}
			}
		}
		c.cancel()
		if ctx.Err() == nil {
			select {
			case <-c.exited:
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
				case <-c.exited:
					continue
				case <-grace.C:
					expired = true
				}
			}
			select {
			case <-c.exited:
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
	// The loop ends once every Start under way has returned.
	if !s.waitStopped(ctx) {
		stuck = append(stuck, "a child whose Start had not returned")
	}
	if len(stuck) > 0 {
		return fmt.Errorf("supervisor: children did not stop before the deadline: %s: %w", strings.Join(stuck, ", "), ctx.Err())
	}
	return nil
}

// run serves one child in a goroutine owned by the supervisor and reports
// how Serve ended.
func (s *Supervisor) run(ctx context.Context, c *child) {
	if err := serve(ctx, c.svc); err != ErrIdle {
		s.reportExit(c, err)
	}
}

// reportExit tells the loop that c's Serve returned err. It is apart from
// run so that the frames under an idle child's Serve stay small: an idle
// goroutine's stack is most of what an idle child costs.
//
//go:noinline
func (s *Supervisor) reportExit(c *child, err error) {
	select {
	case s.control <- exitMsg{child: c, err: err}:
	case <-s.stopped:
	}
}

// serve calls Serve, turning a panic into a *messages.PanicError.
func serve(ctx context.Context, svc Service) (err error) {
	defer func() {
		if v := recover(); v != nil {
			err = &messages.PanicError{Value: v, Stack: debug.Stack()}
		}
	}()
	return svc.Serve(ctx)
}

func (s *Supervisor) loop() {
	defer close(s.stopped)
	defer s.ix.clear()
	children := map[key]*child{}
	var order []*child
	closing, ending := false, false
	starting := 0 // Starts under way in their own goroutines
	for {
		switch m := (<-s.control).(type) {
		case endMsg:
			ending = true
		case getOrCreateMsg:
			if s.getOrCreate(children, closing, m) {
				starting++
			}
		case startedMsg:
			starting--
			s.started(children, &order, closing, m)
		case exitMsg:
			s.exited(m.child, m.err, closing)
		case idleStoppedMsg:
			for _, c := range m.children {
				s.finish(c, Stopped, messages.ErrStopped)
			}
		case beginShutdownMsg:
			closing = true
			s.closing.Store(true)
			m.reply <- append([]*child(nil), order...)
		}
		if ending && starting == 0 {
			return
		}
	}
}

// getOrCreate answers m, or, for a name not yet known, records the child as
// starting and runs its Start in a goroutine of its own (so that a Start
// that takes long holds neither the loop nor other names), and reports true.
// Callers asking for a child that is starting wait for its Start.
func (s *Supervisor) getOrCreate(children map[key]*child, closing bool, m getOrCreateMsg) bool {
	if closing {
		m.reply <- getOrCreateReply{err: messages.ErrStopped}
		return false
	}
	k := key{m.spec.Kind, m.spec.Name}
	if c, ok := children[k]; ok {
		have := c.spec.Config
		if c.entry != nil {
			have = c.entry.currentConfig()
		}
		switch diff := differences(have, m.spec.Config); {
		case len(diff) > 0:
			m.reply <- getOrCreateReply{err: &ConflictError{Kind: k.kind, Name: k.name, Differences: diff}}
		case c.waiters != nil:
			c.waiters = append(c.waiters, m.reply)
		default:
			m.reply <- getOrCreateReply{handle: c.handle}
		}
		return false
	}
	c := &child{key: k, spec: m.spec, exited: make(chan struct{}), waiters: []chan getOrCreateReply{m.reply}}
	children[k] = c
	go func() {
		handle, svc, err := start(c.spec)
		s.control <- startedMsg{child: c, handle: handle, svc: svc, err: err} // the loop waits for every Start
	}()
	return true
}

// started registers a child whose Start has returned and answers every
// caller waiting for it.
func (s *Supervisor) started(children map[key]*child, order *[]*child, closing bool, m startedMsg) {
	c := m.child
	r := getOrCreateReply{handle: m.handle, err: m.err}
	switch {
	case m.err != nil:
		delete(children, c.key)
	case closing:
		delete(children, c.key)
		if t, ok := m.svc.(Terminator); ok {
			t.Terminate(messages.ErrStopped)
		}
		r = getOrCreateReply{err: messages.ErrStopped}
	default:
		c.handle, c.svc = m.handle, m.svc
		*order = append(*order, c)
		c.entry = s.ix.add(c.key, c.handle, c.spec.Config)
		if od, ok := c.svc.(OnDemand); ok && s.opts.OnDemand {
			ctx, cancel := context.WithCancel(context.Background())
			c.ctx, c.cancel = ctx, cancel
			od.Attach(func() { go s.run(ctx, c) })
		}
		s.launch(c)
	}
	for _, w := range c.waiters {
		w <- r
	}
	c.waiters = nil
}

func start(spec Spec) (handle any, svc Service, err error) {
	defer func() {
		if v := recover(); v != nil {
			err = fmt.Errorf("supervisor: starting %s %q: %w", spec.Kind, spec.Name, &messages.PanicError{Value: v, Stack: debug.Stack()})
		}
	}()
	handle, svc, err = spec.Start()
	if err == nil && svc == nil {
		err = fmt.Errorf("supervisor: starting %s %q: Start returned no Service", spec.Kind, spec.Name)
	}
	return handle, svc, err
}

func (s *Supervisor) launch(c *child) {
	ctx := c.ctx
	if ctx == nil {
		var cancel context.CancelFunc
		ctx, cancel = context.WithCancel(context.Background())
		c.cancel = cancel
	}
	c.setStatus(Running)
	go s.run(ctx, c)
}

// exited decides what happens to a child whose Serve returned.
func (s *Supervisor) exited(c *child, err error, closing bool) {
	if c.ctx == nil {
		c.cancel()
	}
	if err != nil && s.opts.OnFailure != nil {
		s.opts.OnFailure(c.key.kind, c.key.name, err)
	}
	switch {
	case closing || err == nil:
		s.finish(c, Stopped, messages.ErrStopped)
	case !s.mayRestart(c):
		cause := fmt.Errorf("%w: %s %q failed after %d restarts: %v", messages.ErrStopped, c.key.kind, c.key.name, c.total, err)
		s.finish(c, Failed, cause)
		s.publish(eventstream.EventActorFailed, c, err)
	default:
		c.total++
		c.entry.restarts.Store(int64(c.total))
		s.launch(c)
		s.publish(eventstream.EventActorRestarted, c, err)
	}
}

// mayRestart records a restart if the budget allows one.
func (s *Supervisor) mayRestart(c *child) bool {
	if s.opts.MaxRestarts < 0 {
		return false
	}
	now := s.opts.Now()
	kept := c.restarts[:0]
	for _, t := range c.restarts {
		if now.Sub(t) < s.opts.RestartWindow {
			kept = append(kept, t)
		}
	}
	c.restarts = kept
	if len(c.restarts) >= s.opts.MaxRestarts {
		return false
	}
	c.restarts = append(c.restarts, now)
	return true
}

func (s *Supervisor) finish(c *child, status Status, cause error) {
	c.cancel()
	c.setStatus(status)
	if t, ok := c.svc.(Terminator); ok {
		t.Terminate(cause)
	}
	close(c.exited)
}

func (s *Supervisor) publish(t eventstream.Type, c *child, err error) {
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
		Fields:  eventstream.Fields{Count: int64(c.total), Max: int64(s.opts.MaxRestarts), Err: text},
	})
}

// setStatus records c's status, in the index too.
func (c *child) setStatus(st Status) {
	c.status = st
	c.entry.status.Store(uint32(st))
}
