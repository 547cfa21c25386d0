package circuitbreaker

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/bulwark-go/bulwark/eventstream"
	"github.com/bulwark-go/bulwark/messages"
)

// §14.4: under 1,000 concurrent callers no more than HalfOpenMaxCalls
// trials are ever in flight.
func TestHalfOpenAdmissionCap(t *testing.T) {
	for _, max := range []int{1, 3} {
		t.Run(fmt.Sprint("max ", max), func(t *testing.T) {
			eng, fc := newFake(t)
			// A listener that yields on every state change (what broke the original).
			if _, err := eng.Events().On(eventstream.EventStateChange, func(eventstream.Event) { runtime.Gosched() }); err != nil {
				t.Fatal(err)
			}
			b := mustNew(t, eng, "trial", Config{FailureThreshold: 1, HalfOpenMaxCalls: max, SuccessThreshold: 100, RecoveryTimeout: time.Second})
			openIt(t, b, 1)
			fc.Advance(time.Second)

			const callers = 1000
			var (
				inFlight, peak, admitted atomic.Int64
				acquired, finished       sync.WaitGroup
				gate                     = make(chan struct{})
				start                    = make(chan struct{})
			)
			acquired.Add(callers)
			finished.Add(callers)
			for i := 0; i < callers; i++ {
				go func() {
					defer finished.Done()
					<-start
					p, err := b.Acquire(context.Background())
					if err != nil {
						acquired.Done()
						if !errors.Is(err, ErrOpen) {
							t.Errorf("got %v, want ErrOpen", err)
						}
						return
					}
					n := inFlight.Add(1)
					for {
						old := peak.Load()
						if n <= old || peak.CompareAndSwap(old, n) {
							break
						}
					}
					admitted.Add(1)
					acquired.Done()
					<-gate
					inFlight.Add(-1)
					b.Release(p, messages.Success)
				}()
			}
			close(start)
			acquired.Wait()
			close(gate)
			finished.Wait()
			if a, p := admitted.Load(), peak.Load(); a != int64(max) || p != int64(max) {
				t.Fatalf("admitted %d, peak in flight %d; want %d and %d", a, p, max, max)
			}
			s := stats(t, b)
			if s.Rejected != uint64(callers-max) || s.Succeeded != uint64(max) || s.State != HalfOpen || s.HalfOpenInFlight != 0 {
				t.Fatalf("got %+v, want %d rejected, %d ok, half_open with no trial in flight", s, callers-max, max)
			}
		})
	}
}

// 10,000 concurrent mixed calls: every call is counted exactly once, and
// Total = Succeeded + Failed + Rejected.
func TestExactCountsUnderConcurrency(t *testing.T) {
	eng := newEngine(t, nil)
	b := mustNew(t, eng, "mixed", Config{FailureThreshold: 5, RecoveryTimeout: time.Millisecond,
		HalfOpenMaxCalls: 3, HalfOpenLease: time.Minute, MailboxSize: 64})
	const workers, per = 1000, 10
	var c seen
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for i := 0; i < per; i++ {
				c.call(t, b, mixed(w+i, 4))
			}
		}(w)
	}
	wg.Wait()
	s := stats(t, b)
	c.check(t, s, workers*per)
	t.Logf("ok %d failed %d ignored %d rejected %d, %d generations", s.Succeeded, s.Failed, s.Ignored, s.Rejected, s.Generation)
}

