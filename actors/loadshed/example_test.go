package loadshed_test

import (
	"context"
	"errors"
	"fmt"

	"github.com/bulwark-go/bulwark/actors/loadshed"
	"github.com/bulwark-go/bulwark/engine"
	"github.com/bulwark-go/bulwark/messages"
)

func Example() {
	eng, _ := engine.New()
	defer eng.Shutdown(context.Background())

	s, err := loadshed.New(eng, "api", loadshed.Config{MaxInFlight: 2})
	if err != nil {
		panic(err)
	}
	ctx := context.Background()
	p, _ := s.Acquire(ctx) // one of two slots: 50 %, normal
	low, err := s.AcquirePriority(ctx, messages.Low)
	fmt.Println("low at 50 %:", err == nil)
	s.Release(low, messages.Success)
	p2, _ := s.AcquirePriority(ctx, messages.Critical)
	err = s.Execute(ctx, func(context.Context) error { return nil })
	var rej *messages.RejectedError
	fmt.Println("full:", errors.Is(err, loadshed.ErrShed), errors.As(err, &rej) && rej.Reason == loadshed.ReasonQueueFull)
	s.Release(p, messages.Success)
	s.Release(p2, messages.Success)

	st, _ := s.Stats(ctx)
	fmt.Println("in flight:", st.InFlight, "shed:", st.Rejected, "level:", st.Level)
	// Output:
	// low at 50 %: true
	// full: true true
	// in flight: 0 shed: 1 level: normal
}

// A Signal plugs an outside load level (a CPU sampler, say) into the
// shedder. It sheds only while calls are in flight: an idle shedder's
// first call is admitted whatever the Signal says.
type cpuLevel struct{ level loadshed.LoadLevel }

func (c *cpuLevel) Level() loadshed.LoadLevel { return c.level }

func ExampleSignal() {
	eng, _ := engine.New()
	defer eng.Shutdown(context.Background())

	cpu := &cpuLevel{level: loadshed.LevelHigh}
	s, _ := loadshed.New(eng, "system", loadshed.Config{Signal: cpu})
	ctx := context.Background()
	first, err := s.Acquire(ctx)
	fmt.Println("first call at high CPU:", err)
	_, err = s.Acquire(ctx)
	fmt.Println("normal at high CPU:", err)
	p, err := s.AcquirePriority(ctx, messages.High)
	fmt.Println("high at high CPU:", err)
	s.Release(p, messages.Success)
	s.Release(first, messages.Success)
	// Output:
	// first call at high CPU: <nil>
	// normal at high CPU: bulwark: load shed (loadshed "system", reason signal_level)
	// high at high CPU: <nil>
}

func ExampleShedder_Reconfigure() {
	eng, _ := engine.New()
	defer eng.Shutdown(context.Background())

	ctx := context.Background()
	s, _ := loadshed.New(eng, "api", loadshed.Config{MaxInFlight: 100})
	p, _ := s.Acquire(ctx)
	// A tenth of the room from now on: the call in flight stays.
	if err := s.Reconfigure(ctx, loadshed.Config{MaxInFlight: 10}); err != nil {
		panic(err)
	}
	st, _ := s.Stats(ctx)
	fmt.Println("max", st.MaxInFlight, "in flight", st.InFlight, "utilization", st.Utilization)
	s.Release(p, messages.Success)
	// Output: max 10 in flight 1 utilization 10
}
