package grpc_test

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strconv"
	"testing"
	"time"

	"go.uber.org/goleak"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
	"google.golang.org/grpc/test/bufconn"

	"github.com/bulwark-go/bulwark/actors/bulkhead"
	"github.com/bulwark-go/bulwark/actors/circuitbreaker"
	"github.com/bulwark-go/bulwark/actors/ratelimit"
	"github.com/bulwark-go/bulwark/actors/retry"
	"github.com/bulwark-go/bulwark/actors/timeout"
	bulwarkgrpc "github.com/bulwark-go/bulwark/adapters/grpc"
	"github.com/bulwark-go/bulwark/engine"
	"github.com/bulwark-go/bulwark/messages"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// health answers by the request's service name: "ok", "fail" (INTERNAL),
// "unavailable", "notfound" (NOT_FOUND), "hang" (until its context ends);
// Watch sends one answer, then holds the stream until release closes.
type health struct {
	healthpb.UnimplementedHealthServer
	calls   chan string
	release chan struct{}
}

func (h *health) Check(ctx context.Context, r *healthpb.HealthCheckRequest) (*healthpb.HealthCheckResponse, error) {
	select {
	case h.calls <- r.Service:
	default:
	}
	switch r.Service {
	case "fail":
		return nil, status.Error(codes.Internal, "backend broke")
	case "unavailable":
		return nil, status.Error(codes.Unavailable, "backend busy")
	case "notfound":
		return nil, status.Error(codes.NotFound, "no such service")
	case "hang":
		<-ctx.Done()
		return nil, ctx.Err()
	}
	return &healthpb.HealthCheckResponse{Status: healthpb.HealthCheckResponse_SERVING}, nil
}

func (h *health) Watch(r *healthpb.HealthCheckRequest, s grpc.ServerStreamingServer[healthpb.HealthCheckResponse]) error {
	if err := s.Send(&healthpb.HealthCheckResponse{Status: healthpb.HealthCheckResponse_SERVING}); err != nil {
		return err
	}
	select {
	case <-h.release:
	case <-s.Context().Done():
	}
	return nil
}

func newEngine(t *testing.T) *engine.Engine {
	t.Helper()
	eng, err := engine.New()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { eng.Shutdown(context.Background()) })
	return eng
}

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

// serve starts h over bufconn with the server options, and returns a
// client with the dial options; everything stops at the end of the test.
func serve(t *testing.T, h *health, sopts []grpc.ServerOption, dopts ...grpc.DialOption) healthpb.HealthClient {
	t.Helper()
	lis := bufconn.Listen(1 << 20)
	srv := grpc.NewServer(sopts...)
	healthpb.RegisterHealthServer(srv, h)
	done := make(chan struct{})
	go func() { defer close(done); srv.Serve(lis) }()
	dopts = append(dopts, grpc.WithTransportCredentials(insecure.NewCredentials()),
		grpc.WithContextDialer(func(ctx context.Context, _ string) (net.Conn, error) { return lis.DialContext(ctx) }))
	conn, err := grpc.NewClient("passthrough:///bufnet", dopts...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		conn.Close()
		srv.Stop()
		<-done
	})
	return healthpb.NewHealthClient(conn)
}

func newHealth() *health { return &health{calls: make(chan string, 64), release: make(chan struct{})} }

// check calls Check for service and returns its code and retry-after.
func check(t *testing.T, c healthpb.HealthClient, service string) (codes.Code, string) {
	t.Helper()
	var md metadata.MD
	_, err := c.Check(context.Background(), &healthpb.HealthCheckRequest{Service: service}, grpc.Trailer(&md))
	ra := ""
	if v := md.Get(bulwarkgrpc.RetryAfterKey); len(v) > 0 {
		ra = v[0]
	}
	return status.Code(err), ra
}

