package stress

import (
	"context"
	"errors"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	"go.uber.org/zap/zaptest/observer"

	"github.com/bulwark-go/bulwark/adapters/zaplog"
	"github.com/bulwark-go/bulwark/engine"
	"github.com/bulwark-go/bulwark/engine/kernel"
	"github.com/bulwark-go/bulwark/eventstream"
	"github.com/bulwark-go/bulwark/messages"
	"github.com/bulwark-go/bulwark/supervisor"
)

// sinkLogger returns a logger whose every write first runs hook.
func sinkLogger(hook func()) *zap.Logger {
	core, _ := observer.New(zapcore.DebugLevel)
	return zap.New(zapcore.RegisterHooks(core, func(zapcore.Entry) error { hook(); return nil }))
}

// sinkLoad runs callers against an actor that panics on every tenth
// message (so the engine reports errors to its logger) while they publish
// events (so the zaplog sink writes), until the engine stops.
func sinkLoad(t *testing.T, eng *engine.Engine, callers int) *sync.WaitGroup {
	t.Helper()
	a := spawn(t, eng, "chaos", 0, func() kernel.Behavior[chaosMsg, int] { return &chaos{} })
	var wg sync.WaitGroup
	for w := range callers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; ; i++ {
				_, err := a.Ask(context.Background(), chaosMsg{v: w, panic: i%10 == 9})
				var pe *messages.PanicError
				switch {
				case errors.Is(err, messages.ErrStopped):
					return
				case err != nil && !errors.As(err, &pe):
					t.Errorf("Ask: got %v", err)
					return
				}
				eng.Publish(eventstream.Event{Type: eventstream.EventCallFailure, Pattern: "stress", Name: "chaos"})
			}
		}()
	}
	return &wg
}

// TestLifecycleBlockedLogSink: the engine's logger and a zaplog sink share a
// core that blocks for good once it has written a few entries. Callers keep
// panicking an actor and publishing; the supervisor keeps restarting it (the
// sink holds no engine goroutine but its own), and Shutdown returns by its
// deadline naming the sink's handler and the reporter. Once the core is let go,
// nothing is left (goleak).
func TestLifecycleBlockedLogSink(t *testing.T) {
	gate := make(chan struct{})
	var writes atomic.Int64
	log := sinkLogger(func() {
		if writes.Add(1) > 3 {
			<-gate
		}
	})
	eng, err := engine.New(engine.WithLogger(log), engine.WithRestartBudget(1<<30, time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	sink, err := zaplog.Attach(eng.Events(), log, zaplog.Options{Buffer: 64})
	if err != nil {
		t.Fatal(err)
	}
	wg := sinkLoad(t, eng, 200)
	if !waitFor(lifecycleHang, func() bool { return writes.Load() >= 5 && sink.Dropped() > 0 }) {
		t.Fatalf("the sink never blocked: %d writes, %d dropped", writes.Load(), sink.Dropped())
	}
	c, _ := eng.Supervisor().Lookup("stress", "chaos")
	restarts := c.Restarts
	if !waitFor(lifecycleHang, func() bool { c, _ := eng.Supervisor().Lookup("stress", "chaos"); return c.Restarts > restarts+10 }) {
		t.Fatal("the supervisor stopped restarting while the log sink was blocked")
	}
	err = shutdownWithin(t, eng, 100*time.Millisecond, time.Second)
	wg.Wait()
	close(gate)
	if !errors.Is(err, context.DeadlineExceeded) || !strings.Contains(err.Error(), sink.Name()) || !strings.Contains(err.Error(), "logger") {
		t.Fatalf("Shutdown: got %v, want DeadlineExceeded naming %s and the logger", err, sink.Name())
	}
	t.Logf("Shutdown: %v; sink dropped %d; lost reports %d", err, sink.Dropped(), eng.LostReports())
}

// TestLifecyclePanickingLogSink: the engine's logger and a zaplog sink share
// a core that panics on every write, under callers that panic an actor and
// publish. The process lives; the supervisor keeps restarting; Shutdown
// returns nil; the engine counted the logger's panics.
func TestLifecyclePanickingLogSink(t *testing.T) {
	log := sinkLogger(func() { panic("core") })
	eng, err := engine.New(engine.WithLogger(log), engine.WithRestartBudget(1<<30, time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := zaplog.Attach(eng.Events(), log, zaplog.Options{}); err != nil {
		t.Fatal(err)
	}
	wg := sinkLoad(t, eng, 200)
	if !waitFor(lifecycleHang, func() bool { return eng.SinkPanics() > 100 }) {
		t.Fatalf("SinkPanics: got %d, want over 100", eng.SinkPanics())
	}
	var c supervisor.Child
	if !waitFor(lifecycleHang, func() bool { c, _ = eng.Supervisor().Lookup("stress", "chaos"); return c.Restarts > 10 }) {
		t.Fatalf("the actor restarted %d times, want over 10", c.Restarts)
	}
	if err := shutdownWithin(t, eng, lifecycleHang, time.Second); err != nil {
		t.Fatalf("Shutdown: %v", err)
	}
	wg.Wait()
	t.Logf("sink panics %d, actor restarts %d", eng.SinkPanics(), c.Restarts)
}
