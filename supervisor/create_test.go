package supervisor_test

import (
	"context"
	"errors"
	"fmt"
	"runtime/metrics"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/bulwark-go/bulwark/messages"
	"github.com/bulwark-go/bulwark/supervisor"
)

// TestCreateNeedsNoSupervisorGoroutine: creating and finding children
// sends no message to the supervisor's goroutine, so they go on while it
// is held (here by an OnFailure that waits, which real ones must not do).
func TestCreateNeedsNoSupervisorGoroutine(t *testing.T) {
	gate, held := make(chan struct{}), make(chan struct{})
	var once sync.Once
	s := start(t, supervisor.Options{MaxRestarts: supervisor.NoRestart, OnFailure: func(string, string, error) {
		once.Do(func() { close(held) })
		<-gate
	}})
	defer s.Shutdown(context.Background())
	defer close(gate) // before Shutdown, which needs the supervisor's goroutine
	var serves atomic.Int32
	if _, err := s.GetOrCreate(context.Background(), supervisor.Spec{Kind: "k", Name: "fails",
		Start: func() (any, supervisor.Service, error) { return nil, flaky{serves: &serves, fails: 1}, nil }}); err != nil {
		t.Fatal(err)
	}
	<-held
	ctx, cancel := context.WithTimeout(context.Background(), hang)
	defer cancel()
	for i := range 100 {
		name := fmt.Sprint("new-", i)
		if h, err := s.GetOrCreate(ctx, spec("k", name)); err != nil || h != name {
			t.Fatalf("GetOrCreate(%s) while the supervisor's goroutine is held: %v, %v", name, h, err)
		}
		if c, ok := s.Lookup("k", name); !ok || c.Status != supervisor.Running {
			t.Fatalf("Lookup(%s): %+v, %v", name, c, ok)
		}
	}
}

// TestFailedStartFreesTheName: callers racing for a name whose Start
// fails (or panics) all get its error (those that found the Start under
// way get the error of that run); the name is free afterwards, and the next
// GetOrCreate starts it afresh.
func TestFailedStartFreesTheName(t *testing.T) {
	for _, how := range []string{"error", "panic"} {
		t.Run(how, func(t *testing.T) {
			s := newSupervisor(t)
			var starts atomic.Int32
			gate := make(chan struct{})
			failing := supervisor.Spec{Kind: "k", Name: "n", Config: config{Threshold: 1}, Start: func() (any, supervisor.Service, error) {
				starts.Add(1)
				<-gate
				if how == "panic" {
					panic("no backend")
				}
				return nil, nil, errors.New("no backend")
			}}
			const callers = 32
			errs := make(chan error, callers)
			for range callers {
				go func() {
					_, err := s.GetOrCreate(context.Background(), failing)
					errs <- err
				}()
			}
			for starts.Load() == 0 { // until one caller runs Start, the others find its name taken or wait
				time.Sleep(time.Millisecond) // polling a count no clock decides
			}
			close(gate)
			for range callers {
				if err := <-errs; err == nil || !strings.Contains(err.Error(), "no backend") {
					t.Fatalf("a caller got %v, want Start's error", err)
				}
			}
			if n := starts.Load(); n < 1 || n > callers {
				t.Fatalf("Start ran %d times", n)
			}
			if _, ok := s.Lookup("k", "n"); ok {
				t.Fatal("Lookup found a child whose Start failed")
			}
			if len(s.List()) != 0 {
				t.Fatalf("List: %+v, want nothing", s.List())
			}
			before := starts.Load()
			if h, err := s.GetOrCreate(context.Background(), spec("k", "n")); err != nil || h != "n" {
				t.Fatalf("GetOrCreate after the failed Start: %v, %v", h, err)
			}
			if starts.Load() != before {
				t.Fatal("the failed spec's Start ran again")
			}
		})
	}
}

// counted is a service that counts its Serves running and its
// terminations.
type counted struct {
	running, terminated *atomic.Int32
}

func (c counted) Serve(ctx context.Context) error {
	c.running.Add(1)
	defer c.running.Add(-1)
	<-ctx.Done()
	return nil
}

func (c counted) Terminate(error) { c.terminated.Add(1) }