// §14.5: a hung trial loses its lease on the fake clock and counts as a
// failure; HALF_OPEN is not wedged and the late report is not counted twice.
func TestHungProbeLease(t *testing.T) {
	eng, fc := newFake(t)
	b := mustNew(t, eng, "hung", Config{FailureThreshold: 1, RecoveryTimeout: 10 * time.Second, HalfOpenLease: 2 * time.Second})
	openIt(t, b, 1)
	fc.Advance(10 * time.Second)
	hung, err := b.Acquire(context.Background())
	if err != nil {
		t.Fatalf("trial: %v", err)
	}
	if err := b.Execute(context.Background(), okFn); !errors.Is(err, ErrOpen) {
		t.Fatalf("second trial: got %v, want ErrOpen (half_open_full)", err)
	}
	fc.Advance(2 * time.Second) // the lease ends: the timer reclaims it
	if s := stats(t, b); s.State != Open || s.Failed != 2 || s.HalfOpenInFlight != 0 || s.OpenRemaining != 10*time.Second {
		t.Fatalf("got %+v, want open again for 10s with the trial failed", s)
	}
	fc.Advance(10 * time.Second)
	if err := b.Execute(context.Background(), okFn); err != nil {
		t.Fatalf("new trial: got %v, want admitted", err)
	}
	b.Release(hung, messages.Success) // at last
	if s := stats(t, b); s.Succeeded != 1 || s.Failed != 2 || s.State != HalfOpen {
		t.Fatalf("got %+v, want 1 ok, 2 failed, half_open", s)
	}
}

// §14.14: a failure reported late, by a call admitted before the circuit
// opened, does not extend the open period.
func TestLateFailureDoesNotExtend(t *testing.T) {
	eng, fc := newFake(t)
	b := mustNew(t, eng, "late", Config{FailureThreshold: 1, RecoveryTimeout: 10 * time.Second})
	early, err := b.Acquire(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	openIt(t, b, 1)
	fc.Advance(9 * time.Second)
	b.Release(early, messages.Failure)
	if s := stats(t, b); s.Failed != 2 || s.OpenRemaining != time.Second {
		t.Fatalf("got failed %d, remaining %v; want 2 and 1s", s.Failed, s.OpenRemaining)
	}
	fc.Advance(time.Second)
	if err := b.Execute(context.Background(), okFn); err != nil {
		t.Fatalf("got %v, want a trial admitted 10s after opening", err)
	}
}

// §14.6: a listener that calls back into the breaker does not deadlock.
func TestListenerCallsBack(t *testing.T) {
	eng, _ := newFake(t)
	var b *Breaker
	got := make(chan Stats, 16)
	if _, err := eng.Events().On(eventstream.EventStateChange, func(ev eventstream.Event) {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		s, err := b.Stats(ctx)
		if err != nil {
			t.Errorf("Stats in listener: %v", err)
		}
		_ = b.Execute(ctx, okFn) // rejected: the circuit is open
		if ev.Fields.NewState == "open" {
			_ = b.Reset(ctx)
		}
		got <- s
	}); err != nil {
		t.Fatal(err)
	}
	b = mustNew(t, eng, "reentrant", Config{FailureThreshold: 1})
	_ = b.Execute(context.Background(), failFn)
	select {
	case s := <-got:
		if s.State != Open {
			t.Fatalf("listener saw %v, want open", s.State)
		}
	case <-time.After(5 * time.Second):
		t.Fatalf("listener blocked: deadlock")
	}
	select { // the Reset from the listener closed the circuit: one more state change
	case <-got:
	case <-time.After(5 * time.Second):
		t.Fatalf("no second state change")
	}
	if s := stats(t, b); s.State != Closed {
		t.Fatalf("got %v, want closed after the listener's Reset", s.State)
	}
}

// A context that has ended before a half-open Acquire gives up without
// taking a trial slot.
func TestHalfOpenAcquireWithEndedContext(t *testing.T) {
	eng, fc := newFake(t)
	b := mustNew(t, eng, "ctx", Config{FailureThreshold: 1, RecoveryTimeout: time.Second})
	openIt(t, b, 1)
	fc.Advance(time.Second)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := b.Acquire(ctx); !errors.Is(err, context.Canceled) {
		t.Fatalf("got %v, want context.Canceled", err)
	}
	if err := b.Execute(context.Background(), okFn); err != nil {
		t.Fatalf("got %v, want the trial slot still free", err)
	}
}
