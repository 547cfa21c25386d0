// Command quickstart is the README's quick start: a circuit breaker and a
// retry around one call, composed, with the circuit's opening printed.
package main

import (
	"context"
	"errors"
	"fmt"
	"log"
	"time"

	"github.com/bulwark-go/bulwark/actors/circuitbreaker"
	"github.com/bulwark-go/bulwark/actors/retry"
	"github.com/bulwark-go/bulwark/engine"
	"github.com/bulwark-go/bulwark/eventstream"
)

func main() {
	ctx := context.Background()
	eng, err := engine.New() // silent by default; engine.WithLogger(z) to log
	if err != nil {
		log.Fatal(err)
	}
	defer eng.Shutdown(ctx)
	eng.Events().On(eventstream.EventCircuitOpened, func(e eventstream.Event) { fmt.Println("opened:", e.Name) })

	cb, err := circuitbreaker.New(eng, "payments", circuitbreaker.Config{FailureThreshold: 3})
	if err != nil {
		log.Fatal(err) // a *messages.ConfigError names the field and the value
	}
	r, err := retry.New(eng, "payments", retry.Config{Backoff: retry.Backoff{MaxAttempts: 3, InitialDelay: time.Millisecond}})
	if err != nil {
		log.Fatal(err)
	}
	pay := engine.Compose(engine.Policies[string]{Retry: retry.For[string](r), CircuitBreaker: cb})

	_, err = pay.Get(ctx, func(ctx context.Context) (string, error) { return "", errors.New("declined") })
	fmt.Println(err) // three attempts, then the breaker opens
	_, err = pay.Get(ctx, func(ctx context.Context) (string, error) { return "ok", nil })
	fmt.Println(errors.Is(err, circuitbreaker.ErrOpen)) // true: rejected without calling
}
