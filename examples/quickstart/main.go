// Command quickstart is the README's quick start: a circuit breaker and a
// retry around one call, composed, with every event logged.
package main

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/bulwark-go/bulwark/actors/circuitbreaker"
	"github.com/bulwark-go/bulwark/actors/retry"
	"github.com/bulwark-go/bulwark/engine"
	"github.com/bulwark-go/bulwark/eventstream"
)

func main() {
	ctx := context.Background()
	eng, _ := engine.New() // silent by default; engine.WithLogger(z) to log
	defer eng.Shutdown(ctx)
	eng.Events().On(eventstream.EventCircuitOpened, func(e eventstream.Event) { fmt.Println("opened:", e.Name) })

	cb, _ := circuitbreaker.New(eng, "payments", circuitbreaker.Config{FailureThreshold: 3})
	r, _ := retry.New(eng, "payments", retry.Config{Backoff: retry.Backoff{MaxAttempts: 3, InitialDelay: time.Millisecond}})
	pay := engine.Compose(engine.Policies[string]{Retry: retry.For[string](r), CircuitBreaker: cb})

	_, err := pay.Get(ctx, func(ctx context.Context) (string, error) { return "", errors.New("declined") })
	fmt.Println(err) // three attempts, then the breaker opens
	_, err = pay.Get(ctx, func(ctx context.Context) (string, error) { return "ok", nil })
	fmt.Println(errors.Is(err, circuitbreaker.ErrOpen)) // true: rejected without calling
}
