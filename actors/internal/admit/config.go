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

// CheckInFlight returns a *messages.ConfigError of pattern kind naming
// MaxInFlight outside 0..LargestMaxInFlight, or sets *maxInFlight to def
// if it is 0 and returns nil.
func CheckInFlight(kind string, maxInFlight *int, def int) error {
	if n := *maxInFlight; n < 0 || n > LargestMaxInFlight {
		return messages.InvalidConfig(kind, "MaxInFlight", n, "must be 1..1048576 (0: default "+strconv.Itoa(def)+")")
	}
	if *maxInFlight == 0 {
		*maxInFlight = def
	}
	return nil
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
