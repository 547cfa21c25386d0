package retry_test

import (
	"context"
	"errors"
	"sync"
	"testing"

	"github.com/bulwark-go/bulwark/actors/retry"
)

// wantStats fails unless r's counts are the given ones.
func wantStats(t *testing.T, r *retry.Retry, calls, attempts, succeeded, failed, exhausted, notRetried uint64) retry.Stats {
	t.Helper()
	st := stats(t, r)
	got := [6]uint64{st.Calls, st.Attempts, st.Succeeded, st.FailedAttempts, st.Exhausted, st.NotRetried}
	want := [6]uint64{calls, attempts, succeeded, failed, exhausted, notRetried}
	if got != want {
		t.Fatalf("calls, attempts, succeeded, failed attempts, exhausted, not retried: got %v, want %v", got, want)
	}
	if st.Calls != st.Succeeded+st.Exhausted+st.NotRetried {
		t.Fatalf("calls %d != succeeded %d + exhausted %d + not retried %d", st.Calls, st.Succeeded, st.Exhausted, st.NotRetried)
	}
	return st
}

// The original's metrics after a success on the third attempt, an
// exhausted call and a non-retryable error: attempts, delays, the last
// error and the success rate (successful / total attempts).
func TestStatsCountEachCallOnce(t *testing.T) {
	h := newHarness(t)
	r := h.retry(t, retry.Config{
		Backoff:    retry.Backoff{MaxAttempts: 3, InitialDelay: ms(100), Multiplier: 2},
		JitterKind: retry.NoJitter,
		RetryOn:    func(err error) bool { return !errors.Is(err, errB) },
	})
	wantStats(t, r, 0, 0, 0, 0, 0, 0)

	calls := 0
	h.run(t, func() { _ = r.Execute(context.Background(), failing(&calls, errA, errA)) })
	st := wantStats(t, r, 1, 3, 1, 2, 0, 0)
	if st.TotalDelay != ms(300) || st.LastError != errA {
		t.Fatalf("after 100+200 ms waits: got delay %v, last error %v; want 300ms, errA", st.TotalDelay, st.LastError)
	}

	calls = 0
	h.run(t, func() { _ = r.Execute(context.Background(), failing(&calls, errA, errA, errA)) })
	wantStats(t, r, 2, 6, 1, 5, 1, 0)

	calls = 0
	h.run(t, func() { _ = r.Execute(context.Background(), failing(&calls, errB)) })
	st = wantStats(t, r, 3, 7, 1, 6, 1, 1)
	if st.TotalDelay != ms(600) || st.LastError != errB {
		t.Fatalf("got delay %v, last error %v; want 600ms, errB", st.TotalDelay, st.LastError)
	}
	if got, want := st.SuccessRate(), 1.0/7; got != want {
		t.Fatalf("success rate: got %v, want %v", got, want)
	}
	if st.Name != "test" {
		t.Fatalf("name: got %q, want test", st.Name)
	}
}

// A result RetryIfResult rejects is a failed attempt; exhausting on it is
// Exhausted, not a success (the original counted it as one).
func TestStatsResultExhaustion(t *testing.T) {
	h := newHarness(t)
	r := h.retry(t, retry.Config{Backoff: retry.Backoff{MaxAttempts: 2, InitialDelay: ms(10)}})
	p := retry.For[int](r).RetryIfResult(func(v int) bool { return v < 0 })
	h.run(t, func() { _, _ = p.Do(context.Background(), func(context.Context) (int, error) { return -1, nil }) })
	st := wantStats(t, r, 1, 2, 0, 2, 1, 0)
	if st.LastError != nil {
		t.Fatalf("last error: got %v, want nil (no attempt returned an error)", st.LastError)
	}
}

func TestResetStats(t *testing.T) {
	r, err := retry.New(nil, "test", retry.Config{})
	if err != nil {
		t.Fatal(err)
	}
	_ = r.Execute(context.Background(), func(context.Context) error { return nil })
	r.ResetStats()
	st := wantStats(t, r, 0, 0, 0, 0, 0, 0)
	if st.TotalDelay != 0 || st.LastError != nil {
		t.Fatalf("after ResetStats: got delay %v, last error %v; want 0, nil", st.TotalDelay, st.LastError)
	}
}

// 100 goroutines × 100 successful calls: the totals are exact.
func TestStatsConcurrentExact(t *testing.T) {
	r, err := retry.New(nil, "test", retry.Config{})
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for g := 0; g < 100; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 100; i++ {
				_, _ = retry.Do(context.Background(), r, func(context.Context) (int, error) { return i, nil })
			}
		}()
	}
	wg.Wait()
	wantStats(t, r, 10_000, 10_000, 10_000, 0, 0, 0)
}
