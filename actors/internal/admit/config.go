package admit

import (
	"strconv"
	"time"

	"github.com/bulwark-go/bulwark/actors/internal/waitq"
	"github.com/bulwark-go/bulwark/messages"
)

// Bounds of the fields every admission pattern's Config has.
const (
	// LargestMaxInFlight is the largest MaxInFlight (1,048,576, the most
	// permits one instance can track).
	LargestMaxInFlight = waitq.MaxPermits
	// LargestMaxWaiting is the largest MaxWaiting (1,048,576).
	LargestMaxWaiting = 1 << 20
)

// CheckSizes checks the fields every admission pattern's Config has, in
// their order: it returns maxInFlight (def for 0), or a
// *messages.ConfigError of pattern kind naming the first one out of its
// bounds (CheckInFlight, CheckWaiting).
func CheckSizes(kind string, maxInFlight, def, maxWaiting int, maxWait time.Duration) (int, error) {
	n, err := CheckInFlight(kind, maxInFlight, def)
	if err != nil {
		return maxInFlight, err
	}
	return n, CheckWaiting(kind, maxWaiting, maxWait)
}

// CheckInFlight returns maxInFlight (def for 0), or a *messages.ConfigError
// of pattern kind naming MaxInFlight outside 0..LargestMaxInFlight.
func CheckInFlight(kind string, maxInFlight, def int) (int, error) {
	switch {
	case maxInFlight < 0 || maxInFlight > LargestMaxInFlight:
		return maxInFlight, messages.InvalidConfig(kind, "MaxInFlight", maxInFlight, "must be 1..1048576 (0: default "+strconv.Itoa(def)+")")
	case maxInFlight == 0:
		return def, nil
	}
	return maxInFlight, nil
}

// CheckWaiting returns a *messages.ConfigError of pattern kind naming
// MaxWaiting outside 0..LargestMaxWaiting or a negative MaxWait, or nil.
func CheckWaiting(kind string, maxWaiting int, maxWait time.Duration) error {
	if maxWaiting < 0 || maxWaiting > LargestMaxWaiting {
		return messages.InvalidConfig(kind, "MaxWaiting", maxWaiting, "must be 0..1048576")
	}
	if maxWait < 0 {
		return messages.InvalidConfig(kind, "MaxWait", maxWait, "must be at least 0 (0: wait until the context ends)")
	}
	return nil
}