// A server's rate limit answers RESOURCE_EXHAUSTED with retry-after; its
// breaker counts the server's failures (not the caller's NOT_FOUND, not
// the rate limit's refusals) and, open, answers UNAVAILABLE with the time
// left.
func TestServerUnaryRateLimitAndBreaker(t *testing.T) {
	eng := newEngine(t)
	cb := must(circuitbreaker.New(eng, "health", circuitbreaker.Config{FailureThreshold: 2, RecoveryTimeout: 30 * time.Second}))
	l := must(ratelimit.New(eng, "health", ratelimit.Config{}))
	kg := must(l.Guard("all", ratelimit.MustParseRate("4/minute")))
	ui := must(bulwarkgrpc.UnaryServerInterceptor(engine.Policies[any]{CircuitBreaker: cb, RateLimiter: kg}))
	c := serve(t, newHealth(), []grpc.ServerOption{grpc.UnaryInterceptor(ui)})

	for _, tc := range []struct {
		service string
		code    codes.Code
		ra      string
	}{
		{"ok", codes.OK, ""},
		{"notfound", codes.NotFound, ""},
		{"fail", codes.Internal, ""},
		{"unavailable", codes.Unavailable, ""}, // the second failure opens the circuit
		{"ok", codes.Unavailable, "30"},        // open: refused before the rate limit
	} {
		if code, ra := check(t, c, tc.service); code != tc.code || ra != tc.ra {
			t.Fatalf("%s: got %v retry-after %q, want %v %q", tc.service, code, ra, tc.code, tc.ra)
		}
	}
	st := must(cb.Stats(context.Background()))
	if st.Failed != 2 || st.State != circuitbreaker.Open {
		t.Fatalf("breaker: failed %d, state %v: want 2, open", st.Failed, st.State)
	}

	kg2 := must(l.Guard("other", ratelimit.MustParseRate("1/minute")))
	ui2 := must(bulwarkgrpc.UnaryServerInterceptor(engine.Policies[any]{RateLimiter: kg2}))
	c2 := serve(t, newHealth(), []grpc.ServerOption{grpc.UnaryInterceptor(ui2)})
	check(t, c2, "ok")
	code, ra := check(t, c2, "ok")
	if secs, err := strconv.Atoi(ra); code != codes.ResourceExhausted || err != nil || secs < 1 || secs > 60 {
		t.Fatalf("rate limited: got %v retry-after %q, want RESOURCE_EXHAUSTED with 1-60 s", code, ra)
	}
}

// A timeout stage ends a hung call with DEADLINE_EXCEEDED.
func TestServerUnaryTimeout(t *testing.T) {
	eng := newEngine(t)
	to := must(timeout.New(eng, "health", timeout.Config{Timeout: 20 * time.Millisecond, Cooperative: true}))
	ui := must(bulwarkgrpc.UnaryServerInterceptor(engine.Policies[any]{Timeout: timeout.For[any](to)}))
	c := serve(t, newHealth(), []grpc.ServerOption{grpc.UnaryInterceptor(ui)})
	if code, _ := check(t, c, "hang"); code != codes.DeadlineExceeded {
		t.Fatalf("got %v, want DEADLINE_EXCEEDED", code)
	}
}

// A server stream holds its bulkhead slot for its whole life: a second
// stream is refused UNAVAILABLE while the first is open, and admitted once
// it ended.
func TestServerStreamHoldsItsSlot(t *testing.T) {
	eng := newEngine(t)
	bh := must(bulkhead.New(eng, "watch", bulkhead.Config{MaxInFlight: 1}))
	si := must(bulwarkgrpc.StreamServerInterceptor(engine.Policies[any]{Admission: []engine.Guard{bh}}))
	h := newHealth()
	c := serve(t, h, []grpc.ServerOption{grpc.StreamInterceptor(si)})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	first := must(c.Watch(ctx, &healthpb.HealthCheckRequest{}))
	if _, err := first.Recv(); err != nil {
		t.Fatal(err)
	}
	second := must(c.Watch(ctx, &healthpb.HealthCheckRequest{}))
	if _, err := second.Recv(); status.Code(err) != codes.Unavailable {
		t.Fatalf("second stream: got %v, want UNAVAILABLE", err)
	}
	close(h.release)
	if _, err := first.Recv(); err == nil {
		t.Fatal("the first stream did not end")
	}
	third := must(c.Watch(ctx, &healthpb.HealthCheckRequest{}))
	if _, err := third.Recv(); err != nil {
		t.Fatalf("after the first ended: %v", err)
	}
}

