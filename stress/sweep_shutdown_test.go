package stress

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"sync"
	"testing"

	"github.com/bulwark-go/bulwark/actors/circuitbreaker"
	"github.com/bulwark-go/bulwark/engine"
	"github.com/bulwark-go/bulwark/engine/enginetest"
)

// TestSweepsAcrossShutdown: while 32 goroutines create breakers and call
// some of them (each call's goroutine registers for the sweeps, and
// moves once idle), another forces garbage collections back to back, so
// that sweeps run during the creations, the calls and Shutdown. Shutdown
// returns nil within its deadline, every breaker answers ErrStopped
// afterwards, and no goroutine outlives the engine (goleak, in TestMain).
// Repeated over several engines; under -race too.
func TestSweepsAcrossShutdown(t *testing.T) {
	const workers, each = 32, 40
	rounds := 5
	if testing.Short() {
		rounds = 2
	}
	for round := range rounds {
		eng, err := engine.New()
		if err != nil {
			t.Fatal(err)
		}
		stop, collected := make(chan struct{}), make(chan struct{})
		go func() {
			defer close(collected)
			for {
				select {
				case <-stop:
					return
				default:
					runtime.GC()
				}
			}
		}()
		breakers := make([][]*circuitbreaker.Breaker, workers)
		var wg sync.WaitGroup
		for w := range workers {
			wg.Go(func() {
				for i := range each {
					b, err := circuitbreaker.New(eng, fmt.Sprintf("w%d-%d", w, i), circuitbreaker.Config{})
					if err != nil {
						t.Error(err)
						return
					}
					breakers[w] = append(breakers[w], b)
					if i%2 == 0 {
						if _, err := b.Stats(context.Background()); err != nil {
							t.Error(err)
							return
						}
					}
				}
			})
		}
		wg.Wait()
		ctx, cancel := context.WithTimeout(context.Background(), enginetest.ShutdownTimeout)
		err = eng.Shutdown(ctx)
		cancel()
		close(stop)
		<-collected
		if err != nil {
			t.Fatalf("round %d: Shutdown during sweeps: %v", round, err)
		}
		for _, bs := range breakers {
			for _, b := range bs {
				if _, err := b.Stats(context.Background()); !errors.Is(err, engine.ErrStopped) {
					t.Fatalf("round %d: %s after Shutdown: %v, want ErrStopped", round, b.Name(), err)
				}
			}
		}
	}
}
