package httpmw

import (
	"context"
	"net/http"

	"github.com/bulwark-go/bulwark/engine"
	"github.com/bulwark-go/bulwark/messages"
)

// PriorityAcquirer is an admission pattern that ranks calls by priority:
// *loadshed.Shedder is one.
type PriorityAcquirer interface {
	AcquirePriority(ctx context.Context, p messages.Priority) (engine.Permit, error)
	Release(p engine.Permit, o messages.Outcome)
}

// Prioritized returns an engine.Guard for Compose's Policies.Admission
// that asks s for a slot at the priority prio gives the request being
// served (RequestFrom; messages.Normal when the context carries none, or
// when prio is nil). prio must be safe for concurrent use.
func Prioritized(s PriorityAcquirer, prio func(*http.Request) messages.Priority) engine.Guard {
	return prioritized{s: s, prio: prio}
}

type prioritized struct {
	s    PriorityAcquirer
	prio func(*http.Request) messages.Priority
}

func (g prioritized) Acquire(ctx context.Context) (engine.Permit, error) {
	p := messages.Normal
	if r, ok := RequestFrom(ctx); ok && g.prio != nil {
		p = g.prio(r)
	}
	return g.s.AcquirePriority(ctx, p)
}

func (g prioritized) Release(p engine.Permit, o messages.Outcome) { g.s.Release(p, o) }

// PriorityHeader returns a priority function for Prioritized that reads
// the request header name ("low", "normal", "high" or "critical",
// messages.ParsePriority); a missing or unknown value is messages.Normal.
// Believe it only from callers you trust: anyone can send any header, so
// strip it at the edge or cap it (a client must not make itself
// Critical).
func PriorityHeader(name string) func(*http.Request) messages.Priority {
	return func(r *http.Request) messages.Priority {
		p, err := messages.ParsePriority(r.Header.Get(name))
		if err != nil {
			return messages.Normal
		}
		return p
	}
}