// A client's retry re-invokes UNAVAILABLE calls (not NOT_FOUND); its
// breaker opens on the server's failures and then refuses locally, with
// an error that is both UNAVAILABLE and ErrCircuitOpen; a client stream's
// start is refused the same way.
func TestClientInterceptors(t *testing.T) {
	eng := newEngine(t)
	r := must(retry.New(eng, "client", retry.Config{Backoff: retry.Backoff{MaxAttempts: 2, InitialDelay: time.Microsecond}, RetryOn: bulwarkgrpc.Retryable}))
	cb := must(circuitbreaker.New(eng, "client", circuitbreaker.Config{FailureThreshold: 4, RecoveryTimeout: time.Minute}))
	p := engine.Policies[any]{Retry: retry.For[any](r), CircuitBreaker: cb}
	ui := must(bulwarkgrpc.UnaryClientInterceptor(p))
	si := must(bulwarkgrpc.StreamClientInterceptor(p))
	h := newHealth()
	c := serve(t, h, nil, grpc.WithUnaryInterceptor(ui), grpc.WithStreamInterceptor(si))

	calls := func() int {
		n := 0
		for {
			select {
			case <-h.calls:
				n++
			default:
				return n
			}
		}
	}
	if code, _ := check(t, c, "notfound"); code != codes.NotFound || calls() != 1 {
		t.Fatal("NOT_FOUND was retried or changed")
	}
	if code, _ := check(t, c, "unavailable"); code != codes.Unavailable || calls() != 2 {
		t.Fatal("UNAVAILABLE was not retried once")
	}
	check(t, c, "unavailable") // failures 3 and 4: the circuit opens
	calls()
	_, err := c.Check(context.Background(), &healthpb.HealthCheckRequest{Service: "ok"})
	if status.Code(err) != codes.Unavailable || !errors.Is(err, messages.ErrCircuitOpen) || calls() != 0 {
		t.Fatalf("open circuit: got %v, want a local UNAVAILABLE that is ErrCircuitOpen", err)
	}
	if _, err := c.Watch(context.Background(), &healthpb.HealthCheckRequest{}); !errors.Is(err, messages.ErrCircuitOpen) {
		t.Fatalf("stream on an open circuit: got %v", err)
	}
}

func TestServerRefusesRetry(t *testing.T) {
	r := must(retry.New(nil, "r", retry.Config{}))
	var ce *messages.ConfigError
	if _, err := bulwarkgrpc.UnaryServerInterceptor(engine.Policies[any]{Retry: retry.For[any](r)}); !errors.As(err, &ce) || ce.Field != "Policies.Retry" {
		t.Fatalf("got %v", err)
	}
	if _, err := bulwarkgrpc.StreamServerInterceptor(engine.Policies[any]{Retry: retry.For[any](r)}); !errors.As(err, &ce) {
		t.Fatalf("got %v", err)
	}
}

func TestCodeAndClassify(t *testing.T) {
	for _, tc := range []struct {
		err  error
		code codes.Code
		ok   bool
		o    messages.Outcome
	}{
		{&messages.RejectedError{Err: messages.ErrRateLimited}, codes.ResourceExhausted, true, messages.Ignored},
		{&messages.RejectedError{Err: messages.ErrRateLimited, Reason: messages.ReasonBackendUnavailable}, codes.Unavailable, true, messages.Ignored},
		{messages.ErrShed, codes.Unavailable, true, messages.Ignored},
		{messages.ErrTimeout, codes.DeadlineExceeded, true, messages.Failure},
		{context.Canceled, codes.Canceled, true, messages.Ignored},
		{status.Error(codes.NotFound, "x"), codes.OK, false, messages.Success},
		{status.Error(codes.Internal, "x"), codes.OK, false, messages.Failure},
		{errors.New("plain"), codes.OK, false, messages.Failure},
	} {
		code, ok := bulwarkgrpc.Code(tc.err)
		if code != tc.code || ok != tc.ok || bulwarkgrpc.Classify(tc.err) != tc.o {
			t.Errorf("%v: got %v %v %v, want %v %v %v", tc.err, code, ok, bulwarkgrpc.Classify(tc.err), tc.code, tc.ok, tc.o)
		}
	}
}

