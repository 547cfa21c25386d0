package engine_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/bulwark-go/bulwark/actors/bulkhead"
	"github.com/bulwark-go/bulwark/actors/circuitbreaker"
	"github.com/bulwark-go/bulwark/actors/fallback"
	"github.com/bulwark-go/bulwark/actors/retry"
	"github.com/bulwark-go/bulwark/actors/timeout"
	"github.com/bulwark-go/bulwark/engine"
	"github.com/bulwark-go/bulwark/engine/enginetest"
	"github.com/bulwark-go/bulwark/messages"
)

// A nil function or guard is an error wrapping ErrInvalidConfig, and no
// stage runs.
func TestNilFunctionsAreErrors(t *testing.T) {
	rec := &stageLog{}
	g := &fakeGuard{name: "g", rec: rec}
	ctx := context.Background()
	_, errGet := engine.Compose(engine.Policies[int]{CircuitBreaker: g}).Get(ctx, nil)
	_, errNext := engine.Next[int]{}.Call(ctx)
	got := map[string]error{
		"Run(nil guard)": engine.Run(ctx, nil, nil, func(context.Context) error { return nil }),
		"Run(nil fn)":    engine.Run(ctx, g, nil, nil),
		"Get(nil)":       errGet,
		"Next{}.Call":    errNext,
	}
	for name, err := range got {
		var ce *messages.ConfigError
		if !errors.Is(err, messages.ErrInvalidConfig) || !errors.As(err, &ce) {
			t.Errorf("%s: got %v, want a ConfigError", name, err)
		}
	}
	if rec.String() != "" {
		t.Fatalf("got stages %q run, want none", rec)
	}
}

// A caller whose context ended before Get returned gets the context's
// error, with the function's own error kept, also when only guards run.
func TestComposeCallerWhoGaveUp(t *testing.T) {
	errBackend := errors.New("backend")
	for _, ret := range []error{nil, errBackend} {
		g := &fakeGuard{name: "g", rec: &stageLog{}}
		c := engine.Compose(engine.Policies[string]{Admission: []engine.Guard{g}})
		ctx, cancel := context.WithCancel(context.Background())
		v, err := c.Get(ctx, func(context.Context) (string, error) { cancel(); return "late", ret })
		if v != "" || !errors.Is(err, context.Canceled) || (ret != nil && !errors.Is(err, errBackend)) {
			t.Errorf("function returned late, %v: got %q, %v; want \"\", context.Canceled (and %v)", ret, v, err, ret)
		}
		if len(g.outcomes) != 1 || g.outcomes[0] != messages.ClassifyError(ret) {
			t.Errorf("guard recorded %v, want the function's own outcome %v", g.outcomes, messages.ClassifyError(ret))
		}
	}
}

