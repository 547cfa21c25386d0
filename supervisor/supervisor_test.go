package supervisor_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/bulwark-go/bulwark/messages"
	"github.com/bulwark-go/bulwark/supervisor"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// start starts a supervisor with opts; the caller shuts it down.
func start(t *testing.T, opts supervisor.Options) *supervisor.Supervisor {
	t.Helper()
	s, err := supervisor.New(opts)
	if err != nil {
		t.Fatalf("supervisor.New: %v", err)
	}
	return s
}

// idle serves until its context ends and records when it stopped.
type idle struct {
	name    string
	stopped chan<- string
}

func (s idle) Serve(ctx context.Context) error {
	<-ctx.Done()
	if s.stopped != nil {
		s.stopped <- s.name
	}
	return nil
}

type config struct {
	Threshold int
	Timeout   time.Duration
	Predicate func(error) bool
}

func newSupervisor(t *testing.T) *supervisor.Supervisor {
	t.Helper()
	s := start(t, supervisor.Options{})
	t.Cleanup(func() {
		if err := s.Shutdown(context.Background()); err != nil {
			t.Errorf("Shutdown: %v", err)
		}
	})
	return s
}

func TestGetOrCreateRaceMakesOneInstance(t *testing.T) {
	s := newSupervisor(t)
	var starts atomic.Int32
	spec := supervisor.Spec{Kind: "k", Name: "shared", Config: config{Threshold: 5},
		Start: func() (any, supervisor.Service, error) {
			n := starts.Add(1)
			return int(n), idle{}, nil
		}}
	var wg sync.WaitGroup
	handles := make([]any, 1000)
	for i := range handles {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			h, err := s.GetOrCreate(context.Background(), spec)
			if err != nil {
				t.Error(err)
			}
			handles[i] = h
		}(i)
	}
	wg.Wait()
	if starts.Load() != 1 {
		t.Fatalf("Start ran %d times, want 1", starts.Load())
	}
	for i, h := range handles {
		if h != 1 {
			t.Fatalf("caller %d got handle %v, want 1", i, h)
		}
	}
}

func TestConflictingConfigSaysWhatDiffers(t *testing.T) {
	s := newSupervisor(t)
	start := func() (any, supervisor.Service, error) { return "h", idle{}, nil }
	pred := func(error) bool { return true }
	if _, err := s.GetOrCreate(context.Background(), supervisor.Spec{Kind: "cb", Name: "p", Config: config{Threshold: 5, Predicate: pred}, Start: start}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.GetOrCreate(context.Background(), supervisor.Spec{Kind: "cb", Name: "p", Config: config{Threshold: 5, Predicate: pred}, Start: start}); err != nil {
		t.Fatalf("same config: %v", err)
	}
	_, err := s.GetOrCreate(context.Background(), supervisor.Spec{Kind: "cb", Name: "p", Config: config{Threshold: 3, Timeout: time.Second, Predicate: pred}, Start: start})
	var ce *supervisor.ConflictError
	if !errors.As(err, &ce) {
		t.Fatalf("got %v, want a ConflictError", err)
	}
	want := []string{"Threshold: have 5, asked 3", "Timeout: have 0s, asked 1s"}
	if strings.Join(ce.Differences, "|") != strings.Join(want, "|") {
		t.Fatalf("differences: got %q, want %q", ce.Differences, want)
	}
	if !strings.Contains(err.Error(), `cb "p"`) {
		t.Fatalf("message does not name the child: %v", err)
	}
	// The same name under another kind is another child.
	if _, err := s.GetOrCreate(context.Background(), supervisor.Spec{Kind: "bulkhead", Name: "p", Config: 1, Start: start}); err != nil {
		t.Fatalf("same name, other kind: %v", err)
	}
}

func TestBadSpecs(t *testing.T) {
	s := newSupervisor(t)
	start := func() (any, supervisor.Service, error) { return nil, idle{}, nil }
	for _, tc := range []struct {
		name string
		spec supervisor.Spec
		want string
	}{
		{"no kind", supervisor.Spec{Name: "x", Start: start}, "Spec.Kind"},
		{"blank name", supervisor.Spec{Kind: "k", Name: "  ", Start: start}, "name"},
		{"no start", supervisor.Spec{Kind: "k", Name: "x"}, "Spec.Start"},
		{"start fails", supervisor.Spec{Kind: "k", Name: "f", Start: func() (any, supervisor.Service, error) { return nil, nil, errors.New("no backend") }}, "no backend"},
		{"start panics", supervisor.Spec{Kind: "k", Name: "p", Start: func() (any, supervisor.Service, error) { panic("oops") }}, "oops"},
		{"no service", supervisor.Spec{Kind: "k", Name: "n", Start: func() (any, supervisor.Service, error) { return 1, nil, nil }}, "no Service"},
	} {
		_, err := s.GetOrCreate(context.Background(), tc.spec)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: got %v, want an error mentioning %q", tc.name, err, tc.want)
		}
	}
	if got := len(s.List()); got != 0 {
		t.Fatalf("failed specs left %d children", got)
	}
}