// A client's retry honours a server's retry-after, up to its MaxDelay: a
// server rate limit's RESOURCE_EXHAUSTED is a *Pushback, retried after the
// wait the server gave, judged by its code (not a failure).
func TestClientHonoursPushback(t *testing.T) {
	srvEng := newEngine(t)
	l := must(ratelimit.New(srvEng, "server", ratelimit.Config{}))
	kg := must(l.Guard("all", ratelimit.MustParseRate("1/minute")))
	ui := must(bulwarkgrpc.UnaryServerInterceptor(engine.Policies[any]{RateLimiter: kg}))

	clock := engine.NewFakeClock(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	cliEng, err := engine.New(engine.WithClock(clock))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cliEng.Shutdown(context.Background()) })
	var delays []time.Duration
	r := must(retry.New(cliEng, "client", retry.Config{Backoff: retry.Backoff{MaxAttempts: 2, InitialDelay: time.Millisecond, MaxDelay: 10 * time.Second},
		JitterKind: retry.NoJitter, RetryOn: bulwarkgrpc.Retryable, OnRetry: func(a retry.Attempt) { delays = append(delays, a.Delay) }}))
	cb := must(circuitbreaker.New(cliEng, "client", circuitbreaker.Config{FailureThreshold: 1}))
	ci := must(bulwarkgrpc.UnaryClientInterceptor(engine.Policies[any]{Retry: retry.For[any](r), CircuitBreaker: cb}))
	c := serve(t, newHealth(), []grpc.ServerOption{grpc.UnaryInterceptor(ui)}, grpc.WithUnaryInterceptor(ci))

	if code, _ := check(t, c, "ok"); code != codes.OK {
		t.Fatalf("first call: %v", code)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() { // the retry's wait is a timer on the client's fake clock
		if clock.WaitForTimers(ctx, 1) == nil {
			clock.Advance(time.Minute)
		}
	}()
	_, err = c.Check(context.Background(), &healthpb.HealthCheckRequest{Service: "ok"})
	var pb *bulwarkgrpc.Pushback
	if status.Code(err) != codes.ResourceExhausted || !errors.As(err, &pb) || pb.RetryAfter < time.Second {
		t.Fatalf("got %v, want RESOURCE_EXHAUSTED as a Pushback", err)
	}
	if len(delays) != 1 || delays[0] != 10*time.Second {
		t.Fatalf("retry waits %v, want [10s] (the server's ~60 s, capped at MaxDelay)", delays)
	}
	if st := must(cb.Stats(context.Background())); st.Failed != 0 {
		t.Fatalf("the client's breaker counted %d failures for a rate limit", st.Failed)
	}
}

// A RateGuard limits per client and per method: a method with its own rate
// is refused on its own, the other methods share the default.
func TestRateGuardPerMethod(t *testing.T) {
	eng := newEngine(t)
	l := must(ratelimit.New(eng, "methods", ratelimit.Config{}))
	rg := must(bulwarkgrpc.NewRateGuard(l, bulwarkgrpc.Rates{Default: "3/minute",
		Methods: map[string]string{"/grpc.health.v1.Health/Check": "1/minute"}}, nil))
	ui := must(bulwarkgrpc.UnaryServerInterceptor(engine.Policies[any]{RateLimiter: rg}))
	si := must(bulwarkgrpc.StreamServerInterceptor(engine.Policies[any]{RateLimiter: rg}))
	h := newHealth()
	close(h.release)
	c := serve(t, h, []grpc.ServerOption{grpc.UnaryInterceptor(ui), grpc.StreamInterceptor(si)})
	var got []codes.Code
	for range 2 {
		code, _ := check(t, c, "ok")
		got = append(got, code)
	}
	for range 4 {
		s, err := c.Watch(context.Background(), &healthpb.HealthCheckRequest{})
		if err == nil {
			_, err = s.Recv()
		}
		got = append(got, status.Code(err))
	}
	want := []codes.Code{codes.OK, codes.ResourceExhausted, codes.OK, codes.OK, codes.OK, codes.ResourceExhausted}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("got %v, want %v", got, want)
	}
	if _, err := bulwarkgrpc.NewRateGuard(l, bulwarkgrpc.Rates{Default: "5/fortnight"}, nil); !errors.Is(err, messages.ErrInvalidConfig) {
		t.Fatalf("a malformed rate: got %v", err)
	}
	if _, err := bulwarkgrpc.NewRateGuard(nil, bulwarkgrpc.Rates{}, nil); !errors.Is(err, messages.ErrInvalidConfig) {
		t.Fatalf("nil limiter: got %v", err)
	}
	if got := bulwarkgrpc.PeerAddr(context.Background()); got != "" {
		t.Fatalf("no peer: got %q", got)
	}
}
