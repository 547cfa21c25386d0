package backpressure_test

import (
	"context"
	"errors"
	"testing"

	"github.com/bulwark-go/bulwark/actors/backpressure"
	"github.com/bulwark-go/bulwark/eventstream"
	"github.com/bulwark-go/bulwark/messages"
	"github.com/bulwark-go/bulwark/supervisor"
)

func reconfigure(t *testing.T, g *backpressure.Gate, cfg backpressure.Config) {
	t.Helper()
	if err := g.Reconfigure(context.Background(), cfg); err != nil {
		t.Fatalf("Reconfigure(%+v): %v", cfg, err)
	}
}

// A higher HighWaterMark turns backpressure off and admits the waiters,
// oldest first; a shorter MaxWaiting turns the youngest away.
func TestReconfigureHigherMarkAdmitsWaiters(t *testing.T) {
	g, _, _ := newGate(t, backpressure.Config{MaxInFlight: 10, HighWaterMark: 2, LowWaterMark: 1, MaxWaiting: 3})
	acquireN(t, g, 2)
	want(t, g, 2, 0, true)
	var res []<-chan result
	for i := range 3 {
		res = append(res, acquireAsync(context.Background(), g, untilCanceled, i))
		waitQueued(t, g, i+1)
	}
	reconfigure(t, g, backpressure.Config{MaxInFlight: 10, HighWaterMark: 2, LowWaterMark: 1, MaxWaiting: 2})
	wantRejected(t, (<-res[2]).err, backpressure.ReasonReconfigured)
	reconfigure(t, g, backpressure.Config{MaxInFlight: 10, HighWaterMark: 5, LowWaterMark: 2, MaxWaiting: 2})
	for i := range 2 {
		if r := <-res[i]; r.err != nil {
			t.Fatalf("waiter %d: got %v, want admitted", i, r.err)
		}
	}
	st := want(t, g, 4, 0, false)
	if st.HighWaterMark != 5 || st.LowWaterMark != 2 || st.MaxWaiting != 2 || st.Accepted != 4 || st.RejectedBy[backpressure.ReasonReconfigured] != 1 {
		t.Fatalf("after the changes: %+v", st)
	}
	releaseN(g, 4)
	want(t, g, 0, 0, false)
}

// A HighWaterMark at or below the items pending turns backpressure on:
// they finish, and nobody is admitted until the count falls to the low
// mark.
func TestReconfigureLowerMarkTurnsBackpressureOn(t *testing.T) {
	g, _, eng := newGate(t, backpressure.Config{MaxInFlight: 10, HighWaterMark: 8})
	sub, err := eng.Events().Subscribe(eventstream.Filter{Types: []eventstream.Type{eventstream.EventBackpressureOn, eventstream.EventConfigChanged}}, 4)
	if err != nil {
		t.Fatal(err)
	}
	defer sub.Close()
	acquireN(t, g, 3)
	reconfigure(t, g, backpressure.Config{MaxInFlight: 10, HighWaterMark: 3, LowWaterMark: 1})
	for _, typ := range []eventstream.Type{eventstream.EventBackpressureOn, eventstream.EventConfigChanged} {
		if e := <-sub.C(); e.Type != typ {
			t.Fatalf("event: got %s, want %s", e.Type, typ)
		}
	}
	want(t, g, 3, 0, true)
	for pending := 2; pending >= 1; pending-- {
		_, err := acquireWait(g, context.Background(), 0)
		wantRejected(t, err, backpressure.ReasonActive)
		releaseN(g, 1)
		want(t, g, pending, 0, pending > 1)
	}
	acquireN(t, g, 1)
	releaseN(g, 2)
	want(t, g, 0, 0, false)
}

func TestReconfigureRegistryNoOpAndErrors(t *testing.T) {
	g, _, eng := newGate(t, backpressure.Config{MaxInFlight: 10})
	sub, err := eng.Events().Subscribe(eventstream.Filter{Types: []eventstream.Type{eventstream.EventConfigChanged}}, 4)
	if err != nil {
		t.Fatal(err)
	}
	defer sub.Close()
	reconfigure(t, g, backpressure.Config{MaxInFlight: 10, HighWaterMark: 8, LowWaterMark: 2}) // the defaults: equal
	select {
	case e := <-sub.C():
		t.Fatalf("an equal config: got %+v, want no event", e)
	default:
	}
	var ce *messages.ConfigError
	if err := g.Reconfigure(context.Background(), backpressure.Config{MaxInFlight: 10, HighWaterMark: 11}); !errors.As(err, &ce) || ce.Field != "HighWaterMark" {
		t.Fatalf("HighWaterMark above MaxInFlight: got %v, want a ConfigError naming HighWaterMark", err)
	}
	reconfigure(t, g, backpressure.Config{MaxInFlight: 20})
	if e := <-sub.C(); e.Fields.OldState != "MaxInFlight=10 HighWaterMark=8 LowWaterMark=2" || e.Fields.NewState != "MaxInFlight=20 HighWaterMark=16 LowWaterMark=4" {
		t.Fatalf("config_changed: got %q -> %q", e.Fields.OldState, e.Fields.NewState)
	}
	if got, err := backpressure.New(eng, "test", backpressure.Config{MaxInFlight: 20}); err != nil || got != g {
		t.Fatalf("New with the new config: got %p %v, want the same gate", got, err)
	}
	var conflict *supervisor.ConflictError
	if _, err := backpressure.New(eng, "test", backpressure.Config{MaxInFlight: 10}); !errors.As(err, &conflict) {
		t.Fatalf("New with the old config: got %v, want a *supervisor.ConflictError", err)
	}
	if err := eng.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
	if err := g.Reconfigure(context.Background(), backpressure.Config{}); !errors.Is(err, messages.ErrStopped) {
		t.Fatalf("after Shutdown: got %v, want ErrStopped", err)
	}
}
