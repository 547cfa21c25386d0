package stress

import "testing"

// TestAdmissionIdleTenThousand creates 10,000 instances of each admission
// pattern (bulkhead, load shedder, backpressure) by fresh names with the
// default config and bounds what one idle instance costs, goroutine stack
// included (issue 16). Skipped under -short and -race.
func TestAdmissionIdleTenThousand(t *testing.T) {
	if testing.Short() || raceOn {
		t.Skip("10,000 instances a kind: not under -short or -race")
	}
	for _, k := range scaleKinds {
		switch k.kind {
		case "bulkhead", "loadshed", "backpressure":
		default:
			continue
		}
		c := measureIdle(t, k, 10000)
		t.Logf("%-12s %6.0f bytes/idle, %.2f goroutines, create %v", k.kind, c.bytes, c.goroutines, c.create)
		if c.bytes > idleCeiling {
			t.Errorf("%s: an idle instance costs %.0f bytes, want at most %d", k.kind, c.bytes, idleCeiling)
		}
	}
}
