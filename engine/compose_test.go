package engine_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/bulwark-go/bulwark/engine"
	"github.com/bulwark-go/bulwark/messages"
)

// stageLog logs the order in which stages run.
type stageLog struct{ log []string }

func (r *stageLog) add(s string) { r.log = append(r.log, s) }

func (r *stageLog) String() string { return strings.Join(r.log, " ") }

// fakeGuard records Acquire and Release, and can reject.
type fakeGuard struct {
	name     string
	rec      *stageLog
	reject   error
	outcomes []messages.Outcome
	held     atomic.Int64
}

func (g *fakeGuard) Acquire(ctx context.Context) (engine.Permit, error) {
	g.rec.add(g.name + ">")
	if g.reject != nil {
		return engine.Permit{}, g.reject
	}
	g.held.Add(1)
	return engine.Permit{Token: 7}, nil
}

func (g *fakeGuard) Release(p engine.Permit, o messages.Outcome) {
	if p.Token != 7 {
		panic("foreign permit")
	}
	g.held.Add(-1)
	g.outcomes = append(g.outcomes, o)
	g.rec.add("<" + g.name)
}

// fakePolicy records entry and exit, and runs next `times` times.
type fakePolicy struct {
	name  string
	rec   *stageLog
	times int
}

func (p *fakePolicy) Apply(ctx context.Context, next engine.Next[string]) (string, error) {
	p.rec.add(p.name + ">")
	n := p.times
	if n == 0 {
		n = 1
	}
	var v string
	var err error
	for i := 0; i < n; i++ {
		v, err = next.Call(ctx)
	}
	p.rec.add("<" + p.name)
	return v, err
}

func TestComposeDefaultOrder(t *testing.T) {
	rec := &stageLog{}
	g := func(name string) *fakeGuard { return &fakeGuard{name: name, rec: rec} }
	p := func(name string) *fakePolicy { return &fakePolicy{name: name, rec: rec} }
	c := engine.Compose(engine.Policies[string]{
		Fallback:       p("fallback"),
		Retry:          p("retry"),
		CircuitBreaker: g("breaker"),
		RateLimiter:    g("limiter"),
		Timeout:        p("timeout"),
		Admission:      []engine.Guard{g("bulkhead"), g("shedder")},
	})
	if c.Len() != 7 {
		t.Fatalf("got %d stages, want 7", c.Len())
	}
	v, err := c.Get(context.Background(), func(context.Context) (string, error) { rec.add("call"); return "ok", nil })
	want := "fallback> retry> breaker> limiter> timeout> bulkhead> shedder> call <shedder <bulkhead <timeout <limiter <breaker <retry <fallback"
	if v != "ok" || err != nil || rec.String() != want {
		t.Fatalf("got %q, %v, order\n%s\nwant ok, nil, order\n%s", v, err, rec, want)
	}
}

func TestComposeSkipsMissingAndKeepsChosenOrder(t *testing.T) {
	rec := &stageLog{}
	c := engine.Compose(engine.Policies[string]{Retry: &fakePolicy{name: "retry", rec: rec}, Admission: []engine.Guard{&fakeGuard{name: "bulkhead", rec: rec}}})
	_, _ = c.Get(context.Background(), func(context.Context) (string, error) { rec.add("call"); return "", nil })
	if want := "retry> bulkhead> call <bulkhead <retry"; rec.String() != want {
		t.Fatalf("got %s, want %s", rec, want)
	}

	rec.log = nil
	c = engine.Chain(
		engine.UseGuard[string](&fakeGuard{name: "bulkhead", rec: rec}, nil),
		engine.UsePolicy[string](&fakePolicy{name: "timeout", rec: rec}),
		engine.UsePolicy[string](nil),
		engine.UseGuard[string](nil, nil),
		engine.UsePolicy[string](&fakePolicy{name: "retry", rec: rec, times: 2}),
	)
	_, _ = c.Get(context.Background(), func(context.Context) (string, error) { rec.add("call"); return "", nil })
	if want := "bulkhead> timeout> retry> call call <retry <timeout <bulkhead"; rec.String() != want || c.Len() != 3 {
		t.Fatalf("got %s (%d stages), want %s (3)", rec, c.Len(), want)
	}
}

// Retry outside the guards asks them again for every attempt, and each
// attempt's outcome is recorded.
func TestRetryReacquiresGuards(t *testing.T) {
	rec := &stageLog{}
	breaker := &fakeGuard{name: "breaker", rec: rec}
	c := engine.Compose(engine.Policies[string]{Retry: &fakePolicy{name: "retry", rec: rec, times: 2}, CircuitBreaker: breaker})
	errBoom := errors.New("boom")
	_, err := c.Get(context.Background(), func(context.Context) (string, error) { rec.add("call"); return "", errBoom })
	want := "retry> breaker> call <breaker breaker> call <breaker <retry"
	if err != errBoom || rec.String() != want {
		t.Fatalf("got %v, %s; want boom, %s", err, rec, want)
	}
	if len(breaker.outcomes) != 2 || breaker.outcomes[0] != messages.Failure {
		t.Fatalf("got outcomes %v, want two failures", breaker.outcomes)
	}
}

