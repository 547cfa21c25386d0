package loadshed

import (
	"testing"

	"github.com/bulwark-go/bulwark/messages"
)

func TestLevelOf(t *testing.T) {
	tests := []struct {
		inflight, max int
		want          LoadLevel
	}{
		{0, 100, LevelNormal}, {50, 100, LevelNormal}, {60, 100, LevelNormal}, {61, 100, LevelElevated},
		{65, 100, LevelElevated}, {75, 100, LevelElevated}, {76, 100, LevelHigh}, {80, 100, LevelHigh},
		{90, 100, LevelHigh}, {91, 100, LevelCritical}, {95, 100, LevelCritical}, {100, 100, LevelCritical},
		{3, 5, LevelNormal}, {4, 5, LevelHigh}, {1, 1, LevelCritical},
	}
	for _, tt := range tests {
		if got := LevelOf(tt.inflight, tt.max); got != tt.want {
			t.Errorf("LevelOf(%d, %d): got %v, want %v", tt.inflight, tt.max, got, tt.want)
		}
	}
}

func TestShedFor(t *testing.T) {
	N, E, H, C := LevelNormal, LevelElevated, LevelHigh, LevelCritical
	tests := []struct {
		p            messages.Priority
		util, signal LoadLevel
		want         string
	}{
		{messages.Low, N, N, ""},
		{messages.Low, E, N, ReasonLowPriority},
		{messages.Low, N, E, ReasonLowPriority},
		{messages.Normal, C, N, ""},
		{messages.Normal, N, E, ""},
		{messages.Normal, N, H, ReasonSignal},
		{messages.High, C, H, ""},
		{messages.High, N, C, ReasonSignal},
		{messages.Critical, C, C, ""},
	}
	for _, tt := range tests {
		if got := shedFor(tt.p, tt.util, tt.signal); got != tt.want {
			t.Errorf("shedFor(%v, %v, %v): got %q, want %q", tt.p, tt.util, tt.signal, got, tt.want)
		}
	}
}

func TestQueueOrderAndDisplacement(t *testing.T) {
	q := queue{max: 4}
	push := func(id uint64, p messages.Priority) (uint64, bool, bool) {
		t.Helper()
		return q.push(id, p)
	}
	push(1, messages.Normal)
	push(2, messages.Normal)
	push(3, messages.High)
	push(4, messages.Normal)
	if _, _, ok := push(5, messages.Normal); ok {
		t.Fatalf("push Normal into a full queue: got ok, want shed")
	}
	out, displaced, ok := push(6, messages.Critical)
	if !ok || !displaced || out != 4 {
		t.Fatalf("push Critical into a full queue: got (%d, %v, %v), want youngest Normal 4 displaced", out, displaced, ok)
	}
	if !q.remove(2) || q.remove(2) {
		t.Fatalf("remove(2) twice: want true then false")
	}
	var got []uint64
	for {
		id, ok := q.pop()
		if !ok {
			break
		}
		got = append(got, id)
	}
	want := []uint64{6, 3, 1}
	if len(got) != len(want) {
		t.Fatalf("pop order: got %v, want %v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("pop order: got %v, want %v", got, want)
		}
	}
	// High fills the queue; a High arrival finds no lower tier to displace.
	q = queue{max: 2}
	push(1, messages.High)
	push(2, messages.Critical)
	if _, _, ok := push(3, messages.High); ok {
		t.Fatalf("push High into a queue full of High and Critical: got ok, want shed")
	}
}