func TestListLookupAndOrderedShutdown(t *testing.T) {
	s := start(t, supervisor.Options{})
	stopped := make(chan string, 4)
	for _, name := range []string{"first", "second", "third"} {
		name := name
		if _, err := s.GetOrCreate(context.Background(), supervisor.Spec{Kind: "k", Name: name,
			Start: func() (any, supervisor.Service, error) { return name, idle{name: name, stopped: stopped}, nil }}); err != nil {
			t.Fatal(err)
		}
	}
	list := s.List()
	if len(list) != 3 || list[0].Name != "first" || list[2].Name != "third" || list[1].Status != supervisor.Running {
		t.Fatalf("List: got %+v", list)
	}
	if c, ok := s.Lookup("k", "second"); !ok || c.Handle != "second" {
		t.Fatalf("Lookup: got %+v, %v", c, ok)
	}
	if _, ok := s.Lookup("k", "none"); ok {
		t.Fatal("Lookup of a missing child succeeded")
	}
	if _, err := s.GetOrCreate(context.Background(), supervisor.Spec{Kind: "other", Name: "second",
		Start: func() (any, supervisor.Service, error) {
			return "other second", idle{name: "second", stopped: stopped}, nil
		}}); err != nil {
		t.Fatal(err)
	}
	named := s.Named("second")
	if len(named) != 2 || named[0].Kind != "k" || named[1].Kind != "other" || named[1].Handle != "other second" {
		t.Fatalf("Named: got %+v, want the k and the other child called second, oldest first", named)
	}
	if got := s.Named("none"); len(got) != 0 {
		t.Fatalf("Named of a missing name: got %+v", got)
	}
	if err := s.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
	if got := <-stopped; got != "second" { // the newest, of kind other
		t.Fatalf("stop order: got %s first, want the newest (other/second)", got)
	}
	for _, want := range []string{"third", "second", "first"} {
		if got := <-stopped; got != want {
			t.Fatalf("stop order: got %s, want %s", got, want)
		}
	}
	if _, err := s.GetOrCreate(context.Background(), supervisor.Spec{Kind: "k", Name: "late",
		Start: func() (any, supervisor.Service, error) { return nil, idle{}, nil }}); !errors.Is(err, messages.ErrStopped) {
		t.Fatalf("GetOrCreate after Shutdown: got %v, want ErrStopped", err)
	}
	if s.List() != nil {
		t.Fatal("List after Shutdown: want nil")
	}
}

// flaky fails its first fails Serves, then idles.
type flaky struct {
	serves *atomic.Int32
	fails  int32
}

func (f flaky) Serve(ctx context.Context) error {
	if f.serves.Add(1) <= f.fails {
		return errors.New("flaky")
	}
	<-ctx.Done()
	return nil
}

func TestErrorReturnRestartsThenFails(t *testing.T) {
	var failures atomic.Int32
	s := start(t, supervisor.Options{MaxRestarts: 2, OnFailure: func(kind, name string, err error) { failures.Add(1) }})
	defer s.Shutdown(context.Background())
	var serves atomic.Int32
	if _, err := s.GetOrCreate(context.Background(), supervisor.Spec{Kind: "k", Name: "ok-after-2",
		Start: func() (any, supervisor.Service, error) { return nil, flaky{serves: &serves, fails: 2}, nil }}); err != nil {
		t.Fatal(err)
	}
	var dead atomic.Int32
	if _, err := s.GetOrCreate(context.Background(), supervisor.Spec{Kind: "k", Name: "always",
		Start: func() (any, supervisor.Service, error) { return nil, flaky{serves: &dead, fails: 100}, nil }}); err != nil {
		t.Fatal(err)
	}
	for {
		c, _ := s.Lookup("k", "always")
		ok, _ := s.Lookup("k", "ok-after-2")
		if c.Status == supervisor.Failed && ok.Restarts == 2 {
			if c.Restarts != 2 {
				t.Fatalf("restarts before failing: got %d, want 2", c.Restarts)
			}
			if ok.Status != supervisor.Running {
				t.Fatalf("recovering child: got %+v", ok)
			}
			break
		}
		time.Sleep(time.Millisecond) // polling a status no clock decides
	}
	if got := failures.Load(); got != 5 { // 2 + 3
		t.Fatalf("OnFailure calls: got %d, want 5", got)
	}
}
