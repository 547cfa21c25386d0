package enginetest_test

import (
	"errors"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/bulwark-go/bulwark/engine"
	"github.com/bulwark-go/bulwark/engine/enginetest"
	"github.com/bulwark-go/bulwark/engine/kernel"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func TestStartFakeShutsDownAtTheEnd(t *testing.T) {
	var eng *engine.Engine
	t.Run("inner", func(t *testing.T) {
		var clock *engine.FakeClock
		eng, clock = enginetest.StartFake(t, enginetest.Epoch)
		if !clock.Now().Equal(enginetest.Epoch) || eng.Clock() != engine.Clock(clock) {
			t.Fatal("the engine does not read the fake clock")
		}
		clock.Advance(time.Second)
	})
	_, err := kernel.Spawn[int](t.Context(), eng, "k", "n", nil, func() (int, kernel.Service, error) { return 0, nil, nil })
	if !errors.Is(err, engine.ErrStopped) {
		t.Fatalf("after the subtest: got %v, want ErrStopped", err)
	}
}
