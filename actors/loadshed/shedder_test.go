package loadshed_test

import (
	"context"
	"errors"
	"testing"

	"github.com/bulwark-go/bulwark/actors/loadshed"
	"github.com/bulwark-go/bulwark/engine"
	"github.com/bulwark-go/bulwark/eventstream"
	"github.com/bulwark-go/bulwark/messages"
	"github.com/bulwark-go/bulwark/supervisor"
)

// SPEC §13.63: max 2, third shed, release decrements.
func TestMaxInFlight(t *testing.T) {
	s, _ := newShedder(t, loadshed.Config{MaxInFlight: 2})
	acquireN(t, s, 2)
	_, err := acquire(s, context.Background())
	wantShed(t, err, loadshed.ReasonQueueFull)
	if st := stats(t, s); st.InFlight != 2 || st.Rejected != 1 || st.RejectedBy[loadshed.ReasonQueueFull] != 1 {
		t.Fatalf("got in-flight %d shed %d (%v), want 2 and 1 queue_full", st.InFlight, st.Rejected, st.RejectedBy)
	}
	releaseN(s, 1)
	if st := stats(t, s); st.InFlight != 1 {
		t.Fatalf("after release: got in-flight %d, want 1", st.InFlight)
	}
	releaseN(s, 5) // extra releases are ignored
	if st := stats(t, s); st.InFlight != 0 {
		t.Fatalf("after extra releases: got in-flight %d, want 0", st.InFlight)
	}
	acquireN(t, s, 2)
	if _, err := acquire(s, context.Background()); err == nil {
		t.Fatalf("third Acquire after extra releases: got a slot, want shed (pool must not grow)")
	}
}

// SPEC §13.64, made real: a full queue sheds Normal; High displaces the
// youngest Normal waiter; freed slots go to High first, then Normal FIFO.
func TestPriorityQueue(t *testing.T) {
	s, _ := newShedder(t, loadshed.Config{MaxInFlight: 1, MaxWaiting: 2})
	acquireN(t, s, 1)
	type result struct {
		who string
		err error
	}
	done := make(chan result, 4)
	start := func(who string, p messages.Priority, queued int) {
		go func() {
			_, err := acquirePriority(s, context.Background(), p)
			done <- result{who, err}
		}()
		waitQueued(t, s, queued)
	}
	start("normal1", messages.Normal, 1)
	start("normal2", messages.Normal, 2)
	_, err := acquire(s, context.Background())
	wantShed(t, err, loadshed.ReasonQueueFull)
	_, err = acquirePriority(s, context.Background(), messages.Low)
	wantShed(t, err, loadshed.ReasonLowPriority)
	start("high", messages.High, 2) // displaces normal2
	if r := <-done; r.who != "normal2" {
		t.Fatalf("got %s (%v) first, want normal2 displaced", r.who, r.err)
	} else {
		wantShed(t, r.err, loadshed.ReasonDisplaced)
	}
	for _, want := range []string{"high", "normal1"} {
		releaseN(s, 1)
		if r := <-done; r.who != want || r.err != nil {
			t.Fatalf("after a release: got %s (%v), want %s granted", r.who, r.err, want)
		}
	}
	st := stats(t, s)
	if st.InFlight != 1 || st.Waiting != 0 || st.RejectedBy[loadshed.ReasonDisplaced] != 1 {
		t.Fatalf("got %+v, want in-flight 1, queue empty, one displaced", st)
	}
}

// SPEC §13.65: levels and stats.
func TestLevelsAndStats(t *testing.T) {
	s, _ := newShedder(t, loadshed.Config{MaxInFlight: 100})
	steps := []struct {
		to   int
		want loadshed.LoadLevel
	}{{50, loadshed.LevelNormal}, {65, loadshed.LevelElevated}, {80, loadshed.LevelHigh}, {95, loadshed.LevelCritical}}
	have := 0
	for _, st := range steps {
		acquireN(t, s, st.to-have)
		have = st.to
		if got := stats(t, s).Level; got != st.want {
			t.Fatalf("at %d/100: got %v, want %v", st.to, got, st.want)
		}
	}
	// Low is shed from elevated on; Critical still gets in up to the limit.
	_, err := acquirePriority(s, context.Background(), messages.Low)
	wantShed(t, err, loadshed.ReasonLowPriority)
	for range 5 {
		if _, err := acquirePriority(s, context.Background(), messages.Critical); err != nil {
			t.Fatalf("Critical at 95..100: %v", err)
		}
	}
	_, err = acquirePriority(s, context.Background(), messages.Critical)
	wantShed(t, err, loadshed.ReasonQueueFull)
	st := stats(t, s)
	if st.Utilization != 100.0 || st.Rejected != 2 || st.InFlight != 100 || st.MaxInFlight != 100 {
		t.Fatalf("got %+v, want utilisation 100.0, shed 2, in-flight 100/100", st)
	}
}

