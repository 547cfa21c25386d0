package timeout_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/bulwark-go/bulwark/actors/timeout"
	"github.com/bulwark-go/bulwark/engine"
)

var epoch = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

var errA = errors.New("error A")

func newEngine(t testing.TB) (*engine.Engine, *engine.FakeClock) {
	t.Helper()
	clock := engine.NewFakeClock(epoch)
	eng, err := engine.New(engine.WithClock(clock))
	if err != nil {
		t.Fatalf("engine.New: %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := eng.Shutdown(ctx); err != nil {
			t.Errorf("Shutdown: %v", err)
		}
	})
	return eng, clock
}

func newTimeout(t testing.TB, eng *engine.Engine, cfg timeout.Config) *timeout.Timeout {
	t.Helper()
	to, err := timeout.New(eng, "test", cfg)
	if err != nil {
		t.Fatalf("timeout.New: %v", err)
	}
	return to
}

func async(fn func() error) <-chan error {
	ch := make(chan error, 1)
	go func() { ch <- fn() }()
	return ch
}

func wait(t testing.TB, ch <-chan error) error {
	t.Helper()
	select {
	case err := <-ch:
		return err
	case <-time.After(5 * time.Second):
		t.Fatal("call did not return")
		return nil
	}
}

var modes = []struct {
	name string
	coop bool
}{{"own goroutine", false}, {"cooperative", true}}
