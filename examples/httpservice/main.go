// Command httpservice is a net/http service behind Bulwark, for copying:
// one composite middleware (a per-client rate limit with a tighter rate on
// one route, a timeout, a bulkhead) in front of the handlers, and a
// retrying client with a circuit breaker per downstream host behind them.
//
// It needs no other service: the downstream "inventory" API runs inside,
// on a loopback port. By default it starts, sends a few requests to
// itself, prints each one as a curl line with its answer, and exits; with
// -serve it keeps serving on -addr until interrupted, for curl:
//
//	go run ./examples/httpservice -serve
//	curl -i localhost:8080/orders/42      # 200, the stock from the inventory
//	curl -i localhost:8080/orders/7       # 3 a minute per client, then 429
//	curl -i localhost:8080/slow           # 504 after 200 ms
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"sync/atomic"
	"time"

	"github.com/bulwark-go/bulwark/actors/bulkhead"
	"github.com/bulwark-go/bulwark/actors/circuitbreaker"
	"github.com/bulwark-go/bulwark/actors/ratelimit"
	"github.com/bulwark-go/bulwark/actors/retry"
	"github.com/bulwark-go/bulwark/actors/timeout"
	"github.com/bulwark-go/bulwark/adapters/httpclient"
	"github.com/bulwark-go/bulwark/adapters/httpmw"
	"github.com/bulwark-go/bulwark/engine"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:8080", "address to serve on with -serve")
	serveFlag := flag.Bool("serve", false, "keep serving until interrupted instead of running the demo requests")
	flag.Parse()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := run(ctx, *addr, *serveFlag, os.Stdout); err != nil {
		log.Fatal(err)
	}
}

// run starts the inventory and the service; with serve it serves until
// ctx ends, else it sends the demo requests to itself and returns.
func run(ctx context.Context, addr string, serve bool, out io.Writer) error {
	eng, err := engine.New()
	if err != nil {
		return err
	}
	defer eng.Shutdown(context.Background())

	inventory, err := listen("127.0.0.1:0", inventoryAPI())
	if err != nil {
		return err
	}
	defer inventory.Close()

	h, err := service(eng, "http://"+inventory.addr)
	if err != nil {
		return err
	}
	if !serve {
		addr = "127.0.0.1:0"
	}
	svc, err := listen(addr, h)
	if err != nil {
		return err
	}
	defer svc.Close()
	if serve {
		fmt.Fprintf(out, "serving on http://%s (inventory on %s); Ctrl-C stops\n", svc.addr, inventory.addr)
		<-ctx.Done()
		return nil
	}
	return demo(ctx, "http://"+svc.addr, out)
}

