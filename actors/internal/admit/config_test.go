package admit

import (
	"errors"
	"testing"
	"time"

	"github.com/bulwark-go/bulwark/messages"
)

// checked returns what CheckSizes makes of the sizes: MaxInFlight, or
// "Field: rule" of the ConfigError.
func checked(inFlight, waiting int, wait time.Duration) any {
	n, err := CheckSizes("k", inFlight, 10, waiting, wait)
	if ce := (*messages.ConfigError)(nil); errors.As(err, &ce) {
		return ce.Field + ": " + ce.Rule
	} else if err != nil {
		return err
	}
	return n
}

func TestCheckSizesDefaultsAndNamesTheFirstFieldOut(t *testing.T) {
	inFlightRule := "MaxInFlight: must be 1..1048576 (0: default 10)"
	for i, got := range []any{
		checked(0, 0, 0), checked(7, LargestMaxWaiting, time.Hour),
		checked(LargestMaxInFlight+1, -1, -1), checked(-1, 0, 0),
		checked(1, LargestMaxWaiting+1, -1), checked(1, 0, -1),
	} {
		want := []any{10, 7, inFlightRule, inFlightRule, "MaxWaiting: must be 0..1048576",
			"MaxWait: must be at least 0 (0: wait until the context ends)"}[i]
		if got != want {
			t.Errorf("case %d: got %v, want %v", i, got, want)
		}
	}
}
