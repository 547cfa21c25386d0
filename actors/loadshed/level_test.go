package loadshed_test

import (
	"context"
	"testing"
	"time"

	"github.com/bulwark-go/bulwark/actors/loadshed"
	"github.com/bulwark-go/bulwark/eventstream"
	"github.com/bulwark-go/bulwark/messages"
)

// Slots made by the actor for waiters count like those of the fast path:
// a higher MaxInFlight admits 14 waiters at once, on slots made for them,
// and a Low call at 15 of 20 is shed.
func TestLowShedAfterQueuedGrants(t *testing.T) {
	s, _ := newShedder(t, loadshed.Config{MaxInFlight: 1, MaxWaiting: 20})
	acquireN(t, s, 1)
	var granted []<-chan error
	for i := range 14 {
		granted = append(granted, waitAsync(s, messages.Normal))
		waitQueued(t, s, i+1)
	}
	reconfigure(t, s, loadshed.Config{MaxInFlight: 20, MaxWaiting: 20})
	for _, ch := range granted {
		if err := <-ch; err != nil {
			t.Fatalf("waiter after the limit rose: %v", err)
		}
	}
	_, err := acquirePriority(s, context.Background(), messages.Low)
	wantShed(t, err, loadshed.ReasonLowPriority)
	if st := stats(t, s); st.InFlight != 15 || st.Level != loadshed.LevelElevated {
		t.Fatalf("in flight, level: got %d %v, want 15 elevated", st.InFlight, st.Level)
	}
	releaseN(s, 15)
}

// A Signal moves the level while utilisation stays low: the call that
// notices a change, and a release, have the actor publish it (without
// another message to the actor).
func TestSignalLevelEvents(t *testing.T) {
	sig := &fakeSignal{}
	s, eng := newShedder(t, loadshed.Config{MaxInFlight: 100, Signal: sig})
	sub, err := eng.Events().Subscribe(eventstream.Filter{Types: []eventstream.Type{eventstream.EventLoadLevelChanged}}, 16)
	if err != nil {
		t.Fatalf("Subscribe: %v", err)
	}
	defer sub.Close()
	next := func(old, new string) {
		t.Helper()
		select {
		case ev := <-sub.C():
			if ev.Fields.OldState != old || ev.Fields.NewState != new {
				t.Fatalf("level event: got %s -> %s, want %s -> %s", ev.Fields.OldState, ev.Fields.NewState, old, new)
			}
		case <-time.After(10 * time.Second):
			t.Fatalf("no level event %s -> %s", old, new)
		}
	}
	acquireN(t, s, 1)
	sig.set(loadshed.LevelHigh)
	if _, err := acquirePriority(s, context.Background(), messages.Critical); err != nil {
		t.Fatalf("Critical at signal high: %v", err)
	}
	next("normal", "high")
	sig.set(loadshed.LevelNormal)
	releaseN(s, 1)
	next("high", "normal")
	releaseN(s, 1)
}

// The boundary is exact: at 60 of 100 a Low call is admitted, at 61 it is
// shed.
func TestLowAtTheBoundary(t *testing.T) {
	s, _ := newShedder(t, loadshed.Config{MaxInFlight: 100})
	acquireN(t, s, 60)
	if _, err := acquirePriority(s, context.Background(), messages.Low); err != nil {
		t.Fatalf("Low at 60 of 100: %v", err)
	}
	_, err := acquirePriority(s, context.Background(), messages.Low)
	wantShed(t, err, loadshed.ReasonLowPriority)
	releaseN(s, 2)
	if _, err := acquirePriority(s, context.Background(), messages.Low); err != nil {
		t.Fatalf("Low at 59 of 100 after 61: %v", err)
	}
	releaseN(s, 60)
}
