package fallback_test

import (
	"context"
	"errors"
	"sync"
	"testing"

	"github.com/bulwark-go/bulwark/actors/fallback"
	"github.com/bulwark-go/bulwark/engine"
)

func wantStats(t *testing.T, f *fallback.Fallback[string], succeeded, fellBack, failed, passed uint64) fallback.Stats {
	t.Helper()
	st := stats(t, f)
	got := [4]uint64{st.Succeeded, st.FellBack, st.Failed, st.Passed}
	if want := [4]uint64{succeeded, fellBack, failed, passed}; got != want || st.Calls != succeeded+fellBack+failed+passed {
		t.Fatalf("succeeded, fell back, failed, passed: got %v (calls %d), want %v", got, st.Calls, want)
	}
	return st
}

func fn(v string) fallback.Func[string] {
	return func(context.Context, error) (string, error) { return v, nil }
}

// Each way a call can end is counted once: the primary succeeds; a static
// value, a function and the second link of a chain answer; every link
// fails; an error Config.On does not take passes through.
func TestStatsEachOutcomeOnce(t *testing.T) {
	ctx := context.Background()
	var n1 int
	f := newFallback(t, fallback.Config[string]{
		Chain: []fallback.Func[string]{fails(errFB1, &n1), fn("second")},
		On:    func(err error) bool { return !errors.Is(err, errOther) },
	})
	wantStats(t, f, 0, 0, 0, 0)
	if v, err := f.Do(ctx, primary(nil)); v != "primary" || err != nil {
		t.Fatalf("primary success: got %q, %v", v, err)
	}
	if v, err := f.Do(ctx, primary(errPrimary)); v != "second" || err != nil || n1 != 1 {
		t.Fatalf("chain: got %q, %v after %d calls of the first link; want the second link's value after 1", v, err, n1)
	}
	if _, err := f.Do(ctx, primary(errOther)); err != errOther {
		t.Fatalf("an error On does not take: got %v, want it unchanged", err)
	}
	st := wantStats(t, f, 1, 1, 0, 1)
	if st.Name != "test" || st.FallbackRate() != 1.0/3 || st.FailureRate() != 0 {
		t.Fatalf("got name %q, fallback rate %v, failure rate %v; want test, 1/3, 0", st.Name, st.FallbackRate(), st.FailureRate())
	}

	static := newFallback(t, fallback.Config[string]{Chain: []fallback.Func[string]{fallback.Value("static")}})
	_, _ = static.Do(ctx, primary(errPrimary))
	wantStats(t, static, 0, 1, 0, 0)

	var a, b int
	all := newFallback(t, fallback.Config[string]{Chain: []fallback.Func[string]{fails(errFB1, &a), fails(errFB2, &b)}})
	_, err := all.Do(ctx, primary(errPrimary))
	var fe *fallback.FailedError
	if !errors.As(err, &fe) || a != 1 || b != 1 {
		t.Fatalf("all failing: got %v after %d, %d fallback calls; want a *FailedError after 1, 1", err, a, b)
	}
	st = wantStats(t, all, 0, 0, 1, 0)
	if st.FailureRate() != 1 {
		t.Fatalf("failure rate: got %v, want 1", st.FailureRate())
	}
}

// A Fallback in a composition counts through Apply as through Do.
func TestStatsInComposition(t *testing.T) {
	f := newFallback(t, fallback.Config[string]{Chain: []fallback.Func[string]{fallback.Value("fb")}})
	c := engine.Chain(engine.UsePolicy[string](f))
	_, _ = c.Get(context.Background(), primary(errPrimary))
	_, _ = c.Get(context.Background(), primary(nil))
	wantStats(t, f, 1, 1, 0, 0)
}

func TestResetStats(t *testing.T) {
	f := newFallback(t, fallback.Config[string]{Chain: []fallback.Func[string]{fallback.Value("fb")}})
	_, _ = f.Do(context.Background(), primary(errPrimary))
	f.ResetStats()
	st := wantStats(t, f, 0, 0, 0, 0)
	if st.FallbackRate() != 0 || st.FailureRate() != 0 {
		t.Fatalf("after ResetStats: got rates %v, %v; want 0, 0", st.FallbackRate(), st.FailureRate())
	}
}

// 100 goroutines × 100 calls, a quarter of them failing over: the totals
// are exact.
func TestStatsConcurrentExact(t *testing.T) {
	f := newFallback(t, fallback.Config[string]{Chain: []fallback.Func[string]{fallback.Value("fb")}})
	var wg sync.WaitGroup
	for g := 0; g < 100; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 100; i++ {
				var err error
				if (g+i)%4 == 0 {
					err = errPrimary
				}
				_, _ = f.Do(context.Background(), primary(err))
			}
		}()
	}
	wg.Wait()
	wantStats(t, f, 7500, 2500, 0, 0)
}

// stats is f.Stats, which must not fail while the engine runs.
func stats[T any](t testing.TB, f *fallback.Fallback[T]) fallback.Stats {
	t.Helper()
	st, err := f.Stats(context.Background())
	if err != nil {
		t.Fatalf("Stats: %v", err)
	}
	return st
}
