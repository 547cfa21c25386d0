package ratelimit_test

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/bulwark-go/bulwark/actors/ratelimit"
	"github.com/bulwark-go/bulwark/engine"
	"github.com/bulwark-go/bulwark/messages"
)

func Example() {
	clock := engine.NewFakeClock(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	eng, _ := engine.New(engine.WithClock(clock))
	defer eng.Shutdown(context.Background())

	limiter, err := ratelimit.New(eng, "api", ratelimit.Config{})
	if err != nil {
		panic(err)
	}
	ctx := context.Background()
	for i := range 3 {
		err := limiter.Allow(ctx, "user_123", "2/second")
		if retry, limited := messages.RetryAfter(err); limited {
			fmt.Printf("request %d: limited, retry after %v\n", i+1, retry)
			continue
		}
		fmt.Printf("request %d: allowed\n", i+1)
	}
	clock.Advance(500 * time.Millisecond)
	fmt.Println("after 500ms:", limiter.Allow(ctx, "user_123", "2/second"))
	// Output:
	// request 1: allowed
	// request 2: allowed
	// request 3: limited, retry after 500ms
	// after 500ms: <nil>
}

func ExampleParseRate() {
	r, err := ratelimit.ParseRate("100/m")
	fmt.Println(r, r.Interval(), err)
	_, err = ratelimit.ParseRate("10/week")
	fmt.Println(err)
	fmt.Println(errors.Is(err, messages.ErrInvalidConfig))
	// Output:
	// 100/minute 600ms <nil>
	// ratelimit: invalid rate "10/week": unknown period "week" (want second, minute, hour or day, plural or s/m/h/d)
	// true
}

func ExampleLimiter_Check() {
	eng, _ := engine.New(engine.WithClock(engine.NewFakeClock(time.Unix(0, 0))))
	defer eng.Shutdown(context.Background())
	limiter, _ := ratelimit.New(eng, "login", ratelimit.Config{Algorithm: ratelimit.SlidingWindow})

	ctx := context.Background()
	for range 4 {
		res, _ := limiter.Check(ctx, "10.0.0.1", "3/minute")
		fmt.Printf("%v %v %q\n", res.Allowed, res.RetryAfter, res.Reason)
	}
	// Output:
	// true 0s ""
	// true 0s ""
	// true 0s ""
	// false 1m20s "rate_limit_exceeded"
}

// A key known in advance (one upstream, one tenant) is bound once: each
// decision then skips parsing, hashing and the key look-up.
func ExampleLimiter_Guard() {
	eng, _ := engine.New(engine.WithClock(engine.NewFakeClock(time.Unix(0, 0))))
	defer eng.Shutdown(context.Background())
	limiter, _ := ratelimit.New(eng, "upstream", ratelimit.Config{})

	payments, err := limiter.Guard("payments-api", ratelimit.MustParseRate("2/second"))
	if err != nil {
		panic(err)
	}
	ctx := context.Background()
	for i := range 3 {
		fmt.Printf("call %d: %v\n", i+1, payments.Allow(ctx))
	}
	_, err = limiter.Guard("payments-api", ratelimit.Rate{Count: 0, Period: time.Second})
	fmt.Println(err)
	// Output:
	// call 1: <nil>
	// call 2: <nil>
	// call 3: bulwark: rate limited (ratelimit "upstream", reason rate_limit_exceeded, retry after 500ms)
	// ratelimit: invalid rate "0/1s": count must be at least 1
}

func ExampleLimiter_Reconfigure() {
	eng, _ := engine.New()
	defer eng.Shutdown(context.Background())

	limiter, err := ratelimit.New(eng, "api", ratelimit.Config{Shards: 1})
	if err != nil {
		panic(err)
	}
	ctx := context.Background()
	_ = limiter.Allow(ctx, "user_123", "1/hour")
	// Cap the keys held: the limited key is kept (forgetting it would reset
	// its limit), so the cap is full and a new key waits.
	if err := limiter.Reconfigure(ctx, ratelimit.Config{Shards: 1, MaxKeys: 1}); err != nil {
		panic(err)
	}
	err = limiter.Allow(ctx, "user_123", "1/hour")
	fmt.Println("user_123 still limited:", errors.Is(err, ratelimit.ErrLimited))
	res, _ := limiter.Check(ctx, "user_456", "1/hour")
	fmt.Println("user_456:", res.Reason)
	// A new algorithm starts every key afresh.
	if err := limiter.Reconfigure(ctx, ratelimit.Config{Shards: 1, Algorithm: ratelimit.SlidingWindow}); err != nil {
		panic(err)
	}
	fmt.Println("user_123 under the sliding window:", limiter.Allow(ctx, "user_123", "1/hour"))
	// Output:
	// user_123 still limited: true
	// user_456: key_limit
	// user_123 under the sliding window: <nil>
}
