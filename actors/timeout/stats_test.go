package timeout_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/bulwark-go/bulwark/actors/timeout"
	"github.com/bulwark-go/bulwark/messages"
)

// wantCounts checks st against calls that succeeded, timed out, and failed
// otherwise: a timed-out call is a failure too, so Failed is timedOut +
// otherFailed and Calls is Succeeded + Failed.
func wantCounts(t *testing.T, st timeout.Stats, succeeded, timedOut, otherFailed uint64) {
	t.Helper()
	got := [3]uint64{st.Succeeded, st.TimedOut, st.Failed}
	if want := [3]uint64{succeeded, timedOut, timedOut + otherFailed}; got != want || st.Calls != st.Succeeded+st.Failed {
		t.Fatalf("succeeded, timed out, failed: got %v (calls %d), want %v and calls = succeeded + failed", got, st.Calls, want)
	}
}

// SPEC §13 scenario 36 on the fake clock: three calls in time (their mean
// time is the average), one past its limit, and the function's own errors
// — an inner context.DeadlineExceeded included — counted as failures, not
// timeouts.
func TestStatsScenario36(t *testing.T) {
	for _, m := range modes {
		t.Run(m.name, func(t *testing.T) {
			eng, clock := newEngine(t)
			to := newTimeout(t, eng, timeout.Config{Timeout: 100 * time.Millisecond, Cooperative: m.coop})
			for _, d := range []time.Duration{40, 50, 90} {
				err := to.Execute(context.Background(), func(context.Context) error {
					clock.Advance(d * time.Millisecond)
					return nil
				})
				if err != nil {
					t.Fatalf("a %dms call under 100ms: got %v", d, err)
				}
			}
			st := stats(t, to)
			wantCounts(t, st, 3, 0, 0)
			if st.TotalTime != 180*time.Millisecond || st.AverageTime() != 60*time.Millisecond || st.Name != "test" {
				t.Fatalf("got total %v, average %v, name %q; want 180ms, 60ms, test", st.TotalTime, st.AverageTime(), st.Name)
			}

			ch := async(func() error {
				return to.Execute(context.Background(), func(ctx context.Context) error { <-ctx.Done(); return ctx.Err() })
			})
			if err := clock.WaitForTimers(context.Background(), 1); err != nil {
				t.Fatal(err)
			}
			clock.Advance(100 * time.Millisecond)
			if err := wait(t, ch); !errors.Is(err, timeout.ErrTimeout) || !errors.As(err, new(*messages.TimeoutError)) {
				t.Fatalf("slow call: got %v, want a *TimeoutError (ErrTimeout)", err)
			}
			wantCounts(t, stats(t, to), 3, 1, 0)

			_ = to.Execute(context.Background(), func(context.Context) error { return errA })
			_ = to.Execute(context.Background(), func(ctx context.Context) error {
				inner, cancel := context.WithTimeout(context.WithoutCancel(ctx), -time.Second)
				defer cancel()
				return inner.Err()
			})
			st = stats(t, to)
			wantCounts(t, st, 3, 1, 2)
			if st.TotalTime != 280*time.Millisecond || st.TimeoutRate() != 1.0/6 {
				t.Fatalf("got total %v, timeout rate %v; want 280ms, 1/6", st.TotalTime, st.TimeoutRate())
			}
		})
	}
}

// A caller whose own context ends first has failed, not timed out.
func TestStatsCallerCancelIsAFailure(t *testing.T) {
	for _, m := range modes {
		t.Run(m.name, func(t *testing.T) {
			eng, _ := newEngine(t)
			to := newTimeout(t, eng, timeout.Config{Timeout: time.Second, Cooperative: m.coop})
			ctx, cancel := context.WithCancel(context.Background())
			err := to.Execute(ctx, func(ctx context.Context) error { cancel(); <-ctx.Done(); return ctx.Err() })
			if !errors.Is(err, context.Canceled) {
				t.Fatalf("got %v, want context.Canceled", err)
			}
			wantCounts(t, stats(t, to), 0, 0, 1)
		})
	}
}

// A caller that gives up while its function, deaf to the context, still
// runs in its own goroutine has failed, not timed out.
func TestStatsCallerCancelAbandonsIsAFailure(t *testing.T) {
	eng, _ := newEngine(t)
	to := newTimeout(t, eng, timeout.Config{Timeout: time.Hour})
	ctx, cancel := context.WithCancel(context.Background())
	started, release, done := make(chan struct{}), make(chan struct{}), make(chan struct{})
	ch := async(func() error {
		return to.Execute(ctx, func(context.Context) error {
			defer close(done)
			close(started)
			<-release
			return nil
		})
	})
	<-started
	cancel()
	err := wait(t, ch)
	close(release)
	<-done
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("got %v, want context.Canceled", err)
	}
	wantCounts(t, stats(t, to), 0, 0, 1)
}

// A Deadline counts as a Timeout does; a call after it passed is a timeout
// that never ran.
func TestStatsDeadline(t *testing.T) {
	eng, clock := newEngine(t)
	d, err := timeout.NewDeadline(eng, "request", timeout.DeadlineConfig{At: epoch.Add(time.Second)})
	if err != nil {
		t.Fatal(err)
	}
	_ = d.Execute(context.Background(), func(context.Context) error { clock.Advance(300 * time.Millisecond); return nil })
	clock.Advance(time.Second)
	ran := false
	_ = d.Execute(context.Background(), func(context.Context) error { ran = true; return nil })
	st := stats(t, d)
	wantCounts(t, st, 1, 1, 0)
	if ran || st.TotalTime != 300*time.Millisecond || st.Name != "request" {
		t.Fatalf("got ran %v, total %v, name %q; want false, 300ms, request", ran, st.TotalTime, st.Name)
	}
	d.ResetStats()
	wantCounts(t, stats(t, d), 0, 0, 0)
}

func TestResetStats(t *testing.T) {
	eng, clock := newEngine(t)
	to := newTimeout(t, eng, timeout.Config{Timeout: time.Second, Cooperative: true})
	_ = to.Execute(context.Background(), func(context.Context) error { clock.Advance(time.Millisecond); return nil })
	to.ResetStats()
	st := stats(t, to)
	wantCounts(t, st, 0, 0, 0)
	if st.TotalTime != 0 || st.AverageTime() != 0 || st.TimeoutRate() != 0 {
		t.Fatalf("after ResetStats: got %+v, want zeros", st)
	}
}

// 100 goroutines × 100 calls in each mode: the totals are exact.
func TestStatsConcurrentExact(t *testing.T) {
	for _, m := range modes {
		t.Run(m.name, func(t *testing.T) {
			eng, _ := newEngine(t)
			to := newTimeout(t, eng, timeout.Config{Timeout: time.Hour, Cooperative: m.coop})
			var wg sync.WaitGroup
			for g := 0; g < 100; g++ {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for i := 0; i < 100; i++ {
						fail := (g+i)%4 == 0
						_ = to.Execute(context.Background(), func(context.Context) error {
							if fail {
								return errA
							}
							return nil
						})
					}
				}()
			}
			wg.Wait()
			wantCounts(t, stats(t, to), 7500, 0, 2500)
		})
	}
}

// stats is x.Stats, which must not fail while the engine runs.
func stats(t testing.TB, x interface {
	Stats(context.Context) (timeout.Stats, error)
}) timeout.Stats {
	t.Helper()
	st, err := x.Stats(context.Background())
	if err != nil {
		t.Fatalf("Stats: %v", err)
	}
	return st
}
