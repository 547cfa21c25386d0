// Package waitqtest holds what the admission patterns' tests share:
// Holdings keeps the permits a test was granted, so that it can release
// "one slot" without a variable for each permit, and CheckMisuse checks
// that a misused Release frees nothing.
package waitqtest

import (
	"context"
	"errors"
	"sync"
	"testing"

	"github.com/bulwark-go/bulwark/engine"
	"github.com/bulwark-go/bulwark/messages"
)

// Holdings are permits held, by the instance that granted them. Its zero
// value holds nothing; it is safe for concurrent use: the map travels in a
// one-slot channel, and whoever has taken it out owns it until it puts it
// back.
type Holdings struct {
	once sync.Once
	box  chan map[any][]engine.Permit
}

func (h *Holdings) take() map[any][]engine.Permit {
	h.once.Do(func() {
		h.box = make(chan map[any][]engine.Permit, 1)
		h.box <- map[any][]engine.Permit{}
	})
	return <-h.box
}

// Put keeps p, granted by owner.
func (h *Holdings) Put(owner any, p engine.Permit) {
	m := h.take()
	m[owner] = append(m[owner], p)
	h.box <- m
}

// Take returns the oldest permit kept for owner and forgets it; without
// one it returns the zero Permit and false.
func (h *Holdings) Take(owner any) (engine.Permit, bool) {
	m := h.take()
	defer func() { h.box <- m }()
	ps := m[owner]
	if len(ps) == 0 {
		return engine.Permit{}, false
	}
	m[owner] = ps[1:]
	return ps[0], true
}

// Pair is what CheckMisuse needs of a pattern: two instances whose limit
// is 3 (g and other), and g's figures.
type Pair struct {
	G, Other engine.Guard
	// Figures returns how many permits g holds and how many misused
	// Releases it counted.
	Figures func() (inUse int, misused uint64)
}

// CheckMisuse checks that a misused Release — the same permit twice, the
// zero Permit, a permit of another instance — frees nothing: with 3
// permits held at limit 3 a fourth Acquire is still refused, g counts one
// misuse, and releasing the 3 permits frees every slot.
func CheckMisuse(t *testing.T, newPair func(t *testing.T) Pair) {
	t.Helper()
	ctx := context.Background()
	for _, tc := range []struct {
		name   string
		misuse func(t *testing.T, pr Pair, held []engine.Permit)
	}{
		{"double release", func(t *testing.T, pr Pair, held []engine.Permit) {
			first := held[0]
			pr.G.Release(first, messages.Success)
			p, err := pr.G.Acquire(ctx) // the slot first gave back
			if err != nil {
				t.Fatalf("Acquire after a release: %v", err)
			}
			held[0] = p
			pr.G.Release(first, messages.Success) // again
		}},
		{"zero permit", func(_ *testing.T, pr Pair, _ []engine.Permit) {
			pr.G.Release(engine.Permit{}, messages.Success)
		}},
		{"foreign permit", func(t *testing.T, pr Pair, _ []engine.Permit) {
			p, err := pr.Other.Acquire(ctx)
			if err != nil {
				t.Fatalf("other.Acquire: %v", err)
			}
			pr.G.Release(p, messages.Success)
			pr.Other.Release(p, messages.Success)
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			pr := newPair(t)
			held := make([]engine.Permit, 3)
			for i := range held {
				var err error
				if held[i], err = pr.G.Acquire(ctx); err != nil {
					t.Fatalf("Acquire #%d: %v", i+1, err)
				}
			}
			tc.misuse(t, pr, held)
			if p, err := pr.G.Acquire(ctx); err == nil {
				pr.G.Release(p, messages.Success)
				t.Fatalf("a fourth Acquire at limit 3: got a permit, want a refusal")
			}
			if inUse, misused := pr.Figures(); inUse != 3 || misused != 1 {
				t.Fatalf("in use, misused: got %d, %d, want 3, 1", inUse, misused)
			}
			for _, p := range held {
				pr.G.Release(p, messages.Success)
			}
			if inUse, misused := pr.Figures(); inUse != 0 || misused != 1 {
				t.Fatalf("after releasing every permit: in use, misused: got %d, %d, want 0, 1", inUse, misused)
			}
		})
	}
}

// Call is one call of a handle, named for failure messages.
type Call struct {
	Name string
	Do   func() error
}

// WantErr checks that every call returns an error wrapping want.
func WantErr(t *testing.T, want error, calls ...Call) {
	t.Helper()
	for _, c := range calls {
		if err := c.Do(); !errors.Is(err, want) {
			t.Errorf("%s: got %v, want an error wrapping %v", c.Name, err, want)
		}
	}
}

// Forged returns a permit made up from op for a fuzz target's misuse step,
// and false when its token happens to be one of held's: a Guard cannot tell
// such a token from the permit it copies (tokens are small numbers from
// sequential ledger ids), so releasing it is not misuse.
func Forged(op byte, held []engine.Permit) (engine.Permit, bool) {
	p := engine.Permit{Token: uint64(op) << 40}
	for _, h := range held {
		if h.Token == p.Token {
			return p, false
		}
	}
	return p, true
}
