// Package waitqtest helps the admission patterns' tests keep the permits
// they were granted, so that a test can release "one slot" without
// holding each permit in a variable.
package waitqtest

import (
	"sync"

	"github.com/bulwark-go/bulwark/engine"
)

// Holdings are permits held, by the instance that granted them. Its zero
// value holds nothing; it is safe for concurrent use.
type Holdings struct {
	mu sync.Mutex
	m  map[any][]engine.Permit
}

// Put keeps p, granted by owner.
func (h *Holdings) Put(owner any, p engine.Permit) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.m == nil {
		h.m = map[any][]engine.Permit{}
	}
	h.m[owner] = append(h.m[owner], p)
}

// Take returns the oldest permit kept for owner and forgets it; without
// one it returns the zero Permit and false.
func (h *Holdings) Take(owner any) (engine.Permit, bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	ps := h.m[owner]
	if len(ps) == 0 {
		return engine.Permit{}, false
	}
	p := ps[0]
	h.m[owner] = ps[1:]
	return p, true
}
