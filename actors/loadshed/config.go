package loadshed

import (
	"reflect"
	"time"

	"github.com/bulwark-go/bulwark/actors/internal/admit"
	"github.com/bulwark-go/bulwark/messages"
)

// Kind is the pattern name of the load shedder in events, errors and the
// supervisor's registry.
const Kind = "loadshed"

// DefaultMaxInFlight is the default Config.MaxInFlight (the original's
// max_requests).
const DefaultMaxInFlight = 1000

// Signal is an outside measure of load, such as a host's CPU and memory
// (the system-aware shedder). Level is called on every Acquire: it must not
// block and should cost no more than an atomic load. A Signal in a Config
// must be comparable (a pointer, say) so that the registry can tell two
// Configs apart.
type Signal interface {
	Level() LoadLevel
}

// Bounds of Config: a larger value is a *messages.ConfigError.
// LargestMaxInFlight is the largest Config.MaxInFlight (1,048,576, the
// most permits one instance can track), LargestMaxWaiting the largest
// Config.MaxWaiting (1,048,576).
const LargestMaxInFlight, LargestMaxWaiting = admit.LargestMaxInFlight, admit.LargestMaxWaiting

// Config configures a Shedder. Zero fields take the documented defaults:
// the zero Config admits 1000 calls at once and nobody waits. Making a
// shedder does no work proportional to any field: slots and the queue
// grow with use.
type Config struct {
	// MaxInFlight is the hard limit on calls admitted at once (default
	// DefaultMaxInFlight; 1..LargestMaxInFlight).
	MaxInFlight int
	// MaxWaiting is how many calls may wait for a slot (default 0: nobody
	// waits, a call that finds every slot taken is shed at once with
	// ReasonQueueFull; 0..LargestMaxWaiting).
	MaxWaiting int
	// MaxWait is how long a waiting call waits for a slot before it is
	// shed with ReasonWaitTimeout (default 0: until its context ends;
	// negative is an error).
	MaxWait time.Duration
	// Signal, if set, is an outside load level combined with utilisation:
	// see the package doc for what each level sheds. Its dynamic type must
	// be comparable (a pointer, say). Two Configs are the same only with
	// the same Signal: the very same pointer, or equal values of a type
	// held by copy.
	Signal Signal
}

func (c Config) withDefaults() (Config, error) {
	var err error
	if c.MaxInFlight, err = admit.CheckSizes(Kind, c.MaxInFlight, DefaultMaxInFlight, c.MaxWaiting, c.MaxWait); err != nil {
		return c, err
	}
	if c.Signal != nil && !reflect.TypeOf(c.Signal).Comparable() {
		return c, messages.InvalidConfig(Kind, "Signal", reflect.TypeOf(c.Signal), "must be of a comparable type (a pointer, say)")
	}
	return c, nil
}

// Validate returns a *messages.ConfigError naming the first field out of
// its range, or nil.
func (c Config) Validate() error {
	_, err := c.withDefaults()
	return err
}
