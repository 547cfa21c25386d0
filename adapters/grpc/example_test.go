package grpc_test

import (
	"context"
	"fmt"
	"net"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
	"google.golang.org/grpc/test/bufconn"

	"github.com/bulwark-go/bulwark/actors/circuitbreaker"
	"github.com/bulwark-go/bulwark/actors/ratelimit"
	bulwarkgrpc "github.com/bulwark-go/bulwark/adapters/grpc"
	"github.com/bulwark-go/bulwark/engine"
)

// A gRPC server behind a circuit breaker and a rate limit (1 call a
// minute here): the second call ends RESOURCE_EXHAUSTED, with the wait in
// its "retry-after" trailer.
func ExampleUnaryServerInterceptor() {
	clock := engine.NewFakeClock(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	eng, _ := engine.New(engine.WithClock(clock))
	defer eng.Shutdown(context.Background())
	cb, _ := circuitbreaker.New(eng, "health", circuitbreaker.Config{FailureThreshold: 5})
	limiter, _ := ratelimit.New(eng, "health", ratelimit.Config{})
	everyone, _ := limiter.Guard("all", ratelimit.MustParseRate("1/minute"))
	unary, err := bulwarkgrpc.UnaryServerInterceptor(engine.Policies[any]{CircuitBreaker: cb, RateLimiter: everyone})
	if err != nil {
		panic(err)
	}
	srv := grpc.NewServer(grpc.UnaryInterceptor(unary))
	healthpb.RegisterHealthServer(srv, &health{calls: make(chan string, 8)})
	lis := bufconn.Listen(1 << 20)
	go srv.Serve(lis)
	defer srv.Stop()

	conn, _ := grpc.NewClient("passthrough:///bufnet", grpc.WithTransportCredentials(insecure.NewCredentials()),
		grpc.WithContextDialer(func(ctx context.Context, _ string) (net.Conn, error) { return lis.DialContext(ctx) }))
	defer conn.Close()
	client := healthpb.NewHealthClient(conn)
	for range 2 {
		var trailer metadata.MD
		_, err := client.Check(context.Background(), &healthpb.HealthCheckRequest{Service: "ok"}, grpc.Trailer(&trailer))
		fmt.Println(status.Code(err), trailer.Get(bulwarkgrpc.RetryAfterKey))
	}
	// Output:
	// OK []
	// ResourceExhausted [60]
}
