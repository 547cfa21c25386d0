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

	"github.com/bulwark-go/bulwark/actors/coalesce"
	"github.com/bulwark-go/bulwark/engine"
	"github.com/bulwark-go/bulwark/engine/enginetest"
	"github.com/bulwark-go/bulwark/messages"
)

// numbered is the error, or the panic value, of execution n of a key.
type numbered int64

func (n numbered) Error() string { return fmt.Sprint("execution ", int64(n)) }

// A call never gets the result of an execution that had returned before
// the call began, but for a success kept for reuse: 48 callers ×
// 40·rounds() calls over 4 keys, on the real clock, with and without an
// engine, without ReuseFor and with 500µs. The executions of a key are
// numbered as they start; each caller notes the highest number any call
// of its key has returned, then calls: its number must be higher (that
// execution had closed before the call began, so the call cannot have
// joined it), or, with ReuseFor, the same if it is a success. The
// executions return a value, an error or a panic, and some ask for Done
// while callers join and wait, so the waiters' channel, the context's
// Done and the close race; half the callers can never leave, so without
// an engine their leaders run the work themselves. Every answer is its
// execution's own (value, error or panic), and no caller waits past its
// deadline.
func TestCoalesceNoJoinAfterTheResult(t *testing.T) {
	for _, tc := range []struct {
		withEngine bool
		reuse      time.Duration
	}{{false, 0}, {true, 0}, {false, 500 * time.Microsecond}, {true, 500 * time.Microsecond}} {
		withEngine, reuse := tc.withEngine, tc.reuse
		t.Run(fmt.Sprint("engine=", withEngine, ",reuse=", reuse), func(t *testing.T) {
			const keys, workers = 4, 48
			var eng *engine.Engine // nil: the Group runs on the real clock and never stops
			if withEngine {
				eng = enginetest.Start(t)
			}
			g, err := coalesce.New[int64](eng, "join", coalesce.Config{ReuseFor: reuse})
			if err != nil {
				t.Fatal(err)
			}
			var seq, seen [keys]atomic.Int64
			var stale, wrong, stuck atomic.Int64
			var wg sync.WaitGroup
			for w := 0; w < workers; w++ {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for r := 0; r < 40*rounds(); r++ {
						k := (w + r) % keys
						before := seen[k].Load()
						ctx, cancel := context.Background(), context.CancelFunc(func() {})
						if w%2 == 0 { // the others' leaders run the work themselves (no engine)
							ctx, cancel = context.WithTimeout(ctx, 10*time.Second)
						}
						v, err := g.Do(ctx, fmt.Sprint("key-", k), func(ctx context.Context) (int64, error) {
							n := seq[k].Add(1)
							for i := int64(0); i < n%4; i++ {
								runtime.Gosched() // some executions run while callers join
							}
							if n%3 == 0 {
								select {
								case <-ctx.Done():
									return n, errors.New("ended while running")
								default:
								}
							}
							switch n % 5 {
							case 1:
								return 0, numbered(n)
							case 2:
								panic(numbered(n))
							}
							return n, nil
						})
						cancel()
						var n int64
						var pe *messages.PanicError
						var ne numbered
						switch {
						case err == nil:
							n = v
						case errors.Is(err, context.DeadlineExceeded):
							stuck.Add(1)
							continue
						case errors.As(err, &pe):
							ne, _ = pe.Value.(numbered)
							n = int64(ne)
						case errors.As(err, &ne):
							n = int64(ne)
						}
						switch {
						case n <= 0 || (err == nil) != (n%5 != 1 && n%5 != 2) || (pe != nil) != (n%5 == 2):
							wrong.Add(1)
						case n < before || (n == before && (reuse == 0 || err != nil)):
							stale.Add(1)
						}
						for m := seen[k].Load(); n > m && !seen[k].CompareAndSwap(m, n); m = seen[k].Load() {
						}
					}
				}()
			}
			wg.Wait()
			s, _ := g.Stats(context.Background())
			drained := waitFor(5*time.Second, func() bool { return g.InFlight() == 0 && g.Kept() == 0 })
			switch {
			case stuck.Load() != 0:
				t.Fatalf("%d callers waited 10 s", stuck.Load())
			case wrong.Load() != 0:
				t.Fatalf("%d answers not their execution's", wrong.Load())
			case stale.Load() != 0:
				t.Fatalf("%d calls got the result of an execution that had returned before they began", stale.Load())
			case s.Followers == 0 || (reuse > 0) != (s.Reused > 0):
				t.Fatalf("%+v: no call joined an execution, or reuse %v and %d reused", s, reuse, s.Reused)
			case !drained:
				t.Fatalf("%d keys still in flight, %d kept", g.InFlight(), g.Kept())
			}
		})
	}
}
