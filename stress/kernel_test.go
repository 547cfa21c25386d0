package stress

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/bulwark-go/bulwark/engine"
	"github.com/bulwark-go/bulwark/engine/enginetest"
	"github.com/bulwark-go/bulwark/engine/kernel"
	"github.com/bulwark-go/bulwark/eventstream"
	"github.com/bulwark-go/bulwark/messages"
	"github.com/bulwark-go/bulwark/stress/internal/closedloop"
)

// chaosMsg asks a chaos actor to echo v, or to panic.
type chaosMsg struct {
	v     int
	panic bool
}

// chaos counts the messages it handled since it (re)started; a restart must
// hand every Serve a fresh behaviour.
type chaos struct{ handled int }

func (c *chaos) Receive(m chaosMsg) (int, error) {
	if m.panic {
		panic("chaos")
	}
	c.handled++
	return m.v, nil
}

// TestSupervisorChaos hammers a few actors from every caller; about one
// call in a hundred makes its actor panic. The panicking call gets a
// *PanicError, every other call its own answer; each panic is one restart
// (counted by the supervisor and announced on the event stream), and the
// handles work afterwards.
func TestSupervisorChaos(t *testing.T) {
	const actors = 8
	eng := enginetest.Start(t, engine.WithRestartBudget(1<<30, time.Minute))
	restarted, err := eng.Events().Subscribe(eventstream.Filter{Types: []eventstream.Type{eventstream.EventActorRestarted}}, 1<<16)
	if err != nil {
		t.Fatal(err)
	}
	var as [actors]*kernel.Actor[chaosMsg, int]
	for i := range as {
		as[i] = spawn(t, eng, "chaos"+string(rune('a'+i)), 0, func() kernel.Behavior[chaosMsg, int] { return &chaos{} })
	}
	var panics [actors]atomic.Int64
	var wrong, ok atomic.Int64
	res := closedloop.Run(closedloop.Config{Goroutines: callers(), Calls: rounds()}, func(w int) func() {
		rng := rand.New(rand.NewPCG(uint64(w), 7))
		ctx := context.Background()
		return func() {
			i := rng.IntN(actors)
			m := chaosMsg{v: rng.Int(), panic: rng.IntN(100) == 0}
			got, err := as[i].Ask(ctx, m)
			var pe *messages.PanicError
			switch {
			case m.panic && errors.As(err, &pe) && pe.Value == "chaos":
				panics[i].Add(1)
			case !m.panic && err == nil && got == m.v:
				ok.Add(1)
			default:
				if wrong.Add(1) <= 5 {
					t.Errorf("actor %d, %+v: got %d, %v", i, m, got, err)
				}
			}
		}
	})
	t.Logf("chaos: %v", &res)
	var total int64
	for i, a := range as {
		// One more call proves the handle works and that the last
		// restart has been recorded (the loop serving it was relaunched).
		if got, err := a.Ask(context.Background(), chaosMsg{v: 42}); err != nil || got != 42 {
			t.Fatalf("actor %d after the chaos: got %d, %v; want 42, nil", i, got, err)
		}
		c, found := eng.Supervisor().Lookup("stress", "chaos"+string(rune('a'+i)))
		if !found || c.Status.String() != "running" || int64(c.Restarts) != panics[i].Load() {
			t.Errorf("actor %d: got %+v, want running with %d restarts", i, c, panics[i].Load())
		}
		total += panics[i].Load()
	}
	if total == 0 {
		t.Fatal("no panic was injected")
	}
	seen := int64(0)
	if !waitFor(10*time.Second, func() bool {
		for {
			select {
			case <-restarted.C():
				seen++
			default:
				return seen >= total
			}
		}
	}) || seen != total {
		t.Errorf("restart events: got %d (dropped %d), want %d", seen, restarted.Dropped(), total)
	}
	if uint64(ok.Load()+total) != res.Calls {
		t.Errorf("answers: got %d ok + %d panics, want %d calls", ok.Load(), total, res.Calls)
	}
}

// TestRestartBudgetFailsPanicLoop: an actor that panics on every message,
// hammered by many callers, is restarted as often as its budget allows and
// then marked failed; every call returns the panic or ErrStopped, later
// calls return ErrStopped, and a healthy neighbour is untouched.
func TestRestartBudgetFailsPanicLoop(t *testing.T) {
	clock := engine.NewFakeClock(time.Unix(1e9, 0)) // the budget's window never passes
	eng := enginetest.Start(t, engine.WithClock(clock), engine.WithRestartBudget(3, time.Minute))
	failed, err := eng.Events().Subscribe(eventstream.Filter{Types: []eventstream.Type{eventstream.EventActorFailed}}, 16)
	if err != nil {
		t.Fatal(err)
	}
	loop := spawn(t, eng, "loop", 0, func() kernel.Behavior[chaosMsg, int] { return &chaos{} })
	healthy := spawn(t, eng, "healthy", 0, func() kernel.Behavior[chaosMsg, int] { return &chaos{} })
	var panicked, stopped, healthyOK atomic.Int64
	n := callers() / 10
	closedloop.Run(closedloop.Config{Goroutines: n, Calls: 5}, func(w int) func() {
		return func() {
			_, err := loop.Ask(context.Background(), chaosMsg{panic: true})
			var pe *messages.PanicError
			switch {
			case errors.As(err, &pe):
				panicked.Add(1)
			case errors.Is(err, messages.ErrStopped):
				stopped.Add(1)
			default:
				t.Errorf("Ask on the panic loop: got %v, want a PanicError or ErrStopped", err)
			}
			if got, err := healthy.Ask(context.Background(), chaosMsg{v: w}); err != nil || got != w {
				t.Errorf("healthy: got %d, %v; want %d", got, err, w)
			} else {
				healthyOK.Add(1)
			}
		}
	})
	select {
	case <-loop.Done():
	case <-time.After(10 * time.Second):
		t.Fatal("the panic loop was never failed")
	}
	if panicked.Load() != 4 { // the first run and 3 restarts each end in one panic
		t.Errorf("panics: got %d, want 4 (1 + 3 restarts)", panicked.Load())
	}
	if _, err := loop.Ask(context.Background(), chaosMsg{v: 1}); !errors.Is(err, messages.ErrStopped) {
		t.Errorf("Ask after failure: got %v, want ErrStopped", err)
	}
	c, _ := eng.Supervisor().Lookup("stress", "loop")
	if c.Status.String() != "failed" || c.Restarts != 3 {
		t.Errorf("loop: got %s with %d restarts, want failed with 3", c.Status, c.Restarts)
	}
	ev := <-failed.C()
	if ev.Name != "loop" {
		t.Errorf("failed event: got %+v", ev)
	}
	select {
	case ev := <-failed.C():
		t.Errorf("a second failed event: %+v", ev)
	default:
	}
	if healthyOK.Load() != int64(n*5) {
		t.Errorf("healthy answers: got %d, want %d", healthyOK.Load(), n*5)
	}
	t.Logf("panic loop: %d panics, %d ErrStopped; healthy answered %d", panicked.Load(), stopped.Load(), healthyOK.Load())
}

