package eventstream_test

import (
	"errors"
	"testing"

	"github.com/bulwark-go/bulwark/eventstream"
	"github.com/bulwark-go/bulwark/messages"
)

// FuzzSubscribe: any buffer is a ConfigError exactly when it is out of [1,
// LargestBuffer]; an accepted subscription gets an event exactly when its
// filter matches it, Wants agrees, and Close then Shutdown leave nothing.
func FuzzSubscribe(f *testing.F) {
	f.Add(1, "call_success", "circuitbreaker", "p", "call_success", "circuitbreaker", "p")
	f.Add(0, "", "", "", "x", "y", "z")
	f.Add(-1, "a", "", "", "a", "b", "c")
	f.Add(eventstream.LargestBuffer, "", "bulkhead", "", "bulkhead_rejected", "bulkhead", "db")
	f.Add(eventstream.LargestBuffer+1, "", "", "", "", "", "")
	f.Add(1<<40, "t", "p", "n", "t", "p", "n")
	f.Fuzz(func(t *testing.T, buffer int, ft, fp, fn, et, ep, en string) {
		s := eventstream.New(eventstream.Options{})
		defer s.Close()
		var filter eventstream.Filter
		if ft != "" {
			filter.Types = []eventstream.Type{eventstream.Type(ft)}
		}
		if fp != "" {
			filter.Patterns = []string{fp}
		}
		if fn != "" {
			filter.Names = []string{fn}
		}
		sub, err := s.Subscribe(filter, buffer)
		valid := buffer >= 1 && buffer <= eventstream.LargestBuffer
		var ce *messages.ConfigError
		switch {
		case valid && err != nil:
			t.Fatalf("buffer %d: got %v, want a subscription", buffer, err)
		case !valid && (!errors.As(err, &ce) || ce.Field != "buffer"):
			t.Fatalf("buffer %d: got %v, want a ConfigError naming buffer", buffer, err)
		case !valid:
			return
		}
		e := eventstream.Event{Type: eventstream.Type(et), Pattern: ep, Name: en}
		want := filter.Match(&e)
		if got := s.Wants(e.Type, ep, en); got != want {
			t.Fatalf("Wants: got %v, want %v", got, want)
		}
		s.Publish(e)
		if got := len(sub.C()); got != map[bool]int{true: 1, false: 0}[want] {
			t.Fatalf("%v through %+v: got %d events, want match=%v", e, filter, got, want)
		}
		sub.Close()
		if _, err := s.Subscribe(filter, 1); err != nil {
			t.Fatalf("Subscribe after a subscription's Close: %v", err)
		}
	})
}
