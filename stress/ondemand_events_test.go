package stress

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/bulwark-go/bulwark/actors/circuitbreaker"
	"github.com/bulwark-go/bulwark/engine"
	"github.com/bulwark-go/bulwark/eventstream"
)

// Under WithOnDemandActors, dozens of goroutines on the real clock call
// breakers whose actors park between calls, so that their outcomes and
// Stats are served by whichever caller finds the actor parked (the Ask's
// own goroutine) or by a worker (a Tell's): without subscribers, and with
// a fast subscriber (its buffer holds every event) beside a stuck one (a
// buffer of one, never read). Every call is counted once, as a success
// or a failure (the circuit never opens), and the fast subscriber sees
// one event per outcome counted; Shutdown leaves no goroutine (goleak).
func TestOnDemandBreakersCountEveryOutcomeWithSubscribers(t *testing.T) {
	for _, subscribed := range []bool{false, true} {
		t.Run(fmt.Sprint("subscribers=", subscribed), func(t *testing.T) {
			eng, err := engine.New(engine.WithOnDemandActors())
			if err != nil {
				t.Fatal(err)
			}
			const breakers, goroutines = 8, 32
			per := 300
			if testing.Short() || raceOn {
				per = 60
			}
			var fast, stuck *eventstream.Subscription
			var successes, failures atomic.Int64
			readerDone := make(chan struct{})
			if subscribed {
				types := []eventstream.Type{eventstream.EventCallSuccess, eventstream.EventCallFailure}
				if fast, err = eng.Events().Subscribe(eventstream.Filter{Types: types}, goroutines*per); err != nil {
					t.Fatal(err)
				}
				if stuck, err = eng.Events().Subscribe(eventstream.Filter{}, 1); err != nil {
					t.Fatal(err)
				}
				go func() {
					defer close(readerDone)
					for ev := range fast.C() {
						if ev.Type == eventstream.EventCallSuccess {
							successes.Add(1)
						} else {
							failures.Add(1)
						}
					}
				}()
			} else {
				close(readerDone)
			}
			bs := make([]*circuitbreaker.Breaker, breakers)
			for i := range bs {
				if bs[i], err = circuitbreaker.New(eng, fmt.Sprint("events", i), circuitbreaker.Config{FailureThreshold: circuitbreaker.LargestFailureThreshold}); err != nil {
					t.Fatal(err)
				}
			}
			boom := errors.New("boom")
			var wg sync.WaitGroup
			for g := range goroutines {
				wg.Go(func() {
					ctx := context.Background()
					b := bs[g%breakers]
					for i := range per {
						err := b.Execute(ctx, func(context.Context) error {
							if i%5 == 0 {
								return boom
							}
							return nil
						})
						if err != nil && !errors.Is(err, boom) {
							t.Error(err)
							return
						}
						if i%10 == 0 {
							if _, err := b.Stats(ctx); err != nil {
								t.Error(err)
								return
							}
						}
						if i%7 == 0 {
							runtime.Gosched()
						}
					}
				})
			}
			wg.Wait()
			var succeeded, failed uint64
			for i, b := range bs {
				st, err := b.Stats(context.Background())
				if err != nil {
					t.Fatal(err)
				}
				want := uint64(goroutines / breakers * per)
				if st.Total != want || st.Succeeded+st.Failed != want || st.Rejected != 0 || st.Failed != want/5 {
					t.Errorf("breaker %d: %+v; want %d calls, %d of them failed, none rejected", i, st, want, want/5)
				}
				succeeded += st.Succeeded
				failed += st.Failed
			}
			if subscribed {
				if !waitFor(10*time.Second, func() bool {
					return uint64(successes.Load()) == succeeded && uint64(failures.Load()) == failed
				}) {
					t.Errorf("fast subscriber: %d successes and %d failures (dropped %d), want %d and %d",
						successes.Load(), failures.Load(), fast.Dropped(), succeeded, failed)
				}
				fast.Close()
				stuck.Close()
			}
			<-readerDone
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			if err := eng.Shutdown(ctx); err != nil {
				t.Fatal(err)
			}
		})
	}
}
