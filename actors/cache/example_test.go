package cache_test

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/bulwark-go/bulwark/actors/cache"
	"github.com/bulwark-go/bulwark/engine"
)

func Example() {
	c, err := cache.New[string](nil, "users", cache.Config{TTL: time.Minute}, nil)
	if err != nil {
		panic(err)
	}
	lookups := 0
	lookup := func(context.Context) (string, error) { lookups++; return "Ada", nil }
	for range 3 {
		name, _ := c.Get(context.Background(), "user:42", lookup)
		fmt.Println(name)
	}
	st, _ := c.Stats(context.Background())
	fmt.Printf("%d lookup, %d hits of %d calls\n", lookups, st.Hits, st.Calls)
	// Output:
	// Ada
	// Ada
	// Ada
	// 1 lookup, 2 hits of 3 calls
}

// A cache in a composition takes its key from the context; a "not found"
// is cached for a short while (negative caching).
func Example_composition() {
	errNotFound := errors.New("not found")
	c, _ := cache.New[string](nil, "users", cache.Config{
		TTL:         time.Minute,
		NegativeTTL: 5 * time.Second,
		Negative:    func(err error) bool { return errors.Is(err, errNotFound) },
	}, nil)
	get := engine.Chain(engine.UsePolicy(cache.For(c)))
	lookups := 0
	lookup := func(context.Context) (string, error) { lookups++; return "", errNotFound }
	ctx := cache.WithKey(context.Background(), "user:7")
	for range 2 {
		_, err := get.Get(ctx, lookup)
		fmt.Println(err)
	}
	fmt.Println("lookups:", lookups)
	// Output:
	// not found
	// not found
	// lookups: 1
}
