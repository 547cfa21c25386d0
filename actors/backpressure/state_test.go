package backpressure

import "testing"

func TestStateHysteresis(t *testing.T) {
	s := newState(Config{MaxInFlight: 10, HighWaterMark: 4, LowWaterMark: 2})
	for i := range 4 {
		ok, ch := s.admit()
		want := unchanged
		if i == 3 {
			want = turnedOn
		}
		if !ok || ch != want {
			t.Fatalf("admit %d: got %v %v, want true %v", i, ok, ch, want)
		}
	}
	if ok, _ := s.admit(); ok {
		t.Fatal("admit while on: got true, want false")
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
	s := newState(Config{MaxInFlight: 4, HighWaterMark: 2, LowWaterMark: 2})
	s.admit()
	if _, ch := s.admit(); ch != turnedOn {
		t.Fatalf("at the mark: got %v, want turnedOn", ch)
	}
	if ch := s.release(0); ch != unchanged || !s.active {
		t.Fatalf("still at the mark: got %v active %v, want unchanged true (on wins)", ch, s.active)
	}
	if ch := s.release(1); ch != turnedOff {
		t.Fatalf("below the mark: got %v, want turnedOff", ch)
	}
}

func TestStateRefuse(t *testing.T) {
	s := newState(Config{MaxInFlight: 10, HighWaterMark: 2, LowWaterMark: 1})
	s.admit()
	s.admit()
	for _, tc := range []struct {
		waiting int
		want    string
	}{{0, ""}, {7, ""}, {8, ReasonOverloaded}, {9, ReasonOverloaded}} {
		if got := s.refuse(tc.waiting); got != tc.want {
			t.Errorf("refuse with 2 pending and %d waiting of 10: got %q, want %q", tc.waiting, got, tc.want)
		}
	}
}
