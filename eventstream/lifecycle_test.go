package eventstream_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/bulwark-go/bulwark/eventstream"
	"github.com/bulwark-go/bulwark/messages"
)

// hang bounds a wait that must end; reaching it is a hang, not a timing guess.
const hang = 10 * time.Second

// TestSubscribeCloseStormDuringClose races Subscribe, OnFilter and
// Subscription.Close against Stream.Close: nothing may panic ("send on
// closed channel"), a Subscribe that loses the race returns ErrStopped, and
// a subscription's Close after the stream's is a no-op.
func TestSubscribeCloseStormDuringClose(t *testing.T) {
	rounds := 1000
	if testing.Short() {
		rounds = 50
	}
	for range rounds {
		s := eventstream.New(eventstream.Options{})
		var wg sync.WaitGroup
		start := make(chan struct{})
		for g := range 8 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				for {
					var sub *eventstream.Subscription
					var err error
					if g%2 == 0 {
						sub, err = s.Subscribe(eventstream.Filter{}, 4)
					} else {
						sub, err = s.OnFilter(eventstream.Filter{}, 4, func(eventstream.Event) {})
					}
					if err != nil {
						if !errors.Is(err, messages.ErrStopped) {
							t.Errorf("Subscribe during Close: got %v, want ErrStopped", err)
						}
						return
					}
					s.Publish(eventstream.Event{Type: eventstream.EventCallSuccess})
					sub.Close()
				}
			}()
		}
		close(start)
		s.Close()
		wg.Wait()
		if _, err := s.Subscribe(eventstream.Filter{}, 1); !errors.Is(err, messages.ErrStopped) {
			t.Fatalf("Subscribe after Close: got %v, want ErrStopped", err)
		}
	}
}

// TestSubscriptionCloseRacesStreamClose closes many subscriptions while the
// stream closes; each ends closed exactly once.
func TestSubscriptionCloseRacesStreamClose(t *testing.T) {
	for range 100 {
		s := eventstream.New(eventstream.Options{})
		subs := make([]*eventstream.Subscription, 16)
		for i := range subs {
			subs[i] = subscribe(t, s, eventstream.Filter{}, 1)
		}
		var wg sync.WaitGroup
		for _, sub := range subs {
			wg.Add(1)
			go func() { defer wg.Done(); sub.Close() }()
		}
		s.Close()
		wg.Wait()
		for i, sub := range subs {
			if _, open := <-sub.C(); open {
				t.Fatalf("subscription %d: channel open after both Closes", i)
			}
			sub.Close() // a no-op now
		}
	}
}

// TestShutdownFromHandlerReturns: a handler that closes its own stream is
// not waited for, so the call returns (it used to wait for itself forever).
func TestShutdownFromHandlerReturns(t *testing.T) {
	for _, tc := range []struct {
		name  string
		close func(*eventstream.Stream) error
	}{
		{"Close", func(s *eventstream.Stream) error { s.Close(); return nil }},
		{"Shutdown", func(s *eventstream.Stream) error { return s.Shutdown(context.Background()) }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := eventstream.New(eventstream.Options{})
			returned := make(chan error, 1)
			if _, err := s.On(eventstream.EventCallSuccess, func(eventstream.Event) { returned <- tc.close(s) }); err != nil {
				t.Fatal(err)
			}
			s.Publish(eventstream.Event{Type: eventstream.EventCallSuccess})
			select {
			case err := <-returned:
				if err != nil {
					t.Fatalf("got %v, want nil", err)
				}
			case <-time.After(hang):
				t.Fatal("closing the stream from its own handler never returned")
			}
			s.Close() // from outside: waits for the handler, which has returned
		})
	}
}

// TestShutdownBoundedByStuckHandler: a handler that does not return holds
// Shutdown only until ctx ends; the error names it; once it returns nothing
// is left running (goleak, in TestMain).
func TestShutdownBoundedByStuckHandler(t *testing.T) {
	s := eventstream.New(eventstream.Options{})
	gate := make(chan struct{})
	var entered sync.WaitGroup
	var stuck []*eventstream.Subscription
	for range 3 { // more than one: the grace after ctx ends is shared
		entered.Add(1)
		sub, err := s.On(eventstream.EventCallSuccess, func(eventstream.Event) { entered.Done(); <-gate })
		if err != nil {
			t.Fatal(err)
		}
		stuck = append(stuck, sub)
	}
	fine, err := s.On(eventstream.EventCallSuccess, func(eventstream.Event) {})
	if err != nil {
		t.Fatal(err)
	}
	s.Publish(eventstream.Event{Type: eventstream.EventCallSuccess})
	entered.Wait()
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	returned := make(chan error, 1)
	go func() { returned <- s.Shutdown(ctx) }()
	select {
	case err = <-returned:
	case <-time.After(hang):
		t.Fatal("Shutdown did not return after its ctx ended")
	}
	if !errors.Is(err, context.DeadlineExceeded) || strings.Contains(err.Error(), fine.Name()+",") || strings.Contains(err.Error(), fine.Name()+":") {
		t.Fatalf("got %v, want an error naming the stuck handlers (only) that wraps DeadlineExceeded", err)
	}
	for _, sub := range stuck {
		if !strings.Contains(err.Error(), sub.Name()) {
			t.Errorf("error %q does not name %s", err, sub.Name())
		}
	}
	close(gate)
	if err := s.Shutdown(context.Background()); err != nil {
		t.Fatalf("Shutdown once the handler returned: got %v, want nil", err)
	}
}

// TestPanickingPanicHook: a panic in Options.OnHandlerPanic (a logger that
// panics too, say) is recovered as well, and the handler keeps running.
func TestPanickingPanicHook(t *testing.T) {
	s := eventstream.New(eventstream.Options{OnHandlerPanic: func(*eventstream.Subscription, any) { panic("the hook too") }})
	defer s.Close()
	got := make(chan int64, 2)
	if _, err := s.On(eventstream.EventCallSuccess, func(e eventstream.Event) {
		got <- e.Fields.Count
		panic("handler")
	}); err != nil {
		t.Fatal(err)
	}
	for i := range int64(2) {
		s.Publish(eventstream.Event{Type: eventstream.EventCallSuccess, Fields: eventstream.Fields{Count: i}})
	}
	for want := range int64(2) {
		if c := <-got; c != want {
			t.Fatalf("handler got event %d, want %d", c, want)
		}
	}
}

// TestHandlersShutDownTogether: handlers that all call Shutdown at once do
// not wait for each other (each may be waiting for the others).
func TestHandlersShutDownTogether(t *testing.T) {
	s := eventstream.New(eventstream.Options{})
	const n = 8
	returned := make(chan error, n)
	for range n {
		if _, err := s.On(eventstream.EventCallSuccess, func(eventstream.Event) { returned <- s.Shutdown(context.Background()) }); err != nil {
			t.Fatal(err)
		}
	}
	s.Publish(eventstream.Event{Type: eventstream.EventCallSuccess})
	for i := range n {
		select {
		case err := <-returned:
			if err != nil {
				t.Fatalf("handler %d: got %v, want nil", i, err)
			}
		case <-time.After(hang):
			t.Fatalf("only %d of %d handlers' Shutdown returned", i, n)
		}
	}
	s.Close()
}