// SPEC §13.66: Execute refuses when full and releases on error and panic.
func TestExecuteReleases(t *testing.T) {
	s, _ := newShedder(t, loadshed.Config{MaxInFlight: 1})
	boom := errors.New("boom")
	if err := s.Execute(context.Background(), func(context.Context) error { return boom }); !errors.Is(err, boom) {
		t.Fatalf("Execute: got %v, want boom", err)
	}
	func() {
		defer func() {
			if recover() == nil {
				t.Fatalf("Execute: want the panic to go on")
			}
		}()
		_ = s.Execute(context.Background(), func(context.Context) error { panic("x") })
	}()
	got, err := loadshed.Do(context.Background(), s, func(context.Context) (int, error) {
		_, err := acquire(s, context.Background())
		wantShed(t, err, loadshed.ReasonQueueFull)
		return 7, nil
	})
	if got != 7 || err != nil {
		t.Fatalf("Do: got %d, %v, want 7, nil", got, err)
	}
	if st := stats(t, s); st.InFlight != 0 {
		t.Fatalf("got in-flight %d, want 0", st.InFlight)
	}
}

// SPEC §13.67: 100 concurrent acquires at max 50 admit exactly 50.
func TestConcurrentExact(t *testing.T) {
	s, _ := newShedder(t, loadshed.Config{MaxInFlight: 50})
	errs := make(chan error, 100)
	for range 100 {
		go func() {
			_, err := acquire(s, context.Background())
			errs <- err
		}()
	}
	admitted := 0
	for range 100 {
		if err := <-errs; err == nil {
			admitted++
		}
	}
	st := stats(t, s)
	if admitted != 50 || st.Rejected != 50 || st.InFlight != 50 {
		t.Fatalf("got admitted %d shed %d in-flight %d, want 50, 50, 50", admitted, st.Rejected, st.InFlight)
	}
}

// SPEC §13.68 with a fake signal in place of psutil: the shedder's code
// does not know where the level comes from. (One call is held throughout:
// an idle shedder does not shed for its Signal.)
func TestSignal(t *testing.T) {
	sig := &fakeSignal{}
	s, _ := newShedder(t, loadshed.Config{MaxInFlight: 10, Signal: sig})
	busy, err := s.Acquire(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer s.Release(busy, messages.Success)
	tests := []struct {
		level loadshed.LoadLevel
		p     messages.Priority
		want  string // "" admitted
	}{
		{loadshed.LevelNormal, messages.Low, ""},
		{loadshed.LevelElevated, messages.Low, loadshed.ReasonLowPriority},
		{loadshed.LevelElevated, messages.Normal, ""},
		{loadshed.LevelHigh, messages.Normal, loadshed.ReasonSignal},
		{loadshed.LevelHigh, messages.High, ""},
		{loadshed.LevelCritical, messages.High, loadshed.ReasonSignal},
		{loadshed.LevelCritical, messages.Critical, ""},
	}
	for _, tt := range tests {
		sig.set(tt.level)
		_, err := acquirePriority(s, context.Background(), tt.p)
		if tt.want == "" {
			if err != nil {
				t.Fatalf("signal %v, %v: got %v, want admitted", tt.level, tt.p, err)
			}
			releaseN(s, 1)
			continue
		}
		wantShed(t, err, tt.want)
	}
	sig.set(loadshed.LevelHigh)
	if st := stats(t, s); st.SignalLevel != loadshed.LevelHigh || st.Level != loadshed.LevelHigh {
		t.Fatalf("got level %v signal %v, want high, high", st.Level, st.SignalLevel)
	}
}

// SPEC §13.69: request_accepted, request_shed and load_level_changed.
func TestEvents(t *testing.T) {
	s, eng := newShedder(t, loadshed.Config{MaxInFlight: 2})
	sub, err := eng.Events().Subscribe(eventstream.Filter{Patterns: []string{loadshed.Kind}}, 64)
	if err != nil {
		t.Fatalf("Subscribe: %v", err)
	}
	defer sub.Close()
	acquireN(t, s, 2)
	_, _ = acquirePriority(s, context.Background(), messages.High)
	stats(t, s) // the level change is published after the actor's batch
	releaseN(s, 2)
	stats(t, s)
	type seen struct {
		typ              eventstream.Type
		count            int64
		old, new, reason string
	}
	// Callers publish accepted and shed; the actor publishes level changes
	// after its batch, so the two streams interleave in any order.
	wantCallers := []seen{
		{eventstream.EventRequestAccepted, 1, "", "normal", ""},
		{eventstream.EventRequestAccepted, 2, "", "critical", ""},
		{eventstream.EventRequestShed, 2, "", "critical", loadshed.ReasonQueueFull},
	}
	wantLevels := []seen{
		{eventstream.EventLoadLevelChanged, 0, "normal", "critical", ""},
		{eventstream.EventLoadLevelChanged, 0, "critical", "normal", ""},
	}
	var callers, levels []seen
	for range len(wantCallers) + len(wantLevels) {
		ev := <-sub.C()
		if ev.Fields.Max != 2 {
			t.Fatalf("%v: got Max %d, want 2", ev, ev.Fields.Max)
		}
		got := seen{ev.Type, ev.Fields.Count, ev.Fields.OldState, ev.Fields.NewState, ev.Fields.Reason}
		if ev.Type == eventstream.EventLoadLevelChanged {
			got.count = 0 // the actor's reading of in-flight races the callers
			levels = append(levels, got)
		} else {
			callers = append(callers, got)
		}
	}
	for i := range wantCallers {
		if i >= len(callers) || callers[i] != wantCallers[i] {
			t.Fatalf("caller events: got %+v, want %+v", callers, wantCallers)
		}
	}
	for i := range wantLevels {
		if i >= len(levels) || levels[i] != wantLevels[i] {
			t.Fatalf("level events: got %+v, want %+v", levels, wantLevels)
		}
	}
}

func TestCancelInQueue(t *testing.T) {
	s, _ := newShedder(t, loadshed.Config{MaxInFlight: 1, MaxWaiting: 10})
	acquireN(t, s, 1)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		_, err := acquire(s, ctx)
		done <- err
	}()
	waitQueued(t, s, 1)
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Fatalf("got %v, want context.Canceled", err)
	}
	if st := stats(t, s); st.Waiting != 0 || st.InFlight != 1 {
		t.Fatalf("got queued %d in-flight %d, want 0 and 1", st.Waiting, st.InFlight)
	}
	releaseN(s, 1)
	if st := stats(t, s); st.InFlight != 0 {
		t.Fatalf("got in-flight %d, want 0", st.InFlight)
	}
	if _, err := acquire(s, ctx); !errors.Is(err, context.Canceled) {
		t.Fatalf("Acquire with an ended context: got %v, want context.Canceled", err)
	}
}

