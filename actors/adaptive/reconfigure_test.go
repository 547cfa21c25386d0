package adaptive_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/bulwark-go/bulwark/actors/adaptive"
	"github.com/bulwark-go/bulwark/engine"
	"github.com/bulwark-go/bulwark/eventstream"
	"github.com/bulwark-go/bulwark/messages"
	"github.com/bulwark-go/bulwark/supervisor"
)

// subscribe returns a subscription to config_changed and limit_changed.
func subscribe(t *testing.T, eng *engine.Engine) *eventstream.Subscription {
	t.Helper()
	sub, err := eng.Events().Subscribe(eventstream.Filter{Types: []eventstream.Type{
		eventstream.EventConfigChanged, eventstream.EventLimitChanged}}, 16)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(sub.Close)
	return sub
}

func nextEvent(t *testing.T, sub *eventstream.Subscription) eventstream.Event {
	t.Helper()
	select {
	case ev := <-sub.C():
		return ev
	case <-time.After(5 * time.Second):
		t.Fatal("no event")
	}
	return eventstream.Event{}
}

func noEvent(t *testing.T, sub *eventstream.Subscription) {
	t.Helper()
	select {
	case ev := <-sub.C():
		t.Fatalf("got %v, want no event", ev)
	default:
	}
}

// A lower MaxLimit clamps the limit at once (config_changed, then
// limit_changed with ReasonReconfigured); the calls in flight finish, and
// nobody is admitted until fewer than the new limit are in flight.
func TestReconfigureLowerLimit(t *testing.T) {
	cfg := adaptive.Config{InitialLimit: 10, MinLimit: 1, MaxLimit: 20, Window: 1000}
	l, _, eng := newLimiter(t, cfg)
	sub := subscribe(t, eng)
	ctx := context.Background()
	ps := acquireN(t, l, 10)
	cfg.MaxLimit, cfg.InitialLimit = 4, 4
	if err := l.Reconfigure(ctx, cfg); err != nil {
		t.Fatal(err)
	}
	if got := l.Limit(); got != 4 {
		t.Fatalf("Limit after Reconfigure: got %d, want 4", got)
	}
	ev := nextEvent(t, sub)
	if ev.Type != eventstream.EventConfigChanged || ev.Name != "test" ||
		ev.Fields.OldState != "InitialLimit=10 MaxLimit=20" || ev.Fields.NewState != "InitialLimit=4 MaxLimit=4" {
		t.Fatalf("got %v, want config_changed InitialLimit=10 MaxLimit=20 -> InitialLimit=4 MaxLimit=4", ev)
	}
	ev = nextEvent(t, sub)
	if ev.Type != eventstream.EventLimitChanged || ev.Fields.Count != 10 || ev.Fields.Max != 4 || ev.Fields.Reason != adaptive.ReasonReconfigured {
		t.Fatalf("got %v, want limit_changed 10 -> 4 (reconfigured)", ev)
	}
	// 10 in flight, limit 4: refused until only 3 are in flight.
	for i := range 7 {
		_, err := l.Acquire(ctx)
		wantAtLimit(t, err)
		l.Release(ps[i], messages.Ignored)
	}
	p, err := l.Acquire(ctx) // 3 in flight
	if err != nil {
		t.Fatalf("with 3 in flight under limit 4: %v", err)
	}
	_, err = l.Acquire(ctx)
	wantAtLimit(t, err)
	l.Release(p, messages.Ignored)
	releaseAll(l, ps[7:], messages.Ignored)
	st := stats(t, l)
	if st.Limit != 4 || st.MaxLimit != 4 || st.MinLimit != 1 || st.InFlight != 0 || st.Rejected != 8 || st.Completed != 11 {
		t.Fatalf("got %+v, want limit 4, max 4, min 1, none in flight, 8 rejected, 11 completed", st)
	}
}

// A higher MinLimit raises the limit at once; the new permits are usable
// when Reconfigure returns.
func TestReconfigureRaiseMin(t *testing.T) {
	cfg := adaptive.Config{InitialLimit: 2, MinLimit: 1, MaxLimit: 20, Window: 1000}
	l, _, eng := newLimiter(t, cfg)
	sub := subscribe(t, eng)
	ps := acquireN(t, l, 2)
	_, err := l.Acquire(context.Background())
	wantAtLimit(t, err)
	cfg.MinLimit, cfg.InitialLimit = 5, 5
	if err := l.Reconfigure(context.Background(), cfg); err != nil {
		t.Fatal(err)
	}
	ps = append(ps, acquireN(t, l, 3)...)
	_, err = l.Acquire(context.Background())
	wantAtLimit(t, err)
	releaseAll(l, ps, messages.Ignored)
	if ev := nextEvent(t, sub); ev.Type != eventstream.EventConfigChanged {
		t.Fatalf("got %v, want config_changed first", ev)
	}
	if ev := nextEvent(t, sub); ev.Type != eventstream.EventLimitChanged || ev.Fields.Count != 2 || ev.Fields.Max != 5 {
		t.Fatalf("got %v, want limit_changed 2 -> 5", ev)
	}
}

