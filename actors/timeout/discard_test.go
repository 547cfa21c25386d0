package timeout_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/bulwark-go/bulwark/actors/timeout"
	"github.com/bulwark-go/bulwark/engine"
	"github.com/bulwark-go/bulwark/messages"
)

// dropped is one result OnDiscard received.
type dropped struct {
	v   int
	err error
}

// OnDiscard receives the result of every call whose caller does not get
// it: returned after the limit (both modes), abandoned at the limit (own
// goroutine: handed over when the function returns), or returned after
// the caller left; never a result returned in time.
func TestOnDiscard(t *testing.T) {
	for _, tc := range []struct {
		name     string
		coop     bool
		leave    bool // the caller's context ends instead of the limit
		late     bool // the function returns only after the caller returned
		want     []dropped
		wantErr  error
		inTime   bool
		policyOn bool // the policy's own OnDiscard, else the composition's
	}{
		{name: "in time", inTime: true, policyOn: true},
		{name: "cancelled at the limit, cooperative", coop: true, want: []dropped{{7, errA}}, wantErr: messages.ErrTimeout, policyOn: true},
		{name: "cancelled at the limit, own goroutine", want: []dropped{{7, errA}}, wantErr: messages.ErrTimeout},
		{name: "abandoned at the limit", late: true, want: []dropped{{7, errA}}, wantErr: messages.ErrTimeout, policyOn: true},
		{name: "abandoned by a caller who left", leave: true, late: true, want: []dropped{{7, errA}}, wantErr: context.Canceled, policyOn: true},
		{name: "returned after the caller left, cooperative", coop: true, leave: true, want: []dropped{{7, errA}}, wantErr: context.Canceled},
	} {
		t.Run(tc.name, func(t *testing.T) {
			eng, clock := newEngine(t)
			to := newTimeout(t, eng, timeout.Config{Timeout: time.Second, Cooperative: tc.coop})
			got := make(chan dropped, 4)
			hook := func(v int, err error) { got <- dropped{v, err} }
			p := timeout.For[int](to)
			comp := engine.Chain(engine.UsePolicy[int](p))
			if tc.policyOn {
				comp = engine.Chain(engine.UsePolicy[int](p.OnDiscard(hook)))
			} else {
				comp = comp.OnDiscard(hook)
			}
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			release, started := make(chan struct{}), make(chan struct{})
			fn := func(fctx context.Context) (int, error) {
				close(started)
				switch {
				case tc.inTime:
					return 7, nil
				case tc.late:
					<-release // ignores its context
				default:
					<-fctx.Done()
				}
				return 7, errA
			}
			res := make(chan error, 1)
			var v int
			go func() {
				var err error
				v, err = comp.Get(ctx, fn)
				res <- err
			}()
			<-started
			if !tc.inTime {
				if tc.leave {
					cancel()
				} else {
					if err := clock.WaitForTimers(context.Background(), 1); err != nil {
						t.Fatal(err)
					}
					clock.Advance(time.Second)
				}
			}
			err := wait(t, res)
			if tc.late {
				if len(got) != 0 {
					t.Fatalf("discarded %v before the abandoned function returned", <-got)
				}
				close(release)
			}
			if tc.inTime {
				if v != 7 || err != nil || len(got) != 0 {
					t.Fatalf("got %d, %v, %d discarded; want 7, nil, none", v, err, len(got))
				}
				return
			}
			if v != 0 || !errors.Is(err, tc.wantErr) {
				t.Fatalf("got %d, %v; want 0, %v", v, err, tc.wantErr)
			}
			for _, w := range tc.want {
				select {
				case d := <-got:
					if d != w {
						t.Fatalf("discarded %v, want %v", d, w)
					}
				case <-time.After(5 * time.Second):
					t.Fatalf("nothing discarded, want %v", w)
				}
			}
		})
	}
}

// Policy.Do hands an abandoned result to the policy's OnDiscard too.
func TestPolicyDoOnDiscard(t *testing.T) {
	eng, clock := newEngine(t)
	to := newTimeout(t, eng, timeout.Config{Timeout: time.Second})
	got := make(chan dropped, 1)
	p := timeout.For[int](to).OnDiscard(func(v int, err error) { got <- dropped{v, err} })
	release := make(chan struct{})
	res := async(func() error {
		_, err := p.Do(context.Background(), func(context.Context) (int, error) { <-release; return 5, nil })
		return err
	})
	if err := clock.WaitForTimers(context.Background(), 1); err != nil {
		t.Fatal(err)
	}
	clock.Advance(time.Second)
	if err := wait(t, res); !errors.Is(err, messages.ErrTimeout) {
		t.Fatalf("got %v, want ErrTimeout", err)
	}
	close(release)
	select {
	case d := <-got:
		if d != (dropped{5, nil}) {
			t.Fatalf("discarded %v, want {5 <nil>}", d)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("nothing discarded")
	}
	if _, err := timeout.For[int](to).Do(context.Background(), nil); !errors.Is(err, messages.ErrInvalidConfig) {
		t.Fatalf("nil fn: got %v, want ErrInvalidConfig", err)
	}
}
