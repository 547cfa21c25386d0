package loadshed_test

import (
	"context"
	"errors"
	"testing"

	"github.com/bulwark-go/bulwark/actors/loadshed"
	"github.com/bulwark-go/bulwark/eventstream"
	"github.com/bulwark-go/bulwark/messages"
	"github.com/bulwark-go/bulwark/supervisor"
)

func reconfigure(t *testing.T, s *loadshed.Shedder, cfg loadshed.Config) {
	t.Helper()
	if err := s.Reconfigure(context.Background(), cfg); err != nil {
		t.Fatalf("Reconfigure(%+v): %v", cfg, err)
	}
}

// waitAsync starts AcquirePriority in a goroutine; its error arrives on the
// channel (a granted permit is kept for releaseN).
func waitAsync(s *loadshed.Shedder, p messages.Priority) <-chan error {
	ch := make(chan error, 1)
	go func() {
		_, err := acquirePriority(s, context.Background(), p)
		ch <- err
	}()
	return ch
}

// A shorter MaxWaiting turns away the youngest of the lowest priority; a
// higher MaxInFlight then admits the rest, highest priority first.
func TestReconfigureQueueByPriority(t *testing.T) {
	s, _ := newShedder(t, loadshed.Config{MaxInFlight: 1, MaxWaiting: 3})
	acquireN(t, s, 1)
	normal := waitAsync(s, messages.Normal)
	waitQueued(t, s, 1)
	critical := waitAsync(s, messages.Critical)
	waitQueued(t, s, 2)
	high := waitAsync(s, messages.High)
	waitQueued(t, s, 3)
	reconfigure(t, s, loadshed.Config{MaxInFlight: 1, MaxWaiting: 2})
	wantShed(t, <-normal, loadshed.ReasonReconfigured)
	reconfigure(t, s, loadshed.Config{MaxInFlight: 2, MaxWaiting: 2})
	if err := <-critical; err != nil {
		t.Fatalf("the Critical waiter after a higher MaxInFlight: got %v, want a slot", err)
	}
	if st := stats(t, s); st.InFlight != 2 || st.Waiting != 1 || st.MaxInFlight != 2 {
		t.Fatalf("in flight, waiting, max: got %d %d %d, want 2 1 2", st.InFlight, st.Waiting, st.MaxInFlight)
	}
	releaseN(s, 1)
	if err := <-high; err != nil {
		t.Fatalf("the High waiter: got %v, want a slot", err)
	}
	releaseN(s, 2)
	st := stats(t, s)
	if st.Accepted != 3 || st.Rejected != 1 || st.RejectedBy[loadshed.ReasonReconfigured] != 1 || st.InFlight != 0 {
		t.Fatalf("accepted, rejected, by reconfigured, in flight: got %d %d %d %d, want 3 1 1 0", st.Accepted, st.Rejected, st.RejectedBy[loadshed.ReasonReconfigured], st.InFlight)
	}
}

// A lower MaxInFlight admits nobody until fewer than it are in flight, and
// the load level counts against it at once; a new Signal applies to the
// next call; the registry holds the new config.
func TestReconfigureLowerLimitAndSignal(t *testing.T) {
	s, eng := newShedder(t, loadshed.Config{MaxInFlight: 4})
	acquireN(t, s, 2)
	reconfigure(t, s, loadshed.Config{MaxInFlight: 1})
	if st := stats(t, s); st.Level != loadshed.LevelCritical || st.InFlight != 2 {
		t.Fatalf("2 in flight under a limit of 1: level %v, in flight %d; want critical 2", st.Level, st.InFlight)
	}
	if _, err := acquirePriority(s, context.Background(), messages.Critical); err == nil {
		t.Fatal("a Critical call with 2 in flight under a limit of 1: got a slot")
	}
	releaseN(s, 1)
	stats(t, s)
	if _, err := acquirePriority(s, context.Background(), messages.Critical); err == nil {
		t.Fatal("a Critical call with 1 in flight under a limit of 1: got a slot")
	}
	releaseN(s, 1)
	stats(t, s)
	acquireN(t, s, 1)
	sig := &fakeSignal{}
	sig.set(loadshed.LevelHigh)
	reconfigure(t, s, loadshed.Config{MaxInFlight: 4, Signal: sig})
	_, err := acquirePriority(s, context.Background(), messages.Normal)
	wantShed(t, err, loadshed.ReasonSignal)
	if got, err := loadshed.New(eng, "test", loadshed.Config{MaxInFlight: 4, Signal: sig}); err != nil || got != s {
		t.Fatalf("New with the new config: got %p %v, want the same shedder", got, err)
	}
	var conflict *supervisor.ConflictError
	if _, err := loadshed.New(eng, "test", loadshed.Config{MaxInFlight: 1}); !errors.As(err, &conflict) {
		t.Fatalf("New with the old config: got %v, want a *supervisor.ConflictError", err)
	}
	releaseN(s, 1)
}

// A restart of the actor after a panic keeps the config Reconfigure set,
// and an equal config publishes nothing.
func TestReconfigureSurvivesRestart(t *testing.T) {
	sig := &panickySignal{}
	s, eng := newShedder(t, loadshed.Config{MaxInFlight: 4, Signal: sig})
	sub, err := eng.Events().Subscribe(eventstream.Filter{Types: []eventstream.Type{eventstream.EventActorRestarted, eventstream.EventConfigChanged},
		Patterns: []string{loadshed.Kind}}, 4)
	if err != nil {
		t.Fatal(err)
	}
	defer sub.Close()
	reconfigure(t, s, loadshed.Config{MaxInFlight: 2, MaxWaiting: 1, Signal: sig})
	if e := <-sub.C(); e.Type != eventstream.EventConfigChanged || e.Fields.NewState != "MaxInFlight=2 MaxWaiting=1" {
		t.Fatalf("first event: got %s %q, want config_changed MaxInFlight=2 MaxWaiting=1", e.Type, e.Fields.NewState)
	}
	sig.armed.Store(true)
	stats(t, s)
	if e := <-sub.C(); e.Type != eventstream.EventActorRestarted {
		t.Fatalf("second event: got %s, want actor_restarted", e.Type)
	}
	reconfigure(t, s, loadshed.Config{MaxInFlight: 2, MaxWaiting: 1, Signal: sig})
	acquireN(t, s, 2)
	// 2 of 2 is critical: a Low call is shed (2 of 4 would admit it).
	_, err = acquirePriority(s, context.Background(), messages.Low)
	wantShed(t, err, loadshed.ReasonLowPriority)
	releaseN(s, 2)
	st := stats(t, s)
	if st.MaxInFlight != 2 || st.MaxWaiting != 1 || st.PeakInFlight != 2 {
		t.Fatalf("after the restart: max %d, waiting %d, peak %d; want 2 1 2", st.MaxInFlight, st.MaxWaiting, st.PeakInFlight)
	}
	select {
	case e := <-sub.C():
		t.Fatalf("an equal config after the restart: got %s, want no event", e.Type)
	default:
	}
}
