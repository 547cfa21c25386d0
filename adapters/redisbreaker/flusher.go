package redisbreaker

import (
	"context"
	"time"

	"github.com/bulwark-go/bulwark/actors/circuitbreaker"
	"github.com/bulwark-go/bulwark/engine"
	"github.com/bulwark-go/bulwark/eventstream"
)

// tick asks the flusher to flush; sync only marks an Ask (Sync).
type tick struct{ sync bool }

// flusher is the breaker's one goroutine: every FlushInterval (or when
// FlushOutcomes outcomes wait) it sends the counted outcomes to Redis in
// one script, reads the shared state back, and brings the local breaker in
// line with it.
type flusher struct {
	b       *Breaker
	applied uint64 // the generation last applied to the local breaker
	timer   engine.Timer
}

func (f *flusher) Receive(t tick) (struct{}, error) {
	b := f.b
	// slow first: Release counts a call, then whether it was slow, so a
	// batch never holds a slow call without the call.
	slow := b.slow.Swap(0)
	succ, fail := b.succ.Swap(0), b.fail.Swap(0)
	lc := b.lcfg
	buckets := max(lc.WindowBuckets, 1)
	width := lc.WindowDuration / time.Duration(buckets)
	ctx, cancel := context.WithTimeout(context.Background(), b.cfg.Timeout)
	res, err := flush.Run(ctx, b.client, b.keys, succ, fail, b.trailing.Load(), max(micros(width), 1), buckets,
		lc.MinimumCalls, lc.OpenAtFailureRate, lc.FailureThreshold, micros(lc.RecoveryTimeout), b.channel,
		slow, lc.OpenAtSlowCallRate).Result()
	cancel()
	var v *view
	if err == nil {
		v, _, err = b.adopt(res)
	}
	if err != nil {
		b.flushErrors.Add(1)
		b.fallBack(err) // the outcomes of this batch are dropped: the local breaker has them
	} else {
		b.flushes.Add(1)
		f.apply(v)
	}
	if !t.sync {
		f.timer = b.eng.Clock().AfterFunc(b.cfg.FlushInterval, func() { b.actor.TryTell(tick{}) })
	}
	return struct{}{}, nil
}

// apply brings the local breaker in line with a new shared generation: a
// shared circuit that closed again starts the local one afresh.
func (f *flusher) apply(v *view) {
	if v.gen == f.applied {
		return
	}
	f.applied = v.gen
	b := f.b
	if v.state == circuitbreaker.Closed && v.gen > 0 {
		ctx, cancel := context.WithTimeout(context.Background(), b.cfg.Timeout)
		_ = b.local.Reset(ctx)
		cancel()
	}
	b.eng.Publish(eventstream.Event{Type: eventstream.EventStateChange, Pattern: Kind, Name: b.name,
		Fields: eventstream.Fields{NewState: v.state.String(), Count: int64(v.gen)}})
}

// Stop disarms the next flush's timer when the loop ends.
func (f *flusher) Stop() {
	if f.timer != nil {
		f.timer.Stop()
	}
}
