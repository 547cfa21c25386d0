package retry_test

import (
	"context"
	"fmt"
	"time"

	"github.com/bulwark-go/bulwark/actors/retry"
	"github.com/bulwark-go/bulwark/engine"
)

// A budget's share and floor change while retries draw on it; its window
// of calls and retries is kept, and Stats reports the new limit.
func ExampleBudget_Reconfigure() {
	eng, _ := engine.New()
	defer eng.Shutdown(context.Background())
	ctx := context.Background()
	budget, _ := retry.NewBudget(eng, "payments", retry.BudgetConfig{RetryRate: 0.2, MinPerSecond: 1, Window: 10 * time.Second})

	st, _ := budget.Stats(ctx)
	fmt.Println(st.Limit)

	err := budget.Reconfigure(ctx, retry.BudgetConfig{RetryRate: 0.2, MinPerSecond: 5, Window: 10 * time.Second})
	st, _ = budget.Stats(ctx)
	fmt.Println(err, st.Limit, budget.Config().MinPerSecond)
	// Output:
	// 10
	// <nil> 50 5
}
