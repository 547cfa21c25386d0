// Command dashboard runs a simulated checkout service whose payments
// backend fails in waves, with Bulwark's live dashboard and Prometheus
// metrics beside it. Open the printed URL and watch the breaker open and
// close, the limiters refuse, the adaptive limit move and the events flow:
//
//	go run ./examples/dashboard                # http://127.0.0.1:8080/
//	go run ./examples/dashboard -addr 127.0.0.1:9090 -wave 20s
//
// It binds the loopback interface by default: the dashboard is read-only,
// but it is for operators, not the internet. Ctrl-C stops it.
//
// screenshot.png beside this file is the page after 40 s of it: the
// payments breaker is open (its tile red) on a wave's crest, the per-user
// limiter refuses the greedy user, the adaptive limit has dropped from 40
// to 36, and the log shows the breaker's half-open trials failing.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strconv"
	"sync"
	"syscall"
	"time"

	prom "github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/bulwark-go/bulwark/actors/adaptive"
	"github.com/bulwark-go/bulwark/actors/bulkhead"
	"github.com/bulwark-go/bulwark/actors/circuitbreaker"
	"github.com/bulwark-go/bulwark/actors/fallback"
	"github.com/bulwark-go/bulwark/actors/loadshed"
	"github.com/bulwark-go/bulwark/actors/ratelimit"
	"github.com/bulwark-go/bulwark/actors/retry"
	"github.com/bulwark-go/bulwark/actors/timeout"
	"github.com/bulwark-go/bulwark/adapters/dashboard"
	"github.com/bulwark-go/bulwark/adapters/dashboard/inventory"
	"github.com/bulwark-go/bulwark/adapters/prometheus"
	"github.com/bulwark-go/bulwark/engine"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:8080", "address the dashboard listens on")
	wave := flag.Duration("wave", 30*time.Second, "period of the backend's failure waves")
	workers := flag.Int("workers", 40, "concurrent simulated users")
	flag.Parse()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, config{addr: *addr, wave: *wave, workers: *workers}, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "dashboard:", err)
		os.Exit(1)
	}
}

type config struct {
	addr    string
	wave    time.Duration
	workers int
}

// backend is the payments service: healthy, then failing more and more
// (and slower) as a wave rises, then healthy again.
type backend struct {
	start time.Time
	wave  time.Duration
}

var errDeclined = errors.New("payments: upstream unavailable")

// failRate is the share of calls failing now: 0 for half of each wave,
// rising to 0.95 at the wave's crest.
func (b *backend) failRate() float64 {
	phase := float64(time.Since(b.start)%b.wave) / float64(b.wave)
	return max(0, math.Sin(2*math.Pi*phase)) * 0.95
}

func (b *backend) charge(ctx context.Context) (int, error) {
	p := b.failRate()
	latency := time.Duration(2+rand.IntN(4)+int(40*p)) * time.Millisecond
	select {
	case <-time.After(latency):
	case <-ctx.Done():
		return 0, ctx.Err()
	}
	if rand.Float64() < p {
		return 0, errDeclined
	}
	return 1, nil
}

// service is the checkout's client of payments, every pattern around it.
type service struct {
	users     *ratelimit.Limiter
	shed      *loadshed.Shedder
	charge    *engine.Composition[int]
	stateless []any // the instances no supervisor lists
}