// TestShutdownRacingCreates: dozens of goroutines create children (new
// names and shared ones) while Shutdown runs. Every GetOrCreate returns a
// handle or ErrStopped; once Shutdown has returned nothing is running,
// every service a Start made was terminated, and nothing is found.
func TestShutdownRacingCreates(t *testing.T) {
	for round := range 10 {
		s := start(t, supervisor.Options{})
		var running, terminated, started atomic.Int32
		mk := func(name string) supervisor.Spec {
			return supervisor.Spec{Kind: "k", Name: name, Start: func() (any, supervisor.Service, error) {
				started.Add(1)
				return name, counted{&running, &terminated}, nil
			}}
		}
		var wg sync.WaitGroup
		errs := make(chan error, 64)
		begin := make(chan struct{})
		for g := range 32 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-begin
				for i := 0; ; i++ {
					name := fmt.Sprintf("g%d-%d", g, i)
					if i%2 == 1 {
						name = fmt.Sprint("shared-", i%7)
					}
					h, err := s.GetOrCreate(context.Background(), mk(name))
					switch {
					case errors.Is(err, messages.ErrStopped):
						return
					case err != nil || h != name:
						errs <- fmt.Errorf("GetOrCreate(%s) = %v, %v", name, h, err)
						return
					}
				}
			}()
		}
		close(begin)
		for started.Load() < int32(10*round) {
			time.Sleep(100 * time.Microsecond) // let some creations happen first; how many does not matter
		}
		ctx, cancel := context.WithTimeout(context.Background(), hang)
		if err := s.Shutdown(ctx); err != nil {
			t.Fatalf("round %d: Shutdown: %v", round, err)
		}
		cancel()
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Fatal(err)
		}
		if n := running.Load(); n != 0 {
			t.Fatalf("round %d: %d services still running after Shutdown", round, n)
		}
		if st, te := started.Load(), terminated.Load(); st != te {
			t.Fatalf("round %d: %d services started, %d terminated", round, st, te)
		}
		if l := s.List(); l != nil {
			t.Fatalf("round %d: List after Shutdown: %d children", round, len(l))
		}
	}
}

// TestConcurrentCreatorsGrowTheIndex: dozens of goroutines create
// thousands of names at once (each name asked for by two of them), while
// the index doubles many times under them; every name has one child, its
// Start ran once, and List holds each once, in creation order.
func TestConcurrentCreatorsGrowTheIndex(t *testing.T) {
	s := newSupervisor(t)
	n := 5000
	if testing.Short() {
		n = 2000
	}
	const writers = 32
	var starts sync.Map // name → *atomic.Int32
	mk := func(name string) supervisor.Spec {
		return supervisor.Spec{Kind: "k", Name: name, Start: func() (any, supervisor.Service, error) {
			c, _ := starts.LoadOrStore(name, new(atomic.Int32))
			c.(*atomic.Int32).Add(1)
			return name, idle{}, nil
		}}
	}
	var wg sync.WaitGroup
	errs := make(chan error, writers)
	for w := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			// Writers w and w+writers/2 ask for the same names.
			for i := w % (writers / 2); i < n; i += writers / 2 {
				name := fmt.Sprint("c", i)
				if h, err := s.GetOrCreate(context.Background(), mk(name)); err != nil || h != name {
					errs <- fmt.Errorf("GetOrCreate(%s) = %v, %v", name, h, err)
					return
				}
				if c, ok := s.Lookup("k", name); !ok || c.Handle != name {
					errs <- fmt.Errorf("Lookup(%s) = %+v, %v after GetOrCreate", name, c, ok)
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	list := s.List()
	if len(list) != n {
		t.Fatalf("List: %d children, want %d", len(list), n)
	}
	seen := map[string]bool{}
	for _, c := range list {
		if seen[c.Name] {
			t.Fatalf("List holds %s twice", c.Name)
		}
		seen[c.Name] = true
	}
	starts.Range(func(k, v any) bool {
		if got := v.(*atomic.Int32).Load(); got != 1 {
			t.Errorf("%s: Start ran %d times", k, got)
		}
		return true
	})
}

// attachOnly is an OnDemand service that never has work: it keeps the
// wake function Attach gives it and never calls it.
type attachOnly struct{ attached *atomic.Int32 }

func (a attachOnly) Serve(context.Context) error         { return supervisor.ErrIdle }
func (a attachOnly) Attach(supervisor.Waker)             { a.attached.Add(1) }
func (a attachOnly) StopIfIdle() bool                    { return true }
func (a attachOnly) ServeOnDemand(context.Context) error { return supervisor.ErrIdle }
func (a attachOnly) Drain()                              {}

// goroutinesCreated reads how many goroutines the process has created.
func goroutinesCreated() uint64 {
	s := []metrics.Sample{{Name: "/sched/goroutines-created:goroutines"}}
	metrics.Read(s)
	return s[0].Value.Uint64()
}

// TestOnDemandChildIsNotServedUntilWoken: under Options.OnDemand a new
// child is attached, not served: creating one starts no goroutine.
func TestOnDemandChildIsNotServedUntilWoken(t *testing.T) {
	s := start(t, supervisor.Options{OnDemand: true})
	defer s.Shutdown(context.Background())
	var attached atomic.Int32
	const n = 100
	before := goroutinesCreated()
	for i := range n {
		if _, err := s.GetOrCreate(context.Background(), supervisor.Spec{Kind: "k", Name: fmt.Sprint(i),
			Start: func() (any, supervisor.Service, error) { return i, attachOnly{&attached}, nil }}); err != nil {
			t.Fatal(err)
		}
	}
	if got := goroutinesCreated() - before; got >= n/2 { // the runtime may start a few of its own
		t.Fatalf("creating %d on-demand children started %d goroutines, want none of theirs", n, got)
	}
	if got := attached.Load(); got != n {
		t.Fatalf("Attach called %d times, want %d", got, n)
	}
	if c, ok := s.Lookup("k", "7"); !ok || c.Status != supervisor.Running {
		t.Fatalf("Lookup of an attached child: %+v, %v; want it Running", c, ok)
	}
}
