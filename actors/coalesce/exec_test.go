package coalesce

import (
	"context"
	"testing"
	"time"

	"github.com/bulwark-go/bulwark/engine"
)

// A first Done that races the end: it finds the execution still running
// and makes its inner context, the end finds no inner context to cancel,
// then the Done installs it. Until that Done cancels it, Err must still
// report the end: the execution has returned.
func TestErrAfterTheEndWhileAFirstDoneInstalls(t *testing.T) {
	for _, clock := range []engine.Clock{engine.RealClock{}, engine.NewFakeClock(time.Unix(0, 0))} {
		tm := newTiming(clock)
		var c execCtx
		c.start(context.Background(), &tm, time.Hour)
		in := c.make() // the first Done: running, so a live inner context
		c.word.Or(closedBit)
		c.end()                      // nothing installed yet: nothing to cancel
		c.makeSide().inner.Store(in) // the Done's CompareAndSwap lands
		if err := c.Err(); err != context.Canceled {
			t.Errorf("%T: Err after the end = %v, want %v", clock, err, context.Canceled)
		}
		in.cancel()
	}
}
