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
