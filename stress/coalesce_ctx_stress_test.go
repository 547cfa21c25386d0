package stress

import (
	"context"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/bulwark-go/bulwark/actors/coalesce"
	"github.com/bulwark-go/bulwark/engine/enginetest"
)

// The execution's context ends when the execution returns, also when its
// Done is first asked for at the moment it returns: 64 callers × rounds()
// calls over 8 keys, with and without an engine, on the real clock. Each
// execution hands its context to a goroutine and returns once that runs;
// the goroutine asks for Done after a short spin (before, during or after
// the end); that Done must close and Err then be non-nil. An execution that asks for Done itself sees it open
// while it runs. A leader that ran the work itself (no engine, a context
// never done) finds the context ended when Do returns.
func TestCoalesceContextEndsWithTheExecution(t *testing.T) {
	for _, withEngine := range []bool{false, true} {
		name := map[bool]string{false: "no engine", true: "engine"}[withEngine]
		t.Run(name, func(t *testing.T) {
			const keys, workers = 8, 64
			var g *coalesce.Group[int]
			var err error
			if withEngine {
				g, err = coalesce.New[int](enginetest.Start(t), "ctx", coalesce.Config{})
			} else {
				g, err = coalesce.New[int](nil, "ctx", coalesce.Config{})
			}
			if err != nil {
				t.Fatal(err)
			}
			var watchers sync.WaitGroup
			var stuck, early, openAfter, executions atomic.Int64
			var wg sync.WaitGroup
			for w := 0; w < workers; w++ {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for r := 0; r < rounds(); r++ {
						var mine context.Context
						_, err := g.Do(context.Background(), string(rune('a'+(w+r)%keys)), func(ctx context.Context) (int, error) {
							executions.Add(1)
							mine = ctx
							if r%3 == 0 {
								select {
								case <-ctx.Done():
									early.Add(1) // ended while running
								default:
								}
							}
							watchers.Add(1)
							var running atomic.Bool
							go func(spins int) {
								defer watchers.Done()
								running.Store(true)
								for i := 0; i < spins; i++ {
									if i%64 == 63 {
										runtime.Gosched()
									}
								}
								select {
								case <-ctx.Done():
									if ctx.Err() == nil {
										stuck.Add(1)
									}
								case <-time.After(5 * time.Second):
									stuck.Add(1)
								}
							}((w * r * 37) % 256)
							for !running.Load() { // the watcher runs beside the end
								runtime.Gosched()
							}
							return 1, nil
						})
						if err != nil {
							t.Errorf("Do: %v", err)
							return
						}
						if !withEngine && mine != nil && mine.Err() == nil {
							openAfter.Add(1) // this caller ran the work: it has returned
						}
					}
				}()
			}
			wg.Wait()
			watchers.Wait()
			switch {
			case executions.Load() == 0:
				t.Fatal("nothing ran")
			case stuck.Load() != 0:
				t.Fatalf("%d of %d contexts not ended after their execution returned", stuck.Load(), executions.Load())
			case early.Load() != 0:
				t.Fatalf("%d contexts ended while their execution ran", early.Load())
			case openAfter.Load() != 0:
				t.Fatalf("%d contexts still open when the leader that ran them returned", openAfter.Load())
			}
		})
	}
}
