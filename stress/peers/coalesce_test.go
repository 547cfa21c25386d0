package peers

import (
	"context"
	"strconv"
	"sync/atomic"
	"testing"

	"golang.org/x/sync/singleflight"

	"github.com/bulwark-go/bulwark/actors/coalesce"
	"github.com/bulwark-go/bulwark/engine"
)

// The coalescing benchmarks run parallel calls over coalesceKeys keys with
// a function that returns at once: mostly the cost of starting and
// finishing a flight, with some coalescing where callers overlap. They are
// named BenchmarkCoalesce/<impl>, the form compare.sh pairs: bulwark and
// bulwark-engine (reported as pattern coalesce-engine) each beside
// singleflight.
const coalesceKeys = 1024

var coalesceKeyNames = func() []string {
	out := make([]string, coalesceKeys)
	for i := range out {
		out[i] = "key-" + strconv.Itoa(i)
	}
	return out
}()

func BenchmarkCoalesce(b *testing.B) {
	b.Run("bulwark", benchCoalesceBulwark)
	b.Run("bulwark-engine", benchCoalesceBulwarkEngine)
	b.Run("singleflight", benchCoalesceSingleflight)
}

func benchCoalesceBulwark(b *testing.B) {
	g, err := coalesce.New[int](nil, "bench", coalesce.Config{})
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	fn := func(context.Context) (int, error) { return 1, nil }
	var seq atomic.Uint32
	b.ReportAllocs()
	defer perOpCPU(b)()
	b.RunParallel(func(pb *testing.PB) {
		i := seq.Add(7919)
		for pb.Next() {
			i++
			if _, err := g.Do(ctx, coalesceKeyNames[i%coalesceKeys], fn); err != nil {
				b.Fatal(err)
			}
		}
	})
}

func benchCoalesceSingleflight(b *testing.B) {
	var g singleflight.Group
	fn := func() (any, error) { return 1, nil }
	var seq atomic.Uint32
	b.ReportAllocs()
	defer perOpCPU(b)()
	b.RunParallel(func(pb *testing.PB) {
		i := seq.Add(7919)
		for pb.Next() {
			i++
			if _, err, _ := g.Do(coalesceKeyNames[i%coalesceKeys], fn); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// benchCoalesceBulwarkEngine is the common case in a server: a Group made
// with an engine and callers whose contexts can end, so every execution
// runs in a goroutine of its own.
func benchCoalesceBulwarkEngine(b *testing.B) {
	eng, err := engine.New()
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = eng.Shutdown(context.Background()) })
	g, err := coalesce.New[int](eng, "bench", coalesce.Config{})
	if err != nil {
		b.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	fn := func(context.Context) (int, error) { return 1, nil }
	var seq atomic.Uint32
	b.ReportAllocs()
	defer perOpCPU(b)()
	b.RunParallel(func(pb *testing.PB) {
		i := seq.Add(7919)
		for pb.Next() {
			i++
			if _, err := g.Do(ctx, coalesceKeyNames[i%coalesceKeys], fn); err != nil {
				b.Fatal(err)
			}
		}
	})
}