// slow takes a little while on each message, so that a mailbox is never
// empty while the callers run.
type slow struct{}

func (slow) Receive(m int) (int, error) {
	for i := 0; i < 200; i++ {
		m ^= i
	}
	return m, nil
}

// TestShutdownWithCallsInFlight shuts the engine down while 1,000 callers
// are in the middle of calls on a busy actor and on a stuck one: every call
// returns (an answer, or ErrStopped), Shutdown names the stuck actor, and no
// goroutine is left behind.
func TestShutdownWithCallsInFlight(t *testing.T) {
	const inFlight = 1000
	eng, err := engine.New()
	if err != nil {
		t.Fatal(err)
	}
	busy := spawn(t, eng, "busy", 64, func() kernel.Behavior[int, int] { return slow{} })
	gate := make(chan struct{})
	entered := make(chan struct{}, 1)
	stuck := spawn(t, eng, "stuck", 64, func() kernel.Behavior[int, int] { return blocker{gate, entered} })
	if err := stuck.Tell(0); err != nil {
		t.Fatal(err)
	}
	<-entered

	var answered, stoppedErr, started atomic.Int64
	var wg sync.WaitGroup
	for i := 0; i < inFlight; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			a := busy
			if i%4 == 0 {
				a = stuck
			}
			started.Add(1)
			for {
				_, err := a.Ask(context.Background(), i+1)
				switch {
				case err == nil:
					answered.Add(1)
				case errors.Is(err, messages.ErrStopped):
					stoppedErr.Add(1)
					return
				default:
					t.Errorf("Ask: got %v, want an answer or ErrStopped", err)
					return
				}
			}
		}()
	}
	waitFor(5*time.Second, func() bool { return started.Load() == inFlight && answered.Load() > inFlight })
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	serr := eng.Shutdown(ctx)
	if serr == nil {
		t.Error("Shutdown: got nil, want an error naming the stuck actor")
	}
	returned := make(chan struct{})
	go func() { wg.Wait(); close(returned) }()
	select {
	case <-returned:
	case <-time.After(10 * time.Second):
		t.Fatal("callers still blocked 10 s after Shutdown")
	}
	close(gate)
	if stoppedErr.Load() != inFlight {
		t.Errorf("callers that saw ErrStopped: got %d, want %d", stoppedErr.Load(), inFlight)
	}
	t.Logf("shutdown: %d answers before it, every caller returned; Shutdown said %v", answered.Load(), serr)
	goleak.VerifyNone(t)
}

// blocker blocks its first message's Receive until gate closes.
type blocker struct {
	gate    chan struct{}
	entered chan struct{}
}

func (b blocker) Receive(m int) (int, error) {
	if m == 0 {
		b.entered <- struct{}{}
		<-b.gate
	}
	return m, nil
}

func init() {
	soakParts = append(soakParts, soakPart{name: "actor", setup: soakActors})
}

// soakActors is the kernel's share of the soak: Asks to four actors, one in
// a thousand panicking; every call must get its own answer or its panic.
func soakActors(t *testing.T) (func(int) func(), func() (string, error)) {
	eng := enginetest.Start(t, engine.WithRestartBudget(1<<30, time.Minute))
	var as [4]*kernel.Actor[chaosMsg, int]
	for i := range as {
		as[i] = spawn(t, eng, "soak"+string(rune('a'+i)), 0, func() kernel.Behavior[chaosMsg, int] { return &chaos{} })
	}
	var ok, panics, wrong atomic.Int64
	newOp := func(w int) func() {
		rng := rand.New(rand.NewPCG(uint64(w), 11))
		ctx := context.Background()
		return func() {
			m := chaosMsg{v: rng.Int(), panic: rng.IntN(1000) == 0}
			got, err := as[rng.IntN(len(as))].Ask(ctx, m)
			var pe *messages.PanicError
			switch {
			case m.panic && errors.As(err, &pe):
				panics.Add(1)
			case !m.panic && err == nil && got == m.v:
				ok.Add(1)
			default:
				wrong.Add(1)
			}
		}
	}
	check := func() (string, error) {
		counts := fmt.Sprintf("ok=%d panics=%d wrong=%d", ok.Load(), panics.Load(), wrong.Load())
		if wrong.Load() != 0 {
			return counts, fmt.Errorf("%d calls got another answer than their own", wrong.Load())
		}
		return counts, nil
	}
	return newOp, check
}