func TestRejectionStopsInnerStages(t *testing.T) {
	rec := &stageLog{}
	open := &messages.RejectedError{Err: messages.ErrCircuitOpen, Pattern: "circuitbreaker"}
	bulkhead := &fakeGuard{name: "bulkhead", rec: rec}
	c := engine.Compose(engine.Policies[string]{CircuitBreaker: &fakeGuard{name: "breaker", rec: rec, reject: open}, Admission: []engine.Guard{bulkhead}})
	called := false
	_, err := c.Get(context.Background(), func(context.Context) (string, error) { called = true; return "", nil })
	if !errors.Is(err, messages.ErrCircuitOpen) || called || rec.String() != "breaker>" || len(bulkhead.outcomes) != 0 {
		t.Fatalf("got %v, called %v, order %s; want ErrCircuitOpen before anything else", err, called, rec)
	}
}

func TestClassifyAndPanicRelease(t *testing.T) {
	rec := &stageLog{}
	g := &fakeGuard{name: "g", rec: rec}
	ignore := func(error) messages.Outcome { return messages.Ignored }
	c := engine.Compose(engine.Policies[string]{Admission: []engine.Guard{g}, Classify: ignore})
	_, _ = c.Get(context.Background(), func(context.Context) (string, error) { return "", errors.New("x") })
	if g.outcomes[0] != messages.Ignored {
		t.Fatalf("got outcome %v, want Ignored from Classify", g.outcomes[0])
	}
	func() {
		defer func() {
			if v := recover(); v != "boom" {
				t.Fatalf("recovered %v, want boom", v)
			}
		}()
		_, _ = c.Get(context.Background(), func(context.Context) (string, error) { panic("boom") })
	}()
	if g.held.Load() != 0 || g.outcomes[1] != messages.Failure {
		t.Fatalf("got %d permits held, outcome %v after a panic; want 0, Failure", g.held.Load(), g.outcomes[1])
	}
}

func TestEmptyComposition(t *testing.T) {
	var nilComp *engine.Composition[int]
	for _, c := range []*engine.Composition[int]{nilComp, {}, engine.Compose(engine.Policies[int]{})} {
		v, err := c.Get(context.Background(), func(context.Context) (int, error) { return 42, nil })
		if v != 42 || err != nil || c.Len() != 0 {
			t.Fatalf("got %v, %v, %d stages; want 42, nil, 0", v, err, c.Len())
		}
	}
}

// A policy may run next from another goroutine (a timeout that abandons).
func TestNextFromAnotherGoroutine(t *testing.T) {
	async := policyFunc(func(ctx context.Context, next engine.Next[int]) (int, error) {
		type res struct {
			v   int
			err error
		}
		ch := make(chan res, 1)
		go func() { v, err := next.Call(ctx); ch <- res{v, err} }()
		r := <-ch
		return r.v, r.err
	})
	c := engine.Chain(engine.UsePolicy[int](async))
	v, err := c.Get(context.Background(), func(context.Context) (int, error) { return 5, nil })
	if v != 5 || err != nil {
		t.Fatalf("got %v, %v; want 5, nil", v, err)
	}
}

type policyFunc func(context.Context, engine.Next[int]) (int, error)

func (f policyFunc) Apply(ctx context.Context, next engine.Next[int]) (int, error) {
	return f(ctx, next)
}

func ExampleChain() {
	logging := policyFunc(func(ctx context.Context, next engine.Next[int]) (int, error) {
		v, err := next.Call(ctx)
		fmt.Println("call returned", v, err)
		return v, err
	})
	c := engine.Chain(engine.UsePolicy[int](logging))
	v, _ := c.Get(context.Background(), func(context.Context) (int, error) { return 42, nil })
	fmt.Println(v)
	// Output:
	// call returned 42 <nil>
	// 42
}

type nopGuard struct{}

func (nopGuard) Acquire(context.Context) (engine.Permit, error) { return engine.Permit{}, nil }
func (nopGuard) Release(engine.Permit, messages.Outcome)        {}

type nopPolicy struct{}

func (nopPolicy) Apply(ctx context.Context, next engine.Next[int]) (int, error) {
	return next.Call(ctx)
}

func benchComposition(b *testing.B, c *engine.Composition[int]) {
	ctx := context.Background()
	fn := func(context.Context) (int, error) { return 1, nil }
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, err := c.Get(ctx, fn); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// The cost of the chain itself: seven stages that do nothing.
func BenchmarkComposeOverhead(b *testing.B) {
	benchComposition(b, engine.Compose(engine.Policies[int]{
		Fallback: nopPolicy{}, Retry: nopPolicy{}, CircuitBreaker: nopGuard{}, RateLimiter: nopGuard{},
		Timeout: nopPolicy{}, Admission: []engine.Guard{nopGuard{}, nopGuard{}},
	}))
}

type classifyingGuard struct{ fakeGuard }

func (g *classifyingGuard) Classify(err error) messages.Outcome {
	if err != nil {
		return messages.Ignored
	}
	return messages.Success
}

func TestGuardsOwnClassify(t *testing.T) {
	g := &classifyingGuard{fakeGuard{name: "g", rec: &stageLog{}}}
	c := engine.Compose(engine.Policies[string]{CircuitBreaker: g})
	_, _ = c.Get(context.Background(), func(context.Context) (string, error) { return "", errors.New("x") })
	if len(g.outcomes) != 1 || g.outcomes[0] != messages.Ignored {
		t.Fatalf("got outcomes %v, want the guard's own Classify (Ignored)", g.outcomes)
	}
}
