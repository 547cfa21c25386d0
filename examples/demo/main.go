// Command demo is Bulwark's main job. It runs an inventory service through
// a healthy spell, an outage, a recovery and a greedy user, with every call behind
// fallback → retry → circuit breaker → timeout → bulkhead and a per-user
// rate limit in front, and prints what each pattern did and what the event
// stream saw. It needs no services and takes about a second:
//
//	go run ./examples/demo
package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"sort"
	"sync"
	"sync/atomic"
	"time"

	"github.com/bulwark-go/bulwark/actors/bulkhead"
	"github.com/bulwark-go/bulwark/actors/circuitbreaker"
	"github.com/bulwark-go/bulwark/actors/fallback"
	"github.com/bulwark-go/bulwark/actors/ratelimit"
	"github.com/bulwark-go/bulwark/actors/retry"
	"github.com/bulwark-go/bulwark/actors/timeout"
	"github.com/bulwark-go/bulwark/engine"
	"github.com/bulwark-go/bulwark/eventstream"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "demo:", err)
		os.Exit(1)
	}
}

// backend is the inventory service: it answers in about a millisecond
// while healthy and fails while down.
type backend struct{ down atomic.Bool }

var errBackendDown = errors.New("inventory: connection refused")

func (b *backend) stock(ctx context.Context) (int, error) {
	select {
	case <-time.After(time.Millisecond):
	case <-ctx.Done():
		return 0, ctx.Err()
	}
	if b.down.Load() {
		return 0, errBackendDown
	}
	return 42, nil
}

// service is the inventory client with every pattern around it.
type service struct {
	limiter  *ratelimit.Limiter
	breaker  *circuitbreaker.Breaker
	retry    *retry.Retry
	timeout  *timeout.Timeout
	slots    *bulkhead.Bulkhead
	fallback *fallback.Fallback[int]
	stock    *engine.Composition[int]
}

func newService(eng *engine.Engine) (*service, error) {
	limiter, err := ratelimit.New(eng, "per-user", ratelimit.Config{})
	if err != nil {
		return nil, err
	}
	breaker, err := circuitbreaker.New(eng, "inventory", circuitbreaker.Config{
		FailureThreshold: 5, RecoveryTimeout: 200 * time.Millisecond, SuccessThreshold: 2})
	if err != nil {
		return nil, err
	}
	r, err := retry.New(eng, "inventory", retry.Config{
		Backoff: retry.Backoff{MaxAttempts: 3, InitialDelay: 2 * time.Millisecond, MaxDelay: 10 * time.Millisecond}})
	if err != nil {
		return nil, err
	}
	to, err := timeout.New(eng, "inventory", timeout.Config{Timeout: 50 * time.Millisecond})
	if err != nil {
		return nil, err
	}
	slots, err := bulkhead.New(eng, "inventory", bulkhead.Config{MaxInFlight: 20, MaxWaiting: 100})
	if err != nil {
		return nil, err
	}
	cached, err := fallback.New(eng, "inventory", fallback.Config[int]{Chain: []fallback.Func[int]{fallback.Value(-1)}})
	if err != nil {
		return nil, err
	}
	return &service{
		limiter:  limiter,
		breaker:  breaker,
		retry:    r,
		timeout:  to,
		slots:    slots,
		fallback: cached,
		stock: engine.Compose(engine.Policies[int]{
			Fallback:       cached,
			Retry:          retry.For[int](r),
			CircuitBreaker: breaker,
			Timeout:        timeout.For[int](to),
			Admission:      []engine.Guard{slots},
		}),
	}, nil
}

// tally counts how the requests of one phase ended.
type tally struct{ served, fromCache, rateLimited, failed atomic.Int64 }

// request is one user's request: the per-user limit, then the composition.
func (s *service) request(ctx context.Context, user string, b *backend, t *tally) {
	if err := s.limiter.Allow(ctx, user, "50/second"); err != nil {
		t.rateLimited.Add(1)
		return
	}
	v, err := s.stock.Get(ctx, b.stock)
	switch {
	case err != nil:
		t.failed.Add(1)
	case v < 0:
		t.fromCache.Add(1)
	default:
		t.served.Add(1)
	}
}