// A limit inside the new range is kept (InitialLimit is where a limiter
// starts, not a reset), and no limit_changed event is published.
func TestReconfigureKeepsLimitInRange(t *testing.T) {
	cfg := adaptive.Config{InitialLimit: 3, MinLimit: 1, MaxLimit: 10, Window: 3}
	l, _, eng := newLimiter(t, cfg)
	releaseAll(l, acquireN(t, l, 3), messages.Success) // a good window: 3 -> 4
	if st := stats(t, l); st.Limit != 4 {
		t.Fatalf("limit after a good window: got %d, want 4", st.Limit)
	}
	sub := subscribe(t, eng)
	cfg.InitialLimit, cfg.MaxLimit = 8, 50
	if err := l.Reconfigure(context.Background(), cfg); err != nil {
		t.Fatal(err)
	}
	if ev := nextEvent(t, sub); ev.Type != eventstream.EventConfigChanged {
		t.Fatalf("got %v, want config_changed", ev)
	}
	noEvent(t, sub)
	if st := stats(t, l); st.Limit != 4 || st.MaxLimit != 50 {
		t.Fatalf("got limit %d max %d, want 4 and 50", st.Limit, st.MaxLimit)
	}
}

// The window under way is kept when Window is unchanged and starts over
// when it changes; the next window is judged with the new factors.
func TestReconfigureWindow(t *testing.T) {
	cfg := adaptive.Config{InitialLimit: 100, MinLimit: 1, MaxLimit: 100, Window: 10}
	l, _, _ := newLimiter(t, cfg)
	releaseAll(l, acquireN(t, l, 4), messages.Success)
	cfg.DecreaseFactor = 0.5
	if err := l.Reconfigure(context.Background(), cfg); err != nil {
		t.Fatal(err)
	}
	if st := stats(t, l); st.WindowSucceeded != 4 || st.Limit != 100 {
		t.Fatalf("same Window: got window %d succeeded, limit %d; want 4 kept, 100", st.WindowSucceeded, st.Limit)
	}
	cfg.Window = 5
	if err := l.Reconfigure(context.Background(), cfg); err != nil {
		t.Fatal(err)
	}
	if st := stats(t, l); st.WindowSucceeded != 0 || st.Completed != 4 {
		t.Fatalf("new Window: got window %d succeeded, %d completed; want 0 (started over), 4", st.WindowSucceeded, st.Completed)
	}
	// 1 failure in a window of 5 (20%) decides it early: 100*0.5.
	releaseAll(l, acquireN(t, l, 1), messages.Failure)
	if st := stats(t, l); st.Limit != 50 {
		t.Fatalf("after a failing window under DecreaseFactor 0.5: got limit %d, want 50", st.Limit)
	}
}

// An identical config (also one that defaults to it) publishes nothing and
// resets nothing.
func TestReconfigureIdentical(t *testing.T) {
	cfg := adaptive.Config{InitialLimit: 5, MinLimit: 1, MaxLimit: 10, Window: 10}
	l, _, eng := newLimiter(t, cfg)
	releaseAll(l, acquireN(t, l, 3), messages.Success)
	sub := subscribe(t, eng)
	for _, c := range []adaptive.Config{cfg, {InitialLimit: 5, MinLimit: 1, MaxLimit: 10, Window: 10, Increase: adaptive.DefaultIncrease}} {
		if err := l.Reconfigure(context.Background(), c); err != nil {
			t.Fatal(err)
		}
	}
	if st := stats(t, l); st.WindowSucceeded != 3 || st.Limit != 5 {
		t.Fatalf("got %+v, want the window's 3 successes and limit 5 kept", st)
	}
	noEvent(t, sub)
}

// Bad input is a *messages.ConfigError naming the field, and changes
// nothing; after Shutdown Reconfigure is messages.ErrStopped.
func TestReconfigureErrors(t *testing.T) {
	l, _, eng := newLimiter(t, adaptive.Config{MaxLimit: 10})
	ctx := context.Background()
	for field, cfg := range map[string]adaptive.Config{
		"MaxLimit":       {MinLimit: 5, MaxLimit: 4},
		"DecreaseFactor": {DecreaseFactor: 1.5},
		"Algorithm":      {Algorithm: adaptive.Vegas, MaxLimit: 10},
	} {
		var ce *messages.ConfigError
		if err := l.Reconfigure(ctx, cfg); !errors.As(err, &ce) || ce.Field != field {
			t.Errorf("%+v: got %v, want a *ConfigError naming %s", cfg, err, field)
		}
	}
	if st := stats(t, l); st.MaxLimit != 10 || st.Limit != 10 {
		t.Fatalf("a refused config changed the limiter: %+v", st)
	}
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	if err := l.Reconfigure(cctx, adaptive.Config{MaxLimit: 20}); !errors.Is(err, context.Canceled) {
		t.Fatalf("ended ctx: got %v, want context.Canceled", err)
	}
	if st := stats(t, l); st.MaxLimit != 10 {
		t.Fatalf("a ctx ended before the call applied %+v", st)
	}
	if err := eng.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
	if err := l.Reconfigure(ctx, adaptive.Config{MaxLimit: 20}); !errors.Is(err, messages.ErrStopped) {
		t.Fatalf("after Shutdown: got %v, want ErrStopped", err)
	}
}

// After Reconfigure, New with the new config returns the same limiter and
// New with the old one is a *supervisor.ConflictError.
func TestReconfigureRegistry(t *testing.T) {
	old := adaptive.Config{MaxLimit: 10}
	l, _, eng := newLimiter(t, old)
	next := adaptive.Config{MaxLimit: 30}
	if err := l.Reconfigure(context.Background(), next); err != nil {
		t.Fatal(err)
	}
	if got, err := adaptive.New(eng, "test", next); err != nil || got != l {
		t.Fatalf("New with the new config: got %p, %v; want %p", got, err, l)
	}
	var ce *supervisor.ConflictError
	if _, err := adaptive.New(eng, "test", old); !errors.As(err, &ce) {
		t.Fatalf("New with the old config: got %v, want a *supervisor.ConflictError", err)
	}
}