func newService(eng *engine.Engine) (*service, error) {
	users, err := ratelimit.New(eng, "per-user", ratelimit.Config{})
	if err != nil {
		return nil, err
	}
	shed, err := loadshed.New(eng, "checkout", loadshed.Config{MaxInFlight: 64, MaxWaiting: 32})
	if err != nil {
		return nil, err
	}
	breaker, err := circuitbreaker.New(eng, "payments", circuitbreaker.Config{
		FailureThreshold: 8, RecoveryTimeout: 2 * time.Second, SuccessThreshold: 3})
	if err != nil {
		return nil, err
	}
	slots, err := bulkhead.New(eng, "payments", bulkhead.Config{MaxInFlight: 16, MaxWaiting: 16, MaxWait: 50 * time.Millisecond})
	if err != nil {
		return nil, err
	}
	limit, err := adaptive.New(eng, "payments", adaptive.Config{InitialLimit: 20, MinLimit: 2, MaxLimit: 40})
	if err != nil {
		return nil, err
	}
	r, err := retry.New(eng, "payments", retry.Config{Backoff: retry.Backoff{
		MaxAttempts: 3, InitialDelay: 5 * time.Millisecond, MaxDelay: 20 * time.Millisecond}})
	if err != nil {
		return nil, err
	}
	to, err := timeout.New(eng, "payments", timeout.Config{Timeout: 40 * time.Millisecond})
	if err != nil {
		return nil, err
	}
	later, err := fallback.New(eng, "payments", fallback.Config[int]{Chain: []fallback.Func[int]{fallback.Value(-1)}})
	if err != nil {
		return nil, err
	}
	return &service{
		users: users,
		shed:  shed,
		charge: engine.Compose(engine.Policies[int]{
			Fallback:       later,
			Retry:          retry.For[int](r),
			CircuitBreaker: breaker,
			Timeout:        timeout.For[int](to),
			Admission:      []engine.Guard{slots, limit},
		}),
		stateless: []any{r, to, later},
	}, nil
}

// checkout is one user's request: the per-user limit, the shedder, then
// the payment under every other pattern.
func (s *service) checkout(ctx context.Context, user string, b *backend) {
	if s.users.Allow(ctx, user, "20/second") != nil {
		return
	}
	_ = s.shed.Execute(ctx, func(ctx context.Context) error {
		_, err := s.charge.Get(ctx, b.charge)
		return err
	})
}

// load runs workers simulated users until ctx ends; user 0 is greedy.
func load(ctx context.Context, s *service, b *backend, workers int) {
	var wg sync.WaitGroup
	for i := range workers {
		wg.Go(func() {
			user := "user-" + strconv.Itoa(i)
			pause := 20 * time.Millisecond
			if i == 0 {
				pause = time.Millisecond
			}
			for ctx.Err() == nil {
				s.checkout(ctx, user, b)
				select {
				case <-time.After(pause + time.Duration(rand.IntN(20))*time.Millisecond):
				case <-ctx.Done():
				}
			}
		})
	}
	wg.Wait()
}

// run serves the dashboard and the metrics on cfg.addr and drives the
// service until ctx ends, then shuts everything down.
func run(ctx context.Context, cfg config, out io.Writer) error {
	eng, err := engine.New()
	if err != nil {
		return err
	}
	defer func() {
		sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = eng.Shutdown(sctx)
	}()
	svc, err := newService(eng)
	if err != nil {
		return err
	}
	instances := &inventory.Set{}
	for _, h := range svc.stateless {
		if err := instances.Add(h); err != nil {
			return err
		}
	}
	dash, err := dashboard.New(eng, dashboard.Options{Critical: []string{"payments"}, Instances: instances})
	if err != nil {
		return err
	}
	metrics, err := prometheus.New(eng, prometheus.Options{Instances: instances})
	if err != nil {
		return err
	}
	if err := metrics.AddSubscriber("dashboard", dash); err != nil {
		return err
	}
	reg := prom.NewRegistry()
	reg.MustRegister(metrics)
	mux := http.NewServeMux()
	mux.Handle("/", dash)
	mux.Handle("GET /metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{}))

	ln, err := net.Listen("tcp", cfg.addr)
	if err != nil {
		return err
	}
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	fmt.Fprintf(out, "dashboard: http://%s/  (metrics at /metrics, health at /healthz; Ctrl-C stops)\n", ln.Addr())

	load(ctx, svc, &backend{start: time.Now(), wave: cfg.wave}, cfg.workers)

	// The engine first: its shutdown ends the event streams, so the
	// server's shutdown does not wait for the browsers.
	sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := eng.Shutdown(sctx); err != nil {
		return err
	}
	if err := srv.Shutdown(sctx); err != nil {
		return err
	}
	if err := <-served; !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}
