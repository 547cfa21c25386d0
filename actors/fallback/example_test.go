package fallback_test

import (
	"context"
	"errors"
	"fmt"

	"github.com/bulwark-go/bulwark/actors/fallback"
)

func Example() {
	cache := func(context.Context, error) (string, error) { return "", errors.New("cache miss") }
	f, err := fallback.New(nil, "profile", fallback.Config[string]{
		Chain: []fallback.Func[string]{cache, fallback.Value("default profile")},
	})
	if err != nil {
		panic(err)
	}
	v, err := f.Do(context.Background(), func(context.Context) (string, error) {
		return "", errors.New("backend down")
	})
	fmt.Println(v, err)
	// Output: default profile <nil>
}

func ExampleFallback_Stats() {
	f, _ := fallback.New(nil, "profile", fallback.Config[string]{Chain: []fallback.Func[string]{fallback.Value("default")}})
	ok := func(context.Context) (string, error) { return "alice", nil }
	down := func(context.Context) (string, error) { return "", errors.New("backend down") }
	_, _ = f.Do(context.Background(), ok)
	_, _ = f.Do(context.Background(), down)
	st, _ := f.Stats(context.Background())
	fmt.Printf("%d calls, %d by the primary, %d by the fallback, fallback rate %.2f\n", st.Calls, st.Succeeded, st.FellBack, st.FallbackRate())
	// Output: 2 calls, 1 by the primary, 1 by the fallback, fallback rate 0.50
}