func TestShutdown(t *testing.T) {
	eng, err := engine.New(engine.WithClock(engine.NewFakeClock(epoch)))
	if err != nil {
		t.Fatal(err)
	}
	s, err := loadshed.New(eng, "test", loadshed.Config{MaxInFlight: 1, MaxWaiting: 1})
	if err != nil {
		t.Fatal(err)
	}
	acquireN(t, s, 1)
	done := make(chan error, 1)
	go func() {
		_, err := acquire(s, context.Background())
		done <- err
	}()
	waitQueued(t, s, 1)
	if err := eng.Shutdown(context.Background()); err != nil {
		t.Fatalf("Shutdown: %v", err)
	}
	if err := <-done; !errors.Is(err, messages.ErrStopped) {
		t.Fatalf("waiter: got %v, want ErrStopped", err)
	}
	if _, err := acquire(s, context.Background()); !errors.Is(err, messages.ErrStopped) {
		t.Fatalf("Acquire: got %v, want ErrStopped", err)
	}
	if _, err := s.Stats(context.Background()); !errors.Is(err, messages.ErrStopped) {
		t.Fatalf("Stats: got %v, want ErrStopped", err)
	}
	releaseN(s, 1) // does not block or panic
}

func TestConfig(t *testing.T) {
	eng := newEngine(t)
	for _, cfg := range []loadshed.Config{{MaxInFlight: -1}, {MaxWaiting: -1}} {
		_, err := loadshed.New(eng, "bad", cfg)
		var ce *messages.ConfigError
		if !errors.As(err, &ce) || !errors.Is(err, messages.ErrInvalidConfig) {
			t.Fatalf("New(%+v): got %v, want a *ConfigError", cfg, err)
		}
	}
	if _, err := loadshed.New(nil, "x", loadshed.Config{}); !errors.Is(err, messages.ErrInvalidConfig) {
		t.Fatalf("New(nil engine): got %v, want ErrInvalidConfig", err)
	}
	a, err := loadshed.New(eng, "same", loadshed.Config{})
	if err != nil {
		t.Fatal(err)
	}
	b, err := loadshed.New(eng, "same", loadshed.Config{})
	if err != nil || a != b {
		t.Fatalf("get-or-create: got %p, %v, want the same shedder %p", b, err, a)
	}
	st := stats(t, a)
	if st.MaxInFlight != loadshed.DefaultMaxInFlight || st.MaxWaiting != 0 {
		t.Fatalf("defaults: got %d/%d, want 1000/0", st.MaxInFlight, st.MaxWaiting)
	}
	var ce *supervisor.ConflictError
	if _, err := loadshed.New(eng, "same", loadshed.Config{MaxInFlight: 5}); !errors.As(err, &ce) {
		t.Fatalf("conflicting config: got %v, want *supervisor.ConflictError", err)
	}
}
