package backpressure

import "testing"

func TestStateHysteresis(t *testing.T) {
	s := newState(Config{MaxPending: 10, HighWaterMark: 4, LowWaterMark: 2})
	for i := range 4 {
		ok, _, _, ch := s.arrive(uint64(i), false)
		want := unchanged
		if i == 3 {
			want = turnedOn
		}
		if !ok || ch != want {
			t.Fatalf("arrive %d: got %v %v, want true %v", i, ok, ch, want)
		}
	}
	for _, tc := range []struct {
		name    string
		step    func() change
		want    change
		pending int
		active  bool
	}{
		{"release to 3", func() change { return s.release(1) }, unchanged, 3, true},
		{"release to 2", func() change { return s.release(1) }, turnedOff, 2, false},
		{"release below zero", func() change { return s.release(5) }, unchanged, 0, false},
	} {
		if got := tc.step(); got != tc.want || s.pending != tc.pending || s.active != tc.active {
			t.Fatalf("%s: got %v pending %d active %v, want %v %d %v", tc.name, got, s.pending, s.active, tc.want, tc.pending, tc.active)
		}
	}
}

func TestStateEqualMarks(t *testing.T) {
	s := newState(Config{MaxPending: 4, HighWaterMark: 2, LowWaterMark: 2})
	s.arrive(0, false)
	if _, _, _, ch := s.arrive(1, false); ch != turnedOn {
		t.Fatalf("at the mark: got %v, want turnedOn", ch)
	}
	if ch := s.release(0); ch != unchanged || !s.active {
		t.Fatalf("still at the mark: got %v active %v, want unchanged true (on wins)", ch, s.active)
	}
	if ch := s.release(1); ch != turnedOff {
		t.Fatalf("below the mark: got %v, want turnedOff", ch)
	}
}

func TestStateQueueOneAtATime(t *testing.T) {
	s := newState(Config{MaxPending: 10, HighWaterMark: 2, LowWaterMark: 1})
	s.arrive(0, false)
	s.arrive(1, false)
	for id := uint64(2); id < 10; id++ {
		if _, queued, _, _ := s.arrive(id, true); !queued {
			t.Fatalf("arrive %d: got not queued, want queued", id)
		}
	}
	if _, _, reason, _ := s.arrive(10, true); reason != ReasonOverloaded {
		t.Fatalf("beyond MaxPending: got %q, want %q", reason, ReasonOverloaded)
	}
	for want := uint64(2); want < 10; want++ {
		s.release(1)
		id, _, ok := s.next()
		if !ok || id != want {
			t.Fatalf("after a release: got %d %v, want %d", id, ok, want)
		}
		if _, _, ok := s.next(); ok {
			t.Fatalf("after admitting %d: another waiter admitted, want one at a time", want)
		}
		if s.pending != 2 {
			t.Fatalf("pending: got %d, want 2", s.pending)
		}
	}
}
