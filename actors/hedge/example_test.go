package hedge_test

import (
	"context"
	"fmt"
	"sync/atomic"
	"time"

	"github.com/bulwark-go/bulwark/actors/hedge"
)

func Example() {
	h, err := hedge.New(nil, "search", hedge.Config{Delay: 10 * time.Millisecond})
	if err != nil {
		panic(err)
	}
	var calls atomic.Int32
	v, err := hedge.Do(context.Background(), h, func(ctx context.Context) (string, error) {
		if calls.Add(1) == 1 { // only the first attempt is slow

			<-ctx.Done() // cancelled once the hedge has won
			return "", ctx.Err()
		}
		return "from the hedge", nil
	})
	st, _ := h.Stats(context.Background())
	fmt.Println(v, err, st.Hedges, st.Won)
	// Output: from the hedge <nil> 1 1
}
