package stress

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/bulwark-go/bulwark/actors/circuitbreaker"
	"github.com/bulwark-go/bulwark/engine/enginetest"
	"github.com/bulwark-go/bulwark/eventstream"
)

// TestBreakerReconfigureUnderLoad: 48 goroutines on the real clock call
// Execute with a fixed mix (of every ten calls of a goroutine, one fails,
// one is cancelled, eight succeed) while another goroutine switches the
// breaker between two configs as fast as Reconfigure returns. Neither
// config can open on that mix in any interleaving: the window's outcomes
// of one goroutine hold a failure at most every nine, so 100 of them hold
// at most 48 + 52/9 < 54 failures (under both rates, 0.6 and 0.8), and a
// run of failures holds at most one per goroutine (48, under both
// thresholds, 60 and 90). So the circuit never leaves CLOSED, every call
// is counted once as what its caller saw, the generation never moves, and
// every Reconfigure publishes exactly one config_changed event. Then a
// config that the mix does open opens the circuit at its next failure.
//
// "window shape" switches between a count-based window and a time-based
// one (each Reconfigure starts an empty window, and the successes of the
// fast path switch between the striped counters alone and the counters of
// the window's current bucket): a time-based window holds a failure at most
// every nine outcomes of a goroutine too, so at most (100 + 8*48)/9 < 54 of
// any 100 it holds (MinimumCalls).
func TestBreakerReconfigureUnderLoad(t *testing.T) {
	t.Run("thresholds", func(t *testing.T) {
		breakerReconfigureUnderLoad(t, [2]circuitbreaker.Config{
			{FailureThreshold: 60, OpenAtFailureRate: 0.6, WindowSize: 100, MinimumCalls: 100},
			{FailureThreshold: 90, OpenAtFailureRate: 0.8, WindowSize: 100, MinimumCalls: 100},
		})
	})
	t.Run("window shape", func(t *testing.T) {
		breakerReconfigureUnderLoad(t, [2]circuitbreaker.Config{
			{FailureThreshold: 60, OpenAtFailureRate: 0.6, WindowSize: 100, MinimumCalls: 100},
			{FailureThreshold: 90, OpenAtFailureRate: 0.8, WindowType: circuitbreaker.TimeBased,
				WindowDuration: 50 * time.Millisecond, MinimumCalls: 100},
		})
	})
}

func breakerReconfigureUnderLoad(t *testing.T, configs [2]circuitbreaker.Config) {
	const goroutines = 48
	per := 2000
	if testing.Short() {
		per = 300
	}
	eng := enginetest.Start(t)
	const maxFlips = 20000
	events, err := eng.Events().Subscribe(eventstream.Filter{Types: []eventstream.Type{eventstream.EventConfigChanged}}, maxFlips+1)
	if err != nil {
		t.Fatal(err)
	}
	defer events.Close()
	opened, err := eng.Events().Subscribe(eventstream.Filter{Types: []eventstream.Type{eventstream.EventStateChange}}, 16)
	if err != nil {
		t.Fatal(err)
	}
	defer opened.Close()
	br, err := circuitbreaker.New(eng, "reconf", configs[0])
	if err != nil {
		t.Fatal(err)
	}

	boom := errors.New("boom")
	var ok, failed, ignored, rejected, other atomic.Uint64
	var callers, flipper sync.WaitGroup
	done := make(chan struct{})
	flips := 0
	flipper.Add(1)
	go func() {
		defer flipper.Done()
		for ; flips < maxFlips; flips++ {
			select {
			case <-done:
				return
			default:
			}
			want := configs[(flips+1)%2]
			if err := br.Reconfigure(context.Background(), want); err != nil {
				t.Errorf("Reconfigure %d: %v", flips, err)
				return
			}
			if got := br.Config(); got.FailureThreshold != want.FailureThreshold || got.OpenAtFailureRate != want.OpenAtFailureRate {
				t.Errorf("flip %d: Config() = %+v after Reconfigure returned, want %+v", flips, got, want)
				return
			}
			if st, _ := br.State(); st != circuitbreaker.Closed {
				t.Errorf("flip %d: the circuit is %v", flips, st)
				return
			}
		}
	}()
	for g := 0; g < goroutines; g++ {
		callers.Add(1)
		go func() {
			defer callers.Done()
			for k := 0; k < per; k++ {
				var want error
				switch k % 10 {
				case 1:
					want = boom
				case 2:
					want = context.Canceled
				}
				err := br.Execute(context.Background(), func(context.Context) error { return want })
				switch {
				case err == nil:
					ok.Add(1)
				case errors.Is(err, boom):
					failed.Add(1)
				case errors.Is(err, context.Canceled):
					ignored.Add(1)
				case errors.Is(err, circuitbreaker.ErrOpen):
					rejected.Add(1)
				default:
					other.Add(1)
				}
			}
		}()
	}
	callers.Wait()
	close(done)
	flipper.Wait()
	if t.Failed() {
		return
	}

	s, err := br.Stats(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	calls := uint64(goroutines * per)
	if s.Succeeded != ok.Load() || s.Failed != failed.Load() || s.Ignored != ignored.Load() || s.Rejected != rejected.Load() || other.Load() != 0 {
		t.Fatalf("got %+v; callers saw ok %d failed %d ignored %d rejected %d other %d",
			s, ok.Load(), failed.Load(), ignored.Load(), rejected.Load(), other.Load())
	}
	if s.Total != s.Succeeded+s.Failed+s.Rejected || s.Total+s.Ignored != calls || s.Misused != 0 {
		t.Fatalf("got total %d (+%d ignored, %d misused), want %d calls", s.Total, s.Ignored, s.Misused, calls)
	}
	if s.Rejected != 0 || s.State != circuitbreaker.Closed || s.Generation != 1 || len(opened.C()) != 0 {
		t.Fatalf("got %d rejected, %v at generation %d, %d state changes; want the circuit never to leave CLOSED",
			s.Rejected, s.State, s.Generation, len(opened.C()))
	}
	if s.WindowFailureRate >= 0.6 {
		t.Fatalf("got a window of %d calls at %v, want it under 0.6", s.WindowCalls, s.WindowFailureRate)
	}
	if n := len(events.C()); n != flips {
		t.Fatalf("got %d config_changed events for %d reconfigurations", n, flips)
	}
	last := configs[flips%2]
	if again, err := circuitbreaker.New(eng, "reconf", last); err != nil || again != br {
		t.Fatalf("New with the config in force: got %p, %v; want the same breaker", again, err)
	}
	t.Logf("%d calls, %d reconfigurations, ok %d failed %d ignored %d", calls, flips, s.Succeeded, s.Failed, s.Ignored)

	// A config that the mix opens: the next failure opens the circuit.
	if err := br.Reconfigure(context.Background(), circuitbreaker.Config{FailureThreshold: 1}); err != nil {
		t.Fatal(err)
	}
	_ = br.Execute(context.Background(), func(context.Context) error { return boom })
	if st, _ := br.State(); st != circuitbreaker.Open {
		t.Fatalf("got %v after a failure with FailureThreshold 1, want open", st)
	}
}