// Issue 14 item 1: a guard's refusal is neutral to an outer breaker in a
// composition. Three queue_full rejections from a full bulkhead do not
// open a threshold-3 breaker, and the next call goes through.
func TestQueueFullDoesNotOpenBreaker(t *testing.T) {
	eng := newEngine(t)
	breaker, err := circuitbreaker.New(eng, "cb", circuitbreaker.Config{FailureThreshold: 3, RecoveryTimeout: time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	slots, err := bulkhead.New(eng, "bh", bulkhead.Config{MaxInFlight: 1})
	if err != nil {
		t.Fatal(err)
	}
	c := engine.Compose(engine.Policies[int]{CircuitBreaker: breaker, Admission: []engine.Guard{slots}})
	held, ok := slots.TryAcquire()
	if !ok {
		t.Fatal("could not take the only slot")
	}
	ctx := context.Background()
	ok1 := func(context.Context) (int, error) { return 1, nil }
	for i := 0; i < 3; i++ {
		if _, err := c.Get(ctx, ok1); !errors.Is(err, messages.ErrBulkheadFull) {
			t.Fatalf("call %d: got %v, want ErrBulkheadFull", i, err)
		}
	}
	slots.Release(held, messages.Success)
	st, err := breaker.Stats(ctx)
	if err != nil || st.State != circuitbreaker.Closed {
		t.Fatalf("got breaker %v, %v after 3 queue_full; want closed", st.State, err)
	}
	if v, err := c.Get(ctx, ok1); v != 1 || err != nil {
		t.Fatalf("got %v, %v; want 1, nil through the closed breaker", v, err)
	}
}

// Issue 12 item 9: a retry above a shared deadline starts no attempt, and
// no backoff, that would begin past the deadline; the backend's error is
// kept in what it returns. On a fake clock nothing advances the time
// during the calls below, so any backoff wait would hang the call.
func TestRetryStopsAtSharedDeadline(t *testing.T) {
	eng, clock := enginetest.StartFake(t, enginetest.Epoch)
	r, err := retry.New(eng, "r", retry.Config{}) // 3 attempts, 1 s, ×2
	if err != nil {
		t.Fatal(err)
	}
	d, err := timeout.NewDeadline(eng, "req", timeout.DeadlineConfig{At: enginetest.Epoch.Add(50 * time.Millisecond), Cooperative: true})
	if err != nil {
		t.Fatal(err)
	}
	c := engine.Compose(engine.Policies[int]{Retry: retry.For[int](r), Timeout: timeout.ForDeadline[int](d)})
	errBackend := errors.New("backend down")
	calls := 0
	res := make(chan error, 1)
	go func() {
		_, err := c.Get(context.Background(), func(context.Context) (int, error) { calls++; return 0, errBackend })
		res <- err
	}()
	err = within(t, clock, res, "the retry waits a backoff that ends past the deadline")
	if calls != 1 || !errors.Is(err, errBackend) || !errors.Is(err, messages.ErrRetriesExhausted) {
		t.Fatalf("got %v after %d calls; want the backend's error, retries exhausted, after 1 call", err, calls)
	}

	// Once the deadline has fired, its timeout is not retried either.
	calls = 0
	go func() {
		_, err := c.Get(context.Background(), func(ctx context.Context) (int, error) { calls++; <-ctx.Done(); return 0, ctx.Err() })
		res <- err
	}()
	if err := clock.WaitForTimers(context.Background(), 1); err != nil {
		t.Fatal(err)
	}
	clock.Advance(50 * time.Millisecond)
	err = within(t, clock, res, "the retry retried past the deadline")
	if calls != 1 || !errors.Is(err, messages.ErrTimeout) {
		t.Fatalf("got %v after %d calls; want the deadline's timeout after 1 call", err, calls)
	}
}

// within returns what res delivers within 2 s of real time; past that it
// fails with msg, after advancing clock until the stuck call returns.
func within(t *testing.T, clock *engine.FakeClock, res <-chan error, msg string) error {
	t.Helper()
	select {
	case err := <-res:
		return err
	case <-time.After(2 * time.Second):
	}
	for {
		clock.Advance(time.Hour)
		select {
		case <-res:
			t.Fatal(msg)
		case <-time.After(time.Millisecond):
		}
	}
}

// Issue 14 item 10: every policy takes a result of 64 KiB or more.
func TestHugeResultThroughEveryPolicy(t *testing.T) {
	type huge = [1 << 16]byte
	eng := newEngine(t)
	ctx := context.Background()
	var want huge
	want[len(want)-1] = 7
	fn := func(context.Context) (huge, error) { return want, nil }
	var policies []engine.Policy[huge]
	for _, coop := range []bool{false, true} {
		to, err := timeout.New(eng, "t", timeout.Config{Timeout: time.Minute, Cooperative: coop})
		if err != nil {
			t.Fatal(err)
		}
		policies = append(policies, timeout.For[huge](to))
		got, err := timeout.Do(ctx, to, fn)
		if got != want || err != nil {
			t.Fatalf("timeout.Do cooperative %v: got last byte %d, %v; want 7, nil", coop, got[len(got)-1], err)
		}
	}
	r, err := retry.New(eng, "r", retry.Config{})
	if err != nil {
		t.Fatal(err)
	}
	fb, err := fallback.New(eng, "f", fallback.Config[huge]{Chain: []fallback.Func[huge]{fallback.Value(want)}})
	if err != nil {
		t.Fatal(err)
	}
	policies = append(policies, retry.For[huge](r), fb)
	if got, err := retry.Do(ctx, r, fn); got != want || err != nil {
		t.Fatalf("retry.Do: got %d, %v; want 7, nil", got[len(got)-1], err)
	}
	if got, err := fb.Do(ctx, func(context.Context) (huge, error) { return huge{}, errors.New("x") }); got != want || err != nil {
		t.Fatalf("fallback: got %d, %v; want 7, nil", got[len(got)-1], err)
	}
	stages := []engine.Stage[huge]{}
	for _, p := range policies {
		stages = append(stages, engine.UsePolicy(p))
	}
	if got, err := engine.Chain(stages...).Get(ctx, fn); got != want || err != nil {
		t.Fatalf("Chain: got %d, %v; want 7, nil", got[len(got)-1], err)
	}
}

// deadlinePolicy is a pass-through policy with a shared end.
type deadlinePolicy struct{ at time.Time }

func (p deadlinePolicy) Apply(ctx context.Context, next engine.Next[int]) (int, error) {
	return next.Call(ctx)
}

func (p deadlinePolicy) Deadline() (time.Time, bool) { return p.at, !p.at.IsZero() }

// Next.Deadline reports the earliest end among the stages it runs, not
// those above it.
func TestNextDeadlineIsTheEarliestBelow(t *testing.T) {
	at := func(s int) time.Time { return enginetest.Epoch.Add(time.Duration(s) * time.Second) }
	var got []time.Time
	probe := policyFunc(func(ctx context.Context, next engine.Next[int]) (int, error) {
		d, ok := next.Deadline()
		if ok {
			got = append(got, d)
		} else {
			got = append(got, time.Time{})
		}
		return next.Call(ctx)
	})
	c := engine.Chain(
		engine.UsePolicy[int](deadlinePolicy{at(1)}), // above the probe: not its concern
		engine.UsePolicy[int](probe),
		engine.UsePolicy[int](deadlinePolicy{at(5)}),
		engine.UsePolicy[int](deadlinePolicy{}), // no end
		engine.UsePolicy[int](deadlinePolicy{at(3)}),
		engine.UsePolicy[int](probe), // nothing below
	)
	if _, err := c.Get(context.Background(), func(context.Context) (int, error) { return 0, nil }); err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || !got[0].Equal(at(3)) || !got[1].IsZero() {
		t.Fatalf("got %v, want [%v, none]", got, at(3))
	}
	if _, ok := (engine.Next[int]{}).Deadline(); ok {
		t.Fatal("the zero Next reports a deadline")
	}
}

// A caller whose context had already ended runs nothing: no guard is
// asked, no function called.
func TestComposeEndedContextRunsNothing(t *testing.T) {
	rec := &stageLog{}
	c := engine.Compose(engine.Policies[int]{Admission: []engine.Guard{&fakeGuard{name: "g", rec: rec}}})
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	v, err := c.Get(ctx, func(context.Context) (int, error) { rec.add("call"); return 1, nil })
	if v != 0 || err != context.Canceled || rec.String() != "" {
		t.Fatalf("got %v, %v, stages %q; want 0, context.Canceled, none", v, err, rec)
	}
}
