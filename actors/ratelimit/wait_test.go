package ratelimit_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/bulwark-go/bulwark/actors/ratelimit"
	"github.com/bulwark-go/bulwark/messages"
)

func TestWait(t *testing.T) {
	for _, alg := range algorithms {
		t.Run(alg.String(), func(t *testing.T) {
			l, clock, _ := newLimiter(t, ratelimit.Config{Algorithm: alg})
			ctx := context.Background()
			if err := l.Wait(ctx, "k", "1/second"); err != nil {
				t.Fatalf("first Wait: %v", err)
			}
			res, err := l.Check(ctx, "k", "1/second")
			if err != nil || res.Allowed {
				t.Fatalf("Check: got %+v, %v; want a refusal", res, err)
			}
			// GCRA: the next permit is 1 s away; the sliding window
			// weighs the first window's event for the whole second one.
			if want := map[ratelimit.Algorithm]time.Duration{ratelimit.GCRA: time.Second, ratelimit.SlidingWindow: 2 * time.Second}[alg]; res.RetryAfter != want {
				t.Fatalf("RetryAfter: got %v, want %v", res.RetryAfter, want)
			}
			done := make(chan error, 1)
			armed := clock.Timers() // the sweep timer of k's shard
			go func() { done <- l.Wait(ctx, "k", "1/second") }()
			waitTimers(t, clock, armed+1) // and Wait's
			select {
			case err := <-done:
				t.Fatalf("Wait returned before its time: %v", err)
			default:
			}
			clock.Advance(res.RetryAfter)
			if err := <-done; err != nil {
				t.Fatalf("second Wait: %v", err)
			}
		})
	}
}

func TestWaitCancelGivesBack(t *testing.T) {
	l, clock, _ := newLimiter(t, ratelimit.Config{})
	if err := l.Allow(context.Background(), "k", "1/second"); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	armed := clock.Timers() // the sweep timer of k's shard
	go func() { done <- l.Wait(ctx, "k", "1/second") }()
	waitTimers(t, clock, armed+1) // and Wait's
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled Wait: got %v, want context.Canceled", err)
	}
	clock.Advance(time.Second)
	if err := l.Allow(context.Background(), "k", "1/second"); err != nil {
		t.Fatalf("the cancelled reservation was not given back: %v", err)
	}
	if err := l.Wait(ctx, "k", "1/second"); !errors.Is(err, context.Canceled) {
		t.Fatalf("Wait on a done context: got %v", err)
	}
}

func TestWaitDeadlineFailsFast(t *testing.T) {
	for _, alg := range algorithms {
		t.Run(alg.String(), func(t *testing.T) {
			eng, _ := newEngine(t, time.Now()) // deadlines are wall-clock times
			l, err := ratelimit.New(eng, "d", ratelimit.Config{Algorithm: alg})
			if err != nil {
				t.Fatal(err)
			}
			if err := l.Allow(context.Background(), "k", "1/minute"); err != nil {
				t.Fatal(err)
			}
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute/2)
			defer cancel()
			err = l.Wait(ctx, "k", "1/minute")
			var rej *messages.RejectedError
			want := map[ratelimit.Algorithm]time.Duration{ratelimit.GCRA: time.Minute, ratelimit.SlidingWindow: 2 * time.Minute}[alg]
			if !errors.As(err, &rej) || rej.Reason != ratelimit.ReasonDeadline || rej.RetryAfter != want {
				t.Fatalf("got %v, want a %s rejection with RetryAfter %v", err, ratelimit.ReasonDeadline, want)
			}
		})
	}
}
