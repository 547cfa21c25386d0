package dashboard

import (
	"cmp"
	"time"

	"github.com/bulwark-go/bulwark/adapters/dashboard/inventory"
	"github.com/bulwark-go/bulwark/messages"
)

// Defaults and bounds of Options.
const (
	// DefaultTimeout bounds the Stats reads of one /status request.
	DefaultTimeout = 2 * time.Second
	// MaxTimeout is the largest Timeout and WriteTimeout (one minute).
	MaxTimeout = time.Minute
	// DefaultMaxInstances is how many instances /status lists by default.
	DefaultMaxInstances = 10_000
	// DefaultMaxClients is how many /events clients may be connected at once.
	DefaultMaxClients = 32
	// MaxClients is the largest Options.MaxClients (4,096).
	MaxClients = 4096
	// DefaultClientBuffer is how many events may wait for one client.
	DefaultClientBuffer = 256
	// MaxClientBuffer is the largest Options.ClientBuffer (16,384 events,
	// a few MiB for one client).
	MaxClientBuffer = 1 << 14
	// DefaultWriteTimeout is how long a write to an event client may take.
	DefaultWriteTimeout = 5 * time.Second
	// DefaultHeartbeat is how often an idle event stream sends a comment to
	// keep proxies from closing it.
	DefaultHeartbeat = 15 * time.Second
	// MaxCritical bounds Options.Critical (1,000 names).
	MaxCritical = 1000
	// MaxFilterValues bounds the values of one /events query parameter.
	MaxFilterValues = 64
)

// Options configures a Handler. The zero value takes every default.
type Options struct {
	// Critical names the circuit breakers whose OPEN state makes /healthz
	// answer 503 (at most MaxCritical names); a name with no breaker (yet)
	// counts as closed. Empty: /healthz is always 200 while the engine runs.
	Critical []string
	// Timeout bounds the Stats reads of one /status request, all instances
	// together (default DefaultTimeout, at most MaxTimeout); an instance
	// that does not answer in time is listed without stats.
	Timeout time.Duration
	// MaxInstances is how many instances /status lists at most (default
	// DefaultMaxInstances, at most inventory.MaxInstances).
	MaxInstances int
	// MaxClients is how many /events clients may be connected at once
	// (default DefaultMaxClients, at most MaxClients); more get 503.
	MaxClients int
	// ClientBuffer is how many events may wait for one client (default
	// DefaultClientBuffer, at most MaxClientBuffer); events past it
	// are dropped for that client and counted.
	ClientBuffer int
	// WriteTimeout is how long one write to an event client may take before
	// the client is disconnected (default DefaultWriteTimeout, at most
	// MaxTimeout).
	WriteTimeout time.Duration
	// Heartbeat is how often an idle event stream sends a keep-alive
	// comment (default DefaultHeartbeat, at most MaxTimeout).
	Heartbeat time.Duration
	// Instances holds the stateless instances (retry, timeout, deadline,
	// fallback, hedge, coalesce, cache) to list besides the supervised ones; it may be shared with
	// a metrics collector. Nil: the Handler keeps its own, filled by Add.
	Instances *inventory.Set
}

// Validate returns a *messages.ConfigError naming the first field out of
// its bounds, or nil.
func (o Options) Validate() error {
	durations := []struct {
		field string
		v     time.Duration
	}{{"Timeout", o.Timeout}, {"WriteTimeout", o.WriteTimeout}, {"Heartbeat", o.Heartbeat}}
	for _, d := range durations {
		if d.v < 0 || d.v > MaxTimeout {
			return messages.InvalidConfig("dashboard", d.field, d.v, "must be in [0, 1m] (0: default)")
		}
	}
	switch {
	case len(o.Critical) > MaxCritical:
		return messages.InvalidConfig("dashboard", "Critical", len(o.Critical), "must hold at most MaxCritical (1000) names")
	case o.MaxInstances < 0 || o.MaxInstances > inventory.MaxInstances:
		return messages.InvalidConfig("dashboard", "MaxInstances", o.MaxInstances, "must be in [0, 1000000] (0: default 10000)")
	case o.MaxClients < 0 || o.MaxClients > MaxClients:
		return messages.InvalidConfig("dashboard", "MaxClients", o.MaxClients, "must be in [0, 4096] (0: default 32)")
	case o.ClientBuffer < 0 || o.ClientBuffer > MaxClientBuffer:
		return messages.InvalidConfig("dashboard", "ClientBuffer", o.ClientBuffer, "must be in [0, 16384] (0: default 256)")
	}
	return nil
}

func (o Options) withDefaults() Options {
	o.Timeout = cmp.Or(o.Timeout, DefaultTimeout)
	o.WriteTimeout = cmp.Or(o.WriteTimeout, DefaultWriteTimeout)
	o.Heartbeat = cmp.Or(o.Heartbeat, DefaultHeartbeat)
	o.MaxInstances = cmp.Or(o.MaxInstances, DefaultMaxInstances)
	o.MaxClients = cmp.Or(o.MaxClients, DefaultMaxClients)
	o.ClientBuffer = cmp.Or(o.ClientBuffer, DefaultClientBuffer)
	if o.Instances == nil {
		o.Instances = &inventory.Set{}
	}
	o.Critical = append([]string(nil), o.Critical...)
	return o
}
