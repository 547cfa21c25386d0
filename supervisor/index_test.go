package supervisor_test

import (
	"context"
	"fmt"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/bulwark-go/bulwark/supervisor"
)

// spec returns a spec of kind k called name whose handle is its name.
func spec(k, name string) supervisor.Spec {
	return supervisor.Spec{Kind: k, Name: name, Config: config{Threshold: 1},
		Start: func() (any, supervisor.Service, error) { return name, idle{}, nil }}
}

// While one goroutine creates children (the index grows from 16 shards to
// several hundred), dozens read it: a name, once created, is found by
// every later Lookup and GetOrCreate with its own handle, and List and
// Named keep creation order.
func TestIndexGrowsUnderReaders(t *testing.T) {
	s := newSupervisor(t)
	n := 5000
	if testing.Short() {
		n = 1000
	}
	created := make(chan int, n) // i: name i exists
	var wg sync.WaitGroup
	errs := make(chan error, 64)
	for r := range 32 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range created {
				name := fmt.Sprintf("c%05d", i)
				if c, ok := s.Lookup("k", name); !ok || c.Handle != name || c.Status != supervisor.Running {
					errs <- fmt.Errorf("reader %d: Lookup(%s) = %+v, %v after it was created", r, name, c, ok)
					return
				}
				if h, err := s.GetOrCreate(context.Background(), spec("k", name)); err != nil || h != name {
					errs <- fmt.Errorf("reader %d: GetOrCreate(%s) = %v, %v", r, name, h, err)
					return
				}
			}
		}()
	}
	for i := range n {
		name := fmt.Sprintf("c%05d", i)
		if h, err := s.GetOrCreate(context.Background(), spec("k", name)); err != nil || h != name {
			t.Fatalf("GetOrCreate(%s) = %v, %v", name, h, err)
		}
		created <- i
	}
	close(created)
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	list := s.List()
	if len(list) != n {
		t.Fatalf("List: %d children, want %d", len(list), n)
	}
	for i, c := range list {
		if want := fmt.Sprintf("c%05d", i); c.Name != want {
			t.Fatalf("List[%d] = %s, want %s (creation order)", i, c.Name, want)
		}
	}
	if _, err := s.GetOrCreate(context.Background(), spec("other", "c00007")); err != nil {
		t.Fatal(err)
	}
	if got := s.Named("c00007"); len(got) != 2 || got[0].Kind != "k" || got[1].Kind != "other" {
		t.Fatalf("Named(c00007) = %+v, want k's then other's", got)
	}
}

func TestLookupDoesNotAllocate(t *testing.T) {
	s := newSupervisor(t)
	for i := range 100 {
		if _, err := s.GetOrCreate(context.Background(), spec("k", fmt.Sprint(i))); err != nil {
			t.Fatal(err)
		}
	}
	if a := testing.AllocsPerRun(1000, func() {
		if _, ok := s.Lookup("k", "42"); !ok {
			t.Fatal("Lookup(k, 42): not found")
		}
	}); a != 0 {
		t.Fatalf("Lookup: %v allocations, want 0", a)
	}
}

// benchChildren is how many children the look-up benchmarks hold.
const benchChildren = 10000

func benchSupervisor(b *testing.B) *supervisor.Supervisor {
	s, err := supervisor.New(supervisor.Options{})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() {
		if err := s.Shutdown(context.Background()); err != nil {
			b.Error(err)
		}
	})
	return s
}

func BenchmarkLookup(b *testing.B) {
	s := benchSupervisor(b)
	names := make([]string, benchChildren)
	for i := range names {
		names[i] = fmt.Sprintf("name-%d", i)
		if _, err := s.GetOrCreate(context.Background(), spec("k", names[i])); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		i := 0
		for pb.Next() {
			if _, ok := s.Lookup("k", names[i%benchChildren]); !ok {
				b.Fatal("not found")
			}
			i++
		}
	})
}

func BenchmarkGetOrCreateExisting(b *testing.B) {
	s := benchSupervisor(b)
	sp := spec("k", "one")
	if _, err := s.GetOrCreate(context.Background(), sp); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		if _, err := s.GetOrCreate(context.Background(), sp); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkGetOrCreateNew(b *testing.B) {
	s := benchSupervisor(b)
	specs := make([]supervisor.Spec, b.N)
	for i := range specs {
		specs[i] = spec("k", fmt.Sprintf("name-%d", i))
	}
	b.ReportAllocs()
	b.ResetTimer()
	defer reportCPU(b)()
	for i := range b.N {
		if _, err := s.GetOrCreate(context.Background(), specs[i]); err != nil {
			b.Fatal(err)
		}
	}
}

// parked is an OnDemand service that never has work: each Serve returns
// ErrIdle at once, so a child keeps no goroutine.
type parked struct{}

func (parked) Serve(context.Context) error         { return supervisor.ErrIdle }
func (parked) Attach(supervisor.Waker)             {}
func (parked) StopIfIdle() bool                    { return true }
func (parked) ServeOnDemand(context.Context) error { return supervisor.ErrIdle }
func (parked) Drain()                              {}

// BenchmarkGetOrCreateNewOnDemand creates children that keep no
// goroutine (Options.OnDemand): the cost of creating a name, apart from a
// goroutine per child.
func BenchmarkGetOrCreateNewOnDemand(b *testing.B) {
	s, err := supervisor.New(supervisor.Options{OnDemand: true})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() {
		if err := s.Shutdown(context.Background()); err != nil {
			b.Error(err)
		}
	})
	specs := make([]supervisor.Spec, b.N)
	for i := range specs {
		specs[i] = supervisor.Spec{Kind: "k", Name: fmt.Sprintf("name-%d", i),
			Start: func() (any, supervisor.Service, error) { return i, parked{}, nil }}
	}
	b.ReportAllocs()
	b.ResetTimer()
	defer reportCPU(b)()
	for i := range b.N {
		if _, err := s.GetOrCreate(context.Background(), specs[i]); err != nil {
			b.Fatal(err)
		}
	}
}

// reportCPU starts counting the process's CPU time (user and system, all
// threads: the garbage collector's share included); the function it
// returns reports it per op as cpu-ns/op, a figure that the load of a
// shared machine inflates less than ns/op.
func reportCPU(b *testing.B) func() {
	start := cpuTime()
	return func() {
		b.ReportMetric(float64(cpuTime()-start)/float64(b.N), "cpu-ns/op")
	}
}

func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
