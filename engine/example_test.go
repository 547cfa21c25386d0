package engine_test

import (
	"fmt"
	"time"

	"github.com/bulwark-go/bulwark/engine"
)

// A FakeClock fires timers only when the test moves time.
func ExampleFakeClock() {
	clock := engine.NewFakeClock(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	clock.AfterFunc(time.Minute, func() { fmt.Println("fired at", clock.Now().Format("15:04")) })
	clock.Advance(59 * time.Second)
	fmt.Println("armed timers:", clock.Timers())
	clock.Advance(time.Second)
	// Output:
	// armed timers: 1
	// fired at 00:01
}
