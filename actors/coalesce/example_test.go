package coalesce_test

import (
	"context"
	"fmt"
	"runtime"
	"sync"

	"github.com/bulwark-go/bulwark/actors/coalesce"
)

func Example() {
	g, err := coalesce.New[string](nil, "profiles", coalesce.Config{})
	if err != nil {
		panic(err)
	}
	release := make(chan struct{})
	load := func(ctx context.Context) (string, error) {
		<-release // a slow lookup that all ten callers share
		return "profile of user 42", nil
	}
	var wg sync.WaitGroup
	results := make([]string, 10)
	for i := range results {
		wg.Add(1)
		go func() {
			defer wg.Done()
			results[i], _ = g.Do(context.Background(), "user:42", load)
		}()
	}
	for st, _ := g.Stats(context.Background()); st.Leaders+st.Followers < 10; st, _ = g.Stats(context.Background()) {
		runtime.Gosched() // until all ten are waiting
	}
	close(release)
	wg.Wait()
	st, _ := g.Stats(context.Background())
	fmt.Println(results[9], st.Leaders, st.Followers)
	// Output: profile of user 42 1 9
}