// phase sends requests from users concurrent users, each sending perUser.
func (s *service) phase(name string, users, perUser int, b *backend) {
	var t tally
	var wg sync.WaitGroup
	for u := 0; u < users; u++ {
		wg.Add(1)
		go func(user string) {
			defer wg.Done()
			for i := 0; i < perUser; i++ {
				s.request(context.Background(), user, b, &t)
			}
		}(fmt.Sprintf("user-%d", u))
	}
	wg.Wait()
	st, _ := s.breaker.Stats(context.Background())
	fmt.Printf("%-9s %5d requests: %4d served, %4d from the fallback, %4d rate-limited, %d failed; breaker %s\n",
		name, users*perUser, t.served.Load(), t.fromCache.Load(), t.rateLimited.Load(), t.failed.Load(), st.State)
}

// report prints what each pattern counted, outermost first.
func (s *service) report() error {
	ctx := context.Background()
	fb, err := s.fallback.Stats(ctx)
	if err != nil {
		return err
	}
	r, err := s.retry.Stats(ctx)
	if err != nil {
		return err
	}
	cb, err := s.breaker.Stats(ctx)
	if err != nil {
		return err
	}
	to, err := s.timeout.Stats(ctx)
	if err != nil {
		return err
	}
	bh, err := s.slots.Stats(ctx)
	if err != nil {
		return err
	}
	rl, err := s.limiter.Stats(ctx)
	if err != nil {
		return err
	}
	fmt.Println("\nwhat each pattern counted:")
	fmt.Printf("  rate limiter  %5d allowed, %d rejected, %d keys\n", rl.Accepted, rl.Rejected, rl.ActiveKeys)
	fmt.Printf("  fallback      %5d calls: %d answered by the primary, %d by the fallback, %d failed\n",
		fb.Calls, fb.Succeeded, fb.FellBack, fb.Failed)
	fmt.Printf("  retry         %5d calls, %d attempts (%d failed), %d exhausted, %d not retried, %v waited\n",
		r.Calls, r.Attempts, r.FailedAttempts, r.Exhausted, r.NotRetried, r.TotalDelay.Round(time.Millisecond))
	fmt.Printf("  breaker       %5d decided: %d succeeded, %d failed, %d rejected\n", cb.Total, cb.Succeeded, cb.Failed, cb.Rejected)
	fmt.Printf("  timeout       %5d calls: %d in time, %d failed (%d timed out), %v on average\n",
		to.Calls, to.Succeeded, to.Failed, to.TimedOut, to.AverageTime().Round(10*time.Microsecond))
	fmt.Printf("  bulkhead      %5d accepted, %d rejected, peak %d of %d slots\n", bh.Accepted, bh.Rejected, bh.PeakInFlight, bh.MaxInFlight)
	return nil
}

func run() error {
	eng, err := engine.New()
	if err != nil {
		return err
	}
	counts := map[eventstream.Type]int{}
	var mu sync.Mutex
	events, err := eng.Events().OnFilter(eventstream.Filter{}, 4096, func(e eventstream.Event) {
		mu.Lock()
		counts[e.Type]++
		mu.Unlock()
	})
	if err != nil {
		return err
	}
	svc, err := newService(eng)
	if err != nil {
		return err
	}

	fmt.Println("Bulwark demo: an inventory client behind fallback → retry → circuit breaker → timeout → bulkhead, with 50 requests/second per user")
	b := &backend{}
	svc.phase("healthy", 50, 30, b)

	b.down.Store(true)
	svc.phase("outage", 50, 10, b)

	b.down.Store(false)
	time.Sleep(250 * time.Millisecond) // the breaker's recovery timeout passes
	svc.phase("probing", 1, 5, b)      // trial calls close the circuit
	svc.phase("recovered", 50, 10, b)
	svc.phase("greedy", 1, 200, b) // one user far over its limit

	if err := svc.report(); err != nil {
		return err
	}

	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := eng.Shutdown(ctx); err != nil {
		return err
	}
	events.Close()

	fmt.Println("\nevents seen by a subscriber:")
	types := make([]string, 0, len(counts))
	for t := range counts {
		types = append(types, string(t))
	}
	sort.Strings(types)
	for _, t := range types {
		fmt.Printf("  %-20s %6d\n", t, counts[eventstream.Type(t)])
	}
	_, err = svc.breaker.Stats(context.Background())
	fmt.Println("\nafter shutdown the breaker answers:", err)
	v, err := svc.stock.Get(context.Background(), b.stock)
	fmt.Println("and a call through the composition runs nothing, not even the fallback:", v, err)
	return nil
}