// service is the application: its routes behind one composite middleware,
// calling the inventory through a retrying client.
func service(eng *engine.Engine, inventoryURL string) (http.Handler, error) {
	// Per client (its address; trust forwarding headers only from proxies
	// you list in ClientIP), 3 order look-ups a minute and 60 requests a
	// minute anywhere else.
	limiter, err := ratelimit.New(eng, "clients", ratelimit.Config{})
	if err != nil {
		return nil, err
	}
	mux := http.NewServeMux()
	perClient, err := httpmw.NewRateGuard(limiter, httpmw.Rates{
		Default: "60/minute",
		Routes:  map[string]string{"GET /orders/{id}": "3/minute"},
		Mux:     mux, // the middleware runs before mux sets r.Pattern: mux finds it
	}, nil)
	if err != nil {
		return nil, err
	}
	// Each request gets 200 ms; at most 64 run at once, none waits.
	perRequest, err := timeout.New(eng, "request", timeout.Config{Timeout: 200 * time.Millisecond, Cooperative: true})
	if err != nil {
		return nil, err
	}
	slots, err := bulkhead.New(eng, "handlers", bulkhead.Config{MaxInFlight: 64})
	if err != nil {
		return nil, err
	}

	// Calls to the inventory: 3 attempts for what is safe to repeat, a
	// breaker per downstream host.
	client, err := httpclient.NewRetryTransport(eng, nil, httpclient.RetryConfig{
		Name:    "downstream",
		Retry:   retry.Config{Backoff: retry.Backoff{MaxAttempts: 3, InitialDelay: 20 * time.Millisecond, MaxDelay: time.Second}},
		Breaker: &circuitbreaker.Config{FailureThreshold: 5, RecoveryTimeout: 10 * time.Second},
	})
	if err != nil {
		return nil, err
	}
	inventory := &http.Client{Transport: client}

	mux.HandleFunc("GET /orders/{id}", func(w http.ResponseWriter, r *http.Request) {
		req, _ := http.NewRequestWithContext(r.Context(), http.MethodGet, inventoryURL+"/stock/"+r.PathValue("id"), nil)
		resp, err := inventory.Do(req)
		if err != nil {
			httpmw.WriteError(w, err) // an open circuit: 503 with its Retry-After
			return
		}
		defer resp.Body.Close()
		var stock struct{ Count int }
		if resp.StatusCode != http.StatusOK || json.NewDecoder(resp.Body).Decode(&stock) != nil {
			w.WriteHeader(http.StatusBadGateway)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(map[string]any{"order": r.PathValue("id"), "in_stock": stock.Count})
	})
	mux.HandleFunc("GET /slow", func(w http.ResponseWriter, r *http.Request) {
		select { // a handler that respects its context
		case <-time.After(time.Second):
			io.WriteString(w, "done\n")
		case <-r.Context().Done():
		}
	})

	mw, err := httpmw.Compose(engine.Policies[httpmw.Served]{
		RateLimiter: perClient,
		Timeout:     timeout.For[httpmw.Served](perRequest),
		Admission:   []engine.Guard{slots},
	}, httpmw.Options{})
	if err != nil {
		return nil, err
	}
	return mw(mux), nil
}

// inventoryAPI is the downstream service: each stock look-up fails once
// with 503 (the client retries it), then answers.
func inventoryAPI() http.Handler {
	var n atomic.Int64
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if n.Add(1)%2 == 1 {
			http.Error(w, "busy", http.StatusServiceUnavailable)
			return
		}
		json.NewEncoder(w).Encode(map[string]int{"count": 7})
	})
}

// demo sends the README's requests and prints each with its answer.
func demo(ctx context.Context, base string, out io.Writer) error {
	c := &http.Client{Transport: &http.Transport{}}
	defer c.CloseIdleConnections()
	for _, path := range []string{"/orders/42", "/orders/7", "/orders/42", "/orders/42", "/slow"} {
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, base+path, nil)
		resp, err := c.Do(req)
		if err != nil {
			return err
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		fmt.Fprintf(out, "$ curl -i localhost:8080%s\n%s %s\n", path, resp.Proto, resp.Status)
		for _, h := range []string{"Retry-After", "RateLimit", "RateLimit-Policy"} {
			if v := resp.Header.Get(h); v != "" {
				fmt.Fprintf(out, "%s: %s\n", h, v)
			}
		}
		fmt.Fprintf(out, "%s\n\n", strings.TrimSpace(string(body)))
	}
	return nil
}

// server is a listening HTTP server.
type server struct {
	addr string
	srv  *http.Server
	done chan error
}

func listen(addr string, h http.Handler) (*server, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, err
	}
	s := &server{addr: ln.Addr().String(), srv: &http.Server{Handler: h, ReadHeaderTimeout: 5 * time.Second}, done: make(chan error, 1)}
	go func() { s.done <- s.srv.Serve(ln) }()
	return s, nil
}

// Close stops the server, letting requests in flight finish for a second.
func (s *server) Close() error {
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	err := s.srv.Shutdown(ctx)
	if serr := <-s.done; !errors.Is(serr, http.ErrServerClosed) {
		return serr
	}
	return err
}
