package loadshed

import (
	"reflect"

	"github.com/bulwark-go/bulwark/actors/internal/waitq"
	"github.com/bulwark-go/bulwark/messages"
)

// Kind is the pattern name of the load shedder in events, errors and the
// supervisor's registry.
const Kind = "loadshed"

// Defaults of Config.
const (
	// DefaultMaxInFlight is the default Config.MaxInFlight (the original's
	// max_requests).
	DefaultMaxInFlight = 1000
	// DefaultMaxQueue is the default Config.MaxQueue (the original's
	// max_queue_depth).
	DefaultMaxQueue = 500
)

// NoQueue, as Config.MaxQueue, turns the queue off: a call that finds every
// slot taken is shed at once.
const NoQueue = -1

// Signal is an outside measure of load, such as a host's CPU and memory
// (the system-aware shedder). Level is called on every Acquire: it must not
// block and should cost no more than an atomic load. A Signal in a Config
// must be comparable (a pointer, say) so that the registry can tell two
// Configs apart.
type Signal interface {
	Level() LoadLevel
}

// Bounds of Config: a larger value is a *messages.ConfigError.
const (
	// MaxMaxInFlight is the largest Config.MaxInFlight (1,048,576, the most
	// permits one instance can track).
	MaxMaxInFlight = waitq.MaxPermits
	// MaxMaxQueue is the largest Config.MaxQueue (1,048,576).
	MaxMaxQueue = 1 << 20
)

// Config configures a Shedder. Zero fields take the documented defaults.
// Making a shedder does no work proportional to any field: slots and the
// queue grow with use.
type Config struct {
	// MaxInFlight is the hard limit on calls admitted at once (default
	// DefaultMaxInFlight; 1..MaxMaxInFlight).
	MaxInFlight int
	// MaxQueue is how many calls may wait for a slot (default
	// DefaultMaxQueue; NoQueue for none; 1..MaxMaxQueue).
	MaxQueue int
	// Signal, if set, is an outside load level combined with utilisation:
	// see the package doc for what each level sheds. Its dynamic type must
	// be comparable (a pointer, say).
	Signal Signal
}

// Validate returns a *messages.ConfigError naming the first field out of
// its range, or nil.
func (c Config) Validate() error {
	_, err := c.withDefaults()
	return err
}

func (c Config) withDefaults() (Config, error) {
	if c.MaxInFlight < 0 || c.MaxInFlight > MaxMaxInFlight {
		return c, messages.InvalidConfig(Kind, "MaxInFlight", c.MaxInFlight, "must be 1..1048576 (0: default 1000)")
	}
	if c.MaxQueue < NoQueue || c.MaxQueue > MaxMaxQueue {
		return c, messages.InvalidConfig(Kind, "MaxQueue", c.MaxQueue, "must be 1..1048576, 0 (default 500) or NoQueue (-1)")
	}
	if c.Signal != nil && !reflect.TypeOf(c.Signal).Comparable() {
		return c, messages.InvalidConfig(Kind, "Signal", reflect.TypeOf(c.Signal), "must be of a comparable type (a pointer, say)")
	}
	if c.MaxInFlight == 0 {
		c.MaxInFlight = DefaultMaxInFlight
	}
	switch c.MaxQueue {
	case 0:
		c.MaxQueue = DefaultMaxQueue
	case NoQueue:
		c.MaxQueue = 0
	}
	return c, nil
}
