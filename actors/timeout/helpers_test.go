package timeout_test

import (
	"errors"
	"testing"
	"time"

	"github.com/bulwark-go/bulwark/actors/timeout"
	"github.com/bulwark-go/bulwark/engine"
	"github.com/bulwark-go/bulwark/engine/enginetest"
)

var epoch = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

var errA = errors.New("error A")

func newEngine(t testing.TB) (*engine.Engine, *engine.FakeClock) {
	t.Helper()
	return enginetest.StartFake(t, epoch)
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
