package grpc

import (
	"context"
	"net"
	"net/netip"
	"reflect"

	"google.golang.org/grpc"
	"google.golang.org/grpc/peer"

	"github.com/bulwark-go/bulwark/actors/ratelimit"
	"github.com/bulwark-go/bulwark/engine"
	"github.com/bulwark-go/bulwark/messages"
)

// LongestMethods is the most entries Rates.Methods may hold.
const LongestMethods = 4096

// Rates says which rate a server call is limited under: its method's,
// else Default. The zero value limits nothing.
type Rates struct {
	// Default is the rate (ratelimit.ParseRate) of a call whose method has
	// none of its own; "" lets such calls through.
	Default string
	// Methods maps a full method name ("/pkg.Service/Method", as
	// grpc.Method reports it) to its rate; each method has its own limit
	// per key. At most LongestMethods.
	Methods map[string]string
}

// RateGuard limits a server's calls per client and per method: an
// engine.Guard for the server interceptors' Policies.RateLimiter. Release
// does nothing. It is safe for concurrent use.
type RateGuard struct {
	l       ratelimit.Interface
	def     ratelimit.Rate
	hasDef  bool
	methods map[string]ratelimit.Rate
	key     func(context.Context) string
}

var _ engine.Guard = (*RateGuard)(nil)

// NewRateGuard returns a RateGuard on l, in process (*ratelimit.Limiter)
// or shared through Redis (adapters/redis); key (nil: PeerAddr) names the
// client of a call. A malformed rate, or one l cannot hold, is an error
// (a *ratelimit.RateError); so are a nil l and too many methods
// (*messages.ConfigError).
func NewRateGuard(l ratelimit.Interface, rs Rates, key func(context.Context) string) (*RateGuard, error) {
	if l == nil || reflect.ValueOf(l).Kind() == reflect.Pointer && reflect.ValueOf(l).IsNil() {
		return nil, messages.InvalidConfig(Kind, "Limiter", "nil", "must be a rate limiter")
	}
	if len(rs.Methods) > LongestMethods {
		return nil, messages.InvalidConfig(Kind, "Rates.Methods", len(rs.Methods), "must hold at most 4096 methods")
	}
	g := &RateGuard{l: l, key: key, methods: make(map[string]ratelimit.Rate, len(rs.Methods))}
	if g.key == nil {
		g.key = PeerAddr
	}
	parse := func(rate string) (ratelimit.Rate, error) {
		r, err := ratelimit.ParseRate(rate)
		if err == nil {
			_, err = l.Guard("", r) // the limiter's own bounds on a rate
		}
		return r, err
	}
	var err error
	if rs.Default != "" {
		if g.def, err = parse(rs.Default); err != nil {
			return nil, err
		}
		g.hasDef = true
	}
	for m, rate := range rs.Methods {
		if g.methods[m], err = parse(rate); err != nil {
			return nil, err
		}
	}
	return g, nil
}

// Acquire admits the call in ctx under its method's rate, or returns the
// limiter's refusal (RESOURCE_EXHAUSTED through the interceptors).
func (g *RateGuard) Acquire(ctx context.Context) (engine.Permit, error) {
	method, _ := grpc.Method(ctx)
	key := g.key(ctx)
	r, ok := g.methods[method]
	if ok {
		key += "\x00" + method
	} else if r, ok = g.def, g.hasDef; !ok {
		return engine.Permit{}, nil
	}
	return engine.Permit{}, g.l.AllowRate(ctx, key, r)
}

// Release does nothing: a rate limit holds no slot.
func (g *RateGuard) Release(engine.Permit, messages.Outcome) {}

// PeerAddr is the address of the client of a server call (its IP, the
// port left out), or "" when ctx has no peer. Behind a proxy, use a key
// function that reads what the proxy vouches for instead.
func PeerAddr(ctx context.Context) string {
	p, ok := peer.FromContext(ctx)
	if !ok || p.Addr == nil {
		return ""
	}
	s := p.Addr.String()
	if ap, err := netip.ParseAddrPort(s); err == nil {
		return ap.Addr().Unmap().String()
	}
	if host, _, err := net.SplitHostPort(s); err == nil {
		return host
	}
	return s
}
