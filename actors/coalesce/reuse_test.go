package coalesce_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/bulwark-go/bulwark/actors/coalesce"
	"github.com/bulwark-go/bulwark/engine/enginetest"
)

// counting returns a function that counts its runs and returns the count
// (or err).
func counting(err error) (func(context.Context) (int, error), *int) {
	n := 0
	return func(context.Context) (int, error) {
		n++
		return n, err
	}, &n
}

// With ReuseFor, a success answers the calls for its key until ReuseFor
// has passed on the engine's clock; then the key runs again.
func TestReuseForKeepsASuccess(t *testing.T) {
	eng, clock := enginetest.StartFake(t, enginetest.Epoch)
	g := newGroup(t, eng, coalesce.Config{ReuseFor: time.Second})
	fn, runs := counting(nil)
	ctx := context.Background()
	for i, step := range []struct {
		advance time.Duration
		want    int
	}{{0, 1}, {0, 1}, {999 * time.Millisecond, 1}, {time.Millisecond, 2}, {500 * time.Millisecond, 2}} {
		clock.Advance(step.advance)
		if v, err := g.Do(ctx, "k", fn); v != step.want || err != nil {
			t.Fatalf("call %d: got %v, %v; want %d, nil", i, v, err, step.want)
		}
	}
	if *runs != 2 {
		t.Fatalf("got %d runs, want 2", *runs)
	}
	st := stats(t, g)
	if st.Leaders != 2 || st.Reused != 3 || st.Kept != 1 || st.InFlight != 0 {
		t.Fatalf("got %+v, want 2 leaders, 3 reused, 1 kept", st)
	}
	clock.Advance(time.Second) // the kept result's timer takes it out
	if st := stats(t, g); st.Kept != 0 {
		t.Fatalf("after ReuseFor: got %d kept, want 0", st.Kept)
	}
}

// An error is never kept; without ReuseFor nothing is.
func TestReuseForKeepsNoError(t *testing.T) {
	eng, _ := enginetest.StartFake(t, enginetest.Epoch)
	errBackend := errors.New("backend down")
	for _, tc := range []struct {
		name  string
		reuse time.Duration
		err   error
	}{{"error", time.Minute, errBackend}, {"no ReuseFor", 0, nil}} {
		g := newGroup(t, eng, coalesce.Config{ReuseFor: tc.reuse})
		fn, runs := counting(tc.err)
		for range 3 {
			if _, err := g.Do(context.Background(), "k", fn); !errors.Is(err, tc.err) {
				t.Fatalf("%s: got %v, want %v", tc.name, err, tc.err)
			}
		}
		if st := stats(t, g); *runs != 3 || st.Reused != 0 || st.Kept != 0 {
			t.Fatalf("%s: got %d runs, %+v; want 3 runs, nothing reused or kept", tc.name, *runs, st)
		}
	}
}

// A kept result holds one of MaxKeys places until ReuseFor has passed.
func TestReuseForCountsAgainstMaxKeys(t *testing.T) {
	eng, clock := enginetest.StartFake(t, enginetest.Epoch)
	g := newGroup(t, eng, coalesce.Config{MaxKeys: 1, ReuseFor: time.Second})
	one := func(context.Context) (int, error) { return 1, nil }
	if _, err := g.Do(context.Background(), "a", one); err != nil {
		t.Fatal(err)
	}
	if _, err := g.Do(context.Background(), "b", one); !errors.Is(err, coalesce.ErrTooManyKeys) {
		t.Fatalf("a new key while a's result is kept: got %v, want ErrTooManyKeys", err)
	}
	if v, err := g.Do(context.Background(), "a", one); v != 1 || err != nil {
		t.Fatalf("the kept key: got %v, %v; want 1, nil", v, err)
	}
	clock.Advance(time.Second)
	if _, err := g.Do(context.Background(), "b", one); err != nil {
		t.Fatalf("after ReuseFor: got %v, want the place back", err)
	}
}

// The execution's context: the deadline on the engine's clock, seen by
// Err also when nobody asked for Done; the caller's values; cancelled,
// with the contexts derived from it, once the execution returned.
func TestExecutionContext(t *testing.T) {
	eng, clock := enginetest.StartFake(t, enginetest.Epoch)
	g := newGroup(t, eng, coalesce.Config{Timeout: time.Second})
	type keyT struct{}
	var seen context.Context
	var before, after error
	release, started, res := make(chan struct{}), make(chan struct{}), make(chan error, 1)
	go func() {
		_, err := g.Do(context.WithValue(context.Background(), keyT{}, "v"), "k", func(ctx context.Context) (int, error) {
			seen, before = ctx, ctx.Err()
			close(started)
			<-release
			after = ctx.Err() // the deadline passed; Done was never asked for
			return 1, nil
		})
		res <- err
	}()
	<-started
	clock.Advance(time.Second)
	close(release)
	if err := <-res; err != nil {
		t.Fatal(err)
	}
	if before != nil || !errors.Is(after, context.DeadlineExceeded) {
		t.Fatalf("Err before and after the deadline: got %v, %v; want nil, DeadlineExceeded", before, after)
	}
	if seen.Value(keyT{}) != "v" {
		t.Fatal("the execution lost the caller's values")
	}

	var derived context.Context
	var cancel context.CancelFunc
	if _, err := g.Do(context.Background(), "k2", func(ctx context.Context) (int, error) {
		derived, cancel = context.WithCancel(ctx)
		return 1, derived.Err()
	}); err != nil {
		t.Fatalf("a context derived before the deadline: got %v, want it live", err)
	}
	defer cancel()
	select {
	case <-derived.Done():
	case <-time.After(5 * time.Second):
		t.Fatal("a context derived from the execution's was not cancelled when it returned")
	}
	if !errors.Is(derived.Err(), context.Canceled) {
		t.Fatalf("derived context: got %v, want Canceled", derived.Err())
	}
}
